/*
 * fuzz_scan.c - libFuzzer target: a whole file, bytes in, report out.  The input is written
 * to a temporary file and read twice in this process - the reader's whole-file read (libevtx
 * on the whole file, reader_read_whole_file), whose events go through the parsers, the
 * correlator, the catalog, the findings and every report writer, and its selected-chunk read
 * (reader_plan_file, reader_read_chunks over every chunk).  One input in 16 is also scanned
 * end to end with scan_run (worker processes) and its reports checked.
 *
 * The in-process reads are what find faults in the reader and in libevtx: scan_run contains
 * them in its workers (by design: a crash there becomes an input error), where libFuzzer would
 * neither see the crash nor get coverage; and forking a worker per input would cut the
 * executions per second several times.
 *
 * Checked beyond "no crash, no leak, no hang": both read modes keep the same number of events
 * when both can read the file, the input is reported exactly once, an input error carries a
 * message, and the reports keep their promises (fuzz_check.h).
 *
 * libevtx is Debian's uninstrumented build, so coverage feedback comes from crashsig's code
 * only; crashes inside libevtx are still caught (SIGSEGV, ASan's checks on malloc/free).
 *
 * Not for: the parsers' own edge cases (fuzz_dotnet_crash.c, fuzz_app_error.c are faster).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_check.h"

#include "crashsig/prefilter.h"
#include "crashsig/scan.h"

static const uint32_t DOTNET_IDS[] = {1023, 1025, 1026, 1027, 1028};
static const uint32_t APP_ERROR_IDS[] = {1000};
static const struct reader_want WANTS[] = {
    {".NET Runtime", DOTNET_IDS, 5, NULL, 0},
    {"Application Error", APP_ERROR_IDS, 1, NULL, 0},
};
static const struct reader_filter FILTER = {WANTS, 2};

/* One temporary file per process, rewritten for every input; removed at exit. */
static char temp_path[256];

static void remove_temp(void)
{
    if (temp_path[0])
        unlink(temp_path);
}

static const char *temp_file(void)
{
    if (temp_path[0])
        return temp_path;
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    snprintf(temp_path, sizeof(temp_path), "%s/crashsig-fuzz-XXXXXX", dir ? dir : "/tmp");
    int fd = mkstemp(temp_path);
    FUZZ_CHECK(fd >= 0, "cannot create the temporary input file");
    close(fd);
    atexit(remove_temp);
    return temp_path;
}

static void write_input(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL, "cannot write the temporary input file");
    FUZZ_CHECK(fwrite(data, 1, size, f) == size && fclose(f) == 0, "short write");
}

static void check_result(const struct run_result *result)
{
    FUZZ_CHECK(result->input_count == 1, "the input is reported exactly once");
    const struct input_report *in = &result->inputs[0];
    FUZZ_CHECK(in->status != INPUT_ERROR || (in->error && in->error[0]), "an error says why");
    FUZZ_CHECK(in->status == INPUT_ERROR || in->error == NULL, "only errors have an error");
    FUZZ_CHECK(run_result_has_errors(result) == (in->status == INPUT_ERROR), "has_errors");
    FUZZ_CHECK(result->findings.count <= result->incidents.count, "findings group incidents");
}

static int count_event(struct event *ev, void *ctx)
{
    FUZZ_CHECK(ev->computer && ev->channel && ev->provider, "an event has its strings");
    FUZZ_CHECK(ev->data.count == 0 || ev->data.values != NULL, "an event has its data");
    (*(uint64_t *)ctx)++;
    return 0; /* the reader frees it */
}

/* What scan.c does with a kept event, in this process: parse it and hand it to c. */
struct full_read {
    uint64_t kept;
    struct correlator *c;
};

