/*
 * test_state.c - the --state model (src/state.c, src/state_file.c) below the CLI: which events
 * are new, already reported or held back on hand-built scan results (cleared, wrapped and
 * restarted logs, the horizon of remembered identities, the held-back limit), the file's round
 * trip, damaged and foreign state files, a writer killed between writing and renaming, and
 * the lock between processes; Rapid-Fail Protection outages reported once, and once more when
 * one reported still disabled ends, also across a state file and from one written before
 * outages were remembered.
 *
 * The end-to-end behaviour on real .evtx logs is in test_cli_incremental.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crashsig/state.h"

#include "test_util.h"

#define SECOND CS_TICKS_PER_SECOND

static cs_filetime T0;

/* ---- hand-built scan results ------------------------------------------------------------- */

struct ev {
    uint64_t record;
    cs_filetime time;
    bool recovered;
    const char *computer; /* NULL: WEB01 */
};

static void fill_event(struct event *e, const struct ev *spec, uint32_t event_id,
                       const char *provider)
{
    memset(e, 0, sizeof(*e));
    e->file = "logs/app.evtx";
    e->record_id = e->event_record_id = spec->record;
    e->time = spec->time;
    e->written_time = spec->time;
    e->recovered = spec->recovered;
    e->computer = cs_strdup(spec->computer ? spec->computer : "WEB01");
    e->channel = cs_strdup("Application");
    e->provider = cs_strdup(provider);
    e->event_id = event_id;
    e->level = 2;
    e->data.count = 1;
    e->data.values = cs_xcalloc(1, sizeof(char *));
    e->data.values[0] = cs_strdup("Application: w3wp.exe\nline two \"quoted\"");
}

static struct ev E(uint64_t record, cs_filetime time) /* a live event of WEB01 */
{
    return (struct ev){.record = record, .time = time};
}

static struct ev
RECOVERED(uint64_t record, cs_filetime time) {
    return (struct ev){.record = record, .time = time, .recovered = true};
}

static struct ev
ON(const char *computer, uint64_t record, cs_filetime time) {
    return (struct ev){.record = record, .time = time, .computer = computer};
}

static const struct ev NONE = {.record = 0};

/* An incident of a .NET event and/or a 1000 (NONE for a missing side). */
static void add_incident(struct run_result *r, struct ev dotnet_spec, struct ev fault_spec)
{
    const struct ev *dotnet = dotnet_spec.record ? &dotnet_spec : NULL;
    const struct ev *fault = fault_spec.record ? &fault_spec : NULL;
    struct incident incident = {0};
    if (dotnet) {
        incident.dotnet = cs_xcalloc(1, sizeof(*incident.dotnet));
        fill_event(&incident.dotnet->event, dotnet, 1026, ".NET Runtime");
    }
    if (fault) {
        incident.app_error = cs_xcalloc(1, sizeof(*incident.app_error));
        fill_event(&incident.app_error->event, fault, 1000, "Application Error");
    }
    incident.paired = dotnet && fault;
    incident_list_push(&r->incidents, &incident);
}

/* Runs the state over r and returns the keep flags as a string of 0/1, one per incident. */
static char *record(struct state *state, struct run_result *r, struct state_outcome *out)
{
    bool keep[64] = {0};
    enum state_outage_verdict verdicts[64] = {0};
    assert_true(r->incidents.count < 64 && r->outages.count < 64);
    r->window_ms = 10000;
    state_record_run(state, r, keep, verdicts, out);
    static char flags[65];
    for (size_t i = 0; i < r->incidents.count; i++)
        flags[i] = keep[i] ? '1' : '0';
    flags[r->incidents.count] = '\0';
    run_result_free(r);
    return flags;
}

/* A Rapid-Fail Protection outage of OrdersPool on WEB01 whose 5002 is System record `record`. */
static void add_outage(struct run_result *r, uint64_t record, cs_filetime time, bool ended)
{
    r->outages.items =
        cs_xrealloc(r->outages.items, (r->outages.count + 1) * sizeof(*r->outages.items));
    struct outage *o = &r->outages.items[r->outages.count++];
    memset(o, 0, sizeof(*o));
    o->computer = cs_strdup("WEB01");
    o->channel = cs_strdup("System");
    o->app_pool = cs_strdup("OrdersPool");
    o->disabled_at = time;
    o->was = (struct iis_record){.present = true,
                                 .file = "logs/system.evtx",
                                 .record_id = record,
                                 .event_record_id = record,
                                 .event_id = 5002,
                                 .time = time};
    o->ended = ended;
    o->ended_at = ended ? time + 60 * SECOND : 0;
}

