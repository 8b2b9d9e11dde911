/*
 * test_cli.c - run the real crashsig binary on the real fixture .evtx files and check the
 * JSON report against each fixture's "expect" runs (fixtures/README.md), plus the CLI's
 * behaviour on bad input: exit statuses, messages naming the file, atomic --output.
 *
 * Nothing is mocked: the binary parses the committed .evtx bytes with libevtx.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "run_process.h"
#include "test_util.h"

#define TIMEOUT_SECONDS 120

struct fixture_run {
    char name[256];
    char spec_path[512];
    char evtx_path[512];
    int run_index;
};

/* Runs crashsig in SOURCE_DIR with the given arguments (NULL-terminated). */
#define crashsig(r, ...) run_program(r, SOURCE_DIR, TIMEOUT_SECONDS, CRASHSIG_BINARY, __VA_ARGS__)

static bool is_null_or(const cJSON *item, cJSON_bool (*check)(const cJSON *))
{
    return item && (cJSON_IsNull(item) || check(item));
}

/* The report's shape (docs/report-format.md): absent sides are null, ids are numbers. */
static void check_report_shape(const cJSON *report)
{
    assert_string_equal(cJSON_GetObjectItem(report, "schema")->valuestring, "crashsig.report/1");
    const cJSON *in;
    cJSON_ArrayForEach(in, cJSON_GetObjectItem(report, "inputs"))
    {
        assert_true(cJSON_IsString(cJSON_GetObjectItem(in, "path")));
        assert_true(cJSON_IsNumber(cJSON_GetObjectItem(in, "records")));
        assert_true(cJSON_IsNumber(cJSON_GetObjectItem(in, "recovered_records")));
        assert_true(cJSON_IsArray(cJSON_GetObjectItem(in, "warnings")));
        assert_true(cJSON_IsString(cJSON_GetObjectItem(in, "status")));
    }
    const cJSON *inc;
    cJSON_ArrayForEach(inc, cJSON_GetObjectItem(report, "incidents"))
    {
        assert_true(cJSON_IsString(cJSON_GetObjectItem(inc, "computer")));
        assert_true(cJSON_IsString(cJSON_GetObjectItem(inc, "time")));
        assert_true(cJSON_IsBool(cJSON_GetObjectItem(inc, "paired")));
        assert_true(is_null_or(cJSON_GetObjectItem(inc, "dotnet"), cJSON_IsObject));
        assert_true(is_null_or(cJSON_GetObjectItem(inc, "app_error"), cJSON_IsObject));
        assert_true(is_null_or(cJSON_GetObjectItem(inc, "gap_ms"), cJSON_IsNumber));
        const cJSON *sig = cJSON_GetObjectItem(inc, "signature");
        assert_true(cJSON_IsString(cJSON_GetObjectItem(sig, "id")));
        assert_true(cJSON_IsString(cJSON_GetObjectItem(sig, "severity")));
        assert_int_equal(strlen(cJSON_GetObjectItem(inc, "fingerprint")->valuestring), 16);
        const cJSON *d = cJSON_GetObjectItem(inc, "dotnet");
        if (cJSON_IsObject(d)) {
            assert_true(cJSON_IsNumber(cJSON_GetObjectItem(d, "record_id")));
            assert_true(cJSON_IsNumber(cJSON_GetObjectItem(d, "event_record_id")));
            assert_true(cJSON_IsNumber(cJSON_GetObjectItem(d, "event_id")));
            assert_true(cJSON_IsArray(cJSON_GetObjectItem(d, "frames")));
        }
        const cJSON *a = cJSON_GetObjectItem(inc, "app_error");
        if (cJSON_IsObject(a))
            assert_true(is_null_or(cJSON_GetObjectItem(a, "process_id"), cJSON_IsNumber));
    }
    assert_true(cJSON_IsArray(cJSON_GetObjectItem(report, "findings")));
    assert_true(cJSON_IsObject(cJSON_GetObjectItem(report, "summary")));
}

