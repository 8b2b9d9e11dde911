/*
 * test_report_formats.c - the CI report formats and the terminal UX, checked by real parsers
 * and on the real binary:
 *
 *   - SARIF validated against the OASIS SARIF 2.1.0 JSON schema with python3-jsonschema, and
 *     JUnit XML against the Jenkins xUnit plugin's junit-10.xsd with xmllint (tests/schemas/),
 *     for every fixture, with a baseline, and for hostile event text (control characters,
 *     escape sequences, invalid UTF-8, markup);
 *   - the mapping: one test case per signature and a failure per failing finding; SARIF rules,
 *     logical location = user frame, artifact = the .evtx file, fingerprints;
 *   - JSON Lines: one valid object per incident;
 *   - several outputs from one scan, written all or none; outputs that would overwrite an
 *     input or each other are refused;
 *   - filters, --local-time, colour, the progress line, and --help against the man page.
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
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "crashsig/report.h"
#include "report_writers.h"
#include "progress.h"
#include "run_process.h"
#include "test_util.h"

#define TIMEOUT_SECONDS 120
#define DEMO            "fixtures/demo.evtx"
#define SARIF_SCHEMA    SOURCE_DIR "/tests/schemas/sarif-schema-2.1.0.json"
#define JUNIT_XSD       SOURCE_DIR "/tests/schemas/junit-10.xsd"

static char work[256];

static char *in_work(const char *name)
{
    static char paths[8][512];
    static int next;
    char *path = paths[next++ % 8];
    snprintf(path, sizeof(paths[0]), "%s/%s", work, name);
    return path;
}

/* Runs crashsig in SOURCE_DIR with the arguments (the closing NULL is added here). */
#define CRASHSIG(r, ...)                                                                           \
    run_program(r, SOURCE_DIR, TIMEOUT_SECONDS, CRASHSIG_BINARY, __VA_ARGS__, NULL)

static void expect_valid_sarif(const char *path)
{
    struct process_result r;
    run_program(&r, SOURCE_DIR, TIMEOUT_SECONDS, PYTHON3_BINARY,
                SOURCE_DIR "/tests/validate_json_schema.py", SARIF_SCHEMA, path, NULL);
    if (r.exit_status != 0)
        fail_msg("%s is not valid SARIF 2.1.0:\n%s%s", path, r.out, r.err);
    process_result_free(&r);
}

static void expect_valid_junit(const char *path)
{
    struct process_result r;
    run_program(&r, SOURCE_DIR, TIMEOUT_SECONDS, XMLLINT_BINARY, "--noout", "--schema", JUNIT_XSD,
                path, NULL);
    if (r.exit_status != 0)
        fail_msg("%s is not valid JUnit XML:\n%s", path, r.err);
    process_result_free(&r);
}

/* The number an XPath expression evaluates to in an XML file, by xmllint. */
static long xpath_number(const char *path, const char *expression)
{
    struct process_result r;
    run_program(&r, SOURCE_DIR, TIMEOUT_SECONDS, XMLLINT_BINARY, "--xpath", expression, path, NULL);
    assert_int_equal(r.exit_status, 0);
    long n = strtol(r.out, NULL, 10);
    process_result_free(&r);
    return n;
}

/* ---- SARIF and JUnit ---------------------------------------------------------------------- */

static void test_every_fixture_validates(void **unused)
{
    (void)unused;
    DIR *d = opendir(SOURCE_DIR "/fixtures");
    assert_non_null(d);
    int checked = 0;
    for (struct dirent *e = readdir(d); e; e = readdir(d)) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".evtx") != 0)
            continue;
        char input[512];
        snprintf(input, sizeof(input), "fixtures/%s", e->d_name);
        struct process_result r;
        CRASHSIG(&r, "scan", input, "--format", "sarif", "-o", in_work("f.sarif"), "--output-junit",
                 in_work("f.xml"));
        assert_true(r.exit_status == 0 || r.exit_status == 1);
        process_result_free(&r);
        expect_valid_sarif(in_work("f.sarif"));
        expect_valid_junit(in_work("f.xml"));
        checked++;
    }
    closedir(d);
    assert_true(checked >= 10);
}

static const cJSON *path_get(const cJSON *node, const char *const *keys)
{
    for (; *keys && node; keys++)
        node = (*keys)[0] == '#' ? cJSON_GetArrayItem(node, atoi(*keys + 1))
                                 : cJSON_GetObjectItemCaseSensitive(node, *keys);
    return node;
}

#define GET(node, ...) path_get(node, (const char *const[]){__VA_ARGS__, NULL})

