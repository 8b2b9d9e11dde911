/*
 * test_report_html.c - the HTML report (--format html, --output-html) as a person sees it:
 * the real binary writes it from real .evtx bytes, headless Chromium renders it, and the
 * tests read what the browser built (--dump-dom, through tests/html_check.py) and what it
 * drew (--screenshot).
 *
 *   - the demo: its findings, lanes, marks and their tooltips, the axis, no outage band yet,
 *     headings in order, and a screenshot that is not blank;
 *   - a hostile log (markup, script, a tooltip break-out, bidi overrides, control characters,
 *     a lone surrogate in every string crashsig shows): no element, attribute or load that
 *     crashsig did not write, and every string shown as text;
 *   - valid HTML5 by HTML Tidy (Debian package tidy; its known false alarm is filtered);
 *   - storms of 5,000 and 50,000 incidents over hundreds of lanes and findings: under 2 MB and
 *     5 MB, saying what is not shown, and Chromium still renders them;
 *   - the time axis from seconds to months, in UTC and in --local-time;
 *   - --output-html beside another format in one run.
 *
 * Not for: the other formats (test_report_formats.c, test_hostile.c) or render speed
 * (bench/html.sh).
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

#include <cJSON.h>

#include "classic_event.h"
#include "evtx_writer.h"
#include "test_util.h"

#define TIMEOUT_SECONDS 300
#define BASE_TIME       134167888000000000ULL /* 2026-02-28T21:46:40Z */
#define TICKS_PER_SEC   10000000ULL

/* ---- the real consumers: Chromium, html_check.py, tidy ------------------------------------ */

static void need_program(const char *path, const char *package)
{
    if (path[0] == '\0')
        fail_msg("%s is not installed (Debian package %s; ./dev deps installs it)", package,
                 package);
}

/* Runs headless Chromium on file with one of --dump-dom or --screenshot=PNG; a fresh profile
 * each time, nothing in the background that could reach the network. */
static void chromium(struct process_result *r, const char *html, const char *mode)
{
    need_program(CHROMIUM_BINARY, "chromium");
    char profile[600], url[700];
    snprintf(profile, sizeof(profile), "%s/profile", WORK_DIR);
    remove_tree(profile);
    mkdir(profile, 0700);
    char user_data[700];
    snprintf(user_data, sizeof(user_data), "--user-data-dir=%s", profile);
    snprintf(url, sizeof(url), "file://%s", html);
    run_program(r, NULL, TIMEOUT_SECONDS, CHROMIUM_BINARY, "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--window-size=1280,1600", user_data, mode, url,
                NULL);
    if (r->exit_status != 0)
        fail_msg("chromium failed on %s: %s", html, r->err);
    remove_tree(profile);
}

/* What Chromium built from html: html_check.py's JSON (owned by the caller). */
static cJSON *rendered_dom(const char *html)
{
    struct process_result r;
    chromium(&r, html, "--dump-dom");
    char dom_path[700];
    snprintf(dom_path, sizeof(dom_path), "%s.dom", html);
    write_bytes(dom_path, r.out, r.out_size);
    process_result_free(&r);
    run_program(&r, NULL, TIMEOUT_SECONDS, PYTHON3_BINARY, SOURCE_DIR "/tests/html_check.py", "dom",
                dom_path, NULL);
    if (r.exit_status != 0)
        fail_msg("html_check.py dom: %s", r.err);
    cJSON *stats = cJSON_Parse(r.out);
    assert_non_null(stats);
    process_result_free(&r);
    return stats;
}

static int count_of(const cJSON *stats, const char *group, const char *name)
{
    const cJSON *n = cJSON_GetObjectItem(cJSON_GetObjectItem(stats, group), name);
    return n ? n->valueint : 0;
}

static const char *text_of(const cJSON *stats)
{
    return cJSON_GetObjectItem(stats, "text")->valuestring;
}

/* The elements crashsig writes; anything else in the DOM was injected. */
static const char *const OWN_ELEMENTS[] = {
    "html",   "head",    "meta",    "title",   "style",  "body",   "header", "h1",
    "h2",     "h3",      "h4",      "p",       "strong", "dl",     "dt",     "dd",
    "nav",    "a",       "main",    "section", "ul",     "li",     "svg",    "rect",
    "circle", "polygon", "text",    "tspan",   "line",   "g",      "div",    "article",
    "span",   "code",    "bdi",     "ol",      "table",  "thead",  "tbody",  "tr",
    "th",     "td",      "details", "summary", "time",   "footer", "br"};