static void check_side(const cJSON *side, const cJSON *expected, const char *what, int index)
{
    if (expected == NULL)
        return;
    if (cJSON_IsNull(expected)) {
        if (!cJSON_IsNull(side))
            fail_msg("incident %d: expected no %s side", index, what);
        return;
    }
    if (!cJSON_IsObject(side))
        fail_msg("incident %d: expected a %s side with event_record_id %d", index, what,
                 expected->valueint);
    const cJSON *id = cJSON_GetObjectItem(side, "event_record_id");
    if (id->valuedouble != expected->valuedouble)
        fail_msg("incident %d: %s event_record_id %.0f, expected %.0f", index, what,
                 id->valuedouble, expected->valuedouble);
}

static void check_string(const cJSON *actual, const cJSON *expected, const char *what, int index)
{
    if (expected == NULL)
        return;
    const char *a = cJSON_IsString(actual) ? actual->valuestring : "(null)";
    if (strcmp(a, expected->valuestring) != 0)
        fail_msg("incident %d: %s is '%s', expected '%s'", index, what, a, expected->valuestring);
}

/* Each expected text must appear in one of the input's warnings. */
static void check_input_warnings(const cJSON *input, const cJSON *expected)
{
    const cJSON *want;
    cJSON_ArrayForEach(want, expected)
    {
        bool found = false;
        const cJSON *w;
        cJSON_ArrayForEach(w, cJSON_GetObjectItem(input, "warnings"))
        {
            if (cJSON_IsString(w) && strstr(w->valuestring, want->valuestring))
                found = true;
        }
        if (!found)
            fail_msg("no warning of the input says '%s'", want->valuestring);
    }
}

/* An expected array of strings equals the actual one, in order. */
static void check_strings(const cJSON *actual, const cJSON *expected, const char *what, int index)
{
    if (cJSON_GetArraySize(actual) != cJSON_GetArraySize(expected))
        fail_msg("incident %d: %d %s, expected %d", index, cJSON_GetArraySize(actual), what,
                 cJSON_GetArraySize(expected));
    for (int i = 0; i < cJSON_GetArraySize(expected); i++)
        check_string(cJSON_GetArrayItem(actual, i), cJSON_GetArrayItem(expected, i), what, index);
}

/* "wer": null, or the keys given (report_path, bucket, dump_files) of the merged 1001s. */
static void check_wer(const cJSON *actual, const cJSON *expected, int index)
{
    if (expected == NULL)
        return;
    if (cJSON_IsNull(expected) != cJSON_IsNull(actual))
        fail_msg("incident %d: wer should be %s", index, cJSON_IsNull(expected) ? "null" : "set");
    if (cJSON_IsNull(expected))
        return;
    const cJSON *path = cJSON_GetObjectItem(expected, "report_path");
    check_string(cJSON_GetObjectItem(actual, "report_path"), path, "wer.report_path", index);
    const cJSON *bucket = cJSON_GetObjectItem(expected, "bucket");
    if (cJSON_IsNull(bucket) && !cJSON_IsNull(cJSON_GetObjectItem(actual, "bucket")))
        fail_msg("incident %d: wer.bucket should be null", index);
    else if (bucket && !cJSON_IsNull(bucket))
        check_string(cJSON_GetObjectItem(actual, "bucket"), bucket, "wer.bucket", index);
    const cJSON *dumps = cJSON_GetObjectItem(expected, "dump_files");
    if (dumps)
        check_strings(cJSON_GetObjectItem(actual, "dump_files"), dumps, "wer.dump_files", index);
}

static void check_secondary_codes(const cJSON *app_error, const cJSON *expected, int index)
{
    if (expected == NULL)
        return;
    const cJSON *actual = cJSON_GetObjectItem(app_error, "secondary_codes");
    if (cJSON_GetArraySize(actual) != cJSON_GetArraySize(expected))
        fail_msg("incident %d: %d secondary codes, expected %d", index, cJSON_GetArraySize(actual),
                 cJSON_GetArraySize(expected));
    for (int i = 0; i < cJSON_GetArraySize(expected); i++)
        check_string(cJSON_GetObjectItem(cJSON_GetArrayItem(actual, i), "exception_code"),
                     cJSON_GetArrayItem(expected, i), "secondary code", index);
}

