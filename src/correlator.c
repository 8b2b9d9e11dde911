/*
 * correlator.c - pair .NET Runtime fatal events with Application Error 1000s (correlator.h).
 *
 * Events are collected, then paired once at the end:
 *   1. duplicates are dropped (the same event read twice: a recovered copy of a live record,
 *      or the same log given under two paths), keyed by computer, event id, EventRecordID and
 *      time;
 *   2. both lists are sorted by (computer, application, time), so the events that may pair sit
 *      in one run of each list;
 *   3. within a run, every (.NET event, 1000) couple whose gap is within the window becomes a
 *      candidate, candidates are ranked by gap and accepted greedily, each event at most once.
 * A 1000 written before its .NET event does not happen for a true pair (the runtime writes its
 * event before the process dies, WER after), so every backward gap ranks behind every forward
 * one: it still pairs when it is the only explanation (equal or skewed clocks), never in
 * preference to a forward candidate.
 *
 * Not for: classification.  The correlator never looks at frames or exception codes.
 */
#include "crashsig/correlator.h"

#include <stdlib.h>
#include <string.h>

struct correlator {
    uint64_t window_ticks;
    size_t dotnet_count, dotnet_capacity;
    struct dotnet_event **dotnet;
    size_t app_error_count, app_error_capacity;
    struct app_error_event **app_errors;
};

struct correlator *correlator_new(uint64_t window_ms)
{
    struct correlator *c = cs_xcalloc(1, sizeof(*c));
    c->window_ticks = (window_ms ? window_ms : CORRELATOR_DEFAULT_WINDOW_MS) * CS_TICKS_PER_MS;
    return c;
}

void correlator_free(struct correlator *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->dotnet_count; i++)
        dotnet_event_free(c->dotnet[i]);
    for (size_t i = 0; i < c->app_error_count; i++)
        app_error_event_free(c->app_errors[i]);
    free(c->dotnet);
    free(c->app_errors);
    free(c);
}

static void grow(void ***items, size_t *capacity, size_t count)
{
    if (count < *capacity)
        return;
    *capacity = *capacity ? *capacity * 2 : 64;
    *items = cs_xrealloc(*items, *capacity * sizeof(**items));
}

void correlator_add_dotnet(struct correlator *c, struct dotnet_event *ev)
{
    grow((void ***)&c->dotnet, &c->dotnet_capacity, c->dotnet_count);
    c->dotnet[c->dotnet_count++] = ev;
}

void correlator_add_app_error(struct correlator *c, struct app_error_event *ev)
{
    grow((void ***)&c->app_errors, &c->app_error_capacity, c->app_error_count);
    c->app_errors[c->app_error_count++] = ev;
}

static int compare_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

/* Order used for both sorting and duplicate detection: identity first, then provenance, so
 * that of two copies of one event the live record from the first-named file sorts first. */
static int compare_events(const struct event *a, const char *app_a, const struct event *b,
                          const char *app_b)
{
    int r = cs_strcasecmp(a->computer, b->computer);
    if (r == 0)
        r = cs_strcasecmp(app_a, app_b);
    if (r == 0)
        r = compare_u64(a->time, b->time);
    if (r == 0)
        r = compare_u64(a->event_id, b->event_id);
    if (r == 0)
        r = compare_u64(a->event_record_id, b->event_record_id);
    if (r == 0)
        r = (int)a->recovered - (int)b->recovered;
    if (r == 0)
        r = compare_u64(a->record_id, b->record_id);
    return r;
}

static bool same_event(const struct event *a, const struct event *b)
{
    return cs_strcasecmp(a->computer, b->computer) == 0 && a->time == b->time &&
           a->event_id == b->event_id && a->event_record_id == b->event_record_id;
}

static int compare_dotnet(const void *pa, const void *pb)
{
    const struct dotnet_event *a = *(struct dotnet_event *const *)pa;
    const struct dotnet_event *b = *(struct dotnet_event *const *)pb;
    return compare_events(&a->event, a->crash.application, &b->event, b->crash.application);
}

static int compare_app_error(const void *pa, const void *pb)
{
    const struct app_error_event *a = *(struct app_error_event *const *)pa;
    const struct app_error_event *b = *(struct app_error_event *const *)pb;
    return compare_events(&a->event, a->fault.app_name, &b->event, b->fault.app_name);
}

/* Removes adjacent duplicates from a sorted list, keeping the first (live, first-named). */
static size_t drop_dotnet_duplicates(struct dotnet_event **items, size_t count)
{
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (kept > 0 && same_event(&items[kept - 1]->event, &items[i]->event) &&
            cs_strcasecmp(items[kept - 1]->crash.application, items[i]->crash.application) == 0)
            dotnet_event_free(items[i]);
        else
            items[kept++] = items[i];
    }
    return kept;
}

static size_t drop_app_error_duplicates(struct app_error_event **items, size_t count)
{
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (kept > 0 && same_event(&items[kept - 1]->event, &items[i]->event) &&
            cs_strcasecmp(items[kept - 1]->fault.app_name, items[i]->fault.app_name) == 0)
            app_error_event_free(items[i]);
        else
            items[kept++] = items[i];
    }
    return kept;
}

struct candidate {
    uint64_t rank;
    size_t d, a; /* indexes into the sorted lists */
};

static int compare_candidates(const void *pa, const void *pb)
{
    const struct candidate *x = pa, *y = pb;
    int r = compare_u64(x->rank, y->rank);
    if (r == 0)
        r = compare_u64(x->d, y->d);
    if (r == 0)
        r = compare_u64(x->a, y->a);
    return r;
}