static void assert_nothing_injected(const cJSON *stats)
{
    const cJSON *tag;
    cJSON_ArrayForEach(tag, cJSON_GetObjectItem(stats, "tags"))
    {
        bool own = false;
        for (size_t i = 0; i < sizeof(OWN_ELEMENTS) / sizeof(OWN_ELEMENTS[0]); i++)
            own = own || strcmp(tag->string, OWN_ELEMENTS[i]) == 0;
        if (!own)
            fail_msg("the page has a <%s> element crashsig does not write", tag->string);
    }
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(stats, "handlers")), 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(stats, "loads")), 0);
    /* a tooltip per mark, bar and outage band, and the page's own title */
    assert_int_equal(count_of(stats, "tags", "title"),
                     count_of(stats, "classes", "m") + count_of(stats, "classes", "bin") +
                         count_of(stats, "classes", "outage") + 1);
}

/* Fails unless tidy finds the page valid HTML5, but for its known false alarm: Tidy 5.6 takes
 * an SVG <a> for an HTML <a> and calls its href "proprietary" (SVG 2 defines it). */
static void assert_valid_html5(const char *html)
{
    need_program(TIDY_BINARY, "tidy");
    struct process_result r;
    run_program(&r, NULL, TIMEOUT_SECONDS, TIDY_BINARY, "-quiet", "-errors", "-utf8", html, NULL);
    assert_true(r.exit_status == 0 || r.exit_status == 1); /* 2: errors */
    for (char *line = strtok(r.err, "\n"); line; line = strtok(NULL, "\n"))
        if (strstr(line, "Warning: <a> proprietary attribute \"href\"") == NULL)
            fail_msg("tidy on %s: %s", html, line);
    process_result_free(&r);
}

/* ---- writing logs ----------------------------------------------------------------------- */

static void work_path(char *out, size_t size, const char *name)
{
    mkdir(WORK_DIR, 0755);
    snprintf(out, size, "%s/%s", WORK_DIR, name);
}

/* A .NET Framework 1026 with its classic 1000 a fifth of a second later. */
static void add_crash(struct evtx_writer *w, const char *computer, const char *app,
                      const char *exception, const char *frame, const char *pid, uint64_t time)
{
    char text[8192];
    snprintf(text, sizeof(text),
             "Application: %s\nFramework Version: v4.0.30319\nDescription: The process was "
             "terminated due to an unhandled exception.\nException Info: %s\n   at %s\n"
             "   at System.Threading.QueueUserWorkItemCallback.WaitCallback_Context("
             "System.Object)\n   at System.Threading.ThreadPoolWorkQueue.Dispatch()\n",
             app, exception, frame);
    const char *dotnet[] = {text};
    add_classic_event(w, ".NET Runtime", 1026, computer, time, dotnet, 1);
    const char *fault[] = {app,
                           "10.0.17763.1",
                           "0",
                           "KERNELBASE.dll",
                           "10.0.17763.2183",
                           "0",
                           "e0434352",
                           "000000000003a839",
                           pid,
                           "01dabe0041952284",
                           "c:\\windows\\system32\\inetsrv\\w3wp.exe",
                           "C:\\Windows\\System32\\KERNELBASE.dll",
                           "ac45e086-a70e-4fb4-8d49-9d02adf9b773"};
    add_classic_event(w, "Application Error", 1000, computer, time + 2000000, fault, 13);
}

static struct evtx_writer *open_log(const char *path)
{
    char err[256];
    struct evtx_writer *w = evtx_writer_open(path, NULL, err, sizeof(err));
    if (w == NULL)
        fail_msg("evtx_writer_open: %s", err);
    return w;
}

static void close_log(struct evtx_writer *w)
{
    char err[256];
    assert_int_equal(evtx_writer_close(w, err, sizeof(err)), 0);
}