static void check_incident(const cJSON *actual, const cJSON *expected, int index)
{
    const cJSON *sig = cJSON_GetObjectItem(actual, "signature");
    check_string(cJSON_GetObjectItem(sig, "id"), cJSON_GetObjectItem(expected, "signature"),
                 "signature", index);
    check_string(cJSON_GetObjectItem(sig, "severity"), cJSON_GetObjectItem(expected, "severity"),
                 "severity", index);
    check_string(cJSON_GetObjectItem(actual, "computer"), cJSON_GetObjectItem(expected, "computer"),
                 "computer", index);
    /* the name as logged, only where the report uses the machine's canonical name */
    const cJSON *logged = cJSON_GetObjectItem(expected, "computer_logged");
    if (logged)
        check_string(cJSON_GetObjectItem(actual, "computer_logged"), logged, "computer_logged",
                     index);
    else if (!cJSON_IsNull(cJSON_GetObjectItem(actual, "computer_logged")))
        fail_msg("incident %d: computer_logged should be null", index);
    const cJSON *app = cJSON_GetObjectItem(actual, "application");
    const cJSON *want_app = cJSON_GetObjectItem(expected, "application");
    if (want_app && strcasecmp(app->valuestring, want_app->valuestring) != 0)
        fail_msg("incident %d: application '%s', expected '%s'", index, app->valuestring,
                 want_app->valuestring);
    const cJSON *paired = cJSON_GetObjectItem(expected, "paired");
    if (paired && cJSON_IsTrue(paired) != cJSON_IsTrue(cJSON_GetObjectItem(actual, "paired")))
        fail_msg("incident %d: paired should be %s", index,
                 cJSON_IsTrue(paired) ? "true" : "false");
    check_side(cJSON_GetObjectItem(actual, "dotnet"), cJSON_GetObjectItem(expected, "dotnet"),
               "dotnet", index);
    check_side(cJSON_GetObjectItem(actual, "app_error"), cJSON_GetObjectItem(expected, "app_error"),
               "app_error", index);
    const cJSON *exception = cJSON_GetObjectItem(expected, "exception");
    if (exception)
        check_string(cJSON_GetObjectItem(cJSON_GetObjectItem(actual, "dotnet"), "exception"),
                     exception, "exception", index);
    const cJSON *gap = cJSON_GetObjectItem(expected, "gap_ms");
    if (gap && cJSON_GetObjectItem(actual, "gap_ms")->valuedouble != gap->valuedouble)
        fail_msg("incident %d: gap_ms %.0f, expected %.0f", index,
                 cJSON_GetObjectItem(actual, "gap_ms")->valuedouble, gap->valuedouble);
    check_wer(cJSON_GetObjectItem(actual, "wer"), cJSON_GetObjectItem(expected, "wer"), index);
    check_secondary_codes(cJSON_GetObjectItem(actual, "app_error"),
                          cJSON_GetObjectItem(expected, "secondary_codes"), index);
}

/* "twin": the index of the incident this one is a translation of (the same crash logged by a
 * Windows in another language): everything that classifies and groups it must be equal. */
static void check_twin(const cJSON *incidents, const cJSON *expected, int index)
{
    const cJSON *twin = cJSON_GetObjectItem(expected, "twin");
    if (twin == NULL)
        return;
    const cJSON *a = cJSON_GetArrayItem(incidents, index);
    const cJSON *b = cJSON_GetArrayItem(incidents, twin->valueint);
    if (b == NULL)
        fail_msg("incident %d: twin %d does not exist", index, twin->valueint);
    check_string(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "signature"), "id"),
                 cJSON_GetObjectItem(cJSON_GetObjectItem(b, "signature"), "id"), "twin signature",
                 index);
    check_string(cJSON_GetObjectItem(a, "fingerprint"), cJSON_GetObjectItem(b, "fingerprint"),
                 "twin fingerprint", index);
    const cJSON *da = cJSON_GetObjectItem(a, "dotnet"), *db = cJSON_GetObjectItem(b, "dotnet");
    if (!cJSON_IsObject(da) || !cJSON_IsObject(db))
        fail_msg("incident %d and its twin %d must both have a .NET side", index, twin->valueint);
    static const char *const SAME[] = {"kind", "runtime", "exception"};
    for (size_t i = 0; i < sizeof(SAME) / sizeof(SAME[0]); i++)
        check_string(cJSON_GetObjectItem(da, SAME[i]), cJSON_GetObjectItem(db, SAME[i]), SAME[i],
                     index);
    if (strcasecmp(cJSON_GetObjectItem(a, "application")->valuestring,
                   cJSON_GetObjectItem(b, "application")->valuestring) != 0)
        fail_msg("incident %d: application differs from its twin's", index);
    /* the frames are the same methods, whatever word the language puts before them */
    const cJSON *fa = cJSON_GetObjectItem(da, "frames"), *fb = cJSON_GetObjectItem(db, "frames");
    if (cJSON_GetArraySize(fa) != cJSON_GetArraySize(fb))
        fail_msg("incident %d: %d frames, its twin %d", index, cJSON_GetArraySize(fa),
                 cJSON_GetArraySize(fb));
    char *ja = cJSON_PrintUnformatted(cJSON_GetObjectItem(da, "exceptions"));
    char *jb = cJSON_PrintUnformatted(cJSON_GetObjectItem(db, "exceptions"));
    if (strcmp(ja, jb) != 0)
        fail_msg("incident %d: exceptions differ from its twin's:\n%s\n%s", index, ja, jb);
    free(ja);
    free(jb);
}

