/*
 * findings.c - fingerprint classified incidents and group them into findings (findings.h).
 *
 * The fingerprint is a public contract: baselines and tickets store it, so a recipe
 * (docs/signatures.md, "Fingerprints") never changes once released: "v1" hashed the user frame
 * as written, "v2" (the one written now) without the compiler's ordinals, and v1 is still
 * computed to read old baselines.  It
 * uses only what describes the defect - signature, application, exception type, first user
 * frame - and nothing that describes the occurrence (computer, time, record ids, process id,
 * file and line, exception message).
 *
 * Not for: classifying (signatures.c) or printing (report_*.c).
 */
#include "crashsig/findings.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/frame_names.h"
#include "crashsig/signatures.h"

#define FNV64_OFFSET_BASIS 0xcbf29ce484222325ULL
#define FNV64_PRIME        0x100000001b3ULL

static const struct dotnet_frame *first_user_frame(const struct dotnet_frame *frames, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (!dotnet_frame_is_framework(&frames[i]))
            return &frames[i];
    }
    return NULL;
}

/* Innermost exception first: it is the root cause, and its top user frame is the code that
 * threw or called into the framework that threw.  Outer exceptions (wrappers such as
 * TargetInvocationException) and the Stack: frames are only looked at when it has none. */
const struct dotnet_frame *incident_user_frame(const struct incident *incident)
{
    if (incident->dotnet == NULL)
        return NULL;
    const struct dotnet_crash *crash = incident->dotnet->crash;
    for (size_t i = 0; i < crash->exception_count; i++) {
        const struct dotnet_exception *e = &crash->exceptions[i];
        const struct dotnet_frame *frame = first_user_frame(e->frames, e->frame_count);
        if (frame)
            return frame;
    }
    return first_user_frame(crash->stack_frames, crash->stack_frame_count);
}

char *incident_user_frame_readable(const struct incident *incident)
{
    const struct dotnet_frame *frame = incident_user_frame(incident);
    if (frame == NULL)
        return NULL;
    char *readable = frame_name_readable(frame->method);
    return readable ? readable : cs_strdup(frame->method);
}

/* The frame whose method a developer changes: the first user-code frame among those that
 * identified the signature (the async lambda of async-void-threadpool, not the helper it
 * called that threw), else the user frame. */
static const struct dotnet_frame *fix_frame(const struct incident *incident)
{
    for (size_t i = 0; i < incident->matched_count; i++)
        if (!dotnet_frame_is_framework(incident_matched_frame(incident, i)))
            return incident_matched_frame(incident, i);
    return incident_user_frame(incident);
}

/* The exception type a .NET crash is fingerprinted and reported by: the innermost's. */
static const char *root_exception_type(const struct incident *incident)
{
    if (incident->dotnet == NULL)
        return NULL;
    const struct dotnet_exception *e = dotnet_crash_innermost(incident->dotnet->crash);
    return e && e->type && e->type[0] ? e->type : NULL;
}

/* The code of a native exception that the .NET event reports without a managed type: its own
 * ("exception code c0000005"), else the 1000's.  Empty when there is none, and for stack
 * overflow, FailFast and internal errors, which name no exception either. */
static void native_exception_code(const struct incident *incident, char code[9])
{
    code[0] = '\0';
    const struct dotnet_crash *crash = incident->dotnet ? incident->dotnet->crash : NULL;
    if (crash == NULL || crash->exception_count > 0 ||
        crash->kind != DOTNET_KIND_UNHANDLED_EXCEPTION)
        return;
    const struct app_error *fault = incident->app_error ? &incident->app_error->fault : NULL;
    if (crash->has_native_code)
        snprintf(code, 9, "%08" PRIx32, crash->native_code);
    else if (fault && fault->has_exception_code)
        snprintf(code, 9, "%08" PRIx32, fault->exception_code);
}

static uint64_t fnv1a_byte(uint64_t hash, unsigned char byte)
{
    return (hash ^ byte) * FNV64_PRIME;
}

/* Adds one field and its NUL separator; ASCII letters folded when lower is set. */
static uint64_t fnv1a_field(uint64_t hash, const char *text, bool lower)
{
    hash = fnv1a_byte(hash, 0);
    for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
        unsigned char c = *p;
        if (lower && c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        hash = fnv1a_byte(hash, c);
    }
    return hash;
}

