/*
 * test_run.c - a whole run through the library, without the binary (run.h): the real
 * fixtures, the real libevtx, a real state file, baseline and report files in a temporary
 * folder.
 *
 *   - the first run with --state reports the demo's five incidents, writes the JSON report
 *     and a baseline, and saves the state; the second run over the same log reports nothing
 *     (all already seen) and is clean;
 *   - with --reset-state and the baseline, every finding is known: reported, but clean;
 *   - an output that cannot be written fails the run, replaces no other output and leaves
 *     the state where it was, so the crashes are reported again by the next run;
 *   - a request that names an input as an output, or --reset-state without --state, is
 *     refused before anything is read;
 *   - incidents of the same crash share one copy of its text, parse and names.
 *
 * Not for: option parsing or messages (test_cli.c runs the binary), the state's rules in
 * detail (test_state.c, test_cli_incremental.c).
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
#include <unistd.h>

#include "crashsig/run.h"
#include "crashsig/signatures.h"
#include "test_util.h"

#define DEMO SOURCE_DIR "/fixtures/demo.evtx"

static char work[256];
static struct catalog *catalog;

/* A path in the work folder; each call gets a buffer of its own (a test makes far fewer). */
static const char *in_work(const char *name)
{
    static char path[64][512];
    static int next;
    assert_true(next < 64);
    char *p = path[next++];
    snprintf(p, sizeof(path[0]), "%s/%s", work, name);
    return p;
}

static int setup(void **state)
{
    (void)state;
    snprintf(work, sizeof(work), "%s/run-XXXXXX", BINARY_DIR);
    if (mkdtemp(work) == NULL)
        return -1;
    struct cs_error err = {""};
    return catalog_load_builtin(&catalog, &err);
}

static int teardown(void **state)
{
    (void)state;
    catalog_free(catalog);
    return remove_tree(work);
}

/* A request for the demo log with the state, a baseline to write and a JSON report. */
static struct run_request demo_request(const char *const *paths)
{
    struct run_request r = {.paths = paths,
                            .path_count = 1,
                            .catalog = catalog,
                            .jobs = 1,
                            .fail_on = SEVERITY_LOW,
                            .filter = {.min_severity = SEVERITY_NONE},
                            .state_path = in_work("state.json"),
                            .output_count = 1};
    r.outputs[0] = (struct run_output){.format = REPORT_JSON, .path = in_work("report.json")};
    r.report.catalog = catalog;
    return r;
}

static size_t known_findings(const struct run_result *result)
{
    size_t known = 0;
    for (size_t i = 0; i < result->findings.count; i++)
        known += result->findings.items[i].known;
    return known;
}

static void test_state_and_baseline(void **unused)
{
    (void)unused;
    const char *paths[] = {DEMO};
    struct run_request request = demo_request(paths);
    request.write_baseline_path = in_work("baseline.json");
    struct run_result result;
    struct cs_error err = {""};

    assert_int_equal(run_execute(&request, &result, &err), RUN_INCIDENTS);
    assert_string_equal(err.message, "");
    assert_int_equal(result.incidents.count, 5);
    assert_true(result.has_state);
    assert_false(result.has_baseline);
    assert_int_equal(result.window_ms, 10000);
    assert_true(result.inputs[0].size > 0 && result.inputs[0].modified > 0);
    run_result_free(&result);
    char *report = read_file(in_work("report.json"), NULL);
    assert_non_null(report);
    assert_non_null(strstr(report, "\"crashsig.report/1\""));
    free(report);
    assert_int_equal(access(in_work("baseline.json"), F_OK), 0);
    assert_int_equal(access(in_work("state.json"), F_OK), 0);

    /* the same log again: everything was seen */
    request.write_baseline_path = NULL;
    assert_int_equal(run_execute(&request, &result, &err), RUN_CLEAN);
    assert_int_equal(result.incidents.count, 0);
    assert_int_equal(result.omitted.already_seen, 5);
    run_result_free(&result);

    /* start over, with the baseline: reported, but known, so clean */
    request.reset_state = true;
    request.baseline_path = in_work("baseline.json");
    assert_int_equal(run_execute(&request, &result, &err), RUN_CLEAN);
    assert_int_equal(result.incidents.count, 5);
    assert_true(result.has_baseline);
    assert_int_equal(known_findings(&result), result.findings.count);
    run_result_free(&result);
}