static void test_fixture_run(void **state)
{
    const struct fixture_run *fx = *state;
    char *spec_text = read_file(fx->spec_path, NULL);
    assert_non_null(spec_text);
    cJSON *spec = cJSON_Parse(spec_text);
    assert_non_null(spec);
    const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(spec, "expect"), fx->run_index);
    assert_non_null(run);

    char *argv[32] = {(char *)CRASHSIG_BINARY, "scan", "--format", "json"};
    int argc = 4;
    const cJSON *arg;
    cJSON_ArrayForEach(arg, cJSON_GetObjectItem(run, "args")) argv[argc++] = arg->valuestring;
    argv[argc++] = (char *)fx->evtx_path;
    argv[argc] = NULL;
    struct process_result r;
    assert_int_equal(run_process(argv, SOURCE_DIR, TIMEOUT_SECONDS, &r), 0);
    assert_false(r.timed_out);
    assert_int_equal(r.signal, 0);
    const cJSON *want_exit = cJSON_GetObjectItem(run, "exit");
    if (want_exit && r.exit_status != want_exit->valueint)
        fail_msg("exit status %d, expected %d; stderr: %s", r.exit_status, want_exit->valueint,
                 r.err);

    cJSON *report = cJSON_Parse(r.out);
    if (report == NULL)
        fail_msg("output is not JSON: %.200s", r.out);
    check_report_shape(report);
    const cJSON *status = cJSON_GetObjectItem(run, "input_status");
    if (status)
        check_string(cJSON_GetObjectItem(
                         cJSON_GetArrayItem(cJSON_GetObjectItem(report, "inputs"), 0), "status"),
                     status, "input status", 0);
    check_input_warnings(cJSON_GetArrayItem(cJSON_GetObjectItem(report, "inputs"), 0),
                         cJSON_GetObjectItem(run, "input_warnings"));
    const cJSON *expected = cJSON_GetObjectItem(run, "incidents");
    const cJSON *actual = cJSON_GetObjectItem(report, "incidents");
    if (cJSON_GetArraySize(actual) != cJSON_GetArraySize(expected))
        fail_msg("%d incidents, expected %d", cJSON_GetArraySize(actual),
                 cJSON_GetArraySize(expected));
    for (int i = 0; i < cJSON_GetArraySize(expected); i++) {
        check_incident(cJSON_GetArrayItem(actual, i), cJSON_GetArrayItem(expected, i), i);
        check_twin(actual, cJSON_GetArrayItem(expected, i), i);
    }

    cJSON_Delete(report);
    process_result_free(&r);
    cJSON_Delete(spec);
    free(spec_text);
}

static void test_missing_file_is_named_and_others_still_scanned(void **state)
{
    (void)state;
    struct process_result r;
    crashsig(&r, "scan", "--format", "json", "no/such/file.evtx",
             "fixtures/async_void_framework.evtx", NULL);
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "no/such/file.evtx"));
    cJSON *report = cJSON_Parse(r.out);
    assert_non_null(report);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(report, "inputs")), 2);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(report, "incidents")) >= 1);
    cJSON_Delete(report);
    process_result_free(&r);
}

