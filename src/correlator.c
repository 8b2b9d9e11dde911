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
    size_t wer_count, wer_capacity;
    struct wer_event **wers;
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
    for (size_t i = 0; i < c->wer_count; i++)
        wer_event_free(c->wers[i]);
    free(c->dotnet);
    free(c->app_errors);
    free(c->wers);
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

void correlator_add_wer(struct correlator *c, struct wer_event *ev)
{
    grow((void ***)&c->wers, &c->wer_capacity, c->wer_count);
    c->wers[c->wer_count++] = ev;
}

/* Computer names change form within one log ("WEB01", "web01.contoso.local"): two names are
 * the same computer when their host parts (up to the first dot) are equal, ignoring case. */
static int compare_computers(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = *a == '.' ? '\0' : *a, y = *b == '.' ? '\0' : *b;
        x = (char)(x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x);
        y = (char)(y >= 'A' && y <= 'Z' ? y - 'A' + 'a' : y);
        if (x != y || x == '\0')
            return (unsigned char)x < (unsigned char)y ? -1 : x != y;
    }
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
    int r = compare_computers(a->computer, b->computer);
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
    return compare_events(&a->event, a->crash->application, &b->event, b->crash->application);
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
            cs_strcasecmp(items[kept - 1]->crash->application, items[i]->crash->application) == 0)
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
    int r = compare_computers(d->event.computer, a->event.computer);
    return r ? r : cs_strcasecmp(d->crash->application, a->fault.app_name);
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
        r = compare_computers(incident_computer(x), incident_computer(y));
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

/* ---- one death, one 1000 ---------------------------------------------------------------- */

/* A process dies once: its 1000s share computer, process id and creation time. */
static bool has_process_key(const struct app_error_event *a)
{
    return a->fault.has_process_id && a->fault.has_process_creation_time &&
           a->fault.process_creation_time != 0;
}

static int compare_process(const struct app_error_event *a, const struct app_error_event *b)
{
    int r = compare_computers(a->event.computer, b->event.computer);
    if (r == 0)
        r = compare_u64(a->fault.process_id, b->fault.process_id);
    if (r == 0)
        r = compare_u64(a->fault.process_creation_time, b->fault.process_creation_time);
    return r;
}

/* By process, then in the list's order (application, then time), so a death's first 1000
 * leads its run. */
static int compare_death(const void *pa, const void *pb)
{
    const struct app_error_event *const *a = *(const struct app_error_event *const **)pa;
    const struct app_error_event *const *b = *(const struct app_error_event *const **)pb;
    int r = compare_process(*a, *b);
    return r ? r : (a < b ? -1 : a > b);
}

static void add_secondary(struct app_error_event *primary, const struct app_error_event *other)
{
    primary->secondary = cs_xrealloc(primary->secondary,
                                     (primary->secondary_count + 1) * sizeof(*primary->secondary));
    primary->secondary[primary->secondary_count++] = (struct app_error_secondary){
        .has_exception_code = other->fault.has_exception_code,
        .exception_code = other->fault.exception_code,
        .record_id = other->event.record_id,
        .event_record_id = other->event.event_record_id,
        .time = other->event.time,
    };
}

/* Folds the later 1000s of each death into its first one; the list keeps its order.  The
 * later ones' report ids are kept aside (report_ids[i] for the 1000 at i) for the WER join. */