/* Runs the state over r and returns what it did with each outage: 'n' new, 's' already seen,
 * 'e' reported once more as ended. */
static char *judge_outages(struct state *state, struct run_result *r, struct state_outcome *out)
{
    bool keep[64] = {0};
    enum state_outage_verdict verdicts[64] = {0};
    assert_true(r->incidents.count < 64 && r->outages.count < 64);
    r->window_ms = 10000;
    state_record_run(state, r, keep, verdicts, out);
    static char letters[65];
    for (size_t i = 0; i < r->outages.count; i++)
        letters[i] = verdicts[i] == STATE_OUTAGE_NEW         ? 'n'
                     : verdicts[i] == STATE_OUTAGE_NOW_ENDED ? 'e'
                                                             : 's';
    letters[r->outages.count] = '\0';
    run_result_free(r);
    return letters;
}

static char *state_text(const struct state *state)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(state_write(state, f), 0);
    char *text = read_stream(f, NULL);
    fclose(f);
    return text;
}

static char *temp_dir(void)
{
    char *dir = strdup("/tmp/crashsig-test-state-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

static char *join(const char *dir, const char *name)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    return path;
}

/* ---- what is reported -------------------------------------------------------------------- */

static void test_each_incident_once(void **unused)
{
    (void)unused;
    struct state *state = state_new();
    struct state_outcome out;
    struct run_result r = {0};
    add_incident(&r, E(1, T0), E(2, T0 + SECOND / 5));
    add_incident(&r, E(3, T0 + 60 * SECOND), E(4, T0 + 61 * SECOND));
    assert_string_equal(record(state, &r, &out), "11");
    assert_int_equal(out.reported, 2);

    memset(&r, 0, sizeof(r));
    add_incident(&r, E(1, T0), E(2, T0 + SECOND / 5));
    add_incident(&r, E(3, T0 + 60 * SECOND), E(4, T0 + 61 * SECOND));
    add_incident(&r, E(5, T0 + 90 * SECOND), E(6, T0 + 91 * SECOND));
    assert_string_equal(record(state, &r, &out), "001");
    assert_int_equal(out.already_seen, 2);
    assert_int_equal(out.reported, 1);
    state_free(state);
}

/* The newest .NET event has no 1000 yet: held back and carried, then paired next run. */
static void test_split_pair_is_held_and_paired(void **unused)
{
    (void)unused;
    struct state *state = state_new();
    struct state_outcome out;
    struct run_result r = {0};
    add_incident(&r, E(1, T0), E(2, T0 + SECOND));
    add_incident(&r, E(3, T0 + 60 * SECOND), NONE);
    assert_string_equal(record(state, &r, &out), "10");
    assert_int_equal(out.held_back, 1);
    size_t carried;
    const struct event *events = state_carried_events(state, &carried);
    assert_int_equal(carried, 1);
    assert_int_equal(events[0].event_record_id, 3);
    assert_string_equal(events[0].data.values[0], "Application: w3wp.exe\nline two \"quoted\"");

    memset(&r, 0, sizeof(r)); /* the scan pairs the carried 1026 with the late 1000 */
    add_incident(&r, E(1, T0), E(2, T0 + SECOND));
    add_incident(&r, E(3, T0 + 60 * SECOND), E(4, T0 + 62 * SECOND));
    assert_string_equal(record(state, &r, &out), "01");
    state_carried_events(state, &carried);
    assert_int_equal(carried, 0);
    state_free(state);
}

/* Once the log has moved past the window, a held event is reported unpaired; a held event is
 * never held for more than STATE_MAX_HELD_RUNS runs. */
static void test_held_event_is_released(void **unused)
{
    (void)unused;
    struct state *state = state_new();
    struct state_outcome out;
    struct run_result r = {0};
    add_incident(&r, E(3, T0), NONE);
    assert_string_equal(record(state, &r, &out), "0");

    memset(&r, 0, sizeof(r));
    add_incident(&r, E(3, T0), NONE);
    add_incident(&r, E(9, T0 + 600 * SECOND), NONE); /* newer: now held itself */
    assert_string_equal(record(state, &r, &out), "10");

    for (int run = 1; run < STATE_MAX_HELD_RUNS; run++) {
        memset(&r, 0, sizeof(r));
        add_incident(&r, E(9, T0 + 600 * SECOND), NONE);
        assert_string_equal(record(state, &r, &out), "0");
    }
    memset(&r, 0, sizeof(r));
    add_incident(&r, E(9, T0 + 600 * SECOND), NONE);
    assert_string_equal(record(state, &r, &out), "1");
    state_free(state);
}

/* A cleared log starts its record ids again: new crashes below the old mark are new. */
static void test_cleared_log(void **unused)
{
    (void)unused;
    struct state *state = state_new();
    struct state_outcome out;
    struct run_result r = {0};
    add_incident(&r, E(100, T0), E(101, T0 + SECOND));
    assert_string_equal(record(state, &r, &out), "1");

    memset(&r, 0, sizeof(r)); /* cleared; remnants of the old crash in slack space */
    add_incident(&r, RECOVERED(100, T0), RECOVERED(101, T0 + SECOND));
    add_incident(&r, E(1, T0 + 3600 * SECOND), E(2, T0 + 3601 * SECOND));
    assert_string_equal(record(state, &r, &out), "01");

    memset(&r, 0, sizeof(r)); /* it grows again from there */
    add_incident(&r, E(1, T0 + 3600 * SECOND), E(2, T0 + 3601 * SECOND));
    add_incident(&r, E(3, T0 + 3700 * SECOND), E(4, T0 + 3701 * SECOND));
    assert_string_equal(record(state, &r, &out), "01");
    state_free(state);
}

/* Cleared, and the clock was set back: the new crash is older than the newest one reported
 * and its record id is below the mark, but it is not among the remembered identities. */
static void test_cleared_log_clock_behind(void **unused)
{
    (void)unused;
    struct state *state = state_new();
    struct state_outcome out;
    struct run_result r = {0};
    add_incident(&r, E(40, T0 + 7200 * SECOND), E(41, T0 + 7201 * SECOND));
    assert_string_equal(record(state, &r, &out), "1");

    memset(&r, 0, sizeof(r));
    add_incident(&r, E(1, T0 + 3600 * SECOND), E(2, T0 + 3601 * SECOND));
    assert_string_equal(record(state, &r, &out), "1");

    memset(&r, 0, sizeof(r));
    add_incident(&r, E(1, T0 + 3600 * SECOND), E(2, T0 + 3601 * SECOND));
    add_incident(&r, E(3, T0 + 3650 * SECOND), E(4, T0 + 3651 * SECOND));
    assert_string_equal(record(state, &r, &out), "01");
    state_free(state);
}

/* A wrapped log lost its oldest records: nothing depends on them being there. */
static void test_wrapped_log(void **unused)
{
    (void)unused;
    struct state *state = state_new();
    struct state_outcome out;
    struct run_result r = {0};
    add_incident(&r, E(5, T0), E(6, T0 + SECOND));
    add_incident(&r, E(30, T0 + 100 * SECOND), E(31, T0 + 101 * SECOND));
    assert_string_equal(record(state, &r, &out), "11");

    memset(&r, 0, sizeof(r));
    add_incident(&r, E(30, T0 + 100 * SECOND), E(31, T0 + 101 * SECOND));
    add_incident(&r, E(70, T0 + 200 * SECOND), E(71, T0 + 201 * SECOND));
    assert_string_equal(record(state, &r, &out), "01");

    memset(&r, 0, sizeof(r));
    add_incident(&r, E(70, T0 + 200 * SECOND), E(71, T0 + 201 * SECOND));
    assert_string_equal(record(state, &r, &out), "0");
    state_free(state);
}

/* Identities older than the horizon are forgotten; the marks still know those events. */
static void test_horizon_keeps_state_small(void **unused)
{
    (void)unused;
    struct state *state = state_new();
    struct state_outcome out;
    struct run_result r = {0};
    cs_filetime later = T0 + (STATE_RECENT_HORIZON_HOURS + 24) * 3600 * SECOND;
    add_incident(&r, E(1, T0), E(2, T0 + SECOND));
    add_incident(&r, E(3, later), E(4, later + SECOND));
    assert_string_equal(record(state, &r, &out), "11");
    char *text = state_text(state);
    assert_null(strstr(text, "\"1\", 1026")); /* forgotten */
    assert_non_null(strstr(text, "\"3\", 1026"));
    free(text);

    memset(&r, 0, sizeof(r));
    add_incident(&r, E(1, T0), E(2, T0 + SECOND));
    add_incident(&r, E(3, later), E(4, later + SECOND));
    assert_string_equal(record(state, &r, &out), "00");
    state_free(state);
}

/* Logs are per computer and channel: the same record ids on two computers are two crashes. */
static void test_logs_are_per_computer(void **unused)
{
    (void)unused;
    struct state *state = state_new();
    struct state_outcome out;
    struct run_result r = {0};
    add_incident(&r, ON("WEB01", 1, T0), ON("WEB01", 2, T0 + SECOND));
    assert_string_equal(record(state, &r, &out), "1");
    memset(&r, 0, sizeof(r));
    add_incident(&r, ON("web01", 1, T0), ON("web01", 2, T0 + SECOND));
    add_incident(&r, ON("WEB02", 1, T0), ON("WEB02", 2, T0 + SECOND));
    assert_string_equal(record(state, &r, &out), "01");
    state_free(state);
}

/* ---- the file ---------------------------------------------------------------------------- */

static struct state *state_with_pending(void)
{
    struct state *state = state_new();
    struct state_outcome out;
    struct run_result r = {0};
    add_incident(&r, E(1, T0), E(2, T0 + SECOND));
    add_incident(&r, E(3, T0 + 60 * SECOND), NONE);
    record(state, &r, &out);
    assert_int_equal(out.held_back, 1);
    return state;
}

static void test_round_trip(void **unused)
{
    (void)unused;
    char *dir = temp_dir(), *path = join(dir, "state.json");
    struct state *state = state_with_pending();
    struct atomic_file af;
    struct cs_error err = {""};
    assert_int_equal(state_save_begin(state, path, &af, &err), 0);
    assert_int_equal(atomic_file_commit(&af, &err), 0);

    struct state *loaded;
    assert_int_equal(state_load(path, &loaded, &err), 0);
    char *a = state_text(state), *b = state_text(loaded);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "\"schema\":\t\"crashsig.state/1\""));
    size_t carried;
    assert_int_equal(state_carried_events(loaded, &carried)[0].time, T0 + 60 * SECOND);
    assert_int_equal(carried, 1);
    free(a);
    free(b);
    state_free(state);
    state_free(loaded);
    assert_int_equal(remove_tree(dir), 0);
    free(dir);
    free(path);
}

