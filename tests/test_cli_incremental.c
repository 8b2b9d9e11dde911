/*
 * test_cli_incremental.c - crashsig in scheduled tasks and CI jobs, end to end: the real binary
 * on .evtx logs that this test writes with tests/evtxgen's evtx_writer into the build
 * directory, the way Windows exports them at successive runs.
 *
 *   - --state across six runs over one server's Application log: it grows (a 1026 exported
 *     before its 1000 is held back and pairs in the next run), wraps (its oldest records are
 *     gone), is cleared (record ids start again; remnants of old crashes in slack space), and
 *     is cleared again on a clock that went back.  Every crash is reported exactly once.
 *   - --state and Rapid-Fail Protection outages: the IIS host fixtures twice (the second run
 *     reports neither outage again), and a System log whose disabled pool comes back in a
 *     later export (reported once more, as ended, then never again; --reset-state forgets).
 *   - the state file: another run holding the lock, many runs at once, a damaged or foreign
 *     state file (an error, never a silent reset), --reset-state, and the temporary file a run
 *     killed between writing and renaming leaves behind.
 *   - baselines: write, rescan (exit 0), add a crash (exit 1, only the new one reported).
 *
 * Each export is a new file name, as a scheduled "wevtutil epl" to a temporary file gives:
 * the state follows the log (computer and channel), not the path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "crashsig/state.h"
#include "crashsig/timeutil.h"
#include "evtx_writer.h"
#include "run_process.h"
#include "test_util.h"

#define TIMEOUT_SECONDS 120

static cs_filetime T0; /* 2026-03-01T10:00:00Z */

/* ---- writing exported logs --------------------------------------------------------------- */

enum kind { NET, ERR, NATIVE, NOISE };

/* One record; crashes are told apart by their application, "<tag>.exe". */
struct rec {
    enum kind kind;
    double t; /* seconds after T0 */
    const char *tag;
    uint64_t recovered_id; /* nonzero: a recovered copy in slack space with this record id */
};

static void dotnet_text(char *out, size_t size, const char *tag)
{
    snprintf(
        out, size,
        "Application: %s.exe\nFramework Version: v4.0.30319\nDescription: The process was "
        "terminated due to an unhandled exception.\nException Info: "
        "System.InvalidOperationException\n   at MyApp.%s.Run()\n"
        "   at System.Threading.QueueUserWorkItemCallback.WaitCallback_Context(System.Object)\n"
        "   at System.Threading.ThreadPoolWorkQueue.Dispatch()\n",
        tag, tag);
}

static void add_record(struct evtx_writer *w, const struct rec *r, const char *computer)
{
    char text[1024], app[64], err[256];
    snprintf(app, sizeof(app), "%s.exe", r->tag ? r->tag : "noise");
    const char *fault[] = {app,
                           "10.0.17763.1",
                           "5c1b4e6b",
                           "KERNELBASE.dll",
                           "10.0.17763.2183",
                           "4b0e8e1c",
                           "e0434352",
                           "000000000003a839",
                           "df4",
                           "01dabe0041952284",
                           "c:\\app.exe",
                           "C:\\Windows\\System32\\KERNELBASE.dll",
                           "7d0f1a8e-2c51-4e1b-a1a3-4b2f1e0f9c11",
                           "",
                           ""};
    const char *noise[] = {"ContosoOrders", "2026/03/02(08:00:01)", "1"};
    const char *single[] = {text};
    struct evtx_event ev = {.channel = "Application",
                            .computer = computer,
                            .level = 2,
                            .has_qualifiers = 1,
                            .keywords = 0x80000000000000ULL};
    ev.time_created = T0 + (uint64_t)(r->t * CS_TICKS_PER_SECOND + 0.5);
    ev.recovered = r->recovered_id != 0;
    ev.event_record_id = r->recovered_id;
    if (r->kind == NET) {
        dotnet_text(text, sizeof(text), r->tag);
        ev.provider = ".NET Runtime";
        ev.event_id = 1026;
        ev.data = single;
        ev.n_data = 1;
    } else if (r->kind == ERR || r->kind == NATIVE) {
        if (r->kind == NATIVE) {
            fault[3] = "libcrypto.dll";
            fault[6] = "c0000005";
        }
        ev.provider = "Application Error";
        ev.event_id = 1000;
        ev.task = 100;
        ev.data = fault;
        ev.n_data = 15;
    } else {
        ev.provider = "MSSQLSERVER";
        ev.event_id = 18264;
        ev.level = 4;
        ev.data = noise;
        ev.n_data = 3;
    }
    assert_int_equal(evtx_writer_add(w, &ev, err, sizeof(err)), 0);
}

