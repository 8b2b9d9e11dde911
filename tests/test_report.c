/*
 * test_report.c - the report writers (src/report_text.c, src/report_json.c) on a hand-built
 * scan result: hostile event text must not reach the terminal as control sequences, the JSON
 * must stay valid and keep absent sides as null, and the text stays readable (computer list
 * capped, a cut stack said to be cut).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "crashsig/report.h"
#include "report_writers.h"

static struct signature SIG = {.id = "unhandled-exception",
                               .title = "Unhandled exception",
                               .explanation = "An exception nobody caught ended the process.",
                               .fix = "Catch it.",
                               .severity = SEVERITY_MEDIUM};

static const char HOSTILE[] = "Evil\x1b]0;pwned\x07\x1b[2J\r\x9b\xc2\x9b"
                              "31m\xff end";

static void build_result(struct run_result *result)
{
    memset(result, 0, sizeof(*result));
    result->input_count = 1;
    result->inputs = cs_xcalloc(1, sizeof(*result->inputs));
    input_report_init(&result->inputs[0], "logs/app.evtx");
    input_report_warn(&result->inputs[0], "warning about %s", HOSTILE);

    struct dotnet_event *d = dotnet_event_new();
    d->event.file = "logs/app.evtx";
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
    struct incident incident = {.dotnet = d, .signature = &SIG, .severity = SEVERITY_MEDIUM};
    incident_fingerprint(&incident);
    incident_list_push(&result->incidents, &incident);
    findings_group(&result->incidents, &result->findings);
}

static char *render(int json, bool color)
{
    struct run_result result;
    build_result(&result);
    result.fail_on = SEVERITY_LOW;
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    struct report_options options = {.color = color};
    assert_int_equal(json ? report_write_json(f, &result, &options)
                          : report_write_text(f, &result, &options),
                     0);
    fclose(f);
    run_result_free(&result);
    return text;
}

static void test_text_neutralises_escape_sequences(void **state)
{
    (void)state;
    char *text = render(0, false);
    assert_null(strchr(text, '\x1b'));
    assert_null(strchr(text, '\x07'));
    assert_null(strchr(text, '\r'));
    assert_null(strstr(text, "\xc2\x9b"));
    assert_null(strstr(text, "\x9b"));
    assert_non_null(strstr(text, "Evil\\x1b]0;pwned\\x07\\x1b[2J\\x0d"));
    assert_non_null(strstr(text, "unhandled-exception"));
    free(text);
}

static void test_color_only_from_the_tool(void **state)
{
    (void)state;
    char *text = render(0, true);
    /* colour codes appear, but every ESC is followed by '[' and a known SGR, never ']' */
    for (const char *p = strchr(text, '\x1b'); p; p = strchr(p + 1, '\x1b'))
        assert_int_equal(p[1], '[');
    assert_null(strstr(text, "\x1b[2J"));
    free(text);
}

static void test_json_escapes_and_keeps_nulls(void **state)
{
    (void)state;
    char *text = render(1, false);
    cJSON *report = cJSON_Parse(text);
    assert_non_null(report);
    const cJSON *incident = cJSON_GetArrayItem(cJSON_GetObjectItem(report, "incidents"), 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(incident, "app_error")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(incident, "gap_ms")));
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(incident, "paired")));
    const cJSON *computer = cJSON_GetObjectItem(incident, "computer");
    assert_memory_equal(computer->valuestring, HOSTILE, 10);
    assert_null(strchr(text, '\x1b')); /* escaped as \u001b in the JSON text */
    cJSON_Delete(report);
    free(text);
}

