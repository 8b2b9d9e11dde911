/*
 * correlator.c - pair .NET Runtime fatal events with Application Error 1000s (correlator.h).
 *
 * Events are collected, then paired once at the end:
 *   1. duplicates are dropped (the same event read twice: a recovered copy of a live record,
 *      or the same log given under two paths), keyed by computer, event id, EventRecordID and
 *      time;
 *   2. both lists are sorted by (computer, application, time), so the events that may pair sit
 *      in one run of each list;
 *   3. within a run, couples whose gap is within the window are accepted smallest gap first
 *      (ties: lowest .NET event, then lowest 1000, in the sorted order), each event at most
 *      once.  A 1000 written before its .NET event does not happen for a true pair (the
 *      runtime writes its event before the process dies, WER after), so every backward gap
 *      ranks behind every forward one: it still pairs when it is the only explanation (equal
 *      or skewed clocks), never in preference to a forward candidate.
 * Step 3 never lists the couples: in one dimension that greedy choice is what a stack-based
 * walk in time order gives (pair_forward), so pairing takes linear time and memory after the
 * sort even when thousands of events of one application share a window (an event-id storm,
 * a crash loop), where the couples would number in the hundreds of millions.
 *
 * Not for: classification.  The correlator never looks at frames or exception codes.
 */
#include "crashsig/correlator.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct correlator {
    uint64_t window_ticks;
    size_t dotnet_count, dotnet_capacity;
    struct dotnet_event **dotnet;
    size_t app_error_count, app_error_capacity;
    struct app_error_event **app_errors;
};

uint64_t correlator_window_ticks(uint64_t window_ms)
{
    uint64_t ms = window_ms ? window_ms : CORRELATOR_DEFAULT_WINDOW_MS;
    return ms > UINT64_MAX / CS_TICKS_PER_MS ? UINT64_MAX : ms * CS_TICKS_PER_MS;
}