/* Writes an export whose first live record has first_record_id, dated mtime seconds after T0
 * (an export is written after everything in it). */
static void write_log(const char *path, uint64_t first_record_id, const struct rec *recs,
                      size_t count, double mtime)
{
    char err[256];
    struct evtx_writer_options options = {.first_record_id = first_record_id};
    struct evtx_writer *w = evtx_writer_open(path, &options, err, sizeof(err));
    assert_non_null(w);
    for (size_t i = 0; i < count; i++)
        add_record(w, &recs[i], "WEB01");
    assert_int_equal(evtx_writer_close(w, err, sizeof(err)), 0);
    int64_t unix_seconds =
        (int64_t)((T0 / CS_TICKS_PER_SECOND) - CS_UNIX_EPOCH_SECONDS) + (int64_t)mtime;
    struct timespec times[2] = {{unix_seconds, 0}, {unix_seconds, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
}

#define WRITE_LOG(path, first, mtime, ...)                                                         \
    do {                                                                                           \
        const struct rec recs_[] = {__VA_ARGS__};                                                  \
        write_log(path, first, recs_, sizeof(recs_) / sizeof(recs_[0]), mtime);                    \
    } while (0)

/* ---- running crashsig -------------------------------------------------------------------- */

static char work[512];

static const char *in_work(const char *name)
{
    static char paths[8][700];
    static int next;
    char *path = paths[next++ % 8];
    snprintf(path, sizeof(paths[0]), "%s/%s", work, name);
    return path;
}

/* Runs crashsig in the work folder with the given arguments (NULL-terminated). */
#define crashsig(r, ...) run_program(r, work, TIMEOUT_SECONDS, CRASHSIG_BINARY, __VA_ARGS__)

/* The applications of the reported incidents (JSON Lines on stdout), sorted, joined with
 * spaces, "+" after a paired one: "A+ B+ E". */
static char *reported(const char *jsonl)
{
    char *names[64];
    size_t count = 0;
    char *copy = strdup(jsonl), *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cJSON *obj = cJSON_Parse(line);
        assert_non_null(obj);
        char name[80];
        snprintf(name, sizeof(name), "%s", cJSON_GetObjectItem(obj, "application")->valuestring);
        char *dot = strstr(name, ".exe");
        if (dot)
            strcpy(dot, cJSON_IsTrue(cJSON_GetObjectItem(obj, "paired")) ? "+" : "");
        names[count++] = strdup(name);
        cJSON_Delete(obj);
    }
    free(copy);
    for (size_t i = 0; i < count; i++) /* insertion sort: a handful of names */
        for (size_t k = i; k > 0 && strcmp(names[k - 1], names[k]) > 0; k--) {
            char *t = names[k];
            names[k] = names[k - 1];
            names[k - 1] = t;
        }
    static char out[512];
    out[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        strcat(out, i ? " " : "");
        strcat(out, names[i]);
        free(names[i]);
    }
    return out;
}

/* One scheduled run: the export, --state, JSON Lines to stdout and JSON to a file. */
static void scheduled_run(const char *export_name, const char *expect, int expect_exit,
                          size_t already, size_t held)
{
    struct process_result r;
    crashsig(&r, "scan", "--state", "state.json", "--format", "jsonl", "--output-json", "run.json",
             export_name, NULL);
    if (r.exit_status != expect_exit || strcmp(reported(r.out), expect) != 0)
        fail_msg("%s: exit %d, reported \"%s\", expected \"%s\" (exit %d)\n%s", export_name,
                 r.exit_status, reported(r.out), expect, expect_exit, r.err);
    char *json = read_file(in_work("run.json"), NULL);
    assert_non_null(json);
    cJSON *doc = cJSON_Parse(json);
    cJSON *state = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "summary"), "state");
    assert_int_equal(cJSON_GetObjectItem(state, "already_seen")->valueint, already);
    assert_int_equal(cJSON_GetObjectItem(state, "held_back")->valueint, held);
    cJSON_Delete(doc);
    free(json);
    process_result_free(&r);
}