/* Saves state to path and loads it back, as the next run would. */
static struct state *saved_and_loaded(struct state *state, const char *path)
{
    struct atomic_file af;
    struct cs_error err = {""};
    assert_int_equal(state_save_begin(state, path, &af, &err), 0);
    assert_int_equal(atomic_file_commit(&af, &err), 0);
    state_free(state);
    struct state *loaded = NULL;
    if (state_load(path, &loaded, &err) != 0)
        fail_msg("%s", err.message);
    return loaded;
}

/* An outage is reported by the first run that sees its 5002, ended or not; one reported still
 * disabled is reported once more by the run that sees it end, and then never again. */
static void test_outage_once_and_its_end(void **unused)
{
    (void)unused;
    char *dir = temp_dir(), *path = join(dir, "state.json");
    struct state *state = state_new();
    struct state_outcome out;
    struct run_result r = {0};
    add_outage(&r, 5, T0, true);                 /* disabled and revived */
    add_outage(&r, 9, T0 + 600 * SECOND, false); /* still disabled */
    assert_string_equal(judge_outages(state, &r, &out), "nn");
    assert_int_equal(out.outages_reported, 2);
    state = saved_and_loaded(state, path);

    memset(&r, 0, sizeof(r)); /* the same export again */
    add_outage(&r, 5, T0, true);
    add_outage(&r, 9, T0 + 600 * SECOND, false);
    assert_string_equal(judge_outages(state, &r, &out), "ss");
    assert_int_equal(out.outages_already_seen, 2);
    state = saved_and_loaded(state, path);

    memset(&r, 0, sizeof(r)); /* the pool came back, and a third outage began */
    add_outage(&r, 5, T0, true);
    add_outage(&r, 9, T0 + 600 * SECOND, true);
    add_outage(&r, 14, T0 + 900 * SECOND, false);
    assert_string_equal(judge_outages(state, &r, &out), "sen");
    assert_int_equal(out.outages_ended, 1);
    assert_int_equal(out.outages_already_seen, 1);
    state = saved_and_loaded(state, path);

    memset(&r, 0, sizeof(r)); /* its end is told once */
    add_outage(&r, 5, T0, true);
    add_outage(&r, 9, T0 + 600 * SECOND, true);
    add_outage(&r, 14, T0 + 900 * SECOND, true);
    assert_string_equal(judge_outages(state, &r, &out), "sse");
    state_free(state);

    state = state_new(); /* --reset-state: everything is new again */
    memset(&r, 0, sizeof(r));
    add_outage(&r, 9, T0 + 600 * SECOND, true);
    assert_string_equal(judge_outages(state, &r, &out), "n");
    state_free(state);
    assert_int_equal(remove_tree(dir), 0);
    free(dir);
    free(path);
}

