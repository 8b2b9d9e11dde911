/*
 * iis.c - the IIS stage (iis.h): WAS, ASP.NET and ANCM records joined to incidents, the
 * incidents only IIS saw, and Rapid-Fail Protection outages.
 *
 * Records are collected while the scan reads, then, once the correlator is done:
 *   1. duplicates are dropped (the same record read twice: forwarded and local copies, a
 *      recovered copy), keyed like the correlator's: computer, event id, EventRecordID, time;
 *   2. records are sorted by time and joined in three passes, 1325s, then ANCM, then WAS, so
 *      that a pid an earlier pass gave an incident (a 1026 without its 1000 joined by a 1325)
 *      lets a later record join it by pid;
 *   3. the incident list is sorted again in the correlator's order.
 * Incidents are found through an index sorted by time, so a record looks only at the
 * incidents within the window of it.
 *
 * Not for: the correlator's pairing, classification, or printing.
 */
#include "crashsig/iis.h"

#include <stdlib.h>
#include <string.h>

#include "crashsig/correlator.h"
#include "crashsig/signatures.h"

/* A log may hold any number of 5002s; past this many the rest are not outages, so a hostile
 * log cannot make the outage search quadratic in its size (docs/robustness.md). */
#define IIS_MAX_OUTAGES 1000

enum item_type { ITEM_WAS, ITEM_1325, ITEM_ANCM };

struct item {
    enum item_type type;
    struct event event; /* owned */
    char *pool;         /* owned, NULL when unknown */
    bool has_pid;
    uint32_t pid;
    enum was_kind was_kind;
    struct aspnet_1325 aspnet;
    struct ancm_fields ancm;
    bool joined; /* to an incident, or made one */
};

struct iis_stage {
    uint64_t window_ticks;
    size_t count, capacity;
    struct item *items;
};

struct iis_stage *iis_stage_new(uint64_t window_ms)
{
    struct iis_stage *s = cs_xcalloc(1, sizeof(*s));
    s->window_ticks = correlator_window_ticks(window_ms);
    return s;
}

static void item_free(struct item *it)
{
    event_free(&it->event);
    free(it->pool);
    aspnet_1325_free(&it->aspnet);
    ancm_fields_free(&it->ancm);
}

void iis_stage_free(struct iis_stage *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->count; i++)
        item_free(&s->items[i]);
    free(s->items);
    free(s);
}

static struct item *add_item(struct iis_stage *s, enum item_type type, struct event *ev)
{
    if (s->count == s->capacity) {
        s->capacity = s->capacity ? s->capacity * 2 : 64;
        s->items = cs_xrealloc(s->items, s->capacity * sizeof(*s->items));
    }
    struct item *it = &s->items[s->count++];
    memset(it, 0, sizeof(*it));
    it->type = type;
    event_move(&it->event, ev);
    return it;
}

void iis_stage_add_was(struct iis_stage *s, struct event *ev, struct was_fields *fields)
{
    struct item *it = add_item(s, ITEM_WAS, ev);
    it->was_kind = fields->kind;
    it->pool = fields->app_pool;
    it->has_pid = fields->has_process_id;
    it->pid = fields->process_id;
    memset(fields, 0, sizeof(*fields));
}

void iis_stage_add_1325(struct iis_stage *s, struct event *ev, struct aspnet_1325 *parsed)
{
    struct item *it = add_item(s, ITEM_1325, ev);
    it->aspnet = *parsed;
    it->has_pid = parsed->has_process_id;
    it->pid = parsed->process_id;
    memset(parsed, 0, sizeof(*parsed));
}

void iis_stage_add_ancm(struct iis_stage *s, struct event *ev, struct ancm_fields *fields)
{
    struct item *it = add_item(s, ITEM_ANCM, ev);
    it->ancm = *fields;
    it->has_pid = fields->has_process_id;
    it->pid = fields->process_id;
    memset(fields, 0, sizeof(*fields));
}