static void remove_state(void)
{
    unlink(in_work("state.json"));
    unlink(in_work("state.json.lock"));
}

/* ---- --state over a log that grows, wraps and is cleared --------------------------------- */

static void test_state_across_runs(void **unused)
{
    (void)unused;
    remove_state();
    /* run 1: C's 1026 is in the export, its 1000 is not yet */
    WRITE_LOG(in_work("export-1.evtx"), 1, 121, {NOISE, 0, NULL, 0}, {NET, 10, "A", 0},
              {ERR, 10.2, "A", 0}, {NOISE, 20, NULL, 0}, {NET, 60, "B", 0}, {ERR, 60.3, "B", 0},
              {NET, 120, "C", 0});
    scheduled_run("export-1.evtx", "A+ B+", 1, 0, 1);

    /* run 2: the log grew; C's 1000 came 2 s after its 1026 and pairs with it */
    WRITE_LOG(in_work("export-2.evtx"), 1, 500, {NOISE, 0, NULL, 0}, {NET, 10, "A", 0},
              {ERR, 10.2, "A", 0}, {NOISE, 20, NULL, 0}, {NET, 60, "B", 0}, {ERR, 60.3, "B", 0},
              {NET, 120, "C", 0}, {ERR, 122, "C", 0}, {NOISE, 200, NULL, 0}, {NET, 300, "D", 0},
              {ERR, 300.5, "D", 0}, {NATIVE, 400, "E", 0});
    scheduled_run("export-2.evtx", "C+ D+ E", 1, 2, 0);

    /* run 3: the circular log wrapped: records 1-9 are gone, ids go on from 10 */
    WRITE_LOG(in_work("export-3.evtx"), 10, 800, {NET, 300, "D", 0}, {ERR, 300.5, "D", 0},
              {NATIVE, 400, "E", 0}, {NOISE, 500, NULL, 0}, {NET, 600, "F", 0},
              {ERR, 600.4, "F", 0},
              {NET, 700, "G", 0}); /* G's 1000 never comes: the export is 100 s later */
    scheduled_run("export-3.evtx", "F+ G", 1, 2, 0);

    /* run 4: the log was cleared; ids start at 1 again; F's records survive in slack space */
    WRITE_LOG(in_work("export-4.evtx"), 1, 1100, {NET, 600, "F", 14}, {ERR, 600.4, "F", 15},
              {NOISE, 950, NULL, 0}, {NET, 1000, "H", 0}, {ERR, 1000.3, "H", 0});
    scheduled_run("export-4.evtx", "H+", 1, 1, 0);

    /* run 5: cleared again, and the clock went back: I is older than H and its ids are low */
    WRITE_LOG(in_work("export-5.evtx"), 1, 960, {NET, 950, "I", 0}, {ERR, 950.2, "I", 0});
    scheduled_run("export-5.evtx", "I+", 1, 0, 0);

    /* run 6: nothing new */
    scheduled_run("export-5.evtx", "", 0, 1, 0);
}

/* ---- --state and Rapid-Fail Protection outages ------------------------------------------- */

/* The JSON report of one --state run with the given arguments (NULL-terminated), and its
 * exit status; its text report goes to outage-run.txt. */