static void merge_deaths(struct correlator *c, char ***extra_ids, size_t **extra_owner,
                         size_t *extra_count)
{
    size_t n = 0;
    struct app_error_event ***slots = cs_xcalloc(c->app_error_count + 1, sizeof(*slots));
    for (size_t i = 0; i < c->app_error_count; i++)
        if (has_process_key(c->app_errors[i]))
            slots[n++] = &c->app_errors[i];
    sort(slots, n, sizeof(*slots), compare_death);
    for (size_t i = 0; i < n;) {
        size_t end = i + 1;
        while (end < n && compare_process(*slots[i], *slots[end]) == 0)
            end++;
        size_t lead = i;
        for (size_t k = i + 1; k < end; k++) {
            struct app_error_event *primary = *slots[lead], *other = *slots[k];
            /* A reused pid and creation time far apart, or under another name, is not one
             * death (cloned or hostile data): it starts its own. */
            if (cs_strcasecmp(primary->fault.app_name, other->fault.app_name) != 0 ||
                other->event.time - primary->event.time > c->window_ticks) {
                lead = k;
                continue;
            }
            add_secondary(primary, other);
            if (other->fault.report_id) {
                *extra_ids = cs_xrealloc(*extra_ids, (*extra_count + 1) * sizeof(**extra_ids));
                *extra_owner =
                    cs_xrealloc(*extra_owner, (*extra_count + 1) * sizeof(**extra_owner));
                (*extra_ids)[*extra_count] = other->fault.report_id;
                other->fault.report_id = NULL; /* moved */
                (*extra_owner)[(*extra_count)++] = (size_t)(slots[lead] - c->app_errors);
            }
            app_error_event_free(other);
            *slots[k] = NULL;
        }
        i = end;
    }
    free(slots);
}

/* Drops the NULL slots merge_deaths left, keeping the order; owners are renumbered. */
static void compact_app_errors(struct correlator *c, size_t *owner, size_t owner_count)
{
    size_t *new_index = cs_xcalloc(c->app_error_count + 1, sizeof(size_t));
    size_t kept = 0;
    for (size_t i = 0; i < c->app_error_count; i++) {
        new_index[i] = kept;
        if (c->app_errors[i])
            c->app_errors[kept++] = c->app_errors[i];
    }
    for (size_t i = 0; i < owner_count; i++)
        owner[i] = new_index[owner[i]];
    c->app_error_count = kept;
    free(new_index);
}

/* ---- Windows Error Reporting 1001s ------------------------------------------------------- */

#define WER_FALLBACK_TICKS (60 * CS_TICKS_PER_SECOND) /* a 1001 follows its 1000 within this */

static const char *text_or_empty(const char *s)
{
    return s ? s : "";
}

/* Report id first (empty ids last, each its own report), then the order of compare_events. */
static int compare_wer(const void *pa, const void *pb)
{
    const struct wer_event *a = *(struct wer_event *const *)pa;
    const struct wer_event *b = *(struct wer_event *const *)pb;
    int r = (a->report.report_id == NULL) - (b->report.report_id == NULL);
    if (r == 0)
        r = cs_strcasecmp(text_or_empty(a->report.report_id), text_or_empty(b->report.report_id));
    return r ? r : compare_events(&a->event, a->report.params[0], &b->event, b->report.params[0]);
}

/* The 1001s of one report: wers[first..end) */
struct wer_group {
    size_t first, end;
    bool taken;
};

struct wer_join {
    struct correlator *c;
    size_t group_count;
    struct wer_group *groups;
    size_t *by_key; /* groups without a taker, by (computer, P1, time), for the fallback */
    size_t by_key_count;
};

static void group_wers(struct wer_join *j)
{
    struct correlator *c = j->c;
    sort(c->wers, c->wer_count, sizeof(*c->wers), compare_wer);
    size_t kept = 0;
    for (size_t i = 0; i < c->wer_count; i++) {
        if (kept > 0 && same_event(&c->wers[kept - 1]->event, &c->wers[i]->event))
            wer_event_free(c->wers[i]);
        else
            c->wers[kept++] = c->wers[i];
    }
    c->wer_count = kept;
    j->groups = cs_xcalloc(kept + 1, sizeof(*j->groups));
    for (size_t i = 0; i < kept;) {
        size_t end = i + 1;
        const char *id = c->wers[i]->report.report_id;
        while (id && end < kept && c->wers[end]->report.report_id &&
               cs_strcasecmp(id, c->wers[end]->report.report_id) == 0)
            end++;
        j->groups[j->group_count++] = (struct wer_group){i, end, false};
        i = end;
    }
}