static void test_bad_inputs_are_errors_not_crashes(void **state)
{
    (void)state;
    char dir[] = "/tmp/crashsig-cli-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char empty[600], text[600], evtx_dir[600], random_bytes[600], short_header[600];
    snprintf(empty, sizeof(empty), "%s/empty.evtx", dir);
    snprintf(text, sizeof(text), "%s/notes.evtx", dir);
    snprintf(evtx_dir, sizeof(evtx_dir), "%s/x.evtx", dir);
    snprintf(random_bytes, sizeof(random_bytes), "%s/elf.evtx", dir);
    snprintf(short_header, sizeof(short_header), "%s/short.evtx", dir);
    write_bytes(empty, "", 0);
    write_bytes(text, "hello, not a log\n", 17);
    unsigned char junk[70000] = "ElfFile";
    for (size_t i = 8; i < sizeof(junk); i++)
        junk[i] = (unsigned char)(i * 2654435761u >> 13);
    write_bytes(random_bytes, junk, sizeof(junk));
    write_bytes(short_header, junk, 2000);
    mkdir(evtx_dir, 0755);

    /* an error (exit 2) names the file on stderr; a damaged log (exit 0) warns in the report */
    const struct {
        const char *path;
        int exit;
        const char *says;
    } cases[] = {
        {empty, 2, "empty file"},
        {text, 2, "no ElfFile signature"},
        {evtx_dir, 2, "holds no .evtx files"},
        {short_header, 2, "cut off inside its file header (2000 of 4096 bytes)"},
        {random_bytes, 0, "file header: header block size 4952, not 4096"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct process_result r;
        crashsig(&r, "scan", cases[i].path, NULL);
        if (r.exit_status != cases[i].exit)
            fail_msg("%s: exit %d, expected %d", cases[i].path, r.exit_status, cases[i].exit);
        const char *where = cases[i].exit == 2 ? r.err : r.out;
        if (strstr(where, cases[i].path) == NULL || strstr(where, cases[i].says) == NULL)
            fail_msg("%s: expected a message naming it that says '%s', got: %s", cases[i].path,
                     cases[i].says, where);
        process_result_free(&r);
    }
    rmdir(evtx_dir);
    unlink(empty);
    unlink(text);
    unlink(random_bytes);
    unlink(short_header);
    rmdir(dir);
}

static void test_signatures_and_explain(void **state)
{
    (void)state;
    static const char *const ids[] = {
        "async-void-threadpool", "threadpool-workitem", "dedicated-thread",
        "timer-callback",        "stack-overflow",      "failfast",
        "clr-internal-error",    "unhandled-exception", "native-crash"};
    struct process_result r;
    crashsig(&r, "signatures", NULL);
    assert_int_equal(r.exit_status, 0);
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        if (strstr(r.out, ids[i]) == NULL)
            fail_msg("'crashsig signatures' does not list %s", ids[i]);
    /* the severity the seed pattern has where it matters */
    assert_non_null(strstr(r.out, "\n                         critical  in w3wp.exe\n"));
    process_result_free(&r);

    crashsig(&r, "explain", "async-void-threadpool", NULL);
    assert_int_equal(r.exit_status, 0);
    assert_non_null(strstr(r.out, "  Severity   high; critical in w3wp.exe\n"));
    assert_non_null(strstr(r.out, "Task.WhenAll"));
    assert_non_null(strstr(r.out, "Parallel.ForEachAsync"));
    /* wrapped for a terminal, like the text report */
    for (const char *line = r.out; *line;) {
        size_t len = strcspn(line, "\n");
        if (len > 100)
            fail_msg("explain prints a line of %zu characters", len);
        line += line[len] ? len + 1 : len;
    }
    process_result_free(&r);

    crashsig(&r, "explain", "no-such-signature", NULL);
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "unknown signature 'no-such-signature'"));
    process_result_free(&r);
}

static void test_usage_errors(void **state)
{
    (void)state;
    struct process_result r;
    crashsig(&r, "scan", NULL);
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "--help"));
    process_result_free(&r);
    crashsig(&r, "scan", "--window", "soon", "fixtures", NULL);
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "--window"));
    process_result_free(&r);
    crashsig(&r, "scan", "--bogus", "fixtures", NULL);
    assert_int_equal(r.exit_status, 2);
    process_result_free(&r);
    crashsig(&r, "frobnicate", NULL);
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "unknown command 'frobnicate' (use scan"));
    process_result_free(&r);
    /* a path where the command belongs: say how to scan it */
    crashsig(&r, "fixtures/demo.evtx", NULL);
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "crashsig scan fixtures/demo.evtx"));
    process_result_free(&r);
    crashsig(&r, "--version", NULL);
    assert_int_equal(r.exit_status, 0);
    assert_non_null(strstr(r.out, "crashsig "));
    process_result_free(&r);
    crashsig(&r, "--help", NULL);
    assert_int_equal(r.exit_status, 0);
    assert_non_null(strstr(r.out, "--fail-on"));
    process_result_free(&r);
}