static cJSON *outage_run(int *exit_status, const char *extra, ...)
{
    char *args[16] = {CRASHSIG_BINARY, "scan", "--state",       "outage-state.json",
                      "--format",      "json", "--output-text", "outage-run.txt"};
    size_t n = 8;
    va_list ap;
    va_start(ap, extra);
    for (const char *arg = extra; arg && n < 15; arg = va_arg(ap, const char *))
        args[n++] = (char *)arg;
    va_end(ap);
    args[n] = NULL;
    struct process_result r;
    assert_int_equal(run_process(args, work, TIMEOUT_SECONDS, &r), 0);
    cJSON *doc = cJSON_Parse(r.out);
    if (doc == NULL || r.signal || r.timed_out)
        fail_msg("exit %d, no JSON report: %s", r.exit_status, r.err);
    *exit_status = r.exit_status;
    process_result_free(&r);
    return doc;
}

static int outage_count(const cJSON *doc)
{
    return cJSON_GetArraySize(cJSON_GetObjectItem(doc, "outages"));
}

static int outages_already_seen(const cJSON *doc)
{
    const cJSON *state = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "summary"), "state");
    return cJSON_GetObjectItem(state, "outages_already_seen")->valueint;
}

/* The IIS host's logs: one outage that ended, one still disabled when the logs end.  The
 * first run reports both; a second run over the same logs reports neither (before outages
 * followed the state, it reported both again and failed every run). */
static void test_outages_reported_once(void **unused)
{
    (void)unused;
    unlink(in_work("outage-state.json"));
    const char *system = SOURCE_DIR "/fixtures/iis_host-System.evtx";
    const char *application = SOURCE_DIR "/fixtures/iis_host-Application.evtx";
    int status;
    cJSON *doc = outage_run(&status, "--fail-on", "low", system, application, NULL);
    assert_int_equal(status, 1);
    assert_int_equal(outage_count(doc), 2);
    assert_int_equal(outages_already_seen(doc), 0);
    cJSON_Delete(doc);

    doc = outage_run(&status, "--fail-on", "low", system, application, NULL);
    assert_int_equal(status, 0);
    assert_int_equal(outage_count(doc), 0);
    assert_int_equal(outages_already_seen(doc), 2);
    cJSON_Delete(doc);
    char *text = read_file(in_work("outage-run.txt"), NULL);
    assert_non_null(strstr(text, "2 Rapid-Fail Protection outages too"));
    assert_null(strstr(text, "CRITICAL Pool"));
    free(text);
}

/* One WAS record of pool OrdersPool on WEB02's System log, t seconds after T0; pid 0: none. */
static void add_was(struct evtx_writer *w, uint16_t event_id, double t, uint32_t pid)
{
    char pid_text[16], err[256];
    snprintf(pid_text, sizeof(pid_text), "%u", (unsigned)pid);
    struct evtx_named_data data[] = {{"AppPoolID", "OrdersPool"}, {"ProcessID", pid_text}};
    struct evtx_event ev = {.provider = "Microsoft-Windows-WAS",
                            .provider_guid = "{524B5D04-133C-4A62-8362-64E8EDB9CE40}",
                            .event_id = event_id,
                            .level = event_id == 5002 ? 2 : 3,
                            .keywords = 0x8000000000000000ULL,
                            .channel = "System",
                            .computer = "WEB02",
                            .named_data = data,
                            .n_named_data = pid ? 2 : 1};
    ev.time_created = T0 + (uint64_t)(t * CS_TICKS_PER_SECOND);
    assert_int_equal(evtx_writer_add(w, &ev, err, sizeof(err)), 0);
}

/* A System export: five workers of OrdersPool die, WAS disables the pool (5002 at +60 s), and
 * with revived, a new worker (pid 900) is recycled at +600 s: the pool is back. */
static void write_system_export(const char *name, bool revived)
{
    char err[256];
    struct evtx_writer_options options = {.first_record_id = 1};
    struct evtx_writer *w = evtx_writer_open(in_work(name), &options, err, sizeof(err));
    assert_non_null(w);
    for (uint32_t i = 0; i < 5; i++)
        add_was(w, 5011, 10.0 * i, 100 + i);
    add_was(w, 5002, 60, 0);
    if (revived)
        add_was(w, 5186, 600, 900);
    assert_int_equal(evtx_writer_close(w, err, sizeof(err)), 0);
}

