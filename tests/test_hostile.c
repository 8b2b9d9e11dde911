/*
 * test_hostile.c - event text that attacks the terminal or the report formats, and sizes that
 * attack memory and time (docs/robustness.md, "Output safety" and "Limits").
 *
 * Output safety runs the real binary on a log written by tests/evtxgen with terminal escape
 * sequences (OSC title, clear screen, C1 CSI, DEL, CR), lone UTF-16 surrogates and NUL
 * characters inside the strings, in every report format: the text report must not contain a
 * byte a terminal acts on, JSON, JSON Lines and SARIF must be well-formed UTF-8 JSON with the
 * text escaped (not dropped), JUnit must be well-formed XML.  The checks are fuzz/fuzz_check.h's,
 * the same the fuzz targets apply to every input they generate.
 *
 * Limits feed the library sizes no genuine event has: a 10 MB message with 100,000 frames and
 * deep nesting, an event-id storm of 50,000 crashes of one application in one window, and a
 * forwarded log with 10,000 computers through the real binary.  They assert the documented
 * caps and the results, not times (benchmarks do that): without the caps these tests run out
 * of memory or time.
 *
 * Not for: damaged files (test_damaged.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cJSON.h>

#include "classic_event.h"
#include "evtx_writer.h"
#include "fuzz_check.h"
#include "run_process.h"
#include "test_util.h"

#include "crashsig/correlator.h"
#include "crashsig/dotnet_crash.h"

#define TIMEOUT_SECONDS 600
#define BASE_TIME       133500000000000000ULL /* 2024-01-18 */

/* ---- a hostile log -------------------------------------------------------------------- */

static const char ESCAPES_TEXT[] =
    "Application: w3wp.exe\n"
    "Framework Version: v4.0.30319\n"
    "Description: The process was terminated due to an unhandled exception.\n"
    "Exception Info: System.InvalidOperationException: \x1b]0;pwned\x07\x1b[2J\r\x7f\xc2\x9b"
    "31m gone\n"
    "   at Evil.\x1b[31mRun\x1b[0m()\n"
    "   at System.Threading.ThreadPoolWorkQueue.Dispatch()\n";

/* U+D800 alone, U+DC00 alone, a reversed pair, and NULs ("\xc0\x80", see evtx_writer.h). */
static const char SURROGATES_TEXT[] =
    "Application: sur\xed\xa0\x80rogate.exe\n"
    "Framework Version: v4.0.30319\n"
    "Description: lone \xed\xb0\x80 low, reversed \xed\xb0\x80\xed\xa0\x80 pair\n"
    "Exception Info: System.Exception\n"
    "   at Evil.Run\xed\xa0\x80()\n"
    "   at System.Threading.ThreadPoolWorkQueue.Dispatch()\n"
    "after a NUL\xc0\x80 nothing should be lost\n";

/* The 13 classic strings of an Application Error 1000. */
static void add_app_error(struct evtx_writer *w, const char *computer, const char *app,
                          uint64_t time)
{
    const char *data[] = {app,
                          "10.0.17763.1",
                          "0",
                          "KERNELBASE.dll",
                          "10.0",
                          "0",
                          "e0434352",
                          "000000000003a839",
                          "df4",
                          "01dabe0041952284",
                          app,
                          "C:\\Windows\\System32\\KERNELBASE.dll",
                          "\x1b]0;id\x07"};
    add_classic_event(w, "Application Error", 1000, computer, time, data, 13);
}

static void write_hostile_log(const char *path)
{
    char err[256];
    struct evtx_writer *w = evtx_writer_open(path, NULL, err, sizeof(err));
    if (w == NULL)
        fail_msg("evtx_writer_open: %s", err);
    const char *escapes[] = {ESCAPES_TEXT};
    add_classic_event(w, ".NET Runtime", 1026, "WEB\x1b[2J01", BASE_TIME, escapes, 1);
    add_app_error(w, "WEB\x1b[2J01", "w3wp.exe", BASE_TIME + 2000000);
    const char *surrogates[] = {SURROGATES_TEXT};
    add_classic_event(w, ".NET Runtime", 1026,
                      "WEB\xed\xa0\x80"
                      "02",
                      BASE_TIME + 600000000, surrogates, 1);
    add_app_error(w,
                  "WEB\xed\xa0\x80"
                  "02",
                  "sur\xed\xa0\x80rogate.exe", BASE_TIME + 602000000);
    assert_int_equal(evtx_writer_close(w, err, sizeof(err)), 0);
}