/* crashsig scan --format html -o html log [extra]: exit 1 (crashes found). */
static void scan_to_html(const char *log, const char *html, const char *extra)
{
    struct process_result r;
    if (extra)
        run_program(&r, NULL, TIMEOUT_SECONDS, CRASHSIG_BINARY, "scan", "--format", "html", "-o",
                    html, extra, log, NULL);
    else
        run_program(&r, NULL, TIMEOUT_SECONDS, CRASHSIG_BINARY, "scan", "--format", "html", "-o",
                    html, log, NULL);
    if (r.exit_status != 1)
        fail_msg("crashsig exited %d: %s", r.exit_status, r.err);
    process_result_free(&r);
}

/* ---- the demo --------------------------------------------------------------------------- */

static void test_demo_in_chromium(void **state)
{
    (void)state;
    char html[600];
    work_path(html, sizeof(html), "demo.html");
    scan_to_html(SOURCE_DIR "/fixtures/demo.evtx", html, NULL);
    cJSON *dom = rendered_dom(html);
    assert_nothing_injected(dom);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(dom, "headings_in_order")));
    /* 3 findings; 2 lanes (w3wp.exe and ContosoLicenseSvc.exe on WEB-PROD-03); 5 marks */
    assert_int_equal(count_of(dom, "classes", "finding"), 3);
    assert_int_equal(count_of(dom, "classes", "lane"), 2);
    assert_int_equal(count_of(dom, "classes", "m"), 5);
    assert_int_equal(count_of(dom, "classes", "bin"), 0);
    assert_int_equal(count_of(dom, "classes", "outage"), 0); /* no pool was disabled */
    const char *text = text_of(dom);
    assert_non_null(strstr(text, "Crashes: 5 incidents (4 paired) in 3 findings"));
    assert_non_null(strstr(text, "async-void-threadpool"));
    assert_non_null(strstr(text, "threadpool-workitem"));
    assert_non_null(strstr(text, "native-crash"));
    assert_non_null(strstr(text, "WEB-PROD-03 \xc2\xb7 w3wp.exe \xc2\xb7 4 incidents"));
    assert_non_null(strstr(text, "\xe2\x98\x85 your code Contoso.Orders.Inventory.StockLevel"));
    assert_non_null(strstr(text, "\xe2\x96\xb6 signature System.Runtime.CompilerServices"));
    /* the axis: 36 minutes in 5-minute ticks, in UTC */
    assert_non_null(strstr(text, "09:15"));
    assert_non_null(strstr(text, "09:45"));
    assert_non_null(strstr(text, "Times in UTC"));
    const cJSON *tooltip = cJSON_GetArrayItem(cJSON_GetObjectItem(dom, "tooltips"), 0);
    assert_string_equal(tooltip->valuestring, "2026-03-02T09:48:10Z \xc2\xb7 WEB-PROD-03 \xc2\xb7 "
                                              "pid 2716 \xc2\xb7 native-crash \xc2\xb7 c0000005");
    cJSON_Delete(dom);
    assert_valid_html5(html);

    /* what Chromium draws is a page, not a blank */
    char png[700], shot[720];
    snprintf(png, sizeof(png), "%s.png", html);
    snprintf(shot, sizeof(shot), "--screenshot=%s", png);
    remove(png);
    struct process_result r;
    chromium(&r, html, shot);
    process_result_free(&r);
    run_program(&r, NULL, TIMEOUT_SECONDS, PYTHON3_BINARY, SOURCE_DIR "/tests/html_check.py", "png",
                png, NULL);
    assert_int_equal(r.exit_status, 0);
    cJSON *image = cJSON_Parse(r.out);
    assert_non_null(image);
    assert_int_equal(cJSON_GetObjectItem(image, "width")->valueint, 1280);
    assert_true(cJSON_GetObjectItem(image, "differing_share")->valuedouble > 0.05);
    assert_true(cJSON_GetObjectItem(image, "colours")->valueint > 20);
    cJSON_Delete(image);
    process_result_free(&r);
}

/* ---- an IIS host: pools, hangs, Rapid-Fail outages ------------------------------------- */

/* fixtures/iis_host: six lanes (five pools and one w3wp.exe whose pool no event names), a
 * band for each of the two pools Rapid-Fail Protection disabled, and the shapes of a hang, a
 * worker that died and an ASP.NET Core app that could not start. */