/* The demo: 3 findings; the async-void one at the user frame in fixtures/demo.evtx. */
static void test_sarif_mapping(void **unused)
{
    (void)unused;
    struct process_result r;
    CRASHSIG(&r, "scan", DEMO, "--format", "sarif");
    assert_int_equal(r.exit_status, 1);
    cJSON *doc = cJSON_Parse(r.out);
    assert_non_null(doc);
    assert_string_equal(GET(doc, "version")->valuestring, "2.1.0");
    const cJSON *run0 = GET(doc, "runs", "#0");
    assert_string_equal(GET(run0, "tool", "driver", "name")->valuestring, "crashsig");
    struct catalog *catalog;
    assert_int_equal(catalog_load_builtin(&catalog, NULL), 0);
    assert_int_equal(cJSON_GetArraySize(GET(run0, "tool", "driver", "rules")),
                     catalog_count(catalog)); /* every signature is a rule */
    catalog_free(catalog);
    const cJSON *results = GET(run0, "results");
    assert_int_equal(cJSON_GetArraySize(results), 3);
    const cJSON *first = cJSON_GetArrayItem(results, 0);
    assert_string_equal(GET(first, "ruleId")->valuestring, "async-void-threadpool");
    assert_string_equal(GET(first, "level")->valuestring, "error");
    const cJSON *rules = GET(run0, "tool", "driver", "rules");
    const cJSON *rule = cJSON_GetArrayItem(rules, GET(first, "ruleIndex")->valueint);
    assert_string_equal(GET(rule, "id")->valuestring, "async-void-threadpool");
    assert_non_null(GET(rule, "help", "text"));
    assert_int_equal(GET(first, "occurrenceCount")->valueint, 3);
    assert_int_equal(strlen(GET(first, "partialFingerprints", "crashsig/v2")->valuestring), 16);
    assert_string_equal(GET(rule, "name")->valuestring, "AsyncVoidThreadpool");
    assert_non_null(GET(rule, "shortDescription", "text"));
    assert_non_null(GET(rule, "fullDescription", "text"));
    assert_non_null(GET(rule, "defaultConfiguration", "level"));
    const cJSON *loc = GET(first, "locations", "#0");
    assert_string_equal(GET(loc, "physicalLocation", "artifactLocation", "uri")->valuestring,
                        "fixtures/demo.evtx");
    assert_string_equal(GET(loc, "logicalLocations", "#0", "fullyQualifiedName")->valuestring,
                        "Contoso.Orders.Inventory.StockLevel.EnsureValid()");
    assert_string_equal(GET(loc, "logicalLocations", "#0", "kind")->valuestring, "function");
    /* every result says new or unchanged, so code scanning alerts on new ones only */
    assert_string_equal(GET(first, "baselineState")->valuestring, "new");
    assert_non_null(GET(loc, "message", "text")); /* names the record in the log */
    /* the native crash has no user frame: its logical location is the faulting module */
    const cJSON *native = cJSON_GetArrayItem(results, 2);
    assert_string_equal(GET(native, "ruleId")->valuestring, "native-crash");
    assert_string_equal(
        GET(native, "locations", "#0", "logicalLocations", "#0", "kind")->valuestring, "module");
    assert_string_equal(GET(run0, "artifacts", "#0", "location", "uri")->valuestring,
                        "fixtures/demo.evtx");
    assert_true(cJSON_IsTrue(GET(run0, "invocations", "#0", "executionSuccessful")));
    cJSON_Delete(doc);
    process_result_free(&r);
}

/* What a CI view shows of a JUnit report, by python3-junitparser (tests/junit_cases.py). */
static char *junit_cases(const char *path)
{
    struct process_result r;
    run_program(&r, SOURCE_DIR, TIMEOUT_SECONDS, PYTHON3_BINARY, SOURCE_DIR "/tests/junit_cases.py",
                path, NULL);
    if (r.exit_status != 0)
        fail_msg("python3-junitparser cannot read %s:\n%s%s", path, r.out, r.err);
    char *out = r.out;
    r.out = NULL;
    process_result_free(&r);
    return out;
}

/* The report is valid JUnit and junitparser counts "cases=... passed=..." in it. */
static void expect_junit_counts(const char *xml, const char *counts)
{
    expect_valid_junit(xml);
    char *cases = junit_cases(xml);
    if (strncmp(cases, counts, strlen(counts)) != 0)
        fail_msg("expected %s, python3-junitparser saw:\n%s", counts, cases);
    free(cases);
}

/* One test case per finding (Jenkins reads only the first <failure> of a case): N findings, N
 * cases, each failing, skipped (known) or passed (below --fail-on). */
static void test_junit_mapping(void **unused)
{
    (void)unused;
    struct process_result r;
    const char *xml = in_work("demo.xml");
    CRASHSIG(&r, "scan", DEMO, "--format", "junit", "-o", xml);
    assert_int_equal(r.exit_status, 1);
    process_result_free(&r);
    expect_valid_junit(xml);
    char *cases = junit_cases(xml);
    assert_true(strncmp(cases, "cases=3 failed=3 errors=0 skipped=0 passed=0\n", 45) == 0);
    assert_non_null(strstr(cases, "failed\tasync-void-threadpool\tasync-void-threadpool: w3wp.exe, "
                                  "Contoso.Orders.Inventory.StockLevel.EnsureValid ["));
    free(cases);
    assert_int_equal(xpath_number(xml, "count(//testcase/failure)"), 3);
    assert_int_equal(xpath_number(xml, "count(//testcase[count(failure) > 1])"), 0);
    assert_int_equal(xpath_number(xml, "count(//testcase[@classname='crashsig.inputs'])"), 0);
    char *text = read_file(xml, NULL);
    assert_non_null(strstr(text, "Fix in Contoso.Orders.Inventory.StockLevel.EnsureValid: "));
    assert_null(strstr(text, "crashsig.signatures"));
    free(text);

    /* --fail-on critical: the medium native crash passes, with the finding in system-out */
    CRASHSIG(&r, "scan", DEMO, "--format", "junit", "-o", xml, "--fail-on", "critical");
    process_result_free(&r);
    expect_valid_junit(xml);
    cases = junit_cases(xml);
    assert_true(strncmp(cases, "cases=3 failed=2 errors=0 skipped=0 passed=1\n", 45) == 0);
    assert_non_null(strstr(cases, "passed\tnative-crash\tnative-crash: ContosoLicenseSvc.exe ["));
    free(cases);
    assert_int_equal(xpath_number(xml, "count(//testcase[@classname='native-crash']/system-out)"),
                     1);

    /* nothing found: one passing case, never an empty suite */
    CRASHSIG(&r, "scan", "fixtures/noise_only.evtx", "--format", "junit", "-o", xml);
    assert_int_equal(r.exit_status, 0);
    process_result_free(&r);
    expect_junit_counts(xml, "cases=1 failed=0 errors=0 skipped=0 passed=1\n");

    /* an unreadable input: a failing case of its own, beside the findings */
    const char *bad = in_work("not-a-log.evtx");
    FILE *f = fopen(bad, "wb");
    assert_non_null(f);
    fputs("this is not an event log", f);
    fclose(f);
    CRASHSIG(&r, "scan", DEMO, bad, "--format", "junit", "-o", xml);
    assert_int_equal(r.exit_status, 2);
    process_result_free(&r);
    expect_junit_counts(xml, "cases=4 failed=3 errors=1 skipped=0 passed=0\n");
}

