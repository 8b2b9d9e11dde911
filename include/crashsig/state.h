/*
 * state.h - what earlier runs already reported, so that a scheduled scan over a log that
 * still holds everything it saw last time reports each crash once (crashsig scan --state).
 *
 * The state is kept per log, i.e. per (computer, channel) as the events name them, never per
 * file: the export path is often a new temporary file on every run, and a forwarded log holds
 * the logs of many computers.  For each log it remembers
 *
 *   - a high-water mark: the highest EventRecordID and the newest event time already handled;
 *   - the identities (time, EventRecordID, event id) of the events handled near that mark,
 *     within STATE_RECENT_HORIZON_HOURS of the newest (at most STATE_MAX_RECENT of them);
 *   - "pending" .NET Runtime events: crashes whose Application Error 1000 was not in the log
 *     yet when it was exported.  They are not reported; the next run feeds them back to the
 *     correlator (scan_options.carried_events), so a 1000 written after the export still
 *     pairs with them.
 *
 * Rapid-Fail Protection outages (outage.h) are judged by their WAS 5002 the same way, in the
 * log the 5002 is in: an outage whose 5002 was already seen is not reported again, except
 * once, when an earlier run reported it still disabled and this run sees it end; the state
 * remembers those outages (at most STATE_MAX_OPEN_OUTAGES per log, for
 * STATE_OPEN_OUTAGE_DAYS) until then.
 *
 * An event was already seen when its identity is remembered, or when it lies at or below
 * both marks and older than the remembered identities; an incident with an event already seen
 * is not reported again.  Everything a run read counts as seen, including what its filters
 * hid, so a state file belongs to one way of running crashsig.  A record id that goes backwards
 * (the log was cleared or replaced) therefore never hides a crash that happened after the mark, and
 * an event within the remembered window that is not remembered is new even when its record id
 * and time are below the mark (a cleared log on a clock that went back).  The full reasoning,
 * the limits and the file format are in docs/ci-and-scheduled-tasks.md.
 *
 * The file is JSON, schema "crashsig.state/1", replaced atomically (atomic_file.h) and guarded
 * by a lock on "FILE.lock" so that two runs cannot interleave.  A state file that cannot be
 * read or has another schema is an error, never silently replaced.
 *
 * Not for: deciding what a crash is (the scan does that) or filtering what is shown.
 */
#ifndef CRASHSIG_STATE_H
#define CRASHSIG_STATE_H

#include <stdio.h>

#include "crashsig/atomic_file.h"
#include "crashsig/result.h"

#define STATE_SCHEMA "crashsig.state/1"

/* Bounds that keep the state small; see docs/ci-and-scheduled-tasks.md for why these. */
#define STATE_RECENT_HORIZON_HOURS 24
#define STATE_MAX_RECENT           4096 /* remembered identities per log */
#define STATE_MAX_PENDING          64   /* held-back .NET events per log */
#define STATE_MAX_HELD_RUNS        3    /* a held-back event is reported after this many runs */
#define STATE_LOG_RETENTION_DAYS   400  /* logs quiet this long are forgotten */
#define STATE_MAX_LOGS             20000
#define STATE_MAX_OPEN_OUTAGES     64 /* outages reported still disabled, per log */
#define STATE_OPEN_OUTAGE_DAYS     30 /* ... remembered this long for their end */

struct state;

/* An empty state: the first run, or --reset-state. */
struct state *state_new(void);

/* Reads path.  A file that does not exist gives an empty state (the first run); one that
 * cannot be read, is not JSON, has another schema or a malformed field is an error whose
 * message names the file and the field. */
int state_load(const char *path, struct state **out, struct cs_error *err);

void state_free(struct state *state);

/* The held-back events, for scan_options.carried_events.  They stay valid, and so do the file
 * names the scan result's events borrow from them, until state_free. */
const struct event *state_carried_events(const struct state *state, size_t *count);

struct state_outcome {
    size_t reported;         /* incidents reported by this run */
    size_t already_seen;     /* incidents an earlier run already handled (reported or filtered) */
    size_t held_back;        /* .NET events held back for their 1000 */
    size_t outages_reported; /* outages this run reports for the first time */
    size_t outages_ended;    /* outages reported still disabled before, ended now */
    size_t outages_already_seen; /* outages an earlier run already handled */
};

/* What a run does with one outage of the scan. */
enum state_outage_verdict {
    STATE_OUTAGE_ALREADY_SEEN, /* an earlier run handled its 5002: not reported */
    STATE_OUTAGE_NEW,          /* reported */
    STATE_OUTAGE_NOW_ENDED,    /* reported once more: reported still disabled before, ended now */
};

/*
 * Decides, for every incident of a scan made with state_carried_events, whether this run
 * reports it (keep[i]), and for every outage what it does with it (outages[i]), and records
 * the run in the state: marks, remembered identities, the new pending events and the outages
 * still disabled.  The result's window_ms is the pairing window; its inputs' modification
 * times (an export is written after everything it holds) tell how far a log reached when it
 * was exported.
 */
void state_record_run(struct state *state, const struct run_result *result, bool *keep,
                      enum state_outage_verdict *outages, struct state_outcome *outcome);

/* Writes the state as JSON. */
int state_write(const struct state *state, FILE *out);

/* Writes the state to a temporary file beside path and closes it (atomic_file_begin and
 * _close): atomic_file_publish then replaces path, atomic_file_discard gives up. */
int state_save_begin(const struct state *state, const char *path, struct atomic_file *af,
                     struct cs_error *err);

/*
 * One run's hold on a state file, in the order a run needs it: state_file_open takes the lock
 * (state_lock_acquire), removes what killed runs left (their temporary files: no other run
 * can be writing while the lock is held) and reads the state, or starts an empty one with
 * reset; state_file_save replaces the file atomically; state_file_close frees the state and
 * releases the lock.  The scan result's events borrow file names from the state, so close it
 * after the result is freed.
 */
struct state_file;
int state_file_open(const char *path, bool reset, struct state_file **out, struct cs_error *err);
struct state *state_file_state(const struct state_file *file);
int state_file_save(struct state_file *file, struct cs_error *err);
void state_file_close(struct state_file *file);

/* Takes the lock on "path.lock" (created if needed and left in place), without waiting: when
 * another run holds it this fails with a message saying so. */
struct state_lock;
int state_lock_acquire(const char *path, struct state_lock **out, struct cs_error *err);
void state_lock_release(struct state_lock *lock);

#endif
