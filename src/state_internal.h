/*
 * state_internal.h - the in-memory shape of the --state model, shared by state.c (what a run
 * does to it) and state_file.c (its JSON file and lock).  Private to those two files.
 *
 * Not for: anyone else; include/crashsig/state.h is the interface.
 */
#ifndef CRASHSIG_STATE_INTERNAL_H
#define CRASHSIG_STATE_INTERNAL_H

#include "crashsig/state.h"

/* What identifies one event within its log. */
struct state_event_id {
    cs_filetime time;
    uint64_t record; /* EventRecordID */
    uint32_t event_id;
};

struct pending_event {
    struct event event; /* strings owned; event.file borrowed from the state's file pool */
    unsigned held_runs; /* runs that have held it back so far */
};

struct state_log {
    char *computer, *channel; /* owned; the log's identity, compared case-insensitively */
    bool has_marks;           /* false until an event of the log was handled */
    uint64_t high_record;     /* highest EventRecordID handled */
    cs_filetime high_time;    /* newest event time handled */
    /* Every handled event with a time at or after recent_since is in recent. */
    cs_filetime recent_since;
    size_t recent_count;
    struct state_event_id *recent; /* sorted by (time, record, event id), unique */
    size_t pending_count;
    struct pending_event *pending;
    /* The 5002s of outages reported while still disabled, whose end is still to be told;
     * sorted and unique like recent. */
    size_t open_outage_count;
    struct state_event_id *open_outages;
};

struct state {
    size_t log_count;
    struct state_log **logs; /* sorted by (computer, channel), case-insensitively */
    /* File names of pending events.  Scan results borrow them, so they are only freed with
     * the state, never when a pending event goes. */
    size_t file_count;
    char **files;
    size_t carried_count;
    struct event *carried; /* shallow views of every pending event, for the scan */
};

int state_event_id_compare(const void *a, const void *b);
struct state_event_id state_event_identity(const struct event *ev);

/* The log named computer/channel; created (empty) when create is set, else NULL if absent. */
struct state_log *state_find_log(struct state *state, const char *computer, const char *channel,
                                 bool create);
/* A copy of file in the state's pool (one per distinct name). */
const char *state_intern_file(struct state *state, const char *file);
void state_rebuild_carried(struct state *state);
void state_log_free(struct state_log *log);

#endif
