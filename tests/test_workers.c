/*
 * test_workers.c - fault isolation: a worker process that dies (a signal) or stops (a hang)
 * while libevtx reads one input makes that input an error that says so, and every other input
 * is still scanned and reported, on both read paths and with one or several workers.
 *
 * The faults are real process deaths: the test hook CRASHSIG_TEST_WORKER_FAULT=crash:TEXT
 * (hang:TEXT) makes the worker of each input whose path contains TEXT raise SIGSEGV (stop
 * forever) where libevtx would, and CRASHSIG_WORKER_TIMEOUT shortens the stall limit.
 *
 * Also `crashsig __worker DESCRIPTION`, the way Windows starts a worker (workers_win32.c; the
 * Wine tests in scripts/test-windows.sh run it there): its frames on stdout, exit 0, and a bad
 * description refused.
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
#include <time.h>

#include <cJSON.h>

#include "run_process.h"

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
}

/* Three copies of demo.evtx; the middle one's name holds "victim". */
static void make_inputs(void)
{
    mkdir(WORK_DIR, 0755);
    const char *names[] = {"a.evtx", "b-victim.evtx", "c.evtx"};
    for (int i = 0; i < 3; i++) {
        char path[600];
        snprintf(path, sizeof(path), "%s/%s", WORK_DIR, names[i]);
        copy_file(SOURCE_DIR "/fixtures/demo.evtx", path);
    }
}

static cJSON *scan_with_fault(const char *fault, const char *extra, const char *jobs,
                              int *exit_status, double *seconds)
{
    setenv("CRASHSIG_TEST_WORKER_FAULT", fault, 1);
    setenv("CRASHSIG_WORKER_TIMEOUT", "2", 1);
    char *argv[9] = {(char *)CRASHSIG_BINARY, "scan", "--format", "json", "--jobs", (char *)jobs};
    int argc = 6;
    if (extra)
        argv[argc++] = (char *)extra;
    argv[argc++] = WORK_DIR;
    argv[argc] = NULL;
    struct process_result r;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(run_process(argv, NULL, 120, &r), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    unsetenv("CRASHSIG_TEST_WORKER_FAULT");
    unsetenv("CRASHSIG_WORKER_TIMEOUT");
    *seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    if (r.timed_out || r.signal)
        fail_msg("crashsig itself %s (signal %d): %.300s", r.timed_out ? "hung" : "died", r.signal,
                 r.err);
    *exit_status = r.exit_status;
    cJSON *report = cJSON_Parse(r.out);
    assert_non_null(report);
    process_result_free(&r);
    return report;
}

static void check_isolated(const char *fault, const char *extra, const char *jobs,
                           const char *message)
{
    int exit_status;
    double seconds;
    cJSON *report = scan_with_fault(fault, extra, jobs, &exit_status, &seconds);
    assert_int_equal(exit_status, 2); /* an input could not be read */
    const cJSON *inputs = cJSON_GetObjectItem(report, "inputs");
    assert_int_equal(cJSON_GetArraySize(inputs), 3);
    for (int i = 0; i < 3; i++) {
        const cJSON *in = cJSON_GetArrayItem(inputs, i);
        const char *path = cJSON_GetObjectItem(in, "path")->valuestring;
        const char *status = cJSON_GetObjectItem(in, "status")->valuestring;
        if (strstr(path, "victim")) {
            assert_string_equal(status, "error");
            const char *error = cJSON_GetObjectItem(in, "error")->valuestring;
            if (strstr(error, message) == NULL)
                fail_msg("%s: error '%s' does not say '%s'", fault, error, message);
        } else {
            assert_string_equal(status, "ok");
            /* demo.evtx: 9 crash records and 5 Windows Error Reporting crash reports (its 2
             * WindowsUpdateFailure3 1001s are not kept) */
            assert_int_equal(cJSON_GetObjectItem(in, "events_kept")->valueint, 14);
        }
    }
    /* the other inputs' crashes are all there: demo.evtx holds 5 */
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(report, "incidents")), 5);
    if (strncmp(fault, "hang", 4) == 0 && seconds > 30)
        fail_msg("a hung worker took %.1f s to be stopped (limit 2 s)", seconds);
    cJSON_Delete(report);
}

static void test_crash_is_one_input_error(void **state)
{
    (void)state;
    make_inputs();
    check_isolated("crash:victim", NULL, "1",
                   "libevtx crashed (signal 11) while reading chunks 0-0");
    check_isolated("crash:victim", NULL, "3",
                   "libevtx crashed (signal 11) while reading chunks 0-0");
    check_isolated("crash:victim", "--no-prefilter", "2",
                   "libevtx crashed (signal 11) while reading the file");
}

static void test_hang_is_one_input_error(void **state)
{
    (void)state;
    make_inputs();
    check_isolated("hang:victim", NULL, "1", "libevtx hung while reading chunks 0-0");
    check_isolated("hang:victim", "--no-prefilter", "3", "libevtx hung while reading the file");
}

static void test_no_fault_no_error(void **state)
{
    (void)state;
    make_inputs();
    int exit_status;
    double seconds;
    cJSON *report = scan_with_fault("crash:no-such-name", NULL, "2", &exit_status, &seconds);
    assert_int_equal(exit_status, 1); /* incidents, nothing unreadable */
    const cJSON *in;
    cJSON_ArrayForEach(in, cJSON_GetObjectItem(report, "inputs"))
        assert_string_equal(cJSON_GetObjectItem(in, "status")->valuestring, "ok");
    cJSON_Delete(report);
}

/* Runs `crashsig __worker description`; the exit status, and whether stdout ended with the
 * WIRE_DONE frame (payload length 0, type 5). */
static int run_worker(const char *description, bool *done)
{
    char *argv[] = {(char *)CRASHSIG_BINARY, "__worker", (char *)description, NULL};
    struct process_result r;
    assert_int_equal(run_process(argv, NULL, 60, &r), 0);
    static const char DONE[5] = {0, 0, 0, 0, 5};
    *done = r.out_size >= 5 && memcmp(r.out + r.out_size - 5, DONE, 5) == 0;
    int status = r.signal ? -r.signal : r.exit_status;
    process_result_free(&r);
    return status;
}

static void test_worker_by_description(void **state)
{
    (void)state;
    bool done;
    assert_int_equal(run_worker("file - " SOURCE_DIR "/fixtures/demo.evtx", &done), 0);
    assert_true(done);
    assert_int_equal(run_worker("chunks 0 1 - " SOURCE_DIR "/fixtures/demo.evtx", &done), 0);
    assert_true(done);
    const char *bad[] = {"",
                         "file ",
                         "chunks 0 " SOURCE_DIR "/fixtures/demo.evtx",
                         "chunks 0 1 " SOURCE_DIR "/fixtures/demo.evtx", /* no identity */
                         "file = 1 2 " SOURCE_DIR "/fixtures/demo.evtx",
                         "chunks -1 1 x.evtx",
                         "chunks 0 0 x.evtx",
                         "range 0 1 x.evtx"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (run_worker(bad[i], &done) != 2)
            fail_msg("'%s' was not refused", bad[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_fault_no_error),
        cmocka_unit_test(test_crash_is_one_input_error),
        cmocka_unit_test(test_hang_is_one_input_error),
        cmocka_unit_test(test_worker_by_description),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