/* ---- comparing ---------------------------------------------------------------------------- */

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Compares host names up to the first dot, case-insensitively. */
static int compare_computers(const char *a, const char *b)
{
    a = a ? a : "";
    b = b ? b : "";
    for (;; a++, b++) {
        char x = *a == '.' ? '\0' : lower(*a), y = *b == '.' ? '\0' : lower(*b);
        if (x != y)
            return (unsigned char)x < (unsigned char)y ? -1 : 1;
        if (x == '\0')
            return 0;
    }
}

bool iis_same_computer(const char *a, const char *b)
{
    return compare_computers(a, b) == 0;
}

static int compare_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

/* Identity first, so duplicates sit together; then provenance: the live record of the
 * first-named file first. */
static int compare_identity(const void *pa, const void *pb)
{
    const struct item *a = pa, *b = pb;
    int r = compare_computers(a->event.computer, b->event.computer);
    if (r == 0)
        r = cs_strcasecmp(a->event.provider ? a->event.provider : "",
                          b->event.provider ? b->event.provider : "");
    if (r == 0)
        r = compare_u64(a->event.event_id, b->event.event_id);
    if (r == 0)
        r = compare_u64(a->event.event_record_id, b->event.event_record_id);
    if (r == 0)
        r = compare_u64(a->event.time, b->event.time);
    if (r == 0)
        r = (int)a->event.recovered - (int)b->event.recovered;
    if (r == 0)
        r = compare_u64(a->event.record_id, b->event.record_id);
    return r;
}

static bool same_record(const struct item *a, const struct item *b)
{
    return compare_computers(a->event.computer, b->event.computer) == 0 &&
           a->event.event_id == b->event.event_id &&
           a->event.event_record_id == b->event.event_record_id && a->event.time == b->event.time &&
           cs_strcasecmp(a->event.provider ? a->event.provider : "",
                         b->event.provider ? b->event.provider : "") == 0;
}

static int compare_time(const void *pa, const void *pb)
{
    const struct item *a = pa, *b = pb;
    int r = compare_u64(a->event.time, b->event.time);
    return r ? r : compare_identity(pa, pb);
}

static void sort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *))
{
    if (count > 1)
        qsort(base, count, size, compare);
}

static void drop_duplicates(struct iis_stage *s)
{
    sort(s->items, s->count, sizeof(*s->items), compare_identity);
    size_t kept = 0;
    for (size_t i = 0; i < s->count; i++) {
        if (kept > 0 && same_record(&s->items[kept - 1], &s->items[i]))
            item_free(&s->items[i]);
        else
            s->items[kept++] = s->items[i];
    }
    s->count = kept;
    sort(s->items, s->count, sizeof(*s->items), compare_time);
}

/* ---- the incidents, by time ------------------------------------------------------------ */

struct by_time {
    struct incident_list *list;
    size_t count, capacity;
    size_t *order; /* indexes into list, by incident time */
};

static cs_filetime time_at(const struct by_time *t, size_t k)
{
    return incident_time(&t->list->items[t->order[k]]);
}

