/*
 * state.c - what a run does with the --state model (state.h): classify each event of the scan
 * as new, already reported or pending, decide which incidents to report and which .NET events
 * to hold back for their 1000, and move the marks, remembered identities and pending events
 * forward.  An outage is judged by its WAS 5002, as an event of the log the 5002 is in.
 * docs/ci-and-scheduled-tasks.md explains the rules; the comments here say how.
 *
 * Not for: reading or writing the state file (state_file.c).
 */
#include "state_internal.h"

#include <stdlib.h>
#include <string.h>

#include "crashsig/correlator.h"
#include "crashsig/platform.h"
#include "crashsig/timeutil.h"

#define HORIZON_TICKS     ((cs_filetime)STATE_RECENT_HORIZON_HOURS * 3600 * CS_TICKS_PER_SECOND)
#define RETENTION_TICKS   ((cs_filetime)STATE_LOG_RETENTION_DAYS * 86400 * CS_TICKS_PER_SECOND)
#define OPEN_OUTAGE_TICKS ((cs_filetime)STATE_OPEN_OUTAGE_DAYS * 86400 * CS_TICKS_PER_SECOND)

/* ---- the model --------------------------------------------------------------------------- */

struct state *state_new(void)
{
    return cs_xcalloc(1, sizeof(struct state));
}

void state_log_free(struct state_log *log)
{
    if (log == NULL)
        return;
    for (size_t i = 0; i < log->pending_count; i++)
        event_free(&log->pending[i].event);
    free(log->pending);
    free(log->recent);
    free(log->open_outages);
    free(log->computer);
    free(log->channel);
    free(log);
}

void state_free(struct state *state)
{
    if (state == NULL)
        return;
    for (size_t i = 0; i < state->log_count; i++)
        state_log_free(state->logs[i]);
    for (size_t i = 0; i < state->file_count; i++)
        free(state->files[i]);
    free(state->logs);
    free(state->files);
    free(state->carried);
    free(state);
}

int state_event_id_compare(const void *a, const void *b)
{
    const struct state_event_id *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    if (x->record != y->record)
        return x->record < y->record ? -1 : 1;
    return x->event_id < y->event_id ? -1 : x->event_id > y->event_id;
}

struct state_event_id state_event_identity(const struct event *ev)
{
    return (struct state_event_id){ev->time, ev->event_record_id, ev->event_id};
}

static int compare_log_key(const struct state_log *log, const char *computer, const char *channel)
{
    int r = cs_strcasecmp(log->computer, computer);
    return r ? r : cs_strcasecmp(log->channel, channel);
}

struct state_log *state_find_log(struct state *state, const char *computer, const char *channel,
                                 bool create)
{
    computer = computer ? computer : "";
    channel = channel ? channel : "";
    size_t lo = 0, hi = state->log_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = compare_log_key(state->logs[mid], computer, channel);
        if (r == 0)
            return state->logs[mid];
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!create)
        return NULL;
    struct state_log *log = cs_xcalloc(1, sizeof(*log));
    log->computer = cs_strdup(computer);
    log->channel = cs_strdup(channel);
    state->logs = cs_xrealloc(state->logs, (state->log_count + 1) * sizeof(*state->logs));
    memmove(&state->logs[lo + 1], &state->logs[lo], (state->log_count - lo) * sizeof(*state->logs));
    state->logs[lo] = log;
    state->log_count++;
    return log;
}

const char *state_intern_file(struct state *state, const char *file)
{
    file = file ? file : "";
    for (size_t i = 0; i < state->file_count; i++)
        if (strcmp(state->files[i], file) == 0)
            return state->files[i];
    state->files = cs_xrealloc(state->files, (state->file_count + 1) * sizeof(*state->files));
    state->files[state->file_count] = cs_strdup(file);
    return state->files[state->file_count++];
}