/* Known findings: SARIF baselineState, JUnit system-out instead of failure, exit 0. */
static void test_formats_with_baseline(void **unused)
{
    (void)unused;
    struct process_result r;
    const char *baseline = in_work("demo-baseline.json");
    CRASHSIG(&r, "scan", DEMO, "--write-baseline", baseline, "--fail-on", "none");
    assert_int_equal(r.exit_status, 0);
    process_result_free(&r);
    CRASHSIG(&r, "scan", DEMO, "--baseline", baseline, "--format", "sarif", "-o",
             in_work("b.sarif"), "--output-junit", in_work("b.xml"));
    assert_int_equal(r.exit_status, 0);
    process_result_free(&r);
    expect_valid_sarif(in_work("b.sarif"));
    expect_valid_junit(in_work("b.xml"));
    assert_int_equal(xpath_number(in_work("b.xml"), "count(//failure)"), 0);
    /* known findings are skipped, not passed: the CI view tells them from fixed ones */
    expect_junit_counts(in_work("b.xml"), "cases=3 failed=0 errors=0 skipped=3 passed=0\n");
    char *sarif = read_file(in_work("b.sarif"), NULL);
    assert_non_null(strstr(sarif, "\"baselineState\":\t\"unchanged\""));
    assert_null(strstr(sarif, "\"baselineState\":\t\"new\""));
    assert_non_null(strstr(sarif, "\"suppressions\""));
    free(sarif);
}

/* Upgrading: a baseline written by recipe 1 (crashsig.baseline/1) still knows its findings,
 * by the recipe-1 fingerprint of each incident; --write-baseline writes recipe 2. */
static void test_v1_baseline_still_matches(void **unused)
{
    (void)unused;
    /* recipe 1 of fixtures/async_void_core.evtx's finding, computed from docs/signatures.md */
    const char *v1 = in_work("v1-baseline.json");
    FILE *f = fopen(v1, "wb");
    assert_non_null(f);
    fputs("{\"schema\": \"crashsig.baseline/1\", \"findings\": "
          "[{\"fingerprint\": \"5542a69f5e8a0250\"}]}",
          f);
    fclose(f);
    struct process_result r;
    CRASHSIG(&r, "scan", "fixtures/async_void_core.evtx", "--baseline", v1, "--format", "json",
             "--write-baseline", in_work("v2-baseline.json"));
    assert_int_equal(r.exit_status, 0);
    cJSON *doc = cJSON_Parse(r.out);
    assert_true(cJSON_IsTrue(GET(doc, "findings", "#0", "known")));
    assert_string_equal(GET(doc, "findings", "#0", "fingerprint")->valuestring, "b7d1abd0e024263d");
    cJSON_Delete(doc);
    process_result_free(&r);
    char *text = read_file(in_work("v2-baseline.json"), NULL);
    doc = cJSON_Parse(text);
    free(text);
    assert_string_equal(GET(doc, "schema")->valuestring, "crashsig.baseline/2");
    assert_int_equal(GET(doc, "fingerprint_recipe")->valueint, 2);
    assert_string_equal(GET(doc, "findings", "#0", "fingerprint")->valuestring, "b7d1abd0e024263d");
    cJSON_Delete(doc);
    /* the recipe-2 baseline knows it too */
    CRASHSIG(&r, "scan", "fixtures/async_void_core.evtx", "--baseline",
             in_work("v2-baseline.json"));
    assert_int_equal(r.exit_status, 0);
    process_result_free(&r);
}

/* A stack with " in C:\\src\\...:line 41": the SARIF result points at the source, relative to
 * SRCROOT under --source-root (either separator, any case), else an absolute file: URI. */
static void test_sarif_source_location(void **unused)
{
    (void)unused;
    struct process_result r;
    const char *sarif = in_work("core.sarif");
    CRASHSIG(&r, "scan", "fixtures/async_void_core.evtx", "--format", "sarif", "-o", sarif,
             "--source-root", "c:/SRC/");
    process_result_free(&r);
    expect_valid_sarif(sarif);
    char *text = read_file(sarif, NULL);
    cJSON *doc = cJSON_Parse(text);
    free(text);
    const cJSON *run0 = GET(doc, "runs", "#0");
    assert_string_equal(GET(run0, "originalUriBaseIds", "SRCROOT", "uri")->valuestring,
                        "file:///c:/SRC/");
    const cJSON *physical = GET(run0, "results", "#0", "locations", "#0", "physicalLocation");
    assert_string_equal(GET(physical, "artifactLocation", "uri")->valuestring,
                        "MyService/Importer.cs");
    assert_string_equal(GET(physical, "artifactLocation", "uriBaseId")->valuestring, "SRCROOT");
    assert_int_equal(GET(physical, "region", "startLine")->valueint, 41);
    cJSON_Delete(doc);

    /* not under the root: an absolute URI, no base */
    CRASHSIG(&r, "scan", "fixtures/async_void_core.evtx", "--format", "sarif", "-o", sarif,
             "--source-root", "C:\\build\\agent\\_work\\1\\s");
    process_result_free(&r);
    expect_valid_sarif(sarif);
    text = read_file(sarif, NULL);
    doc = cJSON_Parse(text);
    free(text);
    physical = GET(doc, "runs", "#0", "results", "#0", "locations", "#0", "physicalLocation");
    assert_string_equal(GET(physical, "artifactLocation", "uri")->valuestring,
                        "file:///C:/src/MyService/Importer.cs");
    assert_null(GET(physical, "artifactLocation", "uriBaseId"));
    cJSON_Delete(doc);
}