static const struct wer_event *group_head(const struct wer_join *j, size_t g)
{
    return j->c->wers[j->groups[g].first];
}

/* The group with this report id, or SIZE_MAX (binary search: the groups are sorted by id). */
static size_t group_by_id(const struct wer_join *j, const char *id)
{
    size_t lo = 0, hi = j->group_count;
    while (id && lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *other = group_head(j, mid)->report.report_id;
        int r = other ? cs_strcasecmp(id, other) : -1;
        if (r == 0)
            return mid;
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return SIZE_MAX;
}

static void take_group(struct wer_join *j, size_t g, struct app_error_event *ae)
{
    if (ae->wer == NULL)
        ae->wer = cs_xcalloc(1, sizeof(*ae->wer));
    for (size_t i = j->groups[g].first; i < j->groups[g].end; i++)
        wer_info_merge(ae->wer, &j->c->wers[i]->event, &j->c->wers[i]->report);
    j->groups[g].taken = true;
}

static int compare_key(const struct wer_join *j, size_t g, const char *computer, const char *app,
                       cs_filetime time)
{
    const struct wer_event *w = group_head(j, g);
    int r = compare_computers(w->event.computer, computer);
    if (r == 0)
        r = cs_strcasecmp(text_or_empty(w->report.params[0]), app);
    return r ? r : compare_u64(w->event.time, time);
}

/* qsort has no context argument, so the fallback index is sorted by insertion instead: it
 * holds only the groups no report id claimed, which are few (one per crash at most). */
static void index_untaken(struct wer_join *j)
{
    j->by_key = cs_xcalloc(j->group_count + 1, sizeof(size_t));
    for (size_t g = 0; g < j->group_count; g++) {
        if (j->groups[g].taken)
            continue;
        const struct wer_event *w = group_head(j, g);
        size_t lo = 0, hi = j->by_key_count;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (compare_key(j, j->by_key[mid], w->event.computer,
                            text_or_empty(w->report.params[0]), w->event.time) <= 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        memmove(j->by_key + lo + 1, j->by_key + lo, (j->by_key_count - lo) * sizeof(size_t));
        j->by_key[lo] = g;
        j->by_key_count++;
    }
}

static bool same_text(const char *a, const char *b)
{
    return a && b && cs_strcasecmp(a, b) == 0;
}

/* "0x000000000003A839" and "3a839" are the same offset; so are codes with or without 0x. */
static bool same_hex(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return false;
    if (a[0] == '0' && (a[1] == 'x' || a[1] == 'X'))
        a += 2;
    if (b[0] == '0' && (b[1] == 'x' || b[1] == 'X'))
        b += 2;
    while (*a == '0' && a[1])
        a++;
    while (*b == '0' && b[1])
        b++;
    return cs_strcasecmp(a, b) == 0;
}

static bool key_matches(const struct wer_report *report, const struct app_error *fault)
{
    struct wer_fault_key key;
    wer_report_fault_key(report, &key);
    char code[9];
    app_error_format_code(fault->exception_code, code);
    if (!fault->has_exception_code)
        return false;
    if (key.code == NULL) /* CLR20r3: P4 is an assembly; the 1000 is a managed crash's */
        return fault->exception_code == APP_ERROR_CODE_CLR_EXCEPTION;
    return same_text(key.module, fault->module_name) && same_hex(key.code, code) &&
           same_hex(key.offset, fault->faulting_offset);
}

/* Without a report id: same computer, P1/P4/P7/P8 equal to the 1000's application, module,
 * code and offset (for CLR20r3, which names no code: P1 and a 1000 of code e0434352), within
 * a minute; the nearest in time wins. */
static void join_by_fault(struct wer_join *j, struct app_error_event *ae)
{
    cs_filetime t = ae->event.time;
    cs_filetime from = t > WER_FALLBACK_TICKS ? t - WER_FALLBACK_TICKS : 0;
    size_t lo = 0, hi = j->by_key_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (compare_key(j, j->by_key[mid], ae->event.computer, ae->fault.app_name, from) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t best = SIZE_MAX;
    uint64_t best_gap = UINT64_MAX;
    for (size_t k = lo; k < j->by_key_count; k++) {
        size_t g = j->by_key[k];
        const struct wer_event *w = group_head(j, g);
        if (compare_computers(w->event.computer, ae->event.computer) != 0 ||
            cs_strcasecmp(text_or_empty(w->report.params[0]), ae->fault.app_name) != 0 ||
            w->event.time - from > 2 * WER_FALLBACK_TICKS)
            break;
        uint64_t gap = w->event.time >= t ? w->event.time - t : t - w->event.time;
        if (!j->groups[g].taken && gap < best_gap && key_matches(&w->report, &ae->fault)) {
            best = g;
            best_gap = gap;
        }
    }
    if (best != SIZE_MAX)
        take_group(j, best, ae);
}

/* A crash report whose 1000 is gone (rotated out) is an incident of its own, its fault as the
 * 1001 gives it. */
static void add_lone_report(struct wer_join *j, size_t g)
{
    const struct wer_event *w = group_head(j, g);
    if (!wer_report_stands_alone(&w->report))
        return;
    struct app_error_event *ae = cs_xcalloc(1, sizeof(*ae));
    event_copy(&ae->event, &w->event);
    wer_report_to_app_error(&w->report, &ae->fault);
    take_group(j, g, ae);
    correlator_add_app_error(j->c, ae);
}

/* Gives each 1000 the 1001s of its report: by report id (its own, then its death's later
 * 1000s'), else by the fault; then makes incidents of the crash reports left over. */
static void join_wer(struct correlator *c, char **extra_ids, const size_t *extra_owner,
                     size_t extra_count)
{
    struct wer_join j = {.c = c};
    group_wers(&j);
    size_t app_errors = c->app_error_count;
    for (size_t a = 0; a < app_errors; a++) {
        size_t g = group_by_id(&j, c->app_errors[a]->fault.report_id);
        if (g != SIZE_MAX && !j.groups[g].taken)
            take_group(&j, g, c->app_errors[a]);
    }
    for (size_t i = 0; i < extra_count; i++) {
        size_t g = group_by_id(&j, extra_ids[i]);
        if (g != SIZE_MAX && !j.groups[g].taken)
            take_group(&j, g, c->app_errors[extra_owner[i]]);
    }
    index_untaken(&j);
    for (size_t a = 0; a < app_errors; a++)
        if (c->app_errors[a]->wer == NULL)
            join_by_fault(&j, c->app_errors[a]);
    for (size_t g = 0; g < j.group_count; g++)
        if (!j.groups[g].taken)
            add_lone_report(&j, g);
    if (c->app_error_count > app_errors) /* lone reports were appended */
        sort(c->app_errors, c->app_error_count, sizeof(*c->app_errors), compare_app_error);
    for (size_t i = 0; i < c->wer_count; i++)
        wer_event_free(c->wers[i]);
    c->wer_count = 0;
    free(j.groups);
    free(j.by_key);
}

void correlator_finish(struct correlator *c, struct incident_list *out)
{
    sort(c->dotnet, c->dotnet_count, sizeof(*c->dotnet), compare_dotnet);
    sort(c->app_errors, c->app_error_count, sizeof(*c->app_errors), compare_app_error);
    c->dotnet_count = drop_dotnet_duplicates(c->dotnet, c->dotnet_count);
    c->app_error_count = drop_app_error_duplicates(c->app_errors, c->app_error_count);
    char **extra_ids = NULL;
    size_t *extra_owner = NULL, extra_count = 0;
    merge_deaths(c, &extra_ids, &extra_owner, &extra_count);
    compact_app_errors(c, extra_owner, extra_count);
    join_wer(c, extra_ids, extra_owner, extra_count);
    for (size_t i = 0; i < extra_count; i++)
        free(extra_ids[i]);
    free(extra_ids);
    free(extra_owner);

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