/* A state file written before outages were remembered has no "open_outages": it loads, an
 * outage whose 5002 it remembers is already seen (no end to tell: no run reported it still
 * disabled), and the next file has the key. */
static void test_state_file_without_open_outages(void **unused)
{
    (void)unused;
    char *dir = temp_dir(), *path = join(dir, "state.json");
    write_text(path, "{\"schema\": \"crashsig.state/1\", \"written_by\": \"crashsig 0.1.0\", "
                     "\"logs\": [{\"computer\": \"WEB01\", \"channel\": \"System\", "
                     "\"high_record\": \"9\", \"high_time\": \"2026-03-01T10:10:00Z\", "
                     "\"recent_since\": null, "
                     "\"recent\": [[\"2026-03-01T10:10:00Z\", \"9\", 5002]], \"pending\": []}]}");
    struct state *state = NULL;
    struct cs_error err = {""};
    if (state_load(path, &state, &err) != 0)
        fail_msg("%s", err.message);
    struct state_outcome out;
    struct run_result r = {0};
    add_outage(&r, 9, T0 + 600 * SECOND, true);
    add_outage(&r, 12, T0 + 900 * SECOND, false);
    assert_string_equal(judge_outages(state, &r, &out), "sn");
    char *text = state_text(state);
    assert_non_null(
        strstr(text, "\"open_outages\":\t[[\"2026-03-01T10:15:00.0000000Z\", \"12\", 5002]]"));
    free(text);
    state_free(state);

    write_text(path, "{\"schema\": \"crashsig.state/1\", \"logs\": [{\"computer\": \"A\", "
                     "\"channel\": \"B\", \"high_record\": null, \"recent_since\": null, "
                     "\"recent\": [], \"pending\": [], \"open_outages\": {}}]}");
    assert_int_equal(state_load(path, &state, &err), -1);
    assert_non_null(strstr(err.message, "logs[0].open_outages is not an array"));
    assert_int_equal(remove_tree(dir), 0);
    free(dir);
    free(path);
}