static void test_iis_host_in_chromium(void **state)
{
    (void)state;
    char html[600];
    work_path(html, sizeof(html), "iis_host.html");
    scan_to_html(SOURCE_DIR "/fixtures/iis_host-Application.evtx", html,
                 SOURCE_DIR "/fixtures/iis_host-System.evtx");
    cJSON *dom = rendered_dom(html);
    assert_nothing_injected(dom);
    assert_int_equal(count_of(dom, "classes", "lane"), 6);
    assert_int_equal(count_of(dom, "classes", "outage"), 2);
    const char *text = text_of(dom);
    assert_non_null(strstr(text, "WEB-IIS-01 \xc2\xb7 pool ReportsPool \xc2\xb7 5 incidents"));
    assert_non_null(strstr(text, "WEB-IIS-01 \xc2\xb7 pool LegacyPool \xc2\xb7 5 incidents"));
    assert_non_null(strstr(text, "Rapid-Fail Protection stopped the pool from"));
    assert_non_null(strstr(text, "and it was still disabled at"));
    for (const char *kind = "hang\0worker died\0startup failure\0"; *kind; kind += strlen(kind) + 1)
        assert_non_null(strstr(text, kind)); /* in the legend: each shape drawn */
    cJSON_Delete(dom);
    assert_valid_html5(html);
}

/* ---- hostile strings -------------------------------------------------------------------- */

#define SCRIPT_MESSAGE "<script>alert(1)</script>"
#define IMG_BREAKOUT   "\"><img src=x onerror=alert(1)>"
#define RLO            "\xe2\x80\xae" /* U+202E RIGHT-TO-LEFT OVERRIDE */

static void test_hostile_strings_render_inert(void **state)
{
    (void)state;
    char log[600], html[600];
    work_path(log, sizeof(log), "hostile.evtx");
    work_path(html, sizeof(html), "hostile.html");
    struct evtx_writer *w = open_log(log);
    add_crash(w, IMG_BREAKOUT, "evil" RLO "exe.txt",
              "System.InvalidOperationException: " SCRIPT_MESSAGE " \x1b[2J" RLO "gnp.exe",
              "Evil.<svg onload=alert`3`></title><script>Run</script>()", "df4", BASE_TIME);
    add_crash(w,
              "WEB\xed\xa0\x80"
              "02<iframe src=//x>",
              "w3wp.exe",
              "System.Exception: a\xe2\x80\x8b"
              "b\xe2\x81\xa6"
              "c &amp; <!-- -->",
              "Shop.<style>*{display:none}</style>Run()", "<b>", BASE_TIME + 60 * TICKS_PER_SEC);
    close_log(w);
    scan_to_html(log, html, NULL);

    size_t size;
    char *raw = read_file(html, &size);
    assert_null(strstr(raw, RLO)); /* no log text may reorder the report's own */
    assert_null(strstr(raw, "<script"));
    assert_null(strstr(raw, "<img"));
    assert_null(strstr(raw, "\x1b"));
    free(raw);

    cJSON *dom = rendered_dom(html);
    assert_nothing_injected(dom);
    assert_int_equal(count_of(dom, "tags", "style"), 1);
    assert_int_equal(count_of(dom, "classes", "lane"), 2);
    assert_int_equal(count_of(dom, "classes", "m"), 2);
    assert_int_equal(count_of(dom, "classes", "finding"), 2);
    const char *text = text_of(dom);
    assert_non_null(strstr(text, SCRIPT_MESSAGE));
    assert_non_null(strstr(text, IMG_BREAKOUT));
    assert_non_null(strstr(text, "Evil.<svg onload=alert`3`></title><script>Run</script>()"));
    assert_non_null(strstr(text, "evil\\u202Eexe.txt"));
    assert_non_null(strstr(text, "\\x1b[2J\\u202Egnp.exe"));
    assert_non_null(strstr(text, "a\\u200Bb\\u2066c &amp; <!-- -->"));
    assert_non_null(strstr(text, "Shop.<style>*{display:none}</style>Run()"));
    assert_non_null(strstr(text, "<iframe src=//x>"));
    /* the tooltips hold the hostile strings as text too */
    bool tooltip_found = false;
    const cJSON *tip;
    cJSON_ArrayForEach(tip, cJSON_GetObjectItem(dom, "tooltips"))
    {
        tooltip_found = tooltip_found || strstr(tip->valuestring, IMG_BREAKOUT) != NULL;
    }
    assert_true(tooltip_found);
    cJSON_Delete(dom);
    assert_valid_html5(html);
}

/* ---- size bounds ---------------------------------------------------------------------- */