/* Twelve crashes of one finding, each on its own computer, with text the runtime cut. */
static char *render_twelve_computers(void)
{
    struct run_result result;
    memset(&result, 0, sizeof(result));
    for (int i = 0; i < 12; i++) {
        struct dotnet_event *d = dotnet_event_new();
        char name[16];
        snprintf(name, sizeof(name), "WEB%02d", i);
        d->event.file = "forwarded.evtx";
        d->event.computer = cs_strdup(name);
        d->event.channel = cs_strdup("ForwardedEvents");
        d->event.provider = cs_strdup(".NET Runtime");
        d->event.time = 133000000000000000ULL + (uint64_t)i * 10000000;
        d->event.event_id = 1026;
        d->event.record_id = d->event.event_record_id = (uint64_t)i + 1;
        assert_int_equal(dotnet_crash_parse("Application: app.exe\nFramework Version: v4.0.30319\n"
                                            "Description: x\nException Info: System.Exception\n"
                                            "   at App.Run()\n   at App.Run()\n\n"
                                            "The remainder of the message was truncated.\n",
                                            1026, d->crash, NULL),
                         0);
        assert_true(d->crash->truncated);
        struct incident incident = {.dotnet = d, .signature = &SIG, .severity = SEVERITY_MEDIUM};
        incident_fingerprint(&incident);
        incident_list_push(&result.incidents, &incident);
    }
    findings_group(&result.incidents, &result.findings);
    assert_int_equal(result.findings.count, 1);
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    result.fail_on = SEVERITY_LOW;
    struct report_options options = {0};
    assert_int_equal(report_write_text(f, &result, &options), 0);
    fclose(f);
    run_result_free(&result);
    return text;
}

static void test_text_caps_the_computer_list(void **state)
{
    (void)state;
    char *text = render_twelve_computers();
    assert_non_null(strstr(text, "  Computers  WEB00, WEB01, WEB02, WEB03, WEB04, WEB05, WEB06, "
                                 "WEB07 and 4 more (all in --format json)\n"));
    assert_null(strstr(text, "WEB08,"));
    free(text);
}

static void test_text_says_when_the_stack_was_cut(void **state)
{
    (void)state;
    char *text = render_twelve_computers();
    assert_non_null(strstr(text, "the bottom of the stack is lost"));
    free(text);
}

/* Two findings: the overview comes first, its columns aligned also after a non-ASCII name. */
static void test_overview_aligns_non_ascii_names(void **state)
{
    (void)state;
    struct run_result result;
    memset(&result, 0, sizeof(result));
    const char *apps[] = {"Überwachung.exe", "Plain.exe"};
    for (int i = 0; i < 2; i++) {
        struct dotnet_event *d = dotnet_event_new();
        d->event.file = "a.evtx";
        d->event.computer = cs_strdup("WEB01");
        d->event.channel = cs_strdup("Application");
        d->event.provider = cs_strdup(".NET Runtime");
        d->event.time = 133000000000000000ULL + (uint64_t)i * 10000000;
        d->event.event_id = 1026;
        d->event.record_id = d->event.event_record_id = (uint64_t)i + 1;
        char text[200];
        snprintf(text, sizeof(text),
                 "Application: %s\nFramework Version: v4.0.30319\nDescription: x\n"
                 "Exception Info: System.Exception\n   at App.Run()\n",
                 apps[i]);
        assert_int_equal(dotnet_crash_parse(text, 1026, d->crash, NULL), 0);
        struct incident incident = {.dotnet = d, .signature = &SIG, .severity = SEVERITY_MEDIUM};
        incident_fingerprint(&incident);
        incident_list_push(&result.incidents, &incident);
    }
    findings_group(&result.incidents, &result.findings);
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    result.fail_on = SEVERITY_LOW;
    struct report_options options = {0};
    assert_int_equal(report_write_text(f, &result, &options), 0);
    fclose(f);
    run_result_free(&result);
    const char *a = strstr(text, "\xc3\x9c"), *b = strstr(text, "Plain.exe");
    assert_non_null(a);
    assert_non_null(b);
    /* columns from the name to "1 incident": Ü is two bytes but one column */
    const char *ca = strstr(a, "1 incident"), *cb = strstr(b, "1 incident");
    assert_int_equal((ca - a) - 1, cb - b);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_neutralises_escape_sequences),
        cmocka_unit_test(test_color_only_from_the_tool),
        cmocka_unit_test(test_json_escapes_and_keeps_nulls),
        cmocka_unit_test(test_text_caps_the_computer_list),
        cmocka_unit_test(test_text_says_when_the_stack_was_cut),
        cmocka_unit_test(test_overview_aligns_non_ascii_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