static void test_missing_file_is_first_run(void **unused)
{
    (void)unused;
    struct state *state;
    struct cs_error err = {""};
    assert_int_equal(state_load("/nonexistent/crashsig/state.json", &state, &err), 0);
    size_t carried;
    state_carried_events(state, &carried);
    assert_int_equal(carried, 0);
    state_free(state);
}

static void expect_load_error(const char *dir, const char *content, const char *fragment)
{
    char *path = join(dir, "bad.json");
    write_text(path, content);
    struct state *state = NULL;
    struct cs_error err = {""};
    assert_int_equal(state_load(path, &state, &err), -1);
    assert_null(state);
    if (strstr(err.message, path) == NULL || strstr(err.message, fragment) == NULL)
        fail_msg("for %s expected \"%s\" in: %s", content, fragment, err.message);
    free(path);
}

#define LOG_HEAD                                                                                   \
    "{\"schema\": \"crashsig.state/1\", \"logs\": [{\"computer\": \"A\", \"channel\": \"B\", "

static void test_damaged_or_foreign_files(void **unused)
{
    (void)unused;
    char *dir = temp_dir();
    expect_load_error(dir, "", "empty");
    expect_load_error(dir, "{\"schema\": \"crashsig.state/1\", \"logs\": [", "invalid JSON");
    expect_load_error(dir, "[1, 2]", "no \"schema\"");
    expect_load_error(dir, "{\"schema\": \"crashsig.state/2\", \"logs\": []}",
                      "state schema \"crashsig.state/2\" is not supported");
    expect_load_error(dir, "{\"schema\": \"crashsig.state/1\"}", "logs is missing");
    expect_load_error(dir, LOG_HEAD "\"high_record\": 12, \"high_time\": null}]}",
                      "logs[0].high_record is not a decimal string");
    expect_load_error(dir,
                      LOG_HEAD "\"high_record\": \"12\", \"high_time\": \"yesterday\", "
                               "\"recent_since\": null, \"recent\": [], \"pending\": []}]}",
                      "logs[0].high_time is not an ISO 8601");
    expect_load_error(dir,
                      LOG_HEAD
                      "\"high_record\": null, \"recent_since\": null, "
                      "\"recent\": [[\"2026-03-01T10:00:00Z\", 5, 1026]], \"pending\": []}]}",
                      "logs[0].recent holds an entry");
    expect_load_error(dir,
                      LOG_HEAD "\"high_record\": null, \"recent_since\": null, \"recent\": [], "
                               "\"pending\": [{\"held_runs\": 1, \"event\": {\"file\": \"x\"}}]}]}",
                      "logs[0].pending[0].event.record_id");
    expect_load_error(dir,
                      "{\"schema\": \"crashsig.state/1\", \"logs\": ["
                      "{\"computer\": \"A\", \"channel\": \"B\", \"high_record\": null, "
                      "\"recent_since\": null, \"recent\": [], \"pending\": []},"
                      "{\"computer\": \"a\", \"channel\": \"b\", \"high_record\": null, "
                      "\"recent_since\": null, \"recent\": [], \"pending\": []}]}",
                      "listed twice");
    assert_int_equal(remove_tree(dir), 0);
    free(dir);
}