static const cJSON *first_outage(const cJSON *doc)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "outages"), 0);
}

/* An outage reported while the pool was still disabled is reported once more, as ended and
 * "reported_before", by the run whose export shows the pool back; then never again. */
static void test_outage_end_is_told_once(void **unused)
{
    (void)unused;
    unlink(in_work("outage-state.json"));
    write_system_export("system-1.evtx", false);
    write_system_export("system-2.evtx", true);
    int status;
    cJSON *doc = outage_run(&status, "system-1.evtx", NULL); /* the pool goes down */
    assert_int_equal(status, 1);
    assert_int_equal(outage_count(doc), 1);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(first_outage(doc), "still_disabled")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(first_outage(doc), "reported_before")));
    cJSON_Delete(doc);

    doc = outage_run(&status, "system-1.evtx", NULL); /* still down: nothing new */
    assert_int_equal(status, 0);
    assert_int_equal(outage_count(doc), 0);
    assert_int_equal(outages_already_seen(doc), 1);
    cJSON_Delete(doc);

    doc = outage_run(&status, "system-2.evtx", NULL); /* back: told once more */
    assert_int_equal(status, 1);
    assert_int_equal(outage_count(doc), 1);
    const cJSON *o = first_outage(doc);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "still_disabled")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "reported_before")));
    assert_int_equal(cJSON_GetObjectItem(o, "duration_ms")->valuedouble, 540000);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "incidents")), 0);
    assert_int_equal(outages_already_seen(doc), 0);
    cJSON_Delete(doc);
    char *text = read_file(in_work("outage-run.txt"), NULL);
    assert_non_null(strstr(text, "(9 min down); an earlier run reported it still disabled."));
    free(text);

    doc = outage_run(&status, "system-2.evtx", NULL); /* and never again */
    assert_int_equal(status, 0);
    assert_int_equal(outage_count(doc), 0);
    assert_int_equal(outages_already_seen(doc), 1);
    cJSON_Delete(doc);

    doc = outage_run(&status, "--reset-state", "system-2.evtx", NULL); /* forgotten */
    assert_int_equal(status, 1);
    assert_int_equal(outage_count(doc), 1);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(first_outage(doc), "reported_before")));
    cJSON_Delete(doc);
}

/* ---- the state file ---------------------------------------------------------------------- */

static void write_demo_log(void)
{
    WRITE_LOG(in_work("demo.evtx"), 1, 500, {NET, 10, "A", 0}, {ERR, 10.2, "A", 0},
              {NET, 60, "B", 0}, {ERR, 60.3, "B", 0}, {NATIVE, 100, "N", 0});
}

/* Another run holds the lock: this one stops before scanning, and touches nothing. */
static void test_locked_state(void **unused)
{
    (void)unused;
    remove_state();
    write_demo_log();
    struct state_lock *lock;
    struct cs_error err = {""};
    assert_int_equal(state_lock_acquire(in_work("state.json"), &lock, &err), 0);
    struct process_result r;
    crashsig(&r, "scan", "--state", "state.json", "demo.evtx", NULL);
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "state.json is in use by another crashsig run"));
    assert_string_equal(r.out, "");
    assert_int_equal(access(in_work("state.json"), F_OK), -1);
    process_result_free(&r);
    state_lock_release(lock);
    crashsig(&r, "scan", "--state", "state.json", "demo.evtx", NULL);
    assert_int_equal(r.exit_status, 1);
    process_result_free(&r);
}

/* Runs started together: each reports its share or stops at the lock; every crash is reported
 * by exactly one of them, and the state stays readable. */