/* The first position whose incident is at or after time. */
static size_t lower_bound(const struct by_time *t, cs_filetime time)
{
    size_t lo = 0, hi = t->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (time_at(t, mid) < time)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void by_time_insert(struct by_time *t, size_t index);

/* The incident's time changed (a 1325 became its .NET side): its place in the index too. */
static void by_time_move(struct by_time *t, size_t index)
{
    for (size_t k = 0; k < t->count; k++)
        if (t->order[k] == index) {
            memmove(t->order + k, t->order + k + 1, (t->count - k - 1) * sizeof(*t->order));
            t->count--;
            break;
        }
    by_time_insert(t, index);
}

static void by_time_insert(struct by_time *t, size_t index)
{
    if (t->count == t->capacity) {
        t->capacity = t->capacity ? t->capacity * 2 : 64;
        t->order = cs_xrealloc(t->order, t->capacity * sizeof(*t->order));
    }
    size_t at = lower_bound(t, incident_time(&t->list->items[index]));
    while (at < t->count && time_at(t, at) == incident_time(&t->list->items[index]))
        at++;
    memmove(t->order + at + 1, t->order + at, (t->count - at) * sizeof(*t->order));
    t->order[at] = index;
    t->count++;
}

static uint64_t distance(cs_filetime a, cs_filetime b)
{
    return a > b ? a - b : b - a;
}

enum side { SIDE_ASPNET, SIDE_ANCM, SIDE_WAS };

static const struct iis_record *side_of(const struct incident *incident, enum side side)
{
    const struct incident_iis *iis = incident->iis;
    if (iis == NULL)
        return NULL;
    return side == SIDE_ASPNET ? &iis->aspnet : side == SIDE_ANCM ? &iis->ancm : &iis->was;
}

static bool has_side(const struct incident *incident, enum side side)
{
    const struct iis_record *r = side_of(incident, side);
    return r && r->present;
}

static bool is_w3wp(const struct incident *incident)
{
    return cs_strcasecmp(incident_application(incident), "w3wp.exe") == 0;
}

/* The incident a record of this computer, pid and time joins, or SIZE_MAX.  *same_side is set
 * when that incident already has a record of this side (the record then adds nothing).  A
 * record without a pid joins by time only, when exactly one w3wp.exe incident without this
 * side is near; a WAS record without one never joins (nothing else tells its worker apart). */
static size_t find_incident(const struct by_time *t, const struct item *it, enum side side,
                            uint64_t window, bool *same_side)
{
    *same_side = false;
    if (!it->has_pid && it->type == ITEM_WAS)
        return SIZE_MAX;
    cs_filetime time = it->event.time;
    size_t from = lower_bound(t, time > window ? time - window : 0);
    size_t by_pid = SIZE_MAX, by_time = SIZE_MAX, time_candidates = 0;
    uint64_t best = UINT64_MAX;
    for (size_t k = from; k < t->count; k++) {
        if (time_at(t, k) > time && time_at(t, k) - time > window)
            break;
        const struct incident *incident = &t->list->items[t->order[k]];
        if (!iis_same_computer(incident_computer(incident), it->event.computer))
            continue;
        uint32_t pid;
        if (!it->has_pid) {
            if (is_w3wp(incident) && !has_side(incident, side)) {
                time_candidates++;
                by_time = t->order[k];
            }
        } else if (incident_process_id(incident, &pid)) {
            uint64_t d = distance(incident_time(incident), time);
            if (pid == it->pid && d < best) {
                best = d;
                by_pid = t->order[k];
            }
        } else if (is_w3wp(incident) && !has_side(incident, side)) {
            time_candidates++;
            by_time = t->order[k];
        }
    }
    if (by_pid != SIZE_MAX) {
        *same_side = has_side(&t->list->items[by_pid], side);
        return by_pid;
    }
    return time_candidates == 1 ? by_time : SIZE_MAX;
}

static struct iis_record record_of(const struct item *it)
{
    return (struct iis_record){.present = true,
                               .file = it->event.file,
                               .record_id = it->event.record_id,
                               .event_record_id = it->event.event_record_id,
                               .event_id = it->event.event_id,
                               .time = it->event.time,
                               .has_process_id = it->has_pid,
                               .process_id = it->pid};
}

static struct incident_iis *iis_of(struct incident *incident)
{
    if (incident->iis == NULL)
        incident->iis = cs_xcalloc(1, sizeof(*incident->iis));
    return incident->iis;
}

static void set_path(struct incident_iis *iis, const char *app_path, bool has_site,
                     uint32_t site_id)
{
    if (iis->app_path == NULL && app_path)
        iis->app_path = cs_strdup(app_path);
    if (!iis->has_site_id && has_site) {
        iis->has_site_id = true;
        iis->site_id = site_id;
    }
}

/* Adds the item's evidence to the incident at index. */
static void attach(struct incident *incident, struct item *it)
{
    struct incident_iis *iis = iis_of(incident);
    switch (it->type) {
    case ITEM_1325:
        iis->aspnet = record_of(it);
        set_path(iis, it->aspnet.application_id, it->aspnet.has_site_id, it->aspnet.site_id);
        break;
    case ITEM_ANCM:
        iis->ancm = record_of(it);
        set_path(iis, it->ancm.app_path, it->ancm.has_site_id, it->ancm.site_id);
        if (iis->physical_path == NULL && it->ancm.physical_path)
            iis->physical_path = cs_strdup(it->ancm.physical_path);
        if (iis->ancm_text == NULL && it->ancm.text)
            iis->ancm_text = cs_strdup(it->ancm.text);
        break;
    case ITEM_WAS:
        iis->was = record_of(it);
        break;
    }
    if (iis->app_pool == NULL && it->pool)
        iis->app_pool = cs_strdup(it->pool);
    it->joined = true;
}

/* A 1325 gives an incident without a .NET event its stack: the 1325 becomes its .NET side. */
static void give_stack(struct incident *incident, struct item *it)
{
    struct dotnet_event *de = dotnet_event_new();
    event_copy(&de->event, &it->event);
    *de->crash = it->aspnet.crash;
    memset(&it->aspnet.crash, 0, sizeof(it->aspnet.crash));
    incident->dotnet = de;
    if (incident->app_error) {
        incident->paired = true;
        int64_t ticks = (int64_t)(incident->app_error->event.time - de->event.time);
        incident->gap_ms = ticks / (int64_t)CS_TICKS_PER_MS;
    }
}

static enum iis_origin origin_of_item(const struct item *it)
{
    if (it->type == ITEM_ANCM)
        return it->ancm.origin;
    if (it->type == ITEM_WAS && it->was_kind == WAS_WORKER_DIED)
        return IIS_ORIGIN_WORKER_DIED;
    if (it->type == ITEM_WAS && it->was_kind == WAS_WORKER_HANG)
        return IIS_ORIGIN_WORKER_HANG;
    return IIS_ORIGIN_NONE;
}

/* A new incident from a record nothing explained. */
static void make_incident(struct by_time *t, struct item *it)
{
    struct incident incident = {0};
    if (it->type == ITEM_1325) {
        give_stack(&incident, it);
    } else {
        enum iis_origin origin = origin_of_item(it);
        if (origin == IIS_ORIGIN_NONE)
            return; /* context only: a 5013, an ANCM 1005 */
        incident.iis = cs_xcalloc(1, sizeof(*incident.iis));
        incident.iis->origin = origin;
        incident.iis->event = cs_xcalloc(1, sizeof(struct event));
        event_copy(incident.iis->event, &it->event);
    }
    incident_list_push(t->list, &incident);
    attach(&t->list->items[t->list->count - 1], it);
    by_time_insert(t, t->list->count - 1);
}

static void join_pass(struct iis_stage *s, struct by_time *t, enum item_type type, enum side side)
{
    for (size_t i = 0; i < s->count; i++) {
        struct item *it = &s->items[i];
        if (it->type != type || (type == ITEM_WAS && (it->was_kind == WAS_POOL_DISABLED ||
                                                      it->was_kind == WAS_WORKER_LIFE)))
            continue;
        bool same_side;
        size_t at = find_incident(t, it, side, s->window_ticks, &same_side);
        if (at != SIZE_MAX) {
            struct incident *incident = &t->list->items[at];
            if (same_side) { /* one more record of a death already told */
                if (iis_of(incident)->app_pool == NULL && it->pool)
                    incident->iis->app_pool = cs_strdup(it->pool);
                it->joined = true;
                continue;
            }
            attach(incident, it);
            if (type == ITEM_1325 && incident->dotnet == NULL) {
                give_stack(incident, it);
                by_time_move(t, at);
            }
        } else if (it->has_pid || it->type != ITEM_WAS) {
            make_incident(t, it);
        }
    }
}

/* The correlator's order: time, computer, application, then the record's ids. */
static int compare_incidents(const void *pa, const void *pb)
{
    const struct incident *x = pa, *y = pb;
    int r = compare_u64(incident_time(x), incident_time(y));
    if (r == 0)
        r = cs_strcasecmp(incident_computer(x), incident_computer(y));
    if (r == 0)
        r = cs_strcasecmp(incident_application(x), incident_application(y));
    const struct event *ex = incident_event(x), *ey = incident_event(y);
    if (r == 0 && ex && ey) {
        r = compare_u64(ex->event_record_id, ey->event_record_id);
        if (r == 0)
            r = compare_u64(ex->record_id, ey->record_id);
    }
    return r;
}

void iis_stage_join(struct iis_stage *s, struct incident_list *incidents)
{
    drop_duplicates(s);
    struct by_time t = {.list = incidents};
    for (size_t i = 0; i < incidents->count; i++)
        by_time_insert(&t, i);
    size_t before = incidents->count;
    join_pass(s, &t, ITEM_1325, SIDE_ASPNET);
    join_pass(s, &t, ITEM_ANCM, SIDE_ANCM);
    join_pass(s, &t, ITEM_WAS, SIDE_WAS);
    free(t.order);
    if (incidents->count > before)
        sort(incidents->items, incidents->count, sizeof(*incidents->items), compare_incidents);
}

/* ---- outages ------------------------------------------------------------------------------- */

/* A sign that a worker of a pool lived: who, when, and the record that says so. */
struct life_sign {
    const char *computer, *pool;
    bool has_pid;
    uint32_t pid;
    struct iis_record record;
};

struct life_signs {
    size_t count, capacity;
    struct life_sign *items;
};

static void add_sign(struct life_signs *signs, const char *computer, const char *pool,
                     const struct iis_record *record)
{
    if (pool == NULL || !record->has_process_id)
        return;
    if (signs->count == signs->capacity) {
        signs->capacity = signs->capacity ? signs->capacity * 2 : 64;
        signs->items = cs_xrealloc(signs->items, signs->capacity * sizeof(*signs->items));
    }
    signs->items[signs->count++] =
        (struct life_sign){computer, pool, true, record->process_id, *record};
}

static int compare_signs(const void *pa, const void *pb)
{
    const struct life_sign *a = pa, *b = pb;
    int r = compare_u64(a->record.time, b->record.time);
    return r ? r : compare_u64(a->record.record_id, b->record.record_id);
}

/* Every record that names a pool and a worker of it. */
static void collect_signs(const struct iis_stage *s, const struct incident_list *incidents,
                          struct life_signs *signs)
{
    for (size_t i = 0; i < s->count; i++) {
        const struct item *it = &s->items[i];
        if (it->type == ITEM_WAS) {
            struct iis_record r = record_of(it);
            add_sign(signs, it->event.computer, it->pool, &r);
        }
    }
    for (size_t i = 0; i < incidents->count; i++) {
        const struct incident *incident = &incidents->items[i];
        const struct incident_iis *iis = incident->iis;
        if (iis == NULL || iis->app_pool == NULL)
            continue;
        if (iis->aspnet.present)
            add_sign(signs, incident_computer(incident), iis->app_pool, &iis->aspnet);
        if (iis->ancm.present)
            add_sign(signs, incident_computer(incident), iis->app_pool, &iis->ancm);
    }
    sort(signs->items, signs->count, sizeof(*signs->items), compare_signs);
}

static bool sign_of(const struct life_sign *sign, const char *computer, const char *pool)
{
    return iis_same_computer(sign->computer, computer) && cs_strcasecmp(sign->pool, pool) == 0;
}

/* The first sign of life after the 5002 from a worker the pool had not had by then. */
static const struct life_sign *first_life(const struct life_signs *signs, const char *computer,
                                          const char *pool, cs_filetime disabled_at)
{
    for (size_t i = 0; i < signs->count; i++) {
        const struct life_sign *sign = &signs->items[i];
        if (sign->record.time <= disabled_at || !sign_of(sign, computer, pool))
            continue;
        bool old = false;
        for (size_t k = 0; k < signs->count && !old && signs->items[k].record.time <= disabled_at;
             k++)
            old = sign_of(&signs->items[k], computer, pool) && signs->items[k].pid == sign->pid;
        if (!old)
            return sign;
    }
    return NULL;
}

/* The last time anything crashsig read came from the computer. */
static cs_filetime last_seen(const struct iis_stage *s, const struct incident_list *incidents,
                             const char *computer)
{
    cs_filetime last = 0;
    for (size_t i = 0; i < s->count; i++)
        if (s->items[i].event.time > last &&
            iis_same_computer(s->items[i].event.computer, computer))
            last = s->items[i].event.time;
    for (size_t i = 0; i < incidents->count; i++) {
        const struct incident *incident = &incidents->items[i];
        const struct event *events[] = {incident->dotnet ? &incident->dotnet->event : NULL,
                                        incident->app_error ? &incident->app_error->event : NULL};
        for (size_t k = 0; k < 2; k++)
            if (events[k] && events[k]->time > last &&
                iis_same_computer(events[k]->computer, computer))
                last = events[k]->time;
    }
    return last;
}

static void add_failures(struct outage *o, const struct incident_list *incidents)
{
    uint64_t window = (uint64_t)OUTAGE_FAILURE_WINDOW_MS * CS_TICKS_PER_MS;
    for (size_t i = 0; i < incidents->count; i++) {
        const struct incident *incident = &incidents->items[i];
        cs_filetime t = incident_time(incident);
        if (incident->iis == NULL || incident->iis->app_pool == NULL || t > o->disabled_at ||
            o->disabled_at - t > window || cs_strcasecmp(incident->iis->app_pool, o->app_pool) ||
            !iis_same_computer(incident_computer(incident), o->computer))
            continue;
        o->failures = cs_xrealloc(o->failures, (o->failure_count + 1) * sizeof(*o->failures));
        struct outage_failure *f = &o->failures[o->failure_count++];
        memset(f, 0, sizeof(*f));
        f->time = t;
        f->has_process_id = incident_process_id(incident, &f->process_id);
        f->signature = incident->signature;
        memcpy(f->fingerprint, incident->fingerprint, sizeof(f->fingerprint));
    }
}

static int64_t ms_between(cs_filetime from, cs_filetime to)
{
    return to > from ? (int64_t)((to - from) / CS_TICKS_PER_MS) : 0;
}

void iis_stage_outages(struct iis_stage *s, const struct incident_list *incidents,
                       struct outage_list *out)
{
    struct life_signs signs = {0};
    collect_signs(s, incidents, &signs);
    for (size_t i = 0; i < s->count && out->count < IIS_MAX_OUTAGES; i++) {
        const struct item *it = &s->items[i];
        if (it->type != ITEM_WAS || it->was_kind != WAS_POOL_DISABLED || it->pool == NULL)
            continue;
        out->items = cs_xrealloc(out->items, (out->count + 1) * sizeof(*out->items));
        struct outage *o = &out->items[out->count++];
        memset(o, 0, sizeof(*o));
        o->computer = cs_strdup(it->event.computer ? it->event.computer : "");
        o->channel = cs_strdup(it->event.channel ? it->event.channel : "");
        o->app_pool = cs_strdup(it->pool);
        o->disabled_at = it->event.time;
        o->was = record_of(it);
        add_failures(o, incidents);
        const struct life_sign *life = first_life(&signs, o->computer, o->app_pool, o->disabled_at);
        if (life) {
            o->ended = true;
            o->ended_at = life->record.time;
            o->end_evidence = life->record;
            o->duration_ms = ms_between(o->disabled_at, o->ended_at);
        } else {
            o->duration_ms = ms_between(o->disabled_at, last_seen(s, incidents, o->computer));
        }
    }
    free(signs.items);
}
