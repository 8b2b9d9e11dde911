/*
 * test_incident_filter.c - filters on incidents (src/incident_filter.c) and the times and
 * durations people type for them (src/timeutil.c): each criterion alone, the findings
 * regrouped afterwards, relative and absolute times in UTC and in a local zone, and the text
 * that must be refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crashsig/incident_filter.h"
#include "crashsig/signatures.h"
#include "crashsig/timeutil.h"

static struct signature SIG_A = {.id = "async-void-threadpool", .severity = SEVERITY_CRITICAL};
static struct signature SIG_N = {.id = "native-crash", .severity = SEVERITY_MEDIUM};

static cs_filetime at(const char *iso)
{
    cs_filetime t;
    assert_int_equal(cs_time_parse_iso(iso, &t), 0);
    return t;
}

static void add(struct run_result *r, const char *app, const char *computer, const char *iso,
                struct signature *sig)
{
    struct incident incident = {.signature = sig, .severity = sig->severity};
    incident.app_error = cs_xcalloc(1, sizeof(*incident.app_error));
    incident.app_error->fault.app_name = cs_strdup(app);
    incident.app_error->event.computer = cs_strdup(computer);
    incident.app_error->event.time = at(iso);
    incident_fingerprint(&incident);
    incident_list_push(&r->incidents, &incident);
}

static void build(struct run_result *r)
{
    memset(r, 0, sizeof(*r));
    add(r, "w3wp.exe", "WEB01", "2026-03-01T10:00:00Z", &SIG_A);
    add(r, "w3wp.exe", "WEB02", "2026-03-01T11:00:00Z", &SIG_A);
    add(r, "ContosoSvc.exe", "WEB01", "2026-03-01T12:00:00Z", &SIG_N);
    findings_group(&r->incidents, &r->findings);
}

/* How many incidents and findings are left after applying filter. */
static void expect(const struct incident_filter *filter, size_t incidents, size_t findings)
{
    struct run_result r;
    build(&r);
    size_t hidden = incident_filter_apply(filter, &r);
    assert_int_equal(r.incidents.count, incidents);
    assert_int_equal(hidden, 3 - incidents);
    assert_int_equal(r.findings.count, findings);
    for (size_t f = 0; f < r.findings.count; f++) /* regrouped: indexes are valid */
        for (size_t i = 0; i < r.findings.items[f].count; i++)
            assert_true(r.findings.items[f].incidents[i] < r.incidents.count);
    run_result_free(&r);
}

static void test_each_criterion(void **unused)
{
    (void)unused;
    const char *w3wp[] = {"W3WP.EXE"}, *contoso[] = {"contoso*"}, *both[] = {"x", "Contoso*"};
    const char *web02[] = {"web0?2", "WEB02"}, *native[] = {"native-*"};
    expect(&(struct incident_filter){0}, 3, 2);
    expect(&(struct incident_filter){.app_count = 1, .apps = w3wp}, 2, 1);
    expect(&(struct incident_filter){.app_count = 1, .apps = contoso}, 1, 1);
    expect(&(struct incident_filter){.app_count = 2, .apps = both}, 1, 1);
    expect(&(struct incident_filter){.computer_count = 2, .computers = web02}, 1, 1);
    expect(&(struct incident_filter){.signature_count = 1, .signatures = native}, 1, 1);
    expect(&(struct incident_filter){.min_severity = SEVERITY_HIGH}, 2, 1);
    expect(&(struct incident_filter){.since = at("2026-03-01T11:00:00Z")}, 2, 2);
    expect(&(struct incident_filter){.until = at("2026-03-01T11:00:00Z")}, 1, 1);
    expect(&(struct incident_filter){.since = at("2026-03-01T10:30:00Z"),
                                     .until = at("2026-03-01T11:30:00Z"),
                                     .app_count = 1,
                                     .apps = w3wp},
           1, 1);
}