static void test_concurrent_runs(void **unused)
{
    (void)unused;
    remove_state();
    write_demo_log();
    enum { RUNS = 6 };
    pid_t pids[RUNS];
    fflush(NULL);
    for (int i = 0; i < RUNS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            char out[700], errs[700];
            snprintf(out, sizeof(out), "%s/concurrent-%d.out", work, i);
            snprintf(errs, sizeof(errs), "%s/concurrent-%d.err", work, i);
            if (chdir(work) != 0 || !freopen(out, "w", stdout) || !freopen(errs, "w", stderr))
                _exit(126);
            execl(CRASHSIG_BINARY, CRASHSIG_BINARY, "scan", "--state", "state.json", "--format",
                  "jsonl", "demo.evtx", (char *)NULL);
            _exit(127);
        }
    }
    size_t incidents = 0;
    int locked_out = 0;
    for (int i = 0; i < RUNS; i++) {
        int status;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        char name[64];
        snprintf(name, sizeof(name), "concurrent-%d.out", i);
        char *out = read_file(in_work(name), NULL);
        snprintf(name, sizeof(name), "concurrent-%d.err", i);
        char *errs = read_file(in_work(name), NULL);
        if (WEXITSTATUS(status) == 2) {
            assert_non_null(strstr(errs, "in use by another crashsig run"));
            locked_out++;
        } else {
            assert_true(WEXITSTATUS(status) <= 1);
            for (char *p = out; (p = strchr(p, '\n')); p++)
                incidents++;
        }
        free(out);
        free(errs);
    }
    assert_int_equal(incidents, 3);
    assert_true(locked_out < RUNS);
    struct process_result r;
    crashsig(&r, "scan", "--state", "state.json", "--format", "jsonl", "demo.evtx", NULL);
    assert_int_equal(r.exit_status, 0);
    assert_string_equal(r.out, "");
    process_result_free(&r);
}

static void expect_refused_state(const char *content, const char *fragment)
{
    write_text(in_work("state.json"), content);
    struct process_result r;
    crashsig(&r, "scan", "--state", "state.json", "demo.evtx", NULL);
    assert_int_equal(r.exit_status, 2);
    if (strstr(r.err, "state.json") == NULL || strstr(r.err, fragment) == NULL ||
        strstr(r.err, "--reset-state") == NULL)
        fail_msg("expected \"%s\" in: %s", fragment, r.err);
    assert_string_equal(r.out, ""); /* nothing scanned, nothing reported */
    char *after = read_file(in_work("state.json"), NULL);
    assert_string_equal(after, content); /* never silently replaced */
    free(after);
    process_result_free(&r);
}

static void test_damaged_state_is_an_error(void **unused)
{
    (void)unused;
    remove_state();
    write_demo_log();
    expect_refused_state("{\"schema\": \"crashsig.state/1\", \"logs\": [{\"computer\": \"WEB",
                         "invalid JSON");
    expect_refused_state("{\"schema\": \"crashsig.state/7\", \"logs\": []}",
                         "\"crashsig.state/7\" is not supported");
    expect_refused_state("", "empty");

    struct process_result r; /* starting over on purpose */
    crashsig(&r, "scan", "--state", "state.json", "--reset-state", "--format", "jsonl", "demo.evtx",
             NULL);
    assert_int_equal(r.exit_status, 1);
    assert_string_equal(reported(r.out), "A+ B+ N");
    process_result_free(&r);
    crashsig(&r, "scan", "--state", "state.json", "--format", "jsonl", "demo.evtx", NULL);
    assert_int_equal(r.exit_status, 0);
    assert_string_equal(r.out, "");
    process_result_free(&r);
    crashsig(&r, "scan", "--reset-state", "demo.evtx", NULL);
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "--reset-state needs --state"));
    process_result_free(&r);
}

/* A run killed between writing the new state and renaming it leaves the old state and a
 * temporary file; the next run works from the old state and removes the leftover. */
static void test_killed_run_leaves_old_state(void **unused)
{
    (void)unused;
    remove_state();
    write_demo_log();
    struct process_result r;
    crashsig(&r, "scan", "--state", "state.json", "demo.evtx", NULL);
    assert_int_equal(r.exit_status, 1);
    process_result_free(&r);
    char *before = read_file(in_work("state.json"), NULL);
    const char *leftover = in_work("state.json.tmpK1ll3d");
    write_text(leftover,
               "{\"schema\": \"crashsig.state/1\", \"logs\": [{\"comp"); /* half written */

    crashsig(&r, "scan", "--state", "state.json", "--format", "jsonl", "demo.evtx", NULL);
    assert_int_equal(r.exit_status, 0);
    assert_string_equal(r.out, "");
    assert_int_equal(access(leftover, F_OK), -1);
    char *after = read_file(in_work("state.json"), NULL);
    assert_string_equal(after, before);
    free(before);
    free(after);
    process_result_free(&r);
}

