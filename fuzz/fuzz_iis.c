/*
 * fuzz_iis.c - libFuzzer target: the IIS half of a scan on hostile events.  WAS, ASP.NET 1325
 * and ANCM events built from the input go with .NET Runtime 1026 and Application Error 1000
 * crashes of w3wp.exe through scan_run (as carried events, so no file is read): the parsers
 * (was.c, aspnet.c, ancm.c), the IIS stage's joins by process id and by time, its own
 * incidents (a worker that died or hung with no crash event) and the Rapid-Fail Protection
 * outages, then classification, findings and every report writer.
 *
 * Input: records separated by 0xFF bytes, at most MAX_RECORDS.  Byte 0 of a record picks the
 * event (EVENTS below), byte 1 its time in steps of 20 s (so windows, five-minute spans and
 * equal times are common), byte 2 its computer (a name, its FQDN, another case, another
 * machine); the rest is split at NUL bytes into strings.  A WAS event takes them as the
 * values of WAS_NAMES in order (the manifest layout); ASP.NET and ANCM as their classic
 * strings.  A 1000 takes its first string as its process id (the rest of it is fixed), a 1026
 * a fixed text, so that there are crashes to join to.
 *
 * Checked beyond "no crash, no leak, no hang": scan_run succeeds; every report keeps its
 * promises (fuzz_check.h); an outage has a pool, its failures come in time order and not
 * after it, and it does not end before it began; every IIS origin is a known one; and a second
 * scan of the same events gives the same JSON report.
 *
 * Not for: reading these events out of .evtx files (fuzz_scan.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

#include "crashsig/event_sources.h"
#include "crashsig/iis_evidence.h"
#include "crashsig/outage.h"
#include "crashsig/scan.h"

#define MAX_RECORDS      48
#define MAX_STRINGS      16
#define TICKS_PER_SECOND 10000000ULL
#define BASE_TIME        133000000000000000ULL /* 2022-06-18 */

static const struct {
    enum event_source source;
    uint32_t event_id;
} EVENTS[] = {
    {EVENT_SOURCE_WAS, 5002},
    {EVENT_SOURCE_WAS, 5009},
    {EVENT_SOURCE_WAS, 5010},
    {EVENT_SOURCE_WAS, 5011},
    {EVENT_SOURCE_WAS, 5013},
    {EVENT_SOURCE_WAS, 5074},
    {EVENT_SOURCE_WAS, 5079},
    {EVENT_SOURCE_WAS, 5117},
    {EVENT_SOURCE_WAS, 5186},
    {EVENT_SOURCE_ASPNET_4, 1325},
    {EVENT_SOURCE_ASPNET_2, 1325},
    {EVENT_SOURCE_ANCM, 1005},
    {EVENT_SOURCE_ANCM, 1007},
    {EVENT_SOURCE_ANCM, 1011},
    {EVENT_SOURCE_ANCM, 1018},
    {EVENT_SOURCE_ANCM, 1031},
    {EVENT_SOURCE_ANCM, 1035},
    {EVENT_SOURCE_DOTNET_RUNTIME, 1026},
    {EVENT_SOURCE_APP_ERROR, 1000},
    {EVENT_SOURCE_APP_ERROR, 1000},
    {EVENT_SOURCE_DOTNET_RUNTIME, 1026},
};
#define EVENT_KINDS (sizeof(EVENTS) / sizeof(EVENTS[0]))

static const char *const COMPUTERS[] = {"WEB-IIS-01", "web-iis-01.contoso.local", "Web-Iis-01",
                                        "WEB-IIS-02"};
static const char *const WAS_NAMES[] = {"AppPoolID", "ProcessID", "ExitCode"};

static const char DOTNET_TEXT[] =
    "Application: w3wp.exe\nFramework Version: v4.0.30319\nDescription: The process was "
    "terminated due to an unhandled exception.\nException Info: System.InvalidOperationException\n"
    "   at Contoso.Sync+<>c__DisplayClass4_0+<<RunAll>b__0>d.MoveNext()\n"
    "   at System.Runtime.CompilerServices.AsyncMethodBuilderCore+<>c.<ThrowAsync>b__6_1("
    "System.Object)\n"
    "   at System.Threading.QueueUserWorkItemCallback.WaitCallback_Context(System.Object)\n"
    "   at System.Threading.ThreadPoolWorkQueue.Dispatch()\n";

/* A 1000 of w3wp.exe in the classic layout, its process id from the input. */
static const char *const APP_ERROR_VALUES[] = {
    "w3wp.exe",
    "10.0.17763.1",
    "cd1b9b1c",
    "KERNELBASE.dll",
    "10.0.17763.5830",
    "0a1b2c3d",
    "e0434352",
    "000000000003a839",
    NULL, /* the process id */
    "0x01da7c3e5a1b2c3d",
    "c:\\windows\\system32\\inetsrv\\w3wp.exe",
    "C:\\Windows\\System32\\KERNELBASE.dll",
    "6f1e3d2c-1b0a-4f9e-8d7c-6b5a49382716",
};
#define APP_ERROR_COUNT (sizeof(APP_ERROR_VALUES) / sizeof(APP_ERROR_VALUES[0]))