static void scan_as(const char *path, const char *format, const char *color,
                    struct process_result *r)
{
    char *argv[] = {(char *)CRASHSIG_BINARY, "scan",       "--format", (char *)format, "--color",
                    (char *)color,           (char *)path, NULL};
    assert_int_equal(run_process(argv, NULL, TIMEOUT_SECONDS, r), 0);
    assert_false(r->timed_out);
    assert_int_equal(r->signal, 0);
    assert_int_equal(r->exit_status, 1); /* both crashes are found */
}

static void hostile_log_path(char *path, size_t size)
{
    mkdir(WORK_DIR, 0755);
    snprintf(path, size, "%s/hostile.evtx", WORK_DIR);
    write_hostile_log(path);
}

static void test_text_report_is_inert(void **state)
{
    (void)state;
    char path[600];
    hostile_log_path(path, sizeof(path));
    struct process_result r;
    scan_as(path, "text", "never", &r);
    fuzz_check_text_report(r.out, r.out_size);
    assert_non_null(strstr(r.out, "\\x1b]0;pwned\\x07")); /* shown, but inert */
    assert_non_null(strstr(r.out, "\xef\xbf\xbd"));       /* a lone surrogate is U+FFFD */
    process_result_free(&r);

    /* with colour, the only escape sequences are crashsig's own SGR codes */
    scan_as(path, "text", "always", &r);
    for (const char *p = strchr(r.out, '\x1b'); p; p = strchr(p + 1, '\x1b')) {
        size_t n = strspn(p + 2, "0123456789;");
        assert_int_equal(p[1], '[');
        assert_int_equal(p[2 + n], 'm');
    }
    process_result_free(&r);
}

static const cJSON *first_incident(const cJSON *report)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItem(report, "incidents"), 0);
}

static void test_json_formats_escape_everything(void **state)
{
    (void)state;
    char path[600];
    hostile_log_path(path, sizeof(path));
    struct process_result r;
    scan_as(path, "json", "never", &r);
    fuzz_check_json_report(r.out, r.out_size);
    cJSON *report = cJSON_Parse(r.out);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(report, "incidents")), 2);
    /* escaped, not dropped: the computer comes back byte for byte */
    assert_string_equal(cJSON_GetObjectItem(first_incident(report), "computer")->valuestring,
                        "WEB\x1b[2J01");
    const cJSON *second = cJSON_GetArrayItem(cJSON_GetObjectItem(report, "incidents"), 1);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(second, "paired")));
    assert_non_null(strstr(cJSON_GetObjectItem(second, "computer")->valuestring, "\xef\xbf\xbd"));
    cJSON_Delete(report);
    process_result_free(&r);

    scan_as(path, "jsonl", "never", &r);
    fuzz_check_jsonl_report(r.out, r.out_size, 2);
    process_result_free(&r);
    scan_as(path, "sarif", "never", &r);
    fuzz_check_sarif_report(r.out, r.out_size);
    process_result_free(&r);
}

static void test_junit_is_well_formed_xml(void **state)
{
    (void)state;
    char path[600];
    hostile_log_path(path, sizeof(path));
    struct process_result r;
    scan_as(path, "junit", "never", &r);
    fuzz_check_xml(r.out, r.out_size);
    char xml_path[700];
    snprintf(xml_path, sizeof(xml_path), "%s/hostile.junit.xml", WORK_DIR);
    write_bytes(xml_path, r.out, r.out_size);
    process_result_free(&r);
    if (XMLLINT[0]) { /* and a real XML parser agrees */
        char *argv[] = {XMLLINT, "--noout", xml_path, NULL};
        assert_int_equal(run_process(argv, NULL, TIMEOUT_SECONDS, &r), 0);
        if (r.exit_status != 0)
            fail_msg("xmllint rejects the JUnit report: %s", r.err);
        process_result_free(&r);
    }
}

/* ---- limits ------------------------------------------------------------------------------ */

/* The caps src/dotnet_crash.c documents. */
#define MAX_FRAMES     1000
#define MAX_EXCEPTIONS 64
#define MAX_MESSAGE    65536

static void append(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *buf = realloc(*buf, *cap);
    }
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

/* 10 MB: a message line of 5 MB, 200 nested inner exceptions (CoreCLR's " ---> " and their
 * end markers), then 100,000 frames of the outermost exception. */
static char *huge_text(void)
{
    size_t len = 0, cap = 0;
    char *text = NULL;
    append(&text, &len, &cap,
           "Application: w3wp.exe\nCoreCLR Version: 8.0.1\n"
           "Description: The process was terminated due to an unhandled "
           "exception.\nException Info: System.Exception: ");
    char *message = malloc(5 * 1024 * 1024 + 1);
    memset(message, 'm', 5 * 1024 * 1024);
    message[5 * 1024 * 1024] = '\0';
    append(&text, &len, &cap, message);
    free(message);
    append(&text, &len, &cap, "\n");
    for (int i = 0; i < 200; i++)
        append(&text, &len, &cap, " ---> System.InvalidOperationException: inner\n");
    for (int i = 0; i < 200; i++)
        append(&text, &len, &cap, "   --- End of inner exception stack trace ---\n");
    char frame[64];
    for (int i = 0; i < 100000; i++) {
        snprintf(frame, sizeof(frame), "   at MyApp.Recursive.Step%d()\n", i);
        append(&text, &len, &cap, frame);
    }
    return text;
}

