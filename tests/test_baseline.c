/*
 * test_baseline.c - baselines (src/baseline.c): what is written is what is read back, only
 * the fingerprints count, and a file that is not a baseline is an error naming it.
 *
 * The CI round trip with the real binary (write, rescan, add a crash) is in
 * test_cli_incremental.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/baseline.h"
#include "crashsig/signatures.h"

static struct signature SIG = {.id = "unhandled-exception", .title = "t", .severity = SEVERITY_LOW};

/* A result with one finding per application name given. */
static void build_result(struct run_result *r, const char *const *apps, size_t count)
{
    memset(r, 0, sizeof(*r));
    for (size_t i = 0; i < count; i++) {
        struct incident incident = {.signature = &SIG, .severity = SEVERITY_LOW};
        incident.app_error = cs_xcalloc(1, sizeof(*incident.app_error));
        incident.app_error->fault.app_name = cs_strdup(apps[i]);
        incident.app_error->event.computer = cs_strdup("WEB01");
        incident.app_error->event.time = 133000000000000000ULL + i;
        incident_fingerprint(&incident);
        incident_list_push(&r->incidents, &incident);
    }
    findings_group(&r->incidents, &r->findings);
}

static char *temp_path(const char *content)
{
    char *path = strdup("/tmp/crashsig-test-baseline-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(content, f);
    fclose(f);
    return path;
}

static void test_round_trip(void **unused)
{
    (void)unused;
    const char *apps[] = {"b.exe", "a.exe", "c\xff.exe"}; /* invalid UTF-8 must stay valid JSON */
    struct run_result r;
    build_result(&r, apps, 3);
    char *path = temp_path("");
    FILE *f = fopen(path, "w");
    assert_int_equal(baseline_write(f, &r), 0);
    fclose(f);

    struct baseline b;
    struct cs_error err = {""};
    assert_int_equal(baseline_load(path, &b, &err), 0);
    assert_int_equal(b.count, 3);
    assert_true(strcmp(b.fingerprints[0], b.fingerprints[1]) < 0); /* sorted */
    baseline_mark(&b, &r);
    assert_true(r.has_baseline);
    for (size_t i = 0; i < r.findings.count; i++)
        assert_true(r.findings.items[i].known);

    struct run_result other;
    const char *other_apps[] = {"d.exe"};
    build_result(&other, other_apps, 1);
    baseline_mark(&b, &other);
    assert_false(other.findings.items[0].known);
    baseline_mark(NULL, &r); /* no baseline knows nothing */
    assert_false(r.findings.items[0].known);

    baseline_free(&b);
    run_result_free(&r);
    run_result_free(&other);
    remove(path);
    free(path);
}

/* Only the fingerprint is read: people may annotate the rest. */
static void test_only_fingerprints_count(void **unused)
{
    (void)unused;
    char *path = temp_path("{\"schema\": \"crashsig.baseline/1\", \"findings\": ["
                           "{\"fingerprint\": \"0123456789abcdef\", \"note\": \"ticket 42\"},"
                           "{\"fingerprint\": \"0123456789abcdef\"}]}");
    struct baseline b;
    struct cs_error err = {""};
    assert_int_equal(baseline_load(path, &b, &err), 0);
    assert_int_equal(b.count, 1);
    assert_true(baseline_contains(&b, "0123456789abcdef"));
    assert_false(baseline_contains(&b, "0123456789abcde0"));
    baseline_free(&b);
    remove(path);
    free(path);
}

static void expect_error(const char *content, const char *fragment)
{
    char *path = temp_path(content);
    struct baseline b;
    struct cs_error err = {""};
    assert_int_equal(baseline_load(path, &b, &err), -1);
    if (strstr(err.message, path) == NULL || strstr(err.message, fragment) == NULL)
        fail_msg("expected \"%s\" in: %s", fragment, err.message);
    assert_int_equal(b.count, 0);
    remove(path);
    free(path);
}

static void test_bad_files(void **unused)
{
    (void)unused;
    expect_error("not json", "invalid JSON");
    expect_error("{\"schema\": \"crashsig.state/1\", \"findings\": []}", "not a crashsig baseline");
    expect_error("{\"schema\": \"crashsig.baseline/1\"}", "\"findings\" is missing");
    expect_error(
        "{\"schema\": \"crashsig.baseline/1\", \"findings\": [{\"fingerprint\": \"XYZ\"}]}",
        "findings[0].fingerprint");
    struct baseline b;
    struct cs_error err = {""};
    assert_int_equal(baseline_load("/nonexistent/baseline.json", &b, &err), -1);
    assert_non_null(strstr(err.message, "/nonexistent/baseline.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_only_fingerprints_count),
        cmocka_unit_test(test_bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