/* --live [CHANNEL]: a bare --live is Application and System (not a usage error: on Linux it
 * says that it is Windows-only), a misspelt channel is named, a comma list is read. */
static void test_live_channels(void **state)
{
    (void)state;
    struct process_result r;
    crashsig(&r, "scan", "--live", NULL);
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "--live Application is Windows-only"));
    process_result_free(&r);
    crashsig(&r, "scan", "--live", "fixtures/demo.evtx", NULL); /* a path after it */
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "--live Application is Windows-only"));
    process_result_free(&r);
    crashsig(&r, "scan", "--live", "Sytem", NULL);
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "bad --live 'Sytem' (Application, System or ForwardedEvents)"));
    process_result_free(&r);
    crashsig(&r, "scan", "--live", "System,Application", NULL);
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "--live System is Windows-only"));
    process_result_free(&r);
}

static void test_fail_on_threshold(void **state)
{
    (void)state;
    struct process_result r;
    /* the seed pattern in w3wp.exe is critical: fails at every level, never with none */
    crashsig(&r, "scan", "--fail-on", "critical", "fixtures/async_void_framework.evtx", NULL);
    assert_int_equal(r.exit_status, 1);
    process_result_free(&r);
    crashsig(&r, "scan", "--fail-on", "none", "fixtures/async_void_framework.evtx", NULL);
    assert_int_equal(r.exit_status, 0);
    process_result_free(&r);
}

static void test_output_file_and_never_an_input(void **state)
{
    (void)state;
    char path[] = "/tmp/crashsig-out-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct process_result r;
    crashsig(&r, "scan", "--format", "json", "--output", path, "fixtures/async_void_framework.evtx",
             NULL);
    assert_int_equal(r.exit_status, 1);
    assert_int_equal(r.out_size, 0);
    char *written = read_file(path, NULL);
    cJSON *report = cJSON_Parse(written);
    assert_non_null(report);
    cJSON_Delete(report);
    free(written);
    process_result_free(&r);
    unlink(path);

    /* an --output naming an input is refused before anything is written */
    struct stat before, after;
    assert_int_equal(stat(SOURCE_DIR "/fixtures/async_void_framework.evtx", &before), 0);
    crashsig(&r, "scan", "--output", "fixtures/async_void_framework.evtx",
             "fixtures/async_void_framework.evtx", NULL);
    assert_int_equal(r.exit_status, 2);
    assert_int_equal(stat(SOURCE_DIR "/fixtures/async_void_framework.evtx", &after), 0);
    assert_int_equal(before.st_size, after.st_size);
    assert_int_equal(before.st_mtime, after.st_mtime);
    process_result_free(&r);
}

static void test_text_report_names_signature_and_fix(void **state)
{
    (void)state;
    struct process_result r;
    crashsig(&r, "scan", "--color", "never", "fixtures/async_void_framework.evtx", NULL);
    assert_int_equal(r.exit_status, 1);
    assert_non_null(strstr(r.out, "async-void-threadpool"));
    assert_non_null(strstr(r.out, "Fix"));
    assert_non_null(strstr(r.out, "Task.WhenAll"));
    assert_null(strchr(r.out, '\x1b'));
    process_result_free(&r);

    /* several findings: one line each first, most severe first, then the details */
    crashsig(&r, "scan", "--color", "never", "fixtures/demo.evtx", NULL);
    assert_int_equal(r.exit_status, 1);
    const char *overview = /* the first line: no blank line above a report alone */
        "3 findings, 2026-03-02T09:12:44Z to 2026-03-02T09:48:10Z:\n"
        "  CRITICAL  async-void-threadpool  w3wp.exe                  3 incidents  "
        "System.InvalidOperationException\n"
        "  CRITICAL  threadpool-workitem    w3wp.exe                  1 incident   "
        "System.NullReferenceException\n"
        "  MEDIUM    native-crash           ContosoLicenseSvc.exe     1 incident   c0000005\n\n"
        "CRITICAL async-void-threadpool";
    if (strncmp(r.out, overview, strlen(overview)) != 0)
        fail_msg("the demo report does not start with the overview:\n%.600s", r.out);
    process_result_free(&r);

    /* the latest crash lost its 1000: where the process died comes from an earlier one */
    crashsig(&r, "scan", "--color", "never", "fixtures/native_exceptions.evtx", NULL);
    const char *block = strstr(r.out, "\nCRITICAL native-exception  w3wp.exe  2 incidents");
    assert_non_null(block);
    const char *died = strstr(block, "  Died in    CRYPT32.dll, exception code 0xc0000005");
    const char *listed = strstr(block, "  Incidents\n");
    assert_true(died != NULL && listed != NULL && died < listed);
    process_result_free(&r);
}