/* No silent green: a filter that matched nothing is named on stderr in every format, with what
 * was there; --strict-filters makes that exit 2; an empty --since/--until window is refused. */
static void test_filter_that_matches_nothing(void **unused)
{
    (void)unused;
    static const char *const formats[] = {"text", "json", "jsonl", "junit", "sarif"};
    for (size_t i = 0; i < 5; i++) {
        struct process_result r;
        CRASHSIG(&r, "scan", DEMO, "--app", "Contoso", "--format", formats[i]);
        assert_int_equal(r.exit_status, 0);
        assert_non_null(strstr(r.err, "--app 'Contoso' matched nothing; applications seen: "
                                      "ContosoLicenseSvc.exe, w3wp.exe"));
        process_result_free(&r);
    }
    struct process_result r;
    CRASHSIG(&r, "scan", DEMO, "--app", "Contoso", "--strict-filters", "--format", "json");
    assert_int_equal(r.exit_status, 2);
    process_result_free(&r);
    /* a filter that matched is silent, and strict is then no change */
    CRASHSIG(&r, "scan", DEMO, "--app", "Contoso*", "--computer", "web-prod-03",
             "--strict-filters");
    assert_int_equal(r.exit_status, 1);
    assert_null(strstr(r.err, "matched nothing"));
    process_result_free(&r);
    CRASHSIG(&r, "scan", DEMO, "--since", "2026-03-02", "--until", "2026-03-01");
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "is not before --until"));
    process_result_free(&r);
    CRASHSIG(&r, "scan", DEMO, "--formt", "json");
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "did you mean --format?"));
    process_result_free(&r);
}

/* ---- hostile text through every writer --------------------------------------------------- */

static struct signature SIG = {.id = "unhandled-exception",
                               .title = "Unhandled <exception> & \"quotes\"",
                               .explanation = "x",
                               .fix = "y",
                               .severity = SEVERITY_HIGH};

static const char HOSTILE[] = "Evil\x1b]0;pwned\x07\x1b[2J\r\x9b\xc2\x9b"
                              "31m\xff <tag attr=\"v\">&amp;\x01\x7f\xef\xbf\xbe\xed\xa0\x80 end";

static void build_hostile(struct run_result *result)
{
    memset(result, 0, sizeof(*result));
    result->input_count = 1;
    result->inputs = cs_xcalloc(1, sizeof(*result->inputs));
    input_report_init(&result->inputs[0], "logs/dir with space/\xc3\xa9v\xff.evtx");
    input_report_warn(&result->inputs[0], "warning about %s", HOSTILE);
    struct dotnet_event *d = dotnet_event_new();
    d->event.file = result->inputs[0].path;
    d->event.computer = cs_strdup(HOSTILE);
    d->event.channel = cs_strdup("Application");
    d->event.provider = cs_strdup(".NET Runtime");
    d->event.time = 133000000000000000ULL;
    d->event.event_id = 1026;
    d->event.record_id = d->event.event_record_id = 9;
    assert_int_equal(dotnet_crash_parse("Application: evil.exe\nFramework Version: v4.0.30319\n"
                                        "Description: x\nException Info: System.Exception\n"
                                        "   at Evil.Run()\n",
                                        1026, d->crash, NULL),
                     0);
    free(d->crash->exceptions[0].frames[0].method);
    d->crash->exceptions[0].frames[0].method = cs_strdup(HOSTILE);
    free(d->crash->exceptions[0].frames[0].text);
    d->crash->exceptions[0].frames[0].text = cs_strdup(HOSTILE);
    struct incident incident = {.dotnet = d, .signature = &SIG, .severity = SEVERITY_HIGH};
    incident_fingerprint(&incident);
    incident_list_push(&result->incidents, &incident);
    findings_group(&result->incidents, &result->findings);
}

typedef int (*writer_fn)(FILE *, const struct run_result *, const struct report_options *);

static void write_with(writer_fn writer, const char *path)
{
    struct run_result result;
    build_hostile(&result);
    result.fail_on = SEVERITY_LOW;
    struct report_options options = {0};
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(writer(f, &result, &options), 0);
    fclose(f);
    run_result_free(&result);
}

static void test_hostile_text_stays_valid(void **unused)
{
    (void)unused;
    write_with(report_write_junit, in_work("hostile.xml"));
    expect_valid_junit(in_work("hostile.xml"));
    assert_int_equal(xpath_number(in_work("hostile.xml"), "count(//failure)"), 1);
    write_with(report_write_sarif, in_work("hostile.sarif"));
    expect_valid_sarif(in_work("hostile.sarif"));
    char *sarif = read_file(in_work("hostile.sarif"), NULL);
    assert_non_null(strstr(sarif, "logs/dir%20with%20space/%C3%A9v%FF.evtx"));
    free(sarif);

    write_with(report_write_jsonl, in_work("hostile.jsonl"));
    char *lines = read_file(in_work("hostile.jsonl"), NULL);
    assert_non_null(lines);
    assert_null(strchr(lines, '\x1b'));
    char *newline = strchr(lines, '\n');
    assert_non_null(newline);
    assert_int_equal(newline[1], '\0'); /* one incident, one line */
    cJSON *line = cJSON_Parse(lines);
    assert_non_null(line);
    assert_string_equal(cJSON_GetObjectItem(line, "schema")->valuestring, "crashsig.incident/1");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(line, "known")));
    cJSON_Delete(line);
    free(lines);
}