static int parse_event(struct event *ev, void *ctx)
{
    struct full_read *fr = ctx;
    count_event(ev, &fr->kept);
    struct cs_error err;
    if (cs_strcasecmp(ev->provider, ".NET Runtime") == 0) {
        struct dotnet_event *de = dotnet_event_new();
        event_move(&de->event, ev);
        const char *text = de->event.data.count ? de->event.data.values[0] : "";
        if (dotnet_crash_parse(text, de->event.event_id, de->crash, &err) == 0)
            correlator_add_dotnet(fr->c, de);
        else
            dotnet_event_free(de);
    } else {
        struct app_error_event *ae = cs_xcalloc(1, sizeof(*ae));
        event_move(&ae->event, ev);
        if (app_error_parse(&ae->event.data, &ae->fault, &err) == 0)
            correlator_add_app_error(fr->c, ae);
        else
            app_error_event_free(ae);
    }
    return 0;
}

/* The whole-file read, and the pipeline on what it kept; returns the events kept, or
 * UINT64_MAX when the file could not be read. */
static uint64_t read_full(const char *path)
{
    struct input_report report;
    input_report_init(&report, path);
    struct full_read fr = {0, correlator_new(0)};
    struct reader_request request = {
        .path = path, .filter = &FILTER, .on_event = parse_event, .ctx = &fr};
    int rc = reader_read_whole_file(&request, &report);
    uint64_t kept = fr.kept;
    fuzz_finish(fr.c, true);
    FUZZ_CHECK((rc != 0) == (report.status == INPUT_ERROR), "an unreadable file is an error");
    FUZZ_CHECK(rc == 0 || report.error != NULL, "an error says why");
    FUZZ_CHECK(report.events_kept == kept, "the report counts the events handed over");
    input_report_free(&report);
    return rc == 0 ? kept : UINT64_MAX;
}

/* The selected-chunk read over every chunk; returns the events kept, or UINT64_MAX when it
 * does not apply or the file could not be read. */
static uint64_t read_fast(const char *path)
{
    static struct prefilter *pf; /* harness-only state; reachable, so not a leak */
    if (pf == NULL)
        pf = prefilter_new(&FILTER);
    struct input_report report;
    input_report_init(&report, path);
    struct reader_layout layout;
    uint64_t kept = 0;
    if (reader_plan_file(path, pf, &layout, &report) != 1) {
        input_report_free(&report);
        return UINT64_MAX;
    }
    struct reader_range range;
    memset(&range, 0, sizeof(range));
    struct cs_error err = {{0}};
    struct reader_request request = {
        .path = path, .filter = &FILTER, .pf = pf, .on_event = count_event, .ctx = &kept};
    int rc = reader_read_chunks(&request, 0, layout.chunk_count, &range, &err);
    FUZZ_CHECK(rc == 0 || err.message[0] != '\0', "a failed range says why");
    if (rc == 0) {
        FUZZ_CHECK(range.events_kept == kept, "the range counts the events handed over");
        reader_report_ranges(&report, &layout, &range, 1);
    }
    reader_range_free(&range);
    input_report_free(&report);
    return rc == 0 ? kept : UINT64_MAX;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = temp_file();
    write_input(path, data, size);
    uint64_t full = read_full(path), fast = read_fast(path);
    FUZZ_CHECK(full == UINT64_MAX || fast == UINT64_MAX || full == fast,
               "both read modes keep the same events");
    uint32_t hash = 2166136261u; /* FNV-1a: which inputs also go through scan_run */
    for (size_t i = 0; i < size; i++)
        hash = (hash ^ data[i]) * 16777619u;
    if (hash % 16 != 0)
        return 0;
    struct scan_options options = {.catalog = fuzz_builtin_catalog(), .jobs = 1};
    struct run_result result = {.fail_on = SEVERITY_LOW};
    struct cs_error err = {{0}};
    const char *paths[] = {path};
    FUZZ_CHECK(scan_run(&options, paths, 1, &result, &err) == 0, "scan_run fails only on catalog");
    check_result(&result);
    fuzz_check_reports(&result, options.catalog);
    run_result_free(&result);
    return 0;
}