/* The text of the finding that starts with header, up to the next blank line. */
static char *finding_block(const char *out, const char *header)
{
    const char *start = strstr(out, header);
    if (start == NULL)
        fail_msg("no finding '%s' in:\n%.2000s", header, out);
    const char *end = strstr(start, "\n\n");
    size_t n = end ? (size_t)(end - start) + 1 : strlen(start);
    char *block = malloc(n + 1);
    memcpy(block, start, n);
    block[n] = '\0';
    return block;
}

static void assert_has_line(const char *block, const char *line)
{
    if (strstr(block, line) == NULL)
        fail_msg("missing line\n%s\nin\n%s", line, block);
}

/* Each incident with a WER report names its dumps and report folder (as logged, "\\?\" kept),
 * the finding header the latest incident's; the App line names every version a finding spans. */
static void test_text_report_dumps_reports_and_versions(void **state)
{
    (void)state;
    struct process_result r;
    crashsig(&r, "scan", "--color", "never", "fixtures/wer.evtx", NULL);
    assert_int_equal(r.exit_status, 1);
    char *pool = finding_block(r.out, "CRITICAL native-crash  w3wp.exe  3 incidents");
    const char *wer = "\\\\?\\C:\\ProgramData\\Microsoft\\Windows\\WER\\";
    char line[2048];
    /* the header: the latest death's report */
    snprintf(line, sizeof(line), "\n  Dump       %sTemp\\WER7A02.tmp.mdmp\n", wer);
    const char *header_dump = strstr(pool, line);
    snprintf(line, sizeof(line),
             "\n  WER report %sReportArchive\\AppCrash_w3wp.exe_5a0fe7427d4aacd2468879b97c9254b0\n",
             wer);
    const char *header_report = strstr(pool, line);
    const char *incidents = strstr(pool, "\n  Incidents\n");
    assert_true(header_dump && header_report && incidents && header_dump < header_report &&
                header_report < incidents);
    /* each incident: its own dumps (the first report's and the second 1000's) and folder */
    snprintf(
        line, sizeof(line),
        "  pid 7488  ntdll.dll c0000005 then c000041d  no .NET Runtime event found\n"
        "      Dump       %sTemp\\WER7A00.tmp.mdmp\n"
        "      Dump       %sReportQueue\\AppCrash_w3wp.exe_50c0ff2ef9ea81bbcfdef9e3ec717e6b\\"
        "memory.hdmp\n"
        "      Dump       %sReportQueue\\AppCrash_w3wp.exe_50c0ff2ef9ea81bbcfdef9e3ec717e6b\\"
        "triagedump.dmp\n"
        "      Dump       %sTemp\\WER7C00.tmp.mdmp\n"
        "      WER report %sReportArchive\\AppCrash_w3wp.exe_50c0ff2ef9ea81bbcfdef9e3ec717e6b\n",
        wer, wer, wer, wer, wer);
    assert_has_line(pool, line);
    assert_has_line(pool, "  App        10.0.17763.1  c:\\windows\\system32\\inetsrv\\w3wp.exe\n");
    free(pool);
    /* Server 2012 R2: no "\\?\" logged, none added; a report still queued */
    char *billing = finding_block(r.out, "HIGH     unhandled-exception  Contoso.Billing.exe");
    assert_has_line(billing,
                    "\n      Dump       "
                    "C:\\ProgramData\\Microsoft\\Windows\\WER\\Temp\\WER11B3.tmp.mdmp\n"
                    "      WER report C:\\ProgramData\\Microsoft\\Windows\\WER\\"
                    "ReportQueue\\AppCrash_Contoso.Billing.exe_89289f006bedadf1db9ed407423bef8a\n");
    free(billing);
    /* no report, no lines */
    char *svc = finding_block(r.out, "native-crash  svchost.exe_AppXSvc  1 incident");
    assert_null(strstr(svc, "Dump "));
    assert_null(strstr(svc, "WER report"));
    free(svc);
    process_result_free(&r);

    /* one crash in two releases: the latest version and path, then every version */
    crashsig(&r, "scan", "--color", "never", "fixtures/language_twins.evtx", NULL);
    assert_int_equal(r.exit_status, 1);
    char *cpdt = finding_block(r.out, "unhandled-exception  CPDT.exe  2 incidents");
    assert_has_line(cpdt, "\n  App        3.9.0.0  C:\\Program Files\\CPDT\\CPDT.exe "
                          "(seen in 3.8.1.0 and 3.9.0.0)\n");
    free(cpdt);
    char *dfsvc = finding_block(r.out, "unhandled-exception  dfsvc.exe  2 incidents");
    assert_has_line(dfsvc, "\n  App        1.0.0.0  C:\\Program Files\\dfsvc\\dfsvc.exe\n");
    free(dfsvc);
    process_result_free(&r);
}