/* ---- JSON Lines, several outputs, atomicity ---------------------------------------------- */

static void test_jsonl_one_incident_per_line(void **unused)
{
    (void)unused;
    struct process_result r;
    CRASHSIG(&r, "scan", DEMO, "--format", "jsonl");
    assert_int_equal(r.exit_status, 1);
    int lines = 0;
    for (char *line = r.out, *end; *line; line = end + 1, lines++) {
        end = strchr(line, '\n');
        assert_non_null(end);
        *end = '\0';
        cJSON *obj = cJSON_Parse(line);
        assert_non_null(obj);
        assert_string_equal(cJSON_GetObjectItem(obj, "schema")->valuestring, "crashsig.incident/1");
        assert_true(cJSON_IsString(cJSON_GetObjectItem(obj, "fingerprint")));
        assert_string_equal(cJSON_GetObjectItem(obj, "computer")->valuestring, "WEB-PROD-03");
        cJSON_Delete(obj);
    }
    assert_int_equal(lines, 5);
    process_result_free(&r);
}

/* One scan feeds text on stdout and every file; the JSON file is what --format json prints. */
static void test_several_outputs_from_one_scan(void **unused)
{
    (void)unused;
    struct process_result r, json;
    CRASHSIG(&r, "scan", DEMO, "--color", "never", "--output-json", in_work("m.json"),
             "--output-jsonl", in_work("m.jsonl"), "--output-junit", in_work("m.xml"),
             "--output-sarif", in_work("m.sarif"), "--output-text", in_work("m.txt"));
    assert_int_equal(r.exit_status, 1);
    assert_non_null(strstr(r.out, "CRITICAL async-void-threadpool"));
    CRASHSIG(&json, "scan", DEMO, "--format", "json");
    char *file = read_file(in_work("m.json"), NULL), *text = read_file(in_work("m.txt"), NULL);
    assert_string_equal(file, json.out);
    assert_string_equal(text, r.out);
    expect_valid_sarif(in_work("m.sarif"));
    expect_valid_junit(in_work("m.xml"));
    free(file);
    free(text);
    process_result_free(&r);
    process_result_free(&json);
}

/* An output that cannot be written: nothing is replaced, exit 2. */
static void test_outputs_all_or_none(void **unused)
{
    (void)unused;
    const char *json = in_work("none.json");
    unlink(json);
    struct process_result r;
    CRASHSIG(&r, "scan", DEMO, "--output-json", json, "--output-sarif",
             "/nonexistent-dir/out.sarif");
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "/nonexistent-dir/out.sarif"));
    assert_int_equal(access(json, F_OK), -1);
    process_result_free(&r);

    CRASHSIG(&r, "scan", DEMO, "--output-sarif", DEMO);
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "is one of the inputs"));
    process_result_free(&r);
    CRASHSIG(&r, "scan", DEMO, "-o", json, "--output-json", json);
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "named for two outputs"));
    process_result_free(&r);
}

/* ---- filters, time zone, colour, progress, help ------------------------------------------ */

static int incident_count(const char *json)
{
    cJSON *doc = cJSON_Parse(json);
    assert_non_null(doc);
    int n = cJSON_GetArraySize(cJSON_GetObjectItem(doc, "incidents"));
    cJSON_Delete(doc);
    return n;
}