/* The hash of a classified incident by recipe 1 or 2 (docs/signatures.md, "Fingerprints"). */
static void fingerprint_by_recipe(const struct incident *incident, int recipe,
                                  char out[INCIDENT_FINGERPRINT_SIZE])
{
    uint64_t hash = FNV64_OFFSET_BASIS;
    hash = fnv1a_byte(fnv1a_byte(hash, 'v'), recipe == 1 ? '1' : '2');
    hash = fnv1a_field(hash, incident->signature ? incident->signature->id : "", false);
    hash = fnv1a_field(hash, incident_application(incident), true);
    if (incident->dotnet) {
        const struct dotnet_frame *frame = incident_user_frame(incident);
        const char *type = root_exception_type(incident);
        char code[9];
        native_exception_code(incident, code);
        /* A native exception's managed frames are the callers of the native code, often all
         * framework (a P/Invoke wrapper): the topmost one then says where it happened. */
        const struct dotnet_crash *crash = incident->dotnet->crash;
        bool native = crash->exception_count == 0 && crash->kind == DOTNET_KIND_UNHANDLED_EXCEPTION;
        if (frame == NULL && native && crash->stack_frame_count > 0)
            frame = &crash->stack_frames[0];
        hash = fnv1a_field(hash, type ? type : code, false);
        /* v2: the compiler's ordinals renumber when unrelated code changes; the names stay */
        char *method = recipe == 1 ? NULL : frame_name_normalize(frame ? frame->method : "");
        hash = fnv1a_field(hash, method ? method : frame ? frame->method : "", false);
        free(method);
    } else {
        const struct app_error *fault = incident->app_error ? &incident->app_error->fault : NULL;
        char code[9] = "";
        if (fault && fault->has_exception_code)
            snprintf(code, sizeof(code), "%08" PRIx32, fault->exception_code);
        hash = fnv1a_field(hash, code, false);
        hash = fnv1a_field(hash, fault ? fault->module_name : "", true);
    }
    snprintf(out, INCIDENT_FINGERPRINT_SIZE, "%016" PRIx64, hash);
}

void incident_fingerprint(struct incident *incident)
{
    fingerprint_by_recipe(incident, FINGERPRINT_RECIPE, incident->fingerprint);
}

void incident_fingerprint_v1(const struct incident *incident, char out[INCIDENT_FINGERPRINT_SIZE])
{
    fingerprint_by_recipe(incident, 1, out);
}

/* ---- grouping --------------------------------------------------------------------------- */

struct incident_key {
    const char *fingerprint;
    cs_filetime time;
    size_t index;
};