/* ---- baselines --------------------------------------------------------------------------- */

static void test_baseline_round_trip(void **unused)
{
    (void)unused;
    write_demo_log();
    struct process_result r;
    crashsig(&r, "scan", "--write-baseline", "baseline.json", "demo.evtx", NULL);
    assert_int_equal(r.exit_status, 1); /* writing a baseline does not change the verdict */
    process_result_free(&r);

    crashsig(&r, "scan", "--baseline", "baseline.json", "demo.evtx", NULL);
    assert_int_equal(r.exit_status, 0);
    assert_non_null(strstr(r.out, "Known findings (in the baseline):"));
    assert_non_null(strstr(r.out, "Baseline: 0 new findings, 3 known"));
    process_result_free(&r);

    /* a new crash in a new application: only it is reported as new, and it fails the run */
    WRITE_LOG(in_work("later.evtx"), 1, 900, {NET, 10, "A", 0}, {ERR, 10.2, "A", 0},
              {NET, 60, "B", 0}, {ERR, 60.3, "B", 0}, {NATIVE, 100, "N", 0}, {NET, 800, "NEW", 0},
              {ERR, 800.4, "NEW", 0});
    crashsig(&r, "scan", "--baseline", "baseline.json", "--format", "jsonl", "--output-text",
             "later.txt", "later.evtx", NULL);
    assert_int_equal(r.exit_status, 1);
    int known = 0, fresh = 0;
    for (char *line = r.out, *end; (end = strchr(line, '\n')); line = end + 1) {
        *end = '\0';
        cJSON *obj = cJSON_Parse(line);
        bool is_known = cJSON_IsTrue(cJSON_GetObjectItem(obj, "known"));
        const char *app = cJSON_GetObjectItem(obj, "application")->valuestring;
        assert_int_equal(is_known, strcmp(app, "NEW.exe") != 0);
        known += is_known;
        fresh += !is_known;
        cJSON_Delete(obj);
    }
    assert_int_equal(known, 3);
    assert_int_equal(fresh, 1);
    char *text = read_file(in_work("later.txt"), NULL);
    assert_non_null(strstr(text, "Baseline: 1 new finding, 3 known"));
    char *known_part = strstr(text, "Known findings (in the baseline):");
    assert_non_null(known_part);
    char *new_block = strstr(text, "NEW.exe  1 incident");
    assert_true(new_block && new_block < known_part); /* in full, before the known list */
    assert_null(strstr(text, "MyApp.A.Run()"));       /* known: one line, no stack */
    free(text);
    process_result_free(&r);

    crashsig(&r, "scan", "--baseline", "missing.json", "later.evtx", NULL);
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "missing.json"));
    process_result_free(&r);
}

static int setup(void **unused)
{
    (void)unused;
    if (cs_time_parse_iso("2026-03-01T10:00:00Z", &T0) != 0)
        return -1;
    snprintf(work, sizeof(work), "%s/run-XXXXXX", WORK_DIR);
    mkdir(WORK_DIR, 0777);
    return mkdtemp(work) ? 0 : -1;
}

static int teardown(void **unused)
{
    (void)unused;
    return remove_tree(work);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_across_runs),
        cmocka_unit_test(test_outages_reported_once),
        cmocka_unit_test(test_outage_end_is_told_once),
        cmocka_unit_test(test_locked_state),
        cmocka_unit_test(test_concurrent_runs),
        cmocka_unit_test(test_damaged_state_is_an_error),
        cmocka_unit_test(test_killed_run_leaves_old_state),
        cmocka_unit_test(test_baseline_round_trip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