static int compare_group(const struct dotnet_event *d, const struct app_error_event *a)
{
    int r = cs_strcasecmp(d->event.computer, a->event.computer);
    return r ? r : cs_strcasecmp(d->crash.application, a->fault.app_name);
}

struct candidates {
    size_t count, capacity;
    struct candidate *items;
};

static void add_candidate(struct candidates *list, uint64_t rank, size_t d, size_t a)
{
    if (list->count == list->capacity) {
        list->capacity = list->capacity ? list->capacity * 2 : 64;
        list->items = cs_xrealloc(list->items, list->capacity * sizeof(*list->items));
    }
    list->items[list->count++] = (struct candidate){rank, d, a};
}

/* Candidates of one (computer, application) group: dotnet[d0..d1) x app_errors[a0..a1), both
 * sorted by time, so a sliding lower bound keeps this linear in the number of candidates. */
static void collect_group(const struct correlator *c, size_t d0, size_t d1, size_t a0, size_t a1,
                          struct candidates *out)
{
    size_t low = a0;
    for (size_t d = d0; d < d1; d++) {
        uint64_t t = c->dotnet[d]->event.time;
        while (low < a1 && c->app_errors[low]->event.time + c->window_ticks < t)
            low++;
        for (size_t a = low; a < a1; a++) {
            uint64_t ta = c->app_errors[a]->event.time;
            if (ta > t + c->window_ticks)
                break;
            uint64_t rank = ta >= t ? ta - t : c->window_ticks + (t - ta);
            add_candidate(out, rank, d, a);
        }
    }
}

static void collect_candidates(const struct correlator *c, struct candidates *out)
{
    size_t d = 0, a = 0;
    while (d < c->dotnet_count && a < c->app_error_count) {
        int r = compare_group(c->dotnet[d], c->app_errors[a]);
        if (r < 0) {
            d++;
        } else if (r > 0) {
            a++;
        } else {
            size_t d_end = d, a_end = a;
            while (d_end < c->dotnet_count &&
                   compare_group(c->dotnet[d_end], c->app_errors[a]) == 0)
                d_end++;
            while (a_end < c->app_error_count &&
                   compare_group(c->dotnet[d], c->app_errors[a_end]) == 0)
                a_end++;
            collect_group(c, d, d_end, a, a_end, out);
            d = d_end;
            a = a_end;
        }
    }
}

static int64_t gap_ms(cs_filetime from, cs_filetime to)
{
    int64_t ticks = to >= from ? (int64_t)(to - from) : -(int64_t)(from - to);
    /* round half away from zero to whole milliseconds */
    int64_t half = (int64_t)CS_TICKS_PER_MS / 2;
    return ticks >= 0 ? (ticks + half) / (int64_t)CS_TICKS_PER_MS
                      : -((-ticks + half) / (int64_t)CS_TICKS_PER_MS);
}

static int compare_incidents(const void *pa, const void *pb)
{
    const struct incident *x = pa, *y = pb;
    int r = compare_u64(incident_time(x), incident_time(y));
    if (r == 0)
        r = cs_strcasecmp(incident_computer(x), incident_computer(y));
    if (r == 0)
        r = cs_strcasecmp(incident_application(x), incident_application(y));
    if (r == 0) {
        const struct event *ex = x->dotnet ? &x->dotnet->event : &x->app_error->event;
        const struct event *ey = y->dotnet ? &y->dotnet->event : &y->app_error->event;
        r = compare_u64(ex->event_record_id, ey->event_record_id);
        if (r == 0)
            r = compare_u64(ex->record_id, ey->record_id);
    }
    return r;
}

/* qsort with a NULL base is undefined even for zero elements. */
static void sort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *))
{
    if (count > 1)
        qsort(base, count, size, compare);
}

void correlator_finish(struct correlator *c, struct incident_list *out)
{
    sort(c->dotnet, c->dotnet_count, sizeof(*c->dotnet), compare_dotnet);
    sort(c->app_errors, c->app_error_count, sizeof(*c->app_errors), compare_app_error);
    c->dotnet_count = drop_dotnet_duplicates(c->dotnet, c->dotnet_count);
    c->app_error_count = drop_app_error_duplicates(c->app_errors, c->app_error_count);

    struct candidates candidates = {0};
    collect_candidates(c, &candidates);
    sort(candidates.items, candidates.count, sizeof(*candidates.items), compare_candidates);

    size_t first = out->count;
    bool *app_error_taken = cs_xcalloc(c->app_error_count, sizeof(bool));
    bool *dotnet_taken = cs_xcalloc(c->dotnet_count, sizeof(bool));
    for (size_t i = 0; i < candidates.count; i++) {
        const struct candidate *k = &candidates.items[i];
        if (dotnet_taken[k->d] || app_error_taken[k->a])
            continue;
        dotnet_taken[k->d] = app_error_taken[k->a] = true;
        struct incident incident = {
            .dotnet = c->dotnet[k->d], .app_error = c->app_errors[k->a], .paired = true};
        incident.gap_ms = gap_ms(incident.dotnet->event.time, incident.app_error->event.time);
        incident_list_push(out, &incident);
    }
    for (size_t d = 0; d < c->dotnet_count; d++)
        if (!dotnet_taken[d])
            incident_list_push(out, &(struct incident){.dotnet = c->dotnet[d]});
    for (size_t a = 0; a < c->app_error_count; a++)
        if (!app_error_taken[a])
            incident_list_push(out, &(struct incident){.app_error = c->app_errors[a]});
    sort(out->items + first, out->count - first, sizeof(*out->items), compare_incidents);

    free(candidates.items);
    free(app_error_taken);
    free(dotnet_taken);
    c->dotnet_count = c->app_error_count = 0; /* the incidents own the events now */
}