struct correlator *correlator_new(uint64_t window_ms)
{
    struct correlator *c = cs_xcalloc(1, sizeof(*c));
    c->window_ticks = correlator_window_ticks(window_ms);
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

static int compare_group(const struct dotnet_event *d, const struct app_error_event *a)
{
    int r = cs_strcasecmp(d->event.computer, a->event.computer);
    return r ? r : cs_strcasecmp(d->crash.application, a->fault.app_name);
}

/* One (computer, application) group: dotnet[d0..d1) and app_errors[a0..a1), each sorted by
 * time, then by the rest of compare_events (which is the index order the tie-breaks use). */
struct group {
    size_t d0, d1, a0, a1;
};

/* The pairing state of a whole correlator_finish: who is paired with whom, and the stack the
 * matching walks use (one slot per event at most). */
struct pairing {
    const struct correlator *c;
    size_t *partner; /* per .NET event: index of its 1000, or SIZE_MAX */
    bool *app_error_taken;
    size_t *stack;
    size_t depth;
};

static uint64_t dotnet_time(const struct pairing *p, size_t d)
{
    return p->c->dotnet[d]->event.time;
}

static uint64_t app_error_time(const struct pairing *p, size_t a)
{
    return p->c->app_errors[a]->event.time;
}

/*
 * Forward pass: a 1000 at or after its .NET event, gap within the window.  The events are
 * walked in time order, .NET events before 1000s of the same time, and equal-time .NET events
 * pushed highest index first; each 1000 takes the .NET event on top of the stack (the nearest
 * one before it) when it is within the window, and otherwise no .NET event can reach it or
 * anything later.  This gives exactly the pairs the greedy "smallest gap first, then lowest
 * .NET index, then lowest 1000 index" choice gives: its smallest-gap pair is always adjacent
 * in this order, and removing an adjacent pair leaves the rest of the walk unchanged.
 */
static void pair_forward(struct pairing *p, const struct group *g)
{
    size_t d = g->d0, a = g->a0;
    p->depth = 0;
    while (a < g->a1) {
        if (d < g->d1 && dotnet_time(p, d) <= app_error_time(p, a)) {
            size_t end = d;
            while (end < g->d1 && dotnet_time(p, end) == dotnet_time(p, d))
                end++;
            for (size_t k = end; k-- > d;)
                p->stack[p->depth++] = k;
            d = end;
            continue;
        }
        if (p->depth > 0 &&
            app_error_time(p, a) - dotnet_time(p, p->stack[p->depth - 1]) <= p->c->window_ticks) {
            p->partner[p->stack[--p->depth]] = a;
            p->app_error_taken[a] = true;
        } else {
            p->depth = 0; /* all too old for this 1000, so for every later one */
        }
        a++;
    }
}

/* Backward pass, on what the forward pass left: a 1000 written before its .NET event (equal
 * or skewed clocks).  The mirror image of pair_forward: 1000s are stacked (equal times highest
 * index first), and a .NET event takes the nearest earlier 1000 within the window. */
static void pair_backward(struct pairing *p, const struct group *g)
{
    size_t d = g->d0, a = g->a0;
    p->depth = 0;
    while (d < g->d1) {
        if (a < g->a1 && app_error_time(p, a) < dotnet_time(p, d)) {
            size_t end = a;
            while (end < g->a1 && app_error_time(p, end) == app_error_time(p, a))
                end++;
            for (size_t k = end; k-- > a;)
                if (!p->app_error_taken[k])
                    p->stack[p->depth++] = k;
            a = end;
            continue;
        }
        if (p->partner[d] == SIZE_MAX) {
            if (p->depth > 0 && dotnet_time(p, d) - app_error_time(p, p->stack[p->depth - 1]) <=
                                    p->c->window_ticks) {
                p->partner[d] = p->stack[--p->depth];
                p->app_error_taken[p->partner[d]] = true;
            } else {
                p->depth = 0;
            }
        }
        d++;
    }
}

/* Pairs every group; linear after the sort, whatever the number of events per group. */
static void pair_all(struct pairing *p)
{
    const struct correlator *c = p->c;
    size_t d = 0, a = 0;
    while (d < c->dotnet_count && a < c->app_error_count) {
        int r = compare_group(c->dotnet[d], c->app_errors[a]);
        if (r < 0) {
            d++;
        } else if (r > 0) {
            a++;
        } else {
            struct group g = {d, d, a, a};
            while (g.d1 < c->dotnet_count && compare_group(c->dotnet[g.d1], c->app_errors[a]) == 0)
                g.d1++;
            while (g.a1 < c->app_error_count &&
                   compare_group(c->dotnet[d], c->app_errors[g.a1]) == 0)
                g.a1++;
            pair_forward(p, &g);
            pair_backward(p, &g);
            d = g.d1;
            a = g.a1;
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

    struct pairing p = {
        .c = c,
        .partner = cs_xcalloc(c->dotnet_count, sizeof(size_t)),
        .app_error_taken = cs_xcalloc(c->app_error_count, sizeof(bool)),
        .stack = cs_xcalloc(c->dotnet_count + c->app_error_count, sizeof(size_t)),
    };
    for (size_t d = 0; d < c->dotnet_count; d++)
        p.partner[d] = SIZE_MAX;
    pair_all(&p);

    size_t first = out->count;
    for (size_t d = 0; d < c->dotnet_count; d++) {
        struct incident incident = {.dotnet = c->dotnet[d]};
        if (p.partner[d] != SIZE_MAX) {
            incident.app_error = c->app_errors[p.partner[d]];
            incident.paired = true;
            incident.gap_ms = gap_ms(incident.dotnet->event.time, incident.app_error->event.time);
        }
        incident_list_push(out, &incident);
    }
    for (size_t a = 0; a < c->app_error_count; a++)
        if (!p.app_error_taken[a])
            incident_list_push(out, &(struct incident){.app_error = c->app_errors[a]});
    if (out->count > first) /* out->items may be NULL when there is nothing */
        sort(out->items + first, out->count - first, sizeof(*out->items), compare_incidents);

    free(p.partner);
    free(p.app_error_taken);
    free(p.stack);
    c->dotnet_count = c->app_error_count = 0; /* the incidents own the events now */
}