static void expect_filtered(int incidents, int exit_status, ...)
{
    char *argv[32] = {CRASHSIG_BINARY, "scan", DEMO, "--format", "json"};
    int argc = 5;
    va_list ap;
    va_start(ap, exit_status);
    for (const char *a = va_arg(ap, const char *); a; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    struct process_result r;
    assert_int_equal(run_process(argv, SOURCE_DIR, TIMEOUT_SECONDS, &r), 0);
    if (r.exit_status != exit_status || (exit_status != 2 && incident_count(r.out) != incidents))
        fail_msg("%s %s: exit %d, %s", argv[5], argc > 6 ? argv[6] : "", r.exit_status, r.err);
    process_result_free(&r);
}

static void test_filters(void **unused)
{
    (void)unused;
    expect_filtered(5, 1, NULL);
    expect_filtered(2, 1, "--since", "2026-03-02T09:30:00Z", NULL);
    expect_filtered(3, 1, "--until", "2026-03-02T09:30Z", NULL);
    expect_filtered(4, 1, "--app", "w3wp.exe", NULL);
    expect_filtered(1, 1, "--app", "contoso*", NULL);
    expect_filtered(5, 1, "--app", "w3wp.exe", "--app", "Contoso*", NULL);
    expect_filtered(0, 0, "--computer", "WEB-PROD-0?9", NULL);
    expect_filtered(5, 1, "--computer", "web-prod-*", NULL);
    expect_filtered(1, 1, "--signature", "native-crash", NULL);
    expect_filtered(4, 1, "--signature", "*thread*", NULL);
    expect_filtered(4, 1, "--min-severity", "critical", NULL);
    expect_filtered(0, 0, "--since", "24h", NULL); /* the demo is from March 2026 */
    expect_filtered(0, 2, "--signature", "no-such-signature", NULL);
    expect_filtered(0, 2, "--since", "last tuesday", NULL);
    expect_filtered(0, 2, "--min-severity", "none", NULL);
}

/* Text in local time with --local-time (typed times too); JSON stays UTC. */
static void test_local_time(void **unused)
{
    (void)unused;
    setenv("TZ", "XYZ-2", 1);
    struct process_result r;
    CRASHSIG(&r, "scan", DEMO, "--local-time", "--since", "2026-03-02T11:30");
    assert_non_null(strstr(r.out, "2026-03-02T11:33:52.447+02:00"));
    assert_null(strstr(r.out, "09:33:52"));
    assert_null(strstr(r.out, "2026-03-02T11:21:07")); /* before --since in local time */
    process_result_free(&r);
    CRASHSIG(&r, "scan", DEMO, "--local-time", "--format", "json");
    assert_non_null(strstr(r.out, "\"2026-03-02T09:33:52.4470000Z\""));
    process_result_free(&r);
    CRASHSIG(&r, "scan", DEMO); /* the text to the millisecond, JSON (above) to 100 ns */
    assert_non_null(strstr(r.out, "2026-03-02T09:33:52.447Z"));
    process_result_free(&r);
    unsetenv("TZ");
}

static void test_color(void **unused)
{
    (void)unused;
    struct process_result r;
    CRASHSIG(&r, "scan", DEMO, "--color", "always");
    assert_non_null(strstr(r.out, "\x1b[1;31mCRITICAL"));
    process_result_free(&r);
    CRASHSIG(&r, "scan", DEMO); /* auto, and stdout is a file */
    assert_null(strchr(r.out, '\x1b'));
    process_result_free(&r);
    CRASHSIG(&r, "scan", DEMO, "--color", "always", "-o", in_work("c.txt"));
    char *text = read_file(in_work("c.txt"), NULL);
    assert_null(strchr(text, '\x1b')); /* never in a file */
    free(text);
    process_result_free(&r);
}

static void test_progress_line(void **unused)
{
    (void)unused;
    struct scan_progress p = {.files_done = 7,
                              .files_total = 23,
                              .bytes_done = 100 * 1024 * 1024,
                              .bytes_total = 300 * 1024 * 1024};
    char line[160];
    progress_format(line, sizeof(line), &p, 4.0);
    assert_string_equal(line, "crashsig: 7/23 files  100.0/300.0 MB  25.0 MB/s  ETA 8s");
    p.bytes_total = 100ULL * 1024 * 1024 * 1024;
    progress_format(line, sizeof(line), &p, 4.0);
    assert_non_null(strstr(line, "ETA 1h08m")); /* 102300 MB at 25 MB/s */
    p.bytes_done = 0;
    progress_format(line, sizeof(line), &p, 0);
    assert_non_null(strstr(line, "ETA ?"));

    struct process_result r;
    CRASHSIG(&r, "scan", DEMO); /* auto: stderr is not a terminal here */
    assert_string_equal(r.err, "");
    process_result_free(&r);
    CRASHSIG(&r, "scan", DEMO, "--progress", "always");
    assert_non_null(strstr(r.err, "\rcrashsig: 1/1 files"));
    size_t len = strlen(r.err);
    assert_true(len > 4 && strcmp(r.err + len - 4, "\r\x1b[K") == 0); /* erased at the end */
    process_result_free(&r);
}

/* ---- what the text report and JSON say about the code (issue 11) ------------------------- */

#define COMPUTER_NAMES "fixtures/computer_names.evtx"

static void expect_in(const char *text, const char *wanted)
{
    if (strstr(text, wanted) == NULL)
        fail_msg("missing \"%s\" in:\n%s", wanted, text);
}

static void expect_not_in(const char *text, const char *unwanted)
{
    if (strstr(text, unwanted) != NULL)
        fail_msg("unexpected \"%s\" in:\n%s", unwanted, text);
}

/* The readable user frame and the method to change, in the text and in JSON. */
static void test_readable_frames(void **unused)
{
    (void)unused;
    struct process_result r;
    CRASHSIG(&r, "scan", "fixtures/async_void_framework.evtx");
    expect_in(r.out, "  User code  async lambda in MyApp.Sync.RunAll\n");
    expect_in(r.out, "  Fix in MyApp.Sync.RunAll:\n             Never pass an async lambda");
    process_result_free(&r);
    /* the frame that threw is not the one to change: the async lambda that called it is */
    CRASHSIG(&r, "scan", DEMO);
    expect_in(r.out, "  User code  Contoso.Orders.Inventory.StockLevel.EnsureValid()\n"
                     "             called from async lambda in "
                     "Contoso.Orders.Inventory.InventorySync.RunAll\n");
    expect_in(r.out, "  Fix in Contoso.Orders.Inventory.InventorySync.RunAll:\n");
    expect_in(r.out, "  Fix in Contoso.Jobs.Mailer.SendQueued:\n");
    process_result_free(&r);

    CRASHSIG(&r, "scan", "fixtures/async_void_framework.evtx", "--format", "json");
    cJSON *doc = cJSON_Parse(r.out);
    assert_non_null(doc);
    const cJSON *finding = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "findings"), 0);
    const cJSON *incident = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "incidents"), 0);
    assert_string_equal(cJSON_GetObjectItem(finding, "user_frame_readable")->valuestring,
                        "async lambda in MyApp.Sync.RunAll");
    assert_string_equal(cJSON_GetObjectItem(finding, "fix_in")->valuestring, "MyApp.Sync.RunAll");
    assert_string_equal(cJSON_GetObjectItem(incident, "user_frame_readable")->valuestring,
                        "async lambda in MyApp.Sync.RunAll");
    assert_string_equal(cJSON_GetObjectItem(incident, "user_frame")->valuestring,
                        "MyApp.Sync+<>c__DisplayClass4_0+<<RunAll>b__0>d.MoveNext()");
    cJSON_Delete(doc);
    process_result_free(&r);
}

/* frame_locations beside frames: {file, line} where the frame names its source, in English
 * and German, else null; "frames" stays an array of strings. */