static void test_directory_is_scanned_recursively(void **state)
{
    (void)state;
    struct process_result r;
    crashsig(&r, "scan", "--format", "json", "fixtures", NULL);
    assert_int_equal(r.signal, 0);
    cJSON *report = cJSON_Parse(r.out);
    assert_non_null(report);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(report, "inputs")) >= 5);
    cJSON_Delete(report);
    process_result_free(&r);
}

static int add_fixture_runs(struct CMUnitTest *tests, int count, int max)
{
    DIR *d = opendir(SOURCE_DIR "/fixtures");
    assert_non_null(d);
    for (struct dirent *e = readdir(d); e; e = readdir(d)) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        char spec_path[512];
        snprintf(spec_path, sizeof(spec_path), "%s/fixtures/%s", SOURCE_DIR, e->d_name);
        char *text = read_file(spec_path, NULL);
        cJSON *spec = text ? cJSON_Parse(text) : NULL;
        const cJSON *expect = cJSON_GetObjectItem(spec, "expect");
        for (int i = 0; i < cJSON_GetArraySize(expect) && count < max; i++) {
            struct fixture_run *fx = calloc(1, sizeof(*fx));
            snprintf(fx->name, sizeof(fx->name), "fixture %.*s run %d", (int)(len - 5), e->d_name,
                     i);
            snprintf(fx->spec_path, sizeof(fx->spec_path), "%s", spec_path);
            snprintf(fx->evtx_path, sizeof(fx->evtx_path), "fixtures/%.*s.evtx", (int)(len - 5),
                     e->d_name);
            fx->run_index = i;
            tests[count++] = (struct CMUnitTest){fx->name, test_fixture_run, NULL, NULL, fx};
        }
        cJSON_Delete(spec);
        free(text);
    }
    closedir(d);
    return count;
}

int main(void)
{
    static struct CMUnitTest tests[256] = {
        cmocka_unit_test(test_missing_file_is_named_and_others_still_scanned),
        cmocka_unit_test(test_bad_inputs_are_errors_not_crashes),
        cmocka_unit_test(test_signatures_and_explain),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_live_channels),
        cmocka_unit_test(test_fail_on_threshold),
        cmocka_unit_test(test_output_file_and_never_an_input),
        cmocka_unit_test(test_text_report_names_signature_and_fix),
        cmocka_unit_test(test_text_report_dumps_reports_and_versions),
        cmocka_unit_test(test_directory_is_scanned_recursively),
    };
    /* the fixed tests are the filled entries: counting them cannot go stale as tests are added */
    int fixed = 0;
    while (tests[fixed].test_func != NULL)
        fixed++;
    int count = add_fixture_runs(tests, fixed, 256);
    if (count == fixed) {
        fprintf(stderr, "no fixture has an \"expect\" section: nothing to check\n");
        return 1;
    }
    return _cmocka_run_group_tests("cli", tests, (size_t)count, NULL, NULL);
}