static void test_durations(void **unused)
{
    (void)unused;
    uint64_t ms;
    assert_int_equal(cs_duration_parse_ms("500ms", false, &ms), 0);
    assert_int_equal(ms, 500);
    assert_int_equal(cs_duration_parse_ms("10s", false, &ms), 0);
    assert_int_equal(ms, 10000);
    assert_int_equal(cs_duration_parse_ms("2m", false, &ms), 0);
    assert_int_equal(ms, 120000);
    assert_int_equal(cs_duration_parse_ms("1.5h", false, &ms), 0);
    assert_int_equal(ms, 5400000);
    assert_int_equal(cs_duration_parse_ms("7d", false, &ms), 0);
    assert_int_equal(ms, 7 * 86400000ULL);
    assert_int_equal(cs_duration_parse_ms("2w", false, &ms), 0);
    assert_int_equal(ms, 14 * 86400000ULL);
    assert_int_equal(cs_duration_parse_ms("3", true, &ms), 0);
    assert_int_equal(ms, 3000);
    const char *bad[] = {"3", "", "s", "-1s", "0s", "10x", "1e9w", "10 s", "ms"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (cs_duration_parse_ms(bad[i], false, &ms) == 0)
            fail_msg("'%s' was accepted as a duration", bad[i]);
}

static void test_typed_times_utc(void **unused)
{
    (void)unused;
    cs_filetime now = at("2026-03-10T12:00:00Z"), t;
    assert_int_equal(cs_time_parse_user("24h", now, false, &t), 0);
    assert_int_equal(t, at("2026-03-09T12:00:00Z"));
    assert_int_equal(cs_time_parse_user("7d", now, true, &t), 0); /* relative: zone-free */
    assert_int_equal(t, at("2026-03-03T12:00:00Z"));
    assert_int_equal(cs_time_parse_user("2026-03-01", now, false, &t), 0);
    assert_int_equal(t, at("2026-03-01T00:00:00Z"));
    assert_int_equal(cs_time_parse_user("2026-03-01T10:00", now, false, &t), 0);
    assert_int_equal(t, at("2026-03-01T10:00:00Z"));
    assert_int_equal(cs_time_parse_user("2026-03-01 10:00:05.25Z", now, true, &t), 0);
    assert_int_equal(t, at("2026-03-01T10:00:05.25Z"));
    assert_int_equal(cs_time_parse_user("2026-03-01T12:00:00+02:00", now, false, &t), 0);
    assert_int_equal(t, at("2026-03-01T10:00:00Z"));
    assert_int_equal(cs_time_parse_user("2026-03-01T05:00-0500", now, false, &t), 0);
    assert_int_equal(t, at("2026-03-01T10:00:00Z"));
    const char *bad[] = {
        "yesterday",          "2026-13-01", "2026-03-01T25:00",      "2026-03-01T10",
        "2026-03-01T10:00+2", "20260301",   "2026-03-01T10:00:00ZZ", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (cs_time_parse_user(bad[i], now, false, &t) == 0)
            fail_msg("'%s' was accepted as a time", bad[i]);
}

/* A zone without daylight saving, written as a POSIX TZ rule, so no tzdata is needed. */
static void test_local_time(void **unused)
{
    (void)unused;
    setenv("TZ", "XYZ-2", 1);
    tzset();
    cs_filetime t, now = at("2026-03-10T12:00:00Z");
    assert_int_equal(cs_time_parse_user("2026-03-01T12:00", now, true, &t), 0);
    assert_int_equal(t, at("2026-03-01T10:00:00Z"));
    char text[CS_LOCAL_TIME_SIZE];
    cs_time_format_local(at("2026-03-01T10:00:00.1234567Z"), text);
    assert_string_equal(text, "2026-03-01T12:00:00.1234567+02:00");
    setenv("TZ", "ABC+5", 1); /* west of UTC */
    tzset();
    cs_time_format_local(at("2026-03-01T03:00:00Z"), text);
    assert_string_equal(text, "2026-02-28T22:00:00.0000000-05:00");
    unsetenv("TZ");
    tzset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_criterion),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_typed_times_utc),
        cmocka_unit_test(test_local_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