/* incidents crashes over computers x 4 applications, a crash every 3 seconds, with one of
 * exceptions exception types (so that many findings) and a 600-byte message each. */
static void write_storm(const char *path, size_t incidents, size_t computers, size_t exceptions)
{
    struct evtx_writer *w = open_log(path);
    const char *apps[] = {"w3wp.exe", "Contoso.Worker.exe", "Contoso.Api.exe", "MyService.exe"};
    char message[620];
    memset(message, 'x', 600);
    message[600] = '\0';
    for (size_t i = 0; i < incidents; i++) {
        char computer[32], exception[700], pid[16];
        snprintf(computer, sizeof(computer), "WEB%04zu", i % computers);
        snprintf(exception, sizeof(exception), "Contoso.Errors.Failure%zuException: %s",
                 i % exceptions, message);
        snprintf(pid, sizeof(pid), "%zx", 0x100 + i % 4000);
        add_crash(w, computer, apps[(i / computers) % 4], exception, "Contoso.Jobs.Run()", pid,
                  BASE_TIME + i * 3 * TICKS_PER_SEC);
    }
    close_log(w);
}

static void check_storm(size_t incidents, size_t computers, size_t exceptions, size_t limit)
{
    char log[600], html[600], name[64];
    snprintf(name, sizeof(name), "storm-%zu.evtx", incidents);
    work_path(log, sizeof(log), name);
    snprintf(name, sizeof(name), "storm-%zu.html", incidents);
    work_path(html, sizeof(html), name);
    write_storm(log, incidents, computers, exceptions);
    scan_to_html(log, html, NULL);
    struct stat st;
    assert_int_equal(stat(html, &st), 0);
    if ((size_t)st.st_size >= limit)
        fail_msg("%zu incidents give %lld bytes of HTML (limit %zu)", incidents,
                 (long long)st.st_size, limit);
    cJSON *dom = rendered_dom(html);
    assert_nothing_injected(dom);
    const char *text = text_of(dom);
    assert_non_null(strstr(text, "more lanes with"));
    assert_int_equal(count_of(dom, "classes", "lane"), 24);
    assert_true(count_of(dom, "classes", "m") <= 1500);
    if (exceptions * 4 > 400)
        assert_non_null(strstr(text, "more findings not shown"));
    cJSON_Delete(dom);
    remove(log);
}

static void test_storm_of_5000_under_2_mb(void **state)
{
    (void)state;
    check_storm(5000, 60, 150, 2 * 1024 * 1024);
}

static void test_storm_of_50000_under_5_mb(void **state)
{
    (void)state;
    check_storm(50000, 500, 2000, 5 * 1024 * 1024);
}

/* A dense lane becomes a histogram. */
static void test_dense_lane_is_a_histogram(void **state)
{
    (void)state;
    char log[600], html[600];
    work_path(log, sizeof(log), "dense.evtx");
    work_path(html, sizeof(html), "dense.html");
    struct evtx_writer *w = open_log(log);
    for (int i = 0; i < 400; i++)
        add_crash(w, "WEB01", "w3wp.exe", "System.Exception", "Shop.Run()", "df4",
                  BASE_TIME + (uint64_t)i * 7 * TICKS_PER_SEC);
    add_crash(w, "WEB02", "w3wp.exe", "System.Exception", "Shop.Run()", "df4", BASE_TIME);
    close_log(w);
    scan_to_html(log, html, NULL);
    cJSON *dom = rendered_dom(html);
    assert_int_equal(count_of(dom, "classes", "lane"), 2);
    assert_int_equal(count_of(dom, "classes", "m"), 1); /* WEB02's single crash */
    int bins = count_of(dom, "classes", "bin");
    assert_true(bins > 50 && bins <= 100);
    assert_non_null(strstr(text_of(dom), "400 incidents (histogram"));
    assert_non_null(strstr(text_of(dom), "381 earlier incidents not shown"));
    cJSON_Delete(dom);
}

/* ---- the time axis -------------------------------------------------------------------- */