void state_rebuild_carried(struct state *state)
{
    size_t count = 0;
    for (size_t i = 0; i < state->log_count; i++)
        count += state->logs[i]->pending_count;
    free(state->carried);
    state->carried = cs_xcalloc(count, sizeof(*state->carried));
    state->carried_count = 0;
    for (size_t i = 0; i < state->log_count; i++)
        for (size_t k = 0; k < state->logs[i]->pending_count; k++)
            state->carried[state->carried_count++] = state->logs[i]->pending[k].event;
}

const struct event *state_carried_events(const struct state *state, size_t *count)
{
    *count = state->carried_count;
    return state->carried;
}

/* ---- one run ----------------------------------------------------------------------------- */

enum event_status { EVENT_NEW, EVENT_OLD, EVENT_PENDING };

struct run_event {
    const struct event *ev;
    struct state_log *log;
    enum event_status status;
    unsigned held_runs; /* when pending: runs that held it back before this one */
};

struct held_entry {
    struct run_event *re;
    size_t incident;
};

/* Per-log scratch for one run, parallel to state->logs (which a run does not reorder until it
 * is over). */
struct run_log {
    cs_filetime reach;    /* how far the log is known to have reached: newest time, mtime */
    bool touched;         /* some event of this run belongs to it */
    bool restarted;       /* a new event below the record mark: the log was cleared */
    bool has_live;        /* a non-recovered event of this run belongs to it */
    uint64_t live_record; /* highest EventRecordID among those */
    cs_filetime newest;   /* newest event time of this run in the log */
    size_t id_count, id_capacity;
    struct state_event_id *ids; /* identities of this run's events in the log */
    size_t held_count;          /* .NET events held back for their 1000 */
    struct held_entry *held;
};

struct run {
    struct state *state;
    const struct run_result *result;
    cs_filetime window_ticks;
    size_t event_count;
    /* two slots per incident: .NET side, 1000 side (ev NULL if none); then one per outage */
    struct run_event *events;
    struct event *outage_events; /* the outages' 5002s, one per outage (outage_event) */
    struct run_log *logs;        /* parallel to state->logs */
};

/* The position of log in state->logs, which stays sorted and unchanged during a run once
 * collect_events has created the logs it needs. */