static void test_huge_message_is_capped(void **state)
{
    (void)state;
    char *text = huge_text();
    assert_true(strlen(text) > 8 * 1024 * 1024);
    struct dotnet_crash crash;
    assert_int_equal(dotnet_crash_parse(text, 1026, &crash, NULL), 0);
    free(text);
    assert_true(crash.truncated); /* the marker: the report says the text was cut */
    assert_true(crash.capped);    /* by crashsig, not by the runtime: the scan warns */
    assert_in_range(crash.exception_count, 1, MAX_EXCEPTIONS);
    for (size_t i = 0; i < crash.exception_count; i++) {
        assert_in_range(crash.exceptions[i].frame_count, 0, MAX_FRAMES);
        if (crash.exceptions[i].message)
            assert_in_range(strlen(crash.exceptions[i].message), 0, MAX_MESSAGE);
    }
    /* an over-long stack keeps its top and its bottom: the entry point still decides */
    size_t count;
    const struct dotnet_frame *frames = dotnet_crash_thread_frames(&crash, &count);
    assert_int_equal(count, MAX_FRAMES);
    assert_string_equal(frames[0].method, "MyApp.Recursive.Step0()");
    assert_string_equal(frames[count - 1].method, "MyApp.Recursive.Step99999()");
    dotnet_crash_free(&crash);
}

static void fill_event(struct event *ev, const char *provider, uint32_t event_id, uint64_t time,
                       uint64_t id)
{
    ev->file = "storm.evtx";
    ev->computer = cs_strdup("WEB01");
    ev->channel = cs_strdup("Application");
    ev->provider = cs_strdup(provider);
    ev->event_id = event_id;
    ev->time = time;
    ev->record_id = ev->event_record_id = id;
}

/* 50,000 crashes of one application within one pairing window: every .NET event and 1000 of
 * the same group are candidates for each other (2.5e9 couples), and each .NET event must still
 * get the 1000 written 1 ms after it. */
static void test_event_id_storm_pairs_in_linear_memory(void **state)
{
    (void)state;
    const size_t n = 50000;
    struct correlator *c = correlator_new(3600 * 1000); /* an hour: everything is in range */
    for (size_t i = 0; i < n; i++) {
        uint64_t t = BASE_TIME + i * 2 * CS_TICKS_PER_MS;
        struct dotnet_event *de = dotnet_event_new();
        fill_event(&de->event, ".NET Runtime", 1026, t, 2 * i);
        de->crash->application = cs_strdup("w3wp.exe");
        correlator_add_dotnet(c, de);
        struct app_error_event *ae = cs_xcalloc(1, sizeof(*ae));
        fill_event(&ae->event, "Application Error", 1000, t + CS_TICKS_PER_MS, 2 * i + 1);
        ae->fault.app_name = cs_strdup("w3wp.exe");
        correlator_add_app_error(c, ae);
    }
    struct incident_list incidents = {0};
    correlator_finish(c, &incidents);
    correlator_free(c);
    assert_int_equal(incidents.count, n);
    for (size_t i = 0; i < n; i++) {
        const struct incident *inc = &incidents.items[i];
        assert_true(inc->paired);
        assert_int_equal(inc->app_error->event.record_id, inc->dotnet->event.record_id + 1);
        assert_int_equal(inc->gap_ms, 1);
    }
    incident_list_free(&incidents);
}

/* A forwarded log from 10,000 computers, each with the same crash: one finding, 10,000
 * computers, through the real binary. */