static void test_frame_locations(void **unused)
{
    (void)unused;
    struct process_result r;
    CRASHSIG(&r, "scan", COMPUTER_NAMES, "--format", "json");
    cJSON *doc = cJSON_Parse(r.out);
    assert_non_null(doc);
    const cJSON *incidents = cJSON_GetObjectItem(doc, "incidents");
    static const char *const files[] = {"C:\\src\\Worker\\Jobs\\Mailer.cs",
                                        "C:\\src\\Worker\\Jobs\\Billing.cs"};
    static const int lines[] = {41, 88};
    for (int i = 0; i < 2; i++) {
        const cJSON *dotnet = cJSON_GetObjectItem(cJSON_GetArrayItem(incidents, i), "dotnet");
        const cJSON *frames = cJSON_GetObjectItem(dotnet, "frames");
        const cJSON *locations = cJSON_GetObjectItem(dotnet, "frame_locations");
        assert_int_equal(cJSON_GetArraySize(locations), cJSON_GetArraySize(frames));
        assert_true(cJSON_IsString(cJSON_GetArrayItem(frames, 0)));
        const cJSON *top = cJSON_GetArrayItem(locations, 0);
        assert_string_equal(cJSON_GetObjectItem(top, "file")->valuestring, files[i]);
        assert_int_equal(cJSON_GetObjectItem(top, "line")->valueint, lines[i]);
        assert_true(cJSON_IsNull(cJSON_GetArrayItem(locations, 1)));
        const cJSON *exception = cJSON_GetArrayItem(cJSON_GetObjectItem(dotnet, "exceptions"), 0);
        assert_int_equal(
            cJSON_GetObjectItem(
                cJSON_GetArrayItem(cJSON_GetObjectItem(exception, "frame_locations"), 0), "line")
                ->valueint,
            lines[i]);
    }
    cJSON_Delete(doc);
    process_result_free(&r);
}

/* WEB01 and web01.contoso.local are one computer, named by its FQDN; the logged form stays. */
static void test_computer_names(void **unused)
{
    (void)unused;
    struct process_result r;
    CRASHSIG(&r, "scan", COMPUTER_NAMES, "--format", "json");
    cJSON *doc = cJSON_Parse(r.out);
    assert_non_null(doc);
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "incidents"), 0);
    assert_string_equal(cJSON_GetObjectItem(first, "computer")->valuestring, "web01.contoso.local");
    assert_string_equal(cJSON_GetObjectItem(first, "computer_logged")->valuestring, "WEB01");
    const cJSON *mailer = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "findings"), 0);
    const cJSON *computers = cJSON_GetObjectItem(mailer, "computers");
    assert_int_equal(cJSON_GetArraySize(computers), 2);
    assert_string_equal(cJSON_GetArrayItem(computers, 0)->valuestring, "web01.contoso.local");
    assert_string_equal(cJSON_GetArrayItem(computers, 1)->valuestring, "web02");
    /* a host with two FQDNs: its short name could be either, so all three stay */
    const cJSON *gateway = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "findings"), 2);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(gateway, "computers")), 3);
    cJSON_Delete(doc);
    process_result_free(&r);
    /* --computer sees the canonical name, in any case */
    CRASHSIG(&r, "scan", COMPUTER_NAMES, "--computer", "WEB01.contoso.local", "--format", "json");
    doc = cJSON_Parse(r.out);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "incidents")), 2);
    cJSON_Delete(doc);
    process_result_free(&r);
    CRASHSIG(&r, "scan", COMPUTER_NAMES);
    expect_in(r.out, "  Computers  web01.contoso.local, web02\n");
    process_result_free(&r);
}

/* Every "Stack" block has the '>' legend exactly when one of its frames is marked. */
static void expect_stack_legend_only_when_marked(const char *text)
{
    for (const char *p = strstr(text, "\n  Stack"); p; p = strstr(p + 1, "\n  Stack")) {
        bool legend = strncmp(p, "\n  Stack      (> marks", 22) == 0;
        bool marked = false;
        const char *line = strchr(p + 1, '\n');
        while (line && strncmp(line, "\n             ", 14) == 0) {
            marked |= strncmp(line, "\n             > ", 16) == 0;
            line = strchr(line + 1, '\n');
        }
        if (legend != marked)
            fail_msg("stack legend %s without a marked frame:\n%.300s",
                     legend ? "shown" : "left out", p);
    }
}

/* The rough edges of issue 11: the gap, milliseconds, "Died in", singulars, the legend, and
 * overview lines that would look alike. */
static void test_text_wording(void **unused)
{
    (void)unused;
    struct process_result r;
    CRASHSIG(&r, "scan", DEMO);
    expect_in(r.out,
              "    2026-03-02T09:12:44.318Z  WEB-PROD-03  pid 6700  KERNELBASE.dll e0434352  "
              "the 1000 came 180 ms after the .NET event\n");
    expect_not_in(r.out, "44.3180000Z");
    expect_in(r.out, "  Died in    managed exception (e0434352) raised through KERNELBASE.dll at "
                     "offset 0x000000000003a839\n");
    expect_in(r.out, "  Died in    libcrypto-3-x64.dll, exception code 0xc0000005 at offset");
    expect_in(r.out, "  1 incident   System.NullReferenceException\n");
    expect_stack_legend_only_when_marked(r.out);
    process_result_free(&r);
    CRASHSIG(&r, "scan", "fixtures/pairing.evtx", "--window", "3m");
    expect_in(r.out, "the 1000 came 30 ms before the .NET event");
    process_result_free(&r);
    CRASHSIG(&r, "scan", "fixtures/fatal_kinds.evtx");
    expect_in(r.out, "\n  Stack\n");
    expect_stack_legend_only_when_marked(r.out);
    process_result_free(&r);
    /* two findings of one application and exception: the user frame tells them apart */
    CRASHSIG(&r, "scan", COMPUTER_NAMES);
    expect_in(r.out, "System.NullReferenceException  at Contoso.Worker.Jobs.Mailer.SendQueued("
                     "System.Object)\n");
    expect_in(r.out, "System.NullReferenceException  at Contoso.Worker.Jobs.Billing.Flush("
                     "System.Object)\n");
    expect_in(r.out, "  Source     C:\\src\\Worker\\Jobs\\Billing.cs, line 88\n");
    process_result_free(&r);
    /* the same exception and user frame, another module */
    CRASHSIG(&r, "scan", "fixtures/native_exceptions.evtx");
    expect_in(r.out, "c0000005  died in CRYPT32.dll\n");
    process_result_free(&r);
}