/* A writer killed after writing the new state but before renaming it leaves the old state
 * intact and a temporary file, which the next run (under the lock) removes. */
static void test_kill_between_write_and_rename(void **unused)
{
    (void)unused;
    char *dir = temp_dir(), *path = join(dir, "state.json");
    struct state *old = state_with_pending();
    struct atomic_file af;
    struct cs_error err = {""};
    assert_int_equal(state_save_begin(old, path, &af, &err), 0);
    assert_int_equal(atomic_file_commit(&af, &err), 0);
    char *old_text = state_text(old);

    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct state_outcome out;
        struct run_result r = {0};
        add_incident(&r, E(3, T0 + 60 * SECOND), E(4, T0 + 61 * SECOND));
        record(old, &r, &out);
        if (state_save_begin(old, path, &af, &err) != 0)
            _exit(3);
        raise(SIGKILL); /* the new state is written and flushed, not yet renamed */
        _exit(4);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);

    struct state *after;
    assert_int_equal(state_load(path, &after, &err), 0);
    char *after_text = state_text(after);
    assert_string_equal(after_text, old_text);
    assert_int_equal(atomic_file_remove_stale(path), 1);
    assert_int_equal(atomic_file_remove_stale(path), 0);
    free(old_text);
    free(after_text);
    state_free(old);
    state_free(after);
    assert_int_equal(remove_tree(dir), 0);
    free(dir);
    free(path);
}

/* A second process cannot take the lock while the first holds it. */
static void test_lock_between_processes(void **unused)
{
    (void)unused;
    char *dir = temp_dir(), *path = join(dir, "state.json");
    int ready[2], done[2];
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(done), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct state_lock *lock;
        struct cs_error err;
        char c = state_lock_acquire(path, &lock, &err) == 0 ? 'y' : 'n';
        if (write(ready[1], &c, 1) != 1 || read(done[0], &c, 1) != 1)
            _exit(2);
        _exit(0);
    }
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    assert_int_equal(c, 'y');
    struct state_lock *lock = NULL;
    struct cs_error err = {""};
    assert_int_equal(state_lock_acquire(path, &lock, &err), -1);
    assert_non_null(strstr(err.message, "in use by another crashsig run"));
    assert_non_null(strstr(err.message, path));
    assert_int_equal(write(done[1], "x", 1), 1);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(state_lock_acquire(path, &lock, &err), 0); /* released with the process */
    state_lock_release(lock);
    close(ready[0]);
    close(ready[1]);
    close(done[0]);
    close(done[1]);
    assert_int_equal(remove_tree(dir), 0);
    free(dir);
    free(path);
}

int main(void)
{
    assert_int_equal(cs_time_parse_iso("2026-03-01T10:00:00Z", &T0), 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_incident_once),
        cmocka_unit_test(test_split_pair_is_held_and_paired),
        cmocka_unit_test(test_held_event_is_released),
        cmocka_unit_test(test_cleared_log),
        cmocka_unit_test(test_cleared_log_clock_behind),
        cmocka_unit_test(test_wrapped_log),
        cmocka_unit_test(test_horizon_keeps_state_small),
        cmocka_unit_test(test_logs_are_per_computer),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_outage_once_and_its_end),
        cmocka_unit_test(test_state_file_without_open_outages),
        cmocka_unit_test(test_missing_file_is_first_run),
        cmocka_unit_test(test_damaged_or_foreign_files),
        cmocka_unit_test(test_kill_between_write_and_rename),
        cmocka_unit_test(test_lock_between_processes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