static void test_ten_thousand_computers(void **state)
{
    (void)state;
    char path[600], err[256];
    mkdir(WORK_DIR, 0755);
    snprintf(path, sizeof(path), "%s/computers.evtx", WORK_DIR);
    struct evtx_writer *w = evtx_writer_open(path, NULL, err, sizeof(err));
    assert_non_null(w);
    const char *text[] = {"Application: w3wp.exe\nFramework Version: v4.0.30319\n"
                          "Description: x\nException Info: System.Exception\n"
                          "   at Shop.Checkout.Run()\n"};
    for (int i = 0; i < 10000; i++) {
        char computer[32];
        snprintf(computer, sizeof(computer), "WEB%05d", i);
        uint64_t t = BASE_TIME + (uint64_t)i * CS_TICKS_PER_SECOND;
        add_classic_event(w, ".NET Runtime", 1026, computer, t, text, 1);
        add_app_error(w, computer, "w3wp.exe", t + 100 * CS_TICKS_PER_MS);
    }
    assert_int_equal(evtx_writer_close(w, err, sizeof(err)), 0);
    char *argv[] = {(char *)CRASHSIG_BINARY, "scan", "--format", "json", path, NULL};
    struct process_result r;
    assert_int_equal(run_process(argv, NULL, TIMEOUT_SECONDS, &r), 0);
    assert_false(r.timed_out);
    assert_int_equal(r.exit_status, 1);
    cJSON *report = cJSON_Parse(r.out);
    assert_non_null(report);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(report, "incidents")), 10000);
    const cJSON *findings = cJSON_GetObjectItem(report, "findings");
    assert_int_equal(cJSON_GetArraySize(findings), 1);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetArrayItem(findings, 0), "computers")),
        10000);
    cJSON_Delete(report);
    process_result_free(&r);
}

/* Through the real binary: a 1026 with 1,500 frames and one whose message is 75 KB of UTF-8
 * (25,000 CJK characters, within what one EVTX string holds).  Both are reported, marked
 * "truncated", with a warning that says crashsig's limits cut them. */
static void test_caps_are_marked_and_warned(void **state)
{
    (void)state;
    char path[600], err[256];
    mkdir(WORK_DIR, 0755);
    snprintf(path, sizeof(path), "%s/caps.evtx", WORK_DIR);
    struct evtx_writer *w = evtx_writer_open(path, NULL, err, sizeof(err));
    assert_non_null(w);
    size_t len = 0, cap = 0;
    char *frames = NULL;
    append(&frames, &len, &cap,
           "Application: w3wp.exe\nFramework Version: v4.0.30319\n"
           "Description: x\nException Info: System.Exception\n");
    for (int i = 0; i < 1500; i++)
        append(&frames, &len, &cap, "   at A.B()\n");
    const char *one[] = {frames};
    add_classic_event(w, ".NET Runtime", 1026, "WEB01", BASE_TIME, one, 1);
    char *message = NULL;
    len = cap = 0;
    append(&message, &len, &cap,
           "Application: svc.exe\nCoreCLR Version: 8.0.1\n"
           "Description: x\nException Info: System.Exception: ");
    for (int i = 0; i < 25000; i++)
        append(&message, &len, &cap, "\xe4\xb8\x80"); /* U+4E00 */
    append(&message, &len, &cap, "\n   at A.B()\n");
    const char *two[] = {message};
    add_classic_event(w, ".NET Runtime", 1026, "WEB01", BASE_TIME + CS_TICKS_PER_SECOND * 60, two,
                      1);
    assert_int_equal(evtx_writer_close(w, err, sizeof(err)), 0);
    free(frames);
    free(message);

    char *argv[] = {(char *)CRASHSIG_BINARY, "scan", "--format", "json", path, NULL};
    struct process_result r;
    assert_int_equal(run_process(argv, NULL, TIMEOUT_SECONDS, &r), 0);
    assert_int_equal(r.exit_status, 1);
    cJSON *report = cJSON_Parse(r.out);
    assert_non_null(report);
    const cJSON *incidents = cJSON_GetObjectItem(report, "incidents");
    assert_int_equal(cJSON_GetArraySize(incidents), 2);
    for (int i = 0; i < 2; i++) {
        const cJSON *d = cJSON_GetObjectItem(cJSON_GetArrayItem(incidents, i), "dotnet");
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(d, "truncated")));
    }
    const cJSON *warnings = cJSON_GetObjectItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(report, "inputs"), 0), "warnings");
    int limits = 0;
    const cJSON *warning;
    cJSON_ArrayForEach(warning, warnings)
    {
        limits += strstr(warning->valuestring, "crashsig's limits") != NULL;
    }
    assert_int_equal(limits, 2);
    cJSON_Delete(report);
    process_result_free(&r);
}

/* A sanitizer report must not pass for exit status 1 ("incidents found"). */
static void sanitizer_environment(void)
{
    const char *asan = getenv("ASAN_OPTIONS");
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s%sexitcode=86", asan ? asan : "", asan && asan[0] ? ":" : "");
    setenv("ASAN_OPTIONS", buf, 1);
}

int main(void)
{
    sanitizer_environment();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_report_is_inert),
        cmocka_unit_test(test_json_formats_escape_everything),
        cmocka_unit_test(test_junit_is_well_formed_xml),
        cmocka_unit_test(test_huge_message_is_capped),
        cmocka_unit_test(test_caps_are_marked_and_warned),
        cmocka_unit_test(test_event_id_storm_pairs_in_linear_memory),
        cmocka_unit_test(test_ten_thousand_computers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