static size_t log_index(const struct state *state, const struct state_log *log)
{
    size_t lo = 0, hi = state->log_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (state->logs[mid] == log)
            return mid;
        if (compare_log_key(state->logs[mid], log->computer, log->channel) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0; /* unreachable: every run_event's log is in the state */
}

static enum event_status classify(const struct state_log *log, const struct event *ev,
                                  unsigned *held_runs)
{
    struct state_event_id id = state_event_identity(ev);
    for (size_t i = 0; i < log->pending_count; i++) {
        struct state_event_id p = state_event_identity(&log->pending[i].event);
        if (state_event_id_compare(&p, &id) == 0) {
            *held_runs = log->pending[i].held_runs;
            return EVENT_PENDING;
        }
    }
    if (log->recent_count &&
        bsearch(&id, log->recent, log->recent_count, sizeof(id), state_event_id_compare))
        return EVENT_OLD;
    if (log->has_marks && ev->event_record_id <= log->high_record && ev->time <= log->high_time)
        /* below both marks: remembered if it is recent enough to be remembered at all */
        return ev->time >= log->recent_since ? EVENT_NEW : EVENT_OLD;
    return EVENT_NEW;
}

/* The modification time of the input ev was read from; carried events name their original
 * file, which need not be an input of this run, and then add nothing. */
static cs_filetime event_file_mtime(const struct run *run, const struct event *ev)
{
    for (size_t i = 0; ev->file && i < run->result->input_count; i++)
        if (run->result->inputs[i].path == ev->file ||
            strcmp(run->result->inputs[i].path, ev->file) == 0)
            return run->result->inputs[i].modified;
    return 0;
}

static void add_run_event(struct run *run, size_t slot, const struct event *ev)
{
    struct run_event *re = &run->events[slot];
    re->ev = ev;
    re->log = state_find_log(run->state, ev->computer, ev->channel, true);
    re->status = classify(re->log, ev, &re->held_runs);
}

/* The 5002 of an outage as an event of its log, so that the state judges and remembers it like
 * the events of incidents: identity, marks, the log it belongs to.  Its strings are the
 * outage's, borrowed for the run. */
static struct event outage_event(const struct outage *o)
{
    return (struct event){.file = o->was.file,
                          .record_id = o->was.record_id,
                          .event_record_id = o->was.event_record_id,
                          .time = o->was.time,
                          .computer = o->computer,
                          .channel = o->channel,
                          .event_id = o->was.event_id};
}

/* Classifies every event against the state as it was before this run. */
static void collect_events(struct run *run)
{
    const struct incident_list *incidents = &run->result->incidents;
    const struct outage_list *outages = &run->result->outages;
    run->event_count = incidents->count * 2 + outages->count;
    run->events = cs_xcalloc(run->event_count, sizeof(*run->events));
    run->outage_events = cs_xcalloc(outages->count + 1, sizeof(*run->outage_events));
    for (size_t i = 0; i < outages->count; i++) {
        run->outage_events[i] = outage_event(&outages->items[i]);
        add_run_event(run, incidents->count * 2 + i, &run->outage_events[i]);
    }
    for (size_t i = 0; i < incidents->count; i++) {
        const struct incident *incident = &incidents->items[i];
        if (incident->dotnet)
            add_run_event(run, 2 * i, &incident->dotnet->event);
        if (incident->app_error)
            add_run_event(run, 2 * i + 1, &incident->app_error->event);
        else if (incident->dotnet == NULL && incident_event(incident))
            /* only IIS saw it: its own record is remembered like a lone 1000 */
            add_run_event(run, 2 * i + 1, incident_event(incident));
    }
}

/* How far each log reached and whether it restarted.  Logs may have been created by
 * collect_events, so the per-log scratch is sized after it. */
static void measure_logs(struct run *run)
{
    run->logs = cs_xcalloc(run->state->log_count, sizeof(*run->logs));
    for (size_t i = 0; i < run->event_count; i++) {
        const struct run_event *re = &run->events[i];
        if (re->ev == NULL)
            continue;
        struct run_log *rl = &run->logs[log_index(run->state, re->log)];
        rl->touched = true;
        if (rl->id_count == rl->id_capacity) {
            rl->id_capacity = rl->id_capacity ? rl->id_capacity * 2 : 16;
            rl->ids = cs_xrealloc(rl->ids, rl->id_capacity * sizeof(*rl->ids));
        }
        rl->ids[rl->id_count++] = state_event_identity(re->ev);
        if (re->ev->time > rl->newest)
            rl->newest = re->ev->time;
        cs_filetime mtime = event_file_mtime(run, re->ev);
        if (re->ev->time > rl->reach)
            rl->reach = re->ev->time;
        if (mtime > rl->reach)
            rl->reach = mtime;
        if (re->ev->recovered)
            continue; /* a remnant in slack space says nothing about the live log */
        if (re->status == EVENT_NEW && re->log->has_marks &&
            re->ev->event_record_id <= re->log->high_record)
            rl->restarted = true;
        if (!rl->has_live || re->ev->event_record_id > rl->live_record)
            rl->live_record = re->ev->event_record_id;
        rl->has_live = true;
    }
}

/* A lone .NET event is held back while its log, as exported, had not yet reached the end of
 * its pairing window: the 1000 may simply not have been written yet. */
static bool should_hold(const struct run *run, const struct run_event *re)
{
    const struct run_log *rl = &run->logs[log_index(run->state, re->log)];
    return re->ev->time != 0 && rl->reach - re->ev->time <= run->window_ticks &&
           re->held_runs < STATE_MAX_HELD_RUNS;
}

static void hold(struct run *run, struct run_event *re, size_t incident)
{
    struct run_log *rl = &run->logs[log_index(run->state, re->log)];
    rl->held = cs_xrealloc(rl->held, (rl->held_count + 1) * sizeof(*rl->held));
    rl->held[rl->held_count++] = (struct held_entry){re, incident};
}

static void decide(struct run *run, bool *keep, struct state_outcome *outcome)
{
    for (size_t i = 0; i < run->result->incidents.count; i++) {
        struct run_event *d = run->events[2 * i].ev ? &run->events[2 * i] : NULL;
        struct run_event *a = run->events[2 * i + 1].ev ? &run->events[2 * i + 1] : NULL;
        keep[i] = false;
        if ((d && d->status == EVENT_OLD) || (a && a->status == EVENT_OLD)) {
            /* reported before, possibly with another partner: never twice */
            outcome->already_seen++;
        } else if (d && !a && should_hold(run, d)) {
            hold(run, d, i);
            outcome->held_back++;
        } else {
            keep[i] = true;
            outcome->reported++;
        }
    }
}

static bool has_id(const struct state_event_id *ids, size_t count, const struct state_event_id *id)
{
    return count && bsearch(id, ids, count, sizeof(*id), state_event_id_compare) != NULL;
}

/* Keeps ids sorted and unique. */
static void add_id(struct state_event_id **ids, size_t *count, const struct state_event_id *id)
{
    size_t at = 0;
    while (at < *count && state_event_id_compare(&(*ids)[at], id) < 0)
        at++;
    if (at < *count && state_event_id_compare(&(*ids)[at], id) == 0)
        return;
    *ids = cs_xrealloc(*ids, (*count + 1) * sizeof(**ids));
    memmove(*ids + at + 1, *ids + at, (*count - at) * sizeof(**ids));
    (*ids)[at] = *id;
    (*count)++;
}

static void remove_id(struct state_event_id *ids, size_t *count, const struct state_event_id *id)
{
    struct state_event_id *found =
        *count ? bsearch(id, ids, *count, sizeof(*id), state_event_id_compare) : NULL;
    if (found == NULL)
        return;
    memmove(found, found + 1, (size_t)(ids + *count - (found + 1)) * sizeof(*ids));
    (*count)--;
}

/*
 * An outage whose 5002 an earlier run handled is not reported again, ended or not: its alert
 * went out then.  One exception: an outage reported while the pool was still disabled is
 * reported once more when a run sees it end, so that whoever got the alert learns that the
 * site is back and how long it was down.  A new outage still disabled is remembered for that.
 * The open lists change as the run goes; classify() never reads them.
 */
static void decide_outages(struct run *run, enum state_outage_verdict *verdicts,
                           struct state_outcome *outcome)
{
    size_t first = run->result->incidents.count * 2;
    for (size_t i = 0; i < run->result->outages.count; i++) {
        const struct outage *o = &run->result->outages.items[i];
        const struct run_event *re = &run->events[first + i];
        struct state_log *log = re->log;
        struct state_event_id id = state_event_identity(re->ev);
        if (re->status != EVENT_OLD) {
            verdicts[i] = STATE_OUTAGE_NEW;
            outcome->outages_reported++;
            if (!o->ended)
                add_id(&log->open_outages, &log->open_outage_count, &id);
        } else if (o->ended && has_id(log->open_outages, log->open_outage_count, &id)) {
            verdicts[i] = STATE_OUTAGE_NOW_ENDED;
            outcome->outages_ended++;
            remove_id(log->open_outages, &log->open_outage_count, &id);
        } else {
            verdicts[i] = STATE_OUTAGE_ALREADY_SEEN;
            outcome->outages_already_seen++;
        }
    }
}

static int compare_held_time(const void *a, const void *b)
{
    const struct held_entry *x = a, *y = b;
    if (x->re->ev->time != y->re->ev->time)
        return x->re->ev->time < y->re->ev->time ? -1 : 1;
    return x->incident < y->incident ? -1 : x->incident > y->incident;
}

/* More held-back events than a log may keep: report the oldest now rather than grow. */
static void cap_held(struct run *run, bool *keep, struct state_outcome *outcome)
{
    for (size_t l = 0; l < run->state->log_count; l++) {
        struct run_log *rl = &run->logs[l];
        if (rl->held_count <= STATE_MAX_PENDING)
            continue;
        qsort(rl->held, rl->held_count, sizeof(*rl->held), compare_held_time);
        size_t release = rl->held_count - STATE_MAX_PENDING;
        for (size_t i = 0; i < release; i++) {
            keep[rl->held[i].incident] = true;
            outcome->reported++;
            outcome->held_back--;
        }
        memmove(rl->held, rl->held + release, STATE_MAX_PENDING * sizeof(*rl->held));
        rl->held_count = STATE_MAX_PENDING;
    }
}

/* ---- moving the state forward ------------------------------------------------------------ */

static void update_marks(struct state_log *log, const struct run_log *rl)
{
    cs_filetime newest = rl->newest;
    if (!log->has_marks) {
        log->has_marks = true;
        log->high_record = rl->live_record;
        log->high_time = newest;
        log->recent_since = 0; /* nothing was handled before: everything is in recent */
        return;
    }
    if (rl->restarted)
        log->high_record = rl->live_record; /* the record ids started over */
    else if (rl->has_live && rl->live_record > log->high_record)
        log->high_record = rl->live_record;
    if (newest > log->high_time)
        log->high_time = newest;
}

/* Adds this run's identities, then forgets those older than the horizon, and the oldest
 * beyond STATE_MAX_RECENT; recent_since moves up so that it stays true that every handled
 * event at or after it is remembered. */
static void update_recent(struct state_log *log, const struct run_log *rl)
{
    log->recent =
        cs_xrealloc(log->recent, (log->recent_count + rl->id_count) * sizeof(*log->recent));
    memcpy(log->recent + log->recent_count, rl->ids, rl->id_count * sizeof(*rl->ids));
    log->recent_count += rl->id_count;
    qsort(log->recent, log->recent_count, sizeof(*log->recent), state_event_id_compare);
    size_t unique = 0;
    for (size_t i = 0; i < log->recent_count; i++)
        if (unique == 0 || state_event_id_compare(&log->recent[unique - 1], &log->recent[i]) != 0)
            log->recent[unique++] = log->recent[i];
    log->recent_count = unique;

    cs_filetime floor = log->high_time > HORIZON_TICKS ? log->high_time - HORIZON_TICKS : 0;
    if (floor > log->recent_since)
        log->recent_since = floor;
    size_t first = 0;
    while (first < log->recent_count && log->recent[first].time < log->recent_since)
        first++;
    if (log->recent_count - first > STATE_MAX_RECENT) {
        first = log->recent_count - STATE_MAX_RECENT;
        log->recent_since = log->recent[first - 1].time + 1;
        while (first < log->recent_count && log->recent[first].time < log->recent_since)
            first++;
    }
    memmove(log->recent, log->recent + first, (log->recent_count - first) * sizeof(*log->recent));
    log->recent_count -= first;
}

/* An outage whose end no run has seen within STATE_OPEN_OUTAGE_DAYS of its log's newest
 * event (its 5002 has left the exports, or a person revived the pool long ago without a trace
 * crashsig reads) is forgotten, and past STATE_MAX_OPEN_OUTAGES the oldest are. */
static void trim_open_outages(struct state_log *log)
{
    cs_filetime floor = log->high_time > OPEN_OUTAGE_TICKS ? log->high_time - OPEN_OUTAGE_TICKS : 0;
    size_t first = 0;
    while (first < log->open_outage_count && log->open_outages[first].time < floor)
        first++;
    if (log->open_outage_count - first > STATE_MAX_OPEN_OUTAGES)
        first = log->open_outage_count - STATE_MAX_OPEN_OUTAGES;
    if (first == 0)
        return; /* also when there are none: open_outages may be NULL */
    memmove(log->open_outages, log->open_outages + first,
            (log->open_outage_count - first) * sizeof(*log->open_outages));
    log->open_outage_count -= first;
}

/* The pending events become exactly those held back by this run. */
static void update_pending(struct state *state, struct state_log *log, const struct run_log *rl)
{
    struct pending_event *pending = cs_xcalloc(rl->held_count, sizeof(*pending));
    for (size_t i = 0; i < rl->held_count; i++) {
        const struct run_event *re = rl->held[i].re;
        event_copy(&pending[i].event, re->ev);
        pending[i].event.file = state_intern_file(state, re->ev->file);
        pending[i].held_runs = re->held_runs + 1;
    }
    for (size_t i = 0; i < log->pending_count; i++)
        event_free(&log->pending[i].event);
    free(log->pending);
    log->pending = pending;
    log->pending_count = rl->held_count;
}

static int compare_log_age(const void *a, const void *b)
{
    const struct state_log *x = *(struct state_log *const *)a, *y = *(struct state_log *const *)b;
    if (x->high_time != y->high_time)
        return x->high_time > y->high_time ? -1 : 1; /* newest first */
    return compare_log_key(x, y->computer, y->channel);
}

static int compare_log_order(const void *a, const void *b)
{
    const struct state_log *x = *(struct state_log *const *)a, *y = *(struct state_log *const *)b;
    return compare_log_key(x, y->computer, y->channel);
}

/* Forgets logs that have been quiet for STATE_LOG_RETENTION_DAYS (measured against the newest
 * log, not the wall clock) and, past STATE_MAX_LOGS, the quietest. */
static void prune_logs(struct state *state)
{
    if (state->log_count == 0)
        return;
    qsort(state->logs, state->log_count, sizeof(*state->logs), compare_log_age);
    cs_filetime newest = state->logs[0]->high_time;
    size_t kept = 0;
    for (size_t i = 0; i < state->log_count; i++) {
        struct state_log *log = state->logs[i];
        bool stale = log->pending_count == 0 && newest > RETENTION_TICKS &&
                     log->high_time < newest - RETENTION_TICKS;
        if (stale || kept >= STATE_MAX_LOGS)
            state_log_free(log);
        else
            state->logs[kept++] = log;
    }
    state->log_count = kept;
    qsort(state->logs, state->log_count, sizeof(*state->logs), compare_log_order);
}

static void free_run(struct run *run)
{
    for (size_t i = 0; run->logs && i < run->state->log_count; i++) {
        free(run->logs[i].held);
        free(run->logs[i].ids);
    }
    free(run->logs);
    free(run->events);
    free(run->outage_events);
}

void state_record_run(struct state *state, const struct run_result *result, bool *keep,
                      enum state_outage_verdict *outages, struct state_outcome *outcome)
{
    memset(outcome, 0, sizeof(*outcome));
    struct run run = {.state = state, .result = result};
    run.window_ticks = correlator_window_ticks(result->window_ms);

    collect_events(&run);
    measure_logs(&run);
    decide(&run, keep, outcome);
    cap_held(&run, keep, outcome);
    decide_outages(&run, outages, outcome);
    for (size_t l = 0; l < state->log_count; l++) {
        if (!run.logs[l].touched)
            continue;
        update_marks(state->logs[l], &run.logs[l]);
        update_recent(state->logs[l], &run.logs[l]);
        update_pending(state, state->logs[l], &run.logs[l]);
        trim_open_outages(state->logs[l]);
    }
    free_run(&run);
    prune_logs(state);
    state_rebuild_carried(state);
}
