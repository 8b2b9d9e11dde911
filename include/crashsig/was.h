/*
 * was.h - parse a Windows Process Activation Service event (provider Microsoft-Windows-WAS,
 * System log): which application pool and which worker process it speaks of.
 *
 * WAS writes manifest events with named data, and the order of the names differs between
 * events (5011 "AppPoolID, ProcessID", the recycle events 5074-5081 "ProcessID, AppPoolID"),
 * so fields are found by Name, never by position.  A <Binary> error code may follow the
 * strings; it is not needed.
 *
 * Not for: joining the events to crashes (iis.h).
 */
#ifndef CRASHSIG_WAS_H
#define CRASHSIG_WAS_H

#include "crashsig/event.h"

/* IIS allows long pool names, but no real one comes near this; a longer AppPoolID is not a
 * pool name crashsig trusts. */
#define WAS_MAX_POOL_NAME 256

enum was_kind {
    WAS_WORKER_DIED,   /* 5009 terminated unexpectedly, 5011 fatal communication error */
    WAS_WORKER_HANG,   /* 5010 failed to respond to a ping */
    WAS_SLOW_SHUTDOWN, /* 5013 exceeded time limits during shut down: context only */
    WAS_POOL_DISABLED, /* 5002 Rapid-Fail Protection */
    WAS_WORKER_LIFE,   /* recycle and idle events (5074-5081, 5117, 5186): a worker lived */
};

struct was_fields {
    enum was_kind kind;
    char *app_pool; /* owned; NULL when absent or unusable (a warning says why) */
    bool has_process_id;
    uint32_t process_id; /* decimal in the event */
};

/* The kind of a WAS event id crashsig reads; false for another id. */
bool was_kind_of(uint32_t event_id, enum was_kind *kind);

/*
 * Parses the named data of a WAS event.  Returns 0 when the event is usable; *warning (of
 * warning_size bytes) is then non-empty when a field was missing or not to be trusted (no
 * ProcessID, a pid that is not a decimal number, an AppPoolID that is too long or holds
 * control characters), and that field is left unset.  Returns -1 with err set when the event
 * is of no use at all (not a WAS event id crashsig reads).  out is freed with was_fields_free
 * in both cases.
 */
int was_parse(uint32_t event_id, const struct event_data *data, struct was_fields *out,
              char *warning, size_t warning_size, struct cs_error *err);
void was_fields_free(struct was_fields *fields);

/* A decimal process id ("4228"), at most UINT32_MAX, nothing else around it. */
bool iis_parse_decimal_pid(const char *text, uint32_t *out);

/* True when text is a pool name to trust: 1..WAS_MAX_POOL_NAME bytes, no control character. */
bool iis_pool_name_ok(const char *text);

#endif