/* The strings of a record, split at NUL bytes. */
static size_t split(const uint8_t *data, size_t size, char **out)
{
    size_t n = 0;
    for (size_t at = 0; at < size && n < MAX_STRINGS;) {
        const uint8_t *nul = memchr(data + at, 0, size - at);
        size_t len = nul ? (size_t)(nul - (data + at)) : size - at;
        out[n++] = cs_strndup((const char *)data + at, len);
        at += len + 1;
    }
    return n;
}

static void set_values(struct event_data *data, char **strings, size_t n, bool named)
{
    data->count = n;
    data->values = cs_xcalloc(n ? n : 1, sizeof(char *));
    data->names = named ? cs_xcalloc(n ? n : 1, sizeof(char *)) : NULL;
    for (size_t i = 0; i < n; i++) {
        data->values[i] = strings[i];
        if (named && i < sizeof(WAS_NAMES) / sizeof(WAS_NAMES[0]))
            data->names[i] = cs_strdup(WAS_NAMES[i]);
    }
}

/* One event from a record (at least 3 bytes). */
static void build_event(const uint8_t *rec, size_t size, uint64_t id, struct event *ev)
{
    const size_t kind = rec[0] % EVENT_KINDS;
    enum event_source source = EVENTS[kind].source;
    memset(ev, 0, sizeof(*ev));
    ev->file = "fuzz.evtx";
    ev->record_id = ev->event_record_id = id;
    ev->time = ev->written_time = BASE_TIME + (uint64_t)rec[1] * 20 * TICKS_PER_SECOND;
    ev->computer = cs_strdup(COMPUTERS[rec[2] % 4]);
    ev->channel = cs_strdup(source == EVENT_SOURCE_WAS ? "System" : "Application");
    ev->provider = cs_strdup(event_source_provider(source));
    ev->event_id = EVENTS[kind].event_id;
    ev->level = 2;
    char *strings[MAX_STRINGS];
    size_t n = split(rec + 3, size - 3, strings);
    if (source == EVENT_SOURCE_DOTNET_RUNTIME) {
        for (size_t i = 0; i < n; i++)
            free(strings[i]);
        strings[0] = cs_strdup(DOTNET_TEXT);
        n = 1;
    } else if (source == EVENT_SOURCE_APP_ERROR) {
        char *pid = n ? strings[0] : cs_strdup("0x1a2c");
        for (size_t i = 1; i < n; i++)
            free(strings[i]);
        for (size_t i = 0; i < APP_ERROR_COUNT; i++)
            strings[i] = APP_ERROR_VALUES[i] ? cs_strdup(APP_ERROR_VALUES[i]) : pid;
        n = APP_ERROR_COUNT;
    }
    set_values(&ev->data, strings, n, source == EVENT_SOURCE_WAS);
}

static void check_outages(const struct run_result *result)
{
    for (size_t i = 0; i < result->outages.count; i++) {
        const struct outage *o = &result->outages.items[i];
        FUZZ_CHECK(o->app_pool != NULL && o->computer != NULL, "an outage has a pool and host");
        FUZZ_CHECK(!o->ended || o->ended_at >= o->disabled_at, "an outage ends after it began");
        FUZZ_CHECK(o->duration_ms >= 0, "an outage lasts zero or more");
        for (size_t k = 0; k < o->failure_count; k++) {
            FUZZ_CHECK(o->failures[k].time <= o->disabled_at, "failures come before the outage");
            FUZZ_CHECK(k == 0 || o->failures[k - 1].time <= o->failures[k].time,
                       "failures in time order");
        }
    }
    for (size_t i = 0; i < result->incidents.count; i++) {
        const struct incident_iis *iis = result->incidents.items[i].iis;
        FUZZ_CHECK(iis == NULL || (unsigned)iis->origin <= IIS_ORIGIN_ANCM_EXCEPTION,
                   "a known IIS origin");
    }
}

/* One scan of the events; returns its JSON report (owned). */
static char *scan_events(const struct event *events, size_t count, bool check)
{
    struct scan_options options = {.catalog = fuzz_builtin_catalog(), .jobs = 1};
    options.carried_events = events;
    options.carried_event_count = count;
    struct run_result result = {.fail_on = SEVERITY_LOW};
    struct cs_error err = {{0}};
    FUZZ_CHECK(scan_run(&options, NULL, 0, &result, &err) == 0, "scan of the events");
    if (check) {
        check_outages(&result);
        fuzz_check_reports(&result, NULL);
    }
    size_t n;
    char *json = fuzz_render(report_write_json, &result, NULL, &n);
    run_result_free(&result);
    return json;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct event events[MAX_RECORDS] = {{0}};
    size_t count = 0;
    for (size_t at = 0; at < size && count < MAX_RECORDS;) {
        const uint8_t *sep = memchr(data + at, 0xff, size - at);
        size_t len = sep ? (size_t)(sep - (data + at)) : size - at;
        if (len >= 3) {
            build_event(data + at, len, count + 1, &events[count]);
            count++;
        }
        at += len + 1;
    }
    char *first = scan_events(events, count, true);
    char *second = scan_events(events, count, false);
    FUZZ_CHECK(strcmp(first, second) == 0, "the same events give the same report");
    free(first);
    free(second);
    for (size_t i = 0; i < count; i++)
        event_free(&events[i]);
    return 0;
}