static int compare_incident_keys(const void *a, const void *b)
{
    const struct incident_key *x = a, *y = b;
    int c = strcmp(x->fingerprint, y->fingerprint);
    if (c != 0)
        return c;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

struct computer_key {
    const char *name;
    size_t order; /* position of the incident in time order: the earliest spelling is kept */
};

static int compare_computer_keys(const void *a, const void *b)
{
    const struct computer_key *x = a, *y = b;
    int c = cs_strcasecmp(x->name, y->name);
    if (c != 0)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void collect_computers(const struct incident_list *incidents, struct finding *f)
{
    struct computer_key *keys = cs_xcalloc(f->count, sizeof(*keys));
    for (size_t i = 0; i < f->count; i++)
        keys[i] = (struct computer_key){incident_computer(&incidents->items[f->incidents[i]]), i};
    qsort(keys, f->count, sizeof(*keys), compare_computer_keys);
    f->computers = cs_xcalloc(f->count, sizeof(*f->computers));
    for (size_t i = 0; i < f->count; i++) {
        if (i == 0 || cs_strcasecmp(keys[i].name, keys[i - 1].name) != 0)
            f->computers[f->computer_count++] = keys[i].name;
    }
    free(keys);
}

static int compare_pool_names(const void *a, const void *b)
{
    int r = cs_strcasecmp(*(const char *const *)a, *(const char *const *)b);
    return r ? r : strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int compare_site_ids(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The pools and sites IIS named for the finding's incidents. */
static void collect_iis(const struct incident_list *incidents, struct finding *f)
{
    f->app_pools = cs_xcalloc(f->count, sizeof(*f->app_pools));
    f->site_ids = cs_xcalloc(f->count, sizeof(*f->site_ids));
    size_t pools = 0, sites = 0;
    for (size_t i = 0; i < f->count; i++) {
        const struct incident_iis *iis = incidents->items[f->incidents[i]].iis;
        if (iis && iis->app_pool)
            f->app_pools[pools++] = iis->app_pool;
        if (iis && iis->has_site_id)
            f->site_ids[sites++] = iis->site_id;
    }
    if (pools > 1)
        qsort(f->app_pools, pools, sizeof(*f->app_pools), compare_pool_names);
    if (sites > 1)
        qsort(f->site_ids, sites, sizeof(*f->site_ids), compare_site_ids);
    for (size_t i = 0; i < pools; i++)
        if (i == 0 || cs_strcasecmp(f->app_pools[i], f->app_pools[f->app_pool_count - 1]) != 0)
            f->app_pools[f->app_pool_count++] = f->app_pools[i];
    for (size_t i = 0; i < sites; i++)
        if (i == 0 || f->site_ids[i] != f->site_ids[f->site_id_count - 1])
            f->site_ids[f->site_id_count++] = f->site_ids[i];
}

/* What the finding shows as its exception: the root exception type, a native exception's
 * code, or for a crash without a .NET event the 1000's exception code. */
static char *finding_exception(const struct incident *incident)
{
    const char *type = root_exception_type(incident);
    if (type)
        return cs_strdup(type);
    char native[9];
    native_exception_code(incident, native);
    if (native[0])
        return cs_strdup(native);
    const struct app_error *fault = incident->app_error ? &incident->app_error->fault : NULL;
    if (incident->dotnet || fault == NULL || !fault->has_exception_code)
        return NULL;
    char code[9];
    snprintf(code, sizeof(code), "%08" PRIx32, fault->exception_code);
    return cs_strdup(code);
}

/* Builds one finding from keys[0..count), which share a fingerprint and are in time order. */
static void build_finding(const struct incident_list *incidents, const struct incident_key *keys,
                          size_t count, struct finding *f)
{
    const struct incident *first = &incidents->items[keys[0].index];
    memset(f, 0, sizeof(*f));
    snprintf(f->fingerprint, sizeof(f->fingerprint), "%s", keys[0].fingerprint);
    f->signature = first->signature;
    f->application = incident_application(first);
    f->exception = finding_exception(first);
    const struct dotnet_frame *frame = incident_user_frame(first);
    f->user_frame = frame ? frame->method : NULL;
    f->user_frame_readable = incident_user_frame_readable(first);
    const struct dotnet_frame *to_fix = fix_frame(first);
    f->fix_in = to_fix ? frame_name_owner(to_fix->method) : NULL;
    f->fix_frame = to_fix;
    f->count = count;
    f->first = keys[0].time;
    f->last = keys[count - 1].time;
    f->incidents = cs_xcalloc(count, sizeof(*f->incidents));
    for (size_t i = 0; i < count; i++) {
        f->incidents[i] = keys[i].index;
        if (incidents->items[keys[i].index].severity > f->severity)
            f->severity = incidents->items[keys[i].index].severity;
    }
    collect_computers(incidents, f);
    collect_iis(incidents, f);
}

/* Most severe, then most frequent, then most recent; the fingerprint settles the rest, so the
 * order never depends on the input order. */
static int compare_findings(const void *a, const void *b)
{
    const struct finding *x = a, *y = b;
    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    if (x->last != y->last)
        return x->last > y->last ? -1 : 1;
    return strcmp(x->fingerprint, y->fingerprint);
}

void findings_group(const struct incident_list *incidents, struct finding_list *out)
{
    memset(out, 0, sizeof(*out));
    size_t n = incidents->count;
    if (n == 0)
        return;
    struct incident_key *keys = cs_xcalloc(n, sizeof(*keys));
    for (size_t i = 0; i < n; i++) {
        const struct incident *incident = &incidents->items[i];
        keys[i] = (struct incident_key){incident->fingerprint, incident_time(incident), i};
    }
    qsort(keys, n, sizeof(*keys), compare_incident_keys);
    /* one finding per fingerprint, not per incident: a crash loop is one finding */
    size_t groups = 1;
    for (size_t i = 1; i < n; i++)
        groups += strcmp(keys[i].fingerprint, keys[i - 1].fingerprint) != 0;
    out->items = cs_xcalloc(groups, sizeof(*out->items));
    for (size_t start = 0; start < n;) {
        size_t end = start + 1;
        while (end < n && strcmp(keys[end].fingerprint, keys[start].fingerprint) == 0)
            end++;
        build_finding(incidents, &keys[start], end - start, &out->items[out->count++]);
        start = end;
    }
    free(keys);
    qsort(out->items, out->count, sizeof(*out->items), compare_findings);
}

void finding_list_free(struct finding_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        struct finding *f = &list->items[i];
        free(f->computers);
        free(f->incidents);
        free(f->app_pools);
        free(f->site_ids);
        free((void *)f->exception); /* owned: a code has no string in the incident to borrow */
        free(f->user_frame_readable);
        free(f->fix_in);
    }
    free(list->items);
    memset(list, 0, sizeof(*list));
}