/* Runs crashsig on a pseudo-terminal (python3's pty), as a person at a terminal runs it. */
#define CRASHSIG_ON_TERMINAL(r, ...)                                                               \
    run_program(r, SOURCE_DIR, TIMEOUT_SECONDS, PYTHON3_BINARY, "-c",                              \
                "import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)", CRASHSIG_BINARY,        \
                __VA_ARGS__, NULL)

/* On a terminal the damage warnings come after the answer as one line per kind; -v lists
 * each one instead. */
static void test_warning_summary_on_terminal(void **unused)
{
    (void)unused;
    struct process_result r;
    CRASHSIG_ON_TERMINAL(&r, "scan", "fixtures/dirty.evtx", DEMO);
    assert_int_equal(r.exit_status, 1);
    expect_not_in(r.out, "warning: ");
    const char *summary = "1 of 2 logs was copied while Windows had it open (dirty): crashsig -v "
                          "lists them.";
    expect_in(r.out, summary);
    /* after the report: the answer comes first */
    assert_true(strstr(r.out, summary) > strstr(r.out, "6 incidents (5 paired) in 4 findings"));
    process_result_free(&r);
    CRASHSIG_ON_TERMINAL(&r, "scan", "-v", "fixtures/dirty.evtx", DEMO);
    expect_in(r.out, "warning: fixtures/dirty.evtx: file header: the log is marked dirty");
    expect_not_in(r.out, "crashsig -v lists them");
    process_result_free(&r);
    /* not a terminal: every warning, as before */
    CRASHSIG(&r, "scan", "fixtures/dirty.evtx", DEMO);
    expect_in(r.out, "warning: fixtures/dirty.evtx: file header: the log is marked dirty");
    expect_not_in(r.out, "crashsig -v lists them");
    process_result_free(&r);
}

/* Long options as a set: "--name" in the usage text, "\-\-name" in the man page. */
static size_t long_options(const char *text, bool roff, char names[][32], size_t max)
{
    size_t count = 0;
    const char *marker = roff ? "\\-\\-" : "--";
    for (const char *p = strstr(text, marker); p && count < max; p = strstr(p + 1, marker)) {
        const char *q = p + strlen(marker);
        char name[32];
        size_t n = 0;
        for (; n < sizeof(name) - 1; q++) {
            if (roff && q[0] == '\\' && q[1] == '-') /* "\-" is a hyphen, "\fR" ends it */
                q++;
            if (!(('a' <= *q && *q <= 'z') || *q == '-'))
                break;
            name[n++] = *q;
        }
        name[n] = '\0';
        while (n > 0 && name[n - 1] == '-')
            name[--n] = '\0';
        bool dup = n == 0;
        for (size_t i = 0; i < count && !dup; i++)
            dup = strcmp(names[i], name) == 0;
        if (!dup)
            strcpy(names[count++], name);
    }
    return count;
}

static void test_help_matches_man_page(void **unused)
{
    (void)unused;
    struct process_result r;
    CRASHSIG(&r, "--help");
    assert_int_equal(r.exit_status, 0);
    char *man = read_file(SOURCE_DIR "/docs/crashsig.1", NULL);
    assert_non_null(man);
    char help_names[64][32], man_names[64][32];
    size_t help_count = long_options(r.out, false, help_names, 64);
    size_t man_count = long_options(man, true, man_names, 64);
    assert_true(help_count >= 25);
    for (size_t i = 0; i < help_count; i++) {
        bool found = false;
        for (size_t k = 0; k < man_count && !found; k++)
            found = strcmp(help_names[i], man_names[k]) == 0;
        if (!found)
            fail_msg("--%s is in --help but not in docs/crashsig.1", help_names[i]);
    }
    for (size_t k = 0; k < man_count; k++) {
        bool found = false;
        for (size_t i = 0; i < help_count && !found; i++)
            found = strcmp(help_names[i], man_names[k]) == 0;
        if (!found)
            fail_msg("--%s is in docs/crashsig.1 but not in --help", man_names[k]);
    }
    free(man);
    process_result_free(&r);
}

static int setup(void **unused)
{
    (void)unused;
    snprintf(work, sizeof(work), "/tmp/crashsig-test-formats-XXXXXX");
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
        cmocka_unit_test(test_every_fixture_validates),
        cmocka_unit_test(test_sarif_mapping),
        cmocka_unit_test(test_junit_mapping),
        cmocka_unit_test(test_formats_with_baseline),
        cmocka_unit_test(test_v1_baseline_still_matches),
        cmocka_unit_test(test_sarif_source_location),
        cmocka_unit_test(test_filter_that_matches_nothing),
        cmocka_unit_test(test_hostile_text_stays_valid),
        cmocka_unit_test(test_jsonl_one_incident_per_line),
        cmocka_unit_test(test_several_outputs_from_one_scan),
        cmocka_unit_test(test_outputs_all_or_none),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_local_time),
        cmocka_unit_test(test_color),
        cmocka_unit_test(test_progress_line),
        cmocka_unit_test(test_help_matches_man_page),
        cmocka_unit_test(test_readable_frames),
        cmocka_unit_test(test_frame_locations),
        cmocka_unit_test(test_computer_names),
        cmocka_unit_test(test_text_wording),
        cmocka_unit_test(test_warning_summary_on_terminal),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