static void test_failed_output_keeps_state(void **unused)
{
    (void)unused;
    const char *paths[] = {DEMO};
    struct run_request request = demo_request(paths);
    request.state_path = in_work("state2.json");
    request.outputs[0].path = in_work("first.json");
    request.outputs[1] =
        (struct run_output){.format = REPORT_TEXT, .path = in_work("no-such-folder/report.txt")};
    request.output_count = 2;
    struct run_result result;
    struct cs_error err = {""};

    assert_int_equal(run_execute(&request, &result, &err), RUN_TROUBLE);
    assert_non_null(strstr(err.message, "no-such-folder"));
    run_result_free(&result);
    assert_int_equal(access(in_work("first.json"), F_OK), -1);  /* all or none */
    assert_int_equal(access(in_work("state2.json"), F_OK), -1); /* the state did not move */

    /* fixed, the next run reports the crashes after all */
    request.output_count = 1;
    assert_int_equal(run_execute(&request, &result, &err), RUN_INCIDENTS);
    assert_int_equal(result.incidents.count, 5);
    run_result_free(&result);
}

/* Two incidents of the same crash hold one copy of it: the same .NET text is parsed and
 * stored once (its frames, exceptions and the text itself), and the 1000's names and the
 * events' computer are one string each; what differs from crash to crash (the report id) is
 * each incident's own.  A crash loop so costs bytes per incident (docs/performance.md). */
static void test_repeated_crash_stored_once(void **unused)
{
    (void)unused;
    const char *paths[] = {SOURCE_DIR "/fixtures"};
    struct run_request request = {.paths = paths,
                                  .path_count = 1,
                                  .catalog = catalog,
                                  .jobs = 1,
                                  .fail_on = SEVERITY_NONE,
                                  .filter = {.min_severity = SEVERITY_NONE}};
    request.report.catalog = catalog;
    struct run_result result;
    struct cs_error err = {""};
    run_execute(&request, &result, &err);
    assert_string_equal(err.message, "");
    size_t same_text = 0, same_fault = 0;
    for (size_t i = 0; i < result.incidents.count; i++) {
        const struct incident *a = &result.incidents.items[i];
        for (size_t k = i + 1; k < result.incidents.count; k++) {
            const struct incident *b = &result.incidents.items[k];
            if (a->dotnet && b->dotnet && a->dotnet->event.data.count == 1 &&
                b->dotnet->event.data.count == 1 &&
                a->dotnet->event.event_id == b->dotnet->event.event_id &&
                strcmp(a->dotnet->event.data.values[0], b->dotnet->event.data.values[0]) == 0) {
                same_text++;
                assert_ptr_equal(a->dotnet->event.data.values[0], b->dotnet->event.data.values[0]);
                /* the crash itself, not a copy of its header in every event */
                assert_ptr_equal(a->dotnet->crash, b->dotnet->crash);
                assert_ptr_equal(a->dotnet->crash->exceptions, b->dotnet->crash->exceptions);
                assert_ptr_equal(a->dotnet->crash->stack_frames, b->dotnet->crash->stack_frames);
                assert_ptr_equal(a->dotnet->crash->application, b->dotnet->crash->application);
                if (strcmp(a->dotnet->event.computer, b->dotnet->event.computer) == 0)
                    assert_ptr_equal(a->dotnet->event.computer, b->dotnet->event.computer);
            }
            /* two 1000s (a 1001 standing alone has the fault it was given) */
            if (a->app_error && b->app_error && a->app_error->event.event_id == 1000 &&
                b->app_error->event.event_id == 1000 &&
                strcmp(a->app_error->fault.app_name, b->app_error->fault.app_name) == 0) {
                same_fault++;
                assert_ptr_equal(a->app_error->fault.app_name, b->app_error->fault.app_name);
                if (a->app_error->fault.report_id && b->app_error->fault.report_id)
                    assert_ptr_not_equal(a->app_error->fault.report_id,
                                         b->app_error->fault.report_id);
            }
        }
    }
    assert_true(same_text > 0);
    assert_true(same_fault > 0);
    run_result_free(&result);
}

static void test_request_refused(void **unused)
{
    (void)unused;
    const char *paths[] = {DEMO};
    struct run_request request = demo_request(paths);
    request.outputs[0].path = DEMO;
    struct cs_error err = {""};
    assert_int_equal(run_check_request(&request, &err), -1);
    assert_non_null(strstr(err.message, "logs are never overwritten"));

    request = demo_request(paths);
    request.state_path = NULL;
    request.reset_state = true;
    assert_int_equal(run_check_request(&request, &err), -1);
    assert_non_null(strstr(err.message, "--reset-state needs --state"));

    struct run_result result;
    assert_int_equal(run_execute(&request, &result, &err), RUN_TROUBLE);
    assert_int_equal(result.input_count, 0); /* refused before anything was read */
    run_result_free(&result);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_and_baseline),
        cmocka_unit_test(test_failed_output_keeps_state),
        cmocka_unit_test(test_request_refused),
        cmocka_unit_test(test_repeated_crash_stored_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