/* The tick labels of a log with a crash at each offset (seconds from BASE_TIME). */
static char *axis_text(const char *name, const uint64_t *offsets, size_t n, const char *extra)
{
    char log[600], html[700];
    work_path(log, sizeof(log), name);
    snprintf(html, sizeof(html), "%s.html", log);
    struct evtx_writer *w = open_log(log);
    for (size_t i = 0; i < n; i++)
        add_crash(w, "WEB01", "w3wp.exe", "System.Exception", "Shop.Run()", "df4",
                  BASE_TIME + offsets[i] * TICKS_PER_SEC);
    close_log(w);
    scan_to_html(log, html, extra);
    size_t size;
    char *raw = read_file(html, &size);
    /* the labels, one per line: "<text class="tick" ...>LABEL</text>" */
    char *labels = calloc(1, size + 1);
    for (const char *p = raw; (p = strstr(p, "class=\"tick\"")) != NULL; p++) {
        const char *start = strchr(p, '>') + 1;
        strncat(labels, start, strcspn(start, "<"));
        strcat(labels, "\n");
    }
    free(raw);
    return labels;
}

static void test_axis_from_seconds_to_months(void **state)
{
    (void)state;
    /* BASE_TIME is 2026-02-28T21:46:40Z, a Saturday evening */
    uint64_t one[] = {0};
    char *labels = axis_text("axis-one.evtx", one, 1, NULL);
    assert_non_null(strstr(labels, "21:46:30\n")); /* a minute around a lone crash, 10 s ticks */
    free(labels);
    uint64_t seconds[] = {0, 20};
    labels = axis_text("axis-seconds.evtx", seconds, 2, NULL);
    assert_non_null(strstr(labels, "21:46:40\n"));
    free(labels);
    uint64_t hours[] = {0, 5 * 3600};
    labels = axis_text("axis-hours.evtx", hours, 2, NULL);
    assert_non_null(strstr(labels, "00:00\n")); /* the date changes there */
    free(labels);
    uint64_t days[] = {0, 20 * 86400};
    labels = axis_text("axis-days.evtx", days, 2, NULL);
    assert_non_null(strstr(labels, "2026-03-09\n")); /* weekly ticks on Mondays */
    free(labels);
    uint64_t months[] = {0, 200 * 86400};
    labels = axis_text("axis-months.evtx", months, 2, NULL);
    assert_non_null(strstr(labels, "2026-04\n"));
    assert_null(strstr(labels, ":"));
    free(labels);
}

static void test_local_time(void **state)
{
    (void)state;
    setenv("TZ", "Asia/Kolkata", 1); /* UTC+05:30: ticks round in local time, not UTC */
    uint64_t hours[] = {0, 5 * 3600};
    char *labels = axis_text("axis-local.evtx", hours, 2, "--local-time");
    unsetenv("TZ");
    assert_non_null(strstr(labels, "04:00\n"));
    assert_null(strstr(labels, ":30\n"));
    free(labels);
    char html[600];
    work_path(html, sizeof(html), "axis-local.evtx.html");
    char *raw = read_file(html, NULL);
    assert_non_null(strstr(raw, "2026-03-01T03:16:40+05:30"));
    assert_non_null(strstr(raw, "Times in local time"));
    free(raw);
}

/* ---- one run, several outputs ------------------------------------------------------------ */

static void test_output_html_beside_json(void **state)
{
    (void)state;
    char html[600];
    work_path(html, sizeof(html), "beside.html");
    remove(html);
    struct process_result r;
    run_program(&r, NULL, TIMEOUT_SECONDS, CRASHSIG_BINARY, "scan", "--format", "json",
                "--output-html", html, SOURCE_DIR "/fixtures/demo.evtx", NULL);
    assert_int_equal(r.exit_status, 1);
    assert_non_null(strstr(r.out, "\"schema\""));
    process_result_free(&r);
    char *raw = read_file(html, NULL);
    assert_non_null(raw);
    assert_true(strncmp(raw, "<!DOCTYPE html>", 15) == 0);
    assert_non_null(strstr(raw, "default-src 'none'; style-src 'unsafe-inline'; img-src data:"));
    free(raw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_in_chromium),
        cmocka_unit_test(test_iis_host_in_chromium),
        cmocka_unit_test(test_hostile_strings_render_inert),
        cmocka_unit_test(test_storm_of_5000_under_2_mb),
        cmocka_unit_test(test_storm_of_50000_under_5_mb),
        cmocka_unit_test(test_dense_lane_is_a_histogram),
        cmocka_unit_test(test_axis_from_seconds_to_months),
        cmocka_unit_test(test_local_time),
        cmocka_unit_test(test_output_html_beside_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
