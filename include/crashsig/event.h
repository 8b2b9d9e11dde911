/*
 * event.h - the normalized event the reader hands to the rest of the pipeline.
 *
 * One struct event is one EVTX record of interest, with every value copied out of libevtx
 * (libevtx reuses its record handles, so nothing here points into the library).  It carries the
 * record's identity (file, EVTX record id, <EventRecordID>), the event's own TimeCreated, the
 * System fields the matcher needs and the EventData strings, named when the event uses the
 * manifest layout (<Data Name="...">) and unnamed in the classic layout.
 *
 * Not for: interpreting the strings.  That is the job of the event parsers (dotnet_crash.h,
 * app_error.h).
 */
#ifndef CRASHSIG_EVENT_H
#define CRASHSIG_EVENT_H

#include "crashsig/common.h"

struct event_data {
    size_t count;
    char **values; /* UTF-8, owned */
    char **names;  /* NULL for the classic layout, else count names (a name may be NULL) */
};

/* The small members sit together after the pointers and 64-bit values: a crash loop holds two
 * events a crash, 100,000 crashes, and padding between them would cost 16 bytes an event. */
struct event {
    const char *file;         /* input path, borrowed from the scan */
    uint64_t record_id;       /* EVTX record identifier, as libevtx returns it */
    uint64_t event_record_id; /* the event's <EventRecordID>; differs in forwarded logs */
    cs_filetime time;         /* System/TimeCreated/@SystemTime */
    cs_filetime written_time; /* record header's written time (batch time in forwarded logs) */
    char *computer;           /* owned */
    char *channel;            /* owned, may be "" */
    char *provider;           /* owned, Provider/@Name */
    struct event_data data;
    uint32_t event_id;
    uint8_t level;
    bool recovered; /* found by libevtx's recovery (slack space, cleared log) */
    /* data belongs to something that outlives the event (a .NET event's text is its shared
     * crash's, dotnet_crash.h): event_free leaves it, event_copy copies it. */
    bool data_borrowed;
    /* computer, channel and provider are shared strings (below): event_free releases them,
     * event_copy copies them into strings of the copy's own. */
    bool strings_shared;
};

/*
 * Shared strings: the same computer, channel, provider or module name written by thousands of
 * events (a crash loop) stored once.  A shared string is an ordinary NUL-terminated char * to
 * read, with a reference count in front of it; whoever holds one releases it with
 * shared_string_release, never free.  A pool hands out one string per distinct text and holds
 * a reference to each until it is freed; the strings live on in whoever holds them.
 */
struct string_pool;

struct string_pool *string_pool_new(void);
void string_pool_free(struct string_pool *pool);
/* The pool's string equal to text, with a reference for the caller; NULL for NULL. */
char *string_pool_intern(struct string_pool *pool, const char *text);
/* Replaces the owned string *s by the pool's (freeing it). */
void string_pool_take(struct string_pool *pool, char **s);
void shared_string_release(char *s); /* NULL is fine */
/* FNV-1a over the bytes of text, from hash (FNV's offset basis to start). */
#define CS_FNV64_OFFSET_BASIS 0xcbf29ce484222325ull
uint64_t cs_fnv1a_text(uint64_t hash, const char *text);
/* The same over size bytes (a number, a pointer). */
uint64_t cs_fnv1a_bytes(uint64_t hash, const void *bytes, size_t size);

/* Makes e's computer, channel and provider the pool's strings. */
void event_share_strings(struct event *e, struct string_pool *pool);

void event_data_free(struct event_data *d);
void event_free(struct event *e);                      /* frees the members, not e itself */
void event_move(struct event *dst, struct event *src); /* dst takes ownership; src is zeroed */
void event_copy(struct event *dst, const struct event *src); /* deep copy; file stays borrowed */

#endif
