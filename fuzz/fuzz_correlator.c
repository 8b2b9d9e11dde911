/*
 * fuzz_correlator.c - libFuzzer target: the correlator's pairing against a brute-force
 * reference.  The reference lists every (.NET event, 1000) couple within the window, sorts
 * them by rank (forward gap, or window + backward gap), .NET index and 1000 index, and accepts
 * them greedily: the rule correlator.h documents.  src/correlator.c must give the same pairs
 * without listing the couples (it is linear, the reference quadratic).
 *
 * Input: bytes 0-1 the window in units of 100 ms (0: the default); then 2 bytes per event:
 * bit 0 of the first picks .NET event or 1000, bits 1-2 the computer ("WEB01", "web01" - the
 * same, case-insensitively - or "WEB02"), bit 3 the application; the second byte is the time in
 * units of 250 ms, so equal times and overlapping windows are common.
 *
 * Not for: parsing (the events are built directly).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

#define MAX_EVENTS 256

static const char *const COMPUTERS[] = {"WEB01", "web01", "WEB02", "WEB01"};
static const char *const APPS[] = {"w3wp.exe", "svc.exe"};

struct ref_event {
    bool dotnet;
    int group; /* computer (case-folded) * 2 + application */
    uint64_t time;
    uint64_t id; /* event_record_id, unique: the input order */
};

struct ref_pair {
    uint64_t rank;
    size_t d, a; /* indexes into the sorted per-kind arrays */
};

static int compare_ref_events(const void *pa, const void *pb)
{
    const struct ref_event *x = *(struct ref_event *const *)pa, *y = *(struct ref_event *const *)pb;
    if (x->group != y->group)
        return x->group < y->group ? -1 : 1;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int compare_ref_pairs(const void *pa, const void *pb)
{
    const struct ref_pair *x = pa, *y = pb;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    if (x->d != y->d)
        return x->d < y->d ? -1 : 1;
    return x->a < y->a ? -1 : x->a > y->a;
}

/* The reference: partner_of[id of a .NET event] = id of its 1000, or UINT64_MAX. */
static void reference(struct ref_event *events, size_t n, uint64_t window, uint64_t *partner_of)
{
    struct ref_event *d[MAX_EVENTS], *a[MAX_EVENTS];
    size_t nd = 0, na = 0;
    for (size_t i = 0; i < n; i++) {
        if (events[i].dotnet)
            d[nd++] = &events[i];
        else
            a[na++] = &events[i];
        partner_of[i] = UINT64_MAX;
    }
    qsort(d, nd, sizeof(d[0]), compare_ref_events);
    qsort(a, na, sizeof(a[0]), compare_ref_events);
    struct ref_pair *pairs = cs_xcalloc(nd * na + 1, sizeof(*pairs));
    size_t np = 0;
    for (size_t i = 0; i < nd; i++)
        for (size_t k = 0; k < na; k++) {
            if (d[i]->group != a[k]->group)
                continue;
            uint64_t t = d[i]->time, ta = a[k]->time;
            if (ta >= t && ta - t <= window)
                pairs[np++] = (struct ref_pair){ta - t, i, k};
            else if (ta < t && t - ta <= window)
                pairs[np++] = (struct ref_pair){window + (t - ta), i, k};
        }
    qsort(pairs, np, sizeof(pairs[0]), compare_ref_pairs);
    bool d_taken[MAX_EVENTS] = {0}, a_taken[MAX_EVENTS] = {0};
    for (size_t i = 0; i < np; i++) {
        if (d_taken[pairs[i].d] || a_taken[pairs[i].a])
            continue;
        d_taken[pairs[i].d] = a_taken[pairs[i].a] = true;
        partner_of[d[pairs[i].d]->id] = a[pairs[i].a]->id;
    }
    free(pairs);
}

static void fill_event(struct event *ev, const char *provider, uint32_t event_id,
                       const char *computer, uint64_t time, uint64_t id)
{
    ev->file = "fuzz.evtx";
    ev->computer = cs_strdup(computer);
    ev->channel = cs_strdup("Application");
    ev->provider = cs_strdup(provider);
    ev->event_id = event_id;
    ev->time = time;
    ev->record_id = ev->event_record_id = id;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint64_t window_ms = (uint64_t)(data[0] | data[1] << 8) * 100;
    uint64_t window = (window_ms ? window_ms : CORRELATOR_DEFAULT_WINDOW_MS) * CS_TICKS_PER_MS;
    struct ref_event events[MAX_EVENTS];
    size_t n = 0;
    struct correlator *c = correlator_new(window_ms);
    for (size_t at = 2; at + 1 < size && n < MAX_EVENTS; at += 2, n++) {
        unsigned flags = data[at];
        int computer = (flags >> 1) & 3, app = (flags >> 3) & 1;
        uint64_t time = 133000000000000000ULL + (uint64_t)data[at + 1] * 250 * CS_TICKS_PER_MS;
        events[n] = (struct ref_event){flags & 1, (computer == 2) * 2 + app, time, n};
        if (flags & 1) {
            struct dotnet_event *de = dotnet_event_new();
            fill_event(&de->event, ".NET Runtime", 1026, COMPUTERS[computer], time, n);
            de->crash->application = cs_strdup(APPS[app]);
            correlator_add_dotnet(c, de);
        } else {
            struct app_error_event *ae = cs_xcalloc(1, sizeof(*ae));
            fill_event(&ae->event, "Application Error", 1000, COMPUTERS[computer], time, n);
            ae->fault.app_name = cs_strdup(APPS[app]);
            correlator_add_app_error(c, ae);
        }
    }
    struct incident_list incidents = {0};
    correlator_finish(c, &incidents);
    correlator_free(c);

    uint64_t expected[MAX_EVENTS];
    reference(events, n, window, expected);
    size_t seen = 0;
    for (size_t i = 0; i < incidents.count; i++) {
        const struct incident *inc = &incidents.items[i];
        seen += (inc->dotnet != NULL) + (inc->app_error != NULL);
        FUZZ_CHECK(inc->paired == (inc->dotnet && inc->app_error), "paired means both sides");
        if (inc->dotnet == NULL)
            continue;
        uint64_t got = inc->app_error ? inc->app_error->event.event_record_id : UINT64_MAX;
        FUZZ_CHECK(got == expected[inc->dotnet->event.event_record_id],
                   "the pairs are the reference's");
        if (i > 0)
            FUZZ_CHECK(incident_time(&incidents.items[i - 1]) <= incident_time(inc), "time order");
    }
    FUZZ_CHECK(seen == n, "every event is in exactly one incident");
    incident_list_free(&incidents);
    return 0;
}
