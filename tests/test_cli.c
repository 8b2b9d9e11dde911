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

static void check_incident(const cJSON *actual, const cJSON *expected, int index)
{
    const cJSON *sig = cJSON_GetObjectItem(actual, "signature");
    check_string(cJSON_GetObjectItem(sig, "id"), cJSON_GetObjectItem(expected, "signature"),
                 "signature", index);
    check_string(cJSON_GetObjectItem(sig, "severity"), cJSON_GetObjectItem(expected, "severity"),
                 "severity", index);
    check_string(cJSON_GetObjectItem(actual, "computer"), cJSON_GetObjectItem(expected, "computer"),
                 "computer", index);
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
    for (int i = 0; i < cJSON_GetArraySize(expected); i++)
        check_incident(cJSON_GetArrayItem(actual, i), cJSON_GetArrayItem(expected, i), i);

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
    const char *overview =
        "\n3 findings, 2026-03-02T09:12:44Z to 2026-03-02T09:48:10Z:\n"
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
        cmocka_unit_test(test_fail_on_threshold),
        cmocka_unit_test(test_output_file_and_never_an_input),
        cmocka_unit_test(test_text_report_names_signature_and_fix),
        cmocka_unit_test(test_directory_is_scanned_recursively),
    };
    int count = add_fixture_runs(tests, 7, 256);
    if (count == 7) {
        fprintf(stderr, "no fixture has an \"expect\" section: nothing to check\n");
        return 1;
    }
    return _cmocka_run_group_tests("cli", tests, (size_t)count, NULL, NULL);
}
