/*
 * report_junit.c - JUnit XML, the test-result format Jenkins, GitLab and Azure DevOps show
 * (docs/report-format.md).  It validates against the Jenkins xUnit plugin's junit-10.xsd
 * (tests/schemas/).
 *
 * One <testsuite name="crashsig">, in it one test case per finding (classname: the signature;
 * name: signature, application, readable user frame and fingerprint): a <failure> with the
 * evidence when it fails the run (not in the baseline, at or above --fail-on), <skipped> when
 * the baseline knows it, passed with the evidence in <system-out> when it is below --fail-on.
 * Jenkins reads only the first <failure> of a test case, so a case never holds two findings.
 * Then one test case with an <error> per input that could not be read, and when there is
 * neither, one passing case "no crash findings", so the suite is never empty.  Damage warnings
 * go to the suite's <system-out>.  So the red and green in the CI view match crashsig's exit
 * status, one finding to one line.
 *
 * Everything from a log is escaped for XML 1.0: markup characters become entities, control
 * characters (which XML 1.0 cannot carry at all) become visible \xNN text, and invalid UTF-8
 * becomes U+FFFD.
 *
 * Not for: the text report itself (report_text.c provides the evidence).
 */
#include "report_writers.h"

#include <stdlib.h>
#include <string.h>

#include "crashsig/frame_names.h"
#include "crashsig/signatures.h"
#include "report_util.h"

#define SUITE_NAME       "crashsig"
#define INPUT_CLASSNAME  "crashsig.inputs"
#define OUTAGE_CLASSNAME "crashsig.outages"

/* Writes text escaped for XML; in an attribute, line breaks and tabs are kept as character
 * references (an XML parser would turn literal ones into spaces). */
static void put_xml(FILE *out, const char *text, bool attribute)
{
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    while (*p) {
        size_t n = report_utf8_sequence(p);
        if (n == 0) {
            fputs("\xef\xbf\xbd", out);
            p++;
            continue;
        }
        unsigned c = *p;
        if (n == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe) /* U+FFFE, U+FFFF */
            fputs("\xef\xbf\xbd", out);
        else if (c == '&')
            fputs("&amp;", out);
        else if (c == '<')
            fputs("&lt;", out);
        else if (c == '>')
            fputs("&gt;", out);
        else if (c == '"' && attribute)
            fputs("&quot;", out);
        else if ((c == '\n' || c == '\t' || c == '\r') && attribute)
            fprintf(out, "&#%u;", c);
        else if (c == '\r' || (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            fprintf(out, "\\x%02x", c); /* not representable in XML 1.0 */
        else
            fwrite(p, 1, n, out);
        p += n;
    }
}

/* The user frame of the finding's latest incident (its stack, its source). */
static const struct dotnet_frame *latest_user_frame(const struct run_result *result,
                                                    const struct finding *f)
{
    return incident_user_frame(&result->incidents.items[f->incidents[f->count - 1]]);
}

/* "async-void-threadpool: w3wp.exe, async lambda in Contoso.Sync.RunAll [1cee82d527c9c574]":
 * the fingerprint keeps two findings' names apart (CI tools merge test cases of one name). */
static void put_case_name(FILE *out, const struct finding *f)
{
    put_xml(out, f->signature->id, true);
    fputs(": ", out);
    put_xml(out, f->application && f->application[0] ? f->application : "(unknown)", true);
    char *readable = f->user_frame ? frame_name_readable(f->user_frame) : NULL;
    char *owner = f->user_frame && readable == NULL ? frame_name_owner(f->user_frame) : NULL;
    if (readable || owner) {
        fputs(", ", out);
        put_xml(out, readable ? readable : owner, true);
    }
    fprintf(out, " [%s]", f->fingerprint);
    free(readable);
    free(owner);
}

static void put_line(FILE *out, const char *label, const char *text)
{
    fprintf(out, "%-12s ", label);
    put_xml(out, text, false);
    fputc('\n', out);
}

/* The evidence of one finding, as plain lines: enough to act on without opening the log. */
static void put_evidence(FILE *out, const struct run_result *result, const struct finding *f,
                         const struct report_options *options)
{
    const struct signature *sig = f->signature;
    fprintf(out, "%s %s: ", severity_name(f->severity), sig->id);
    put_xml(out, sig->title, false);
    fputc('\n', out);
    put_line(out, "Application", f->application);
    if (f->exception)
        put_line(out, "Exception", f->exception);
    const struct dotnet_frame *frame = latest_user_frame(result, f);
    char *owner = NULL;
    if (f->user_frame) {
        char *readable = frame_name_readable(f->user_frame);
        owner = frame_name_owner(f->user_frame);
        put_line(out, "User frame", readable ? readable : f->user_frame);
        if (readable)
            put_line(out, "", f->user_frame);
        free(readable);
    }
    char *file;
    unsigned long line;
    if (frame_source_location(frame, &file, &line)) {
        fprintf(out, "%-12s ", "Source");
        put_xml(out, file, false);
        fprintf(out, ":%lu\n", line);
        free(file);
    }
    char first[CS_LOCAL_TIME_SIZE], last[CS_LOCAL_TIME_SIZE];
    report_format_time(f->first, options->local_time, first);
    report_format_time(f->last, options->local_time, last);
    fprintf(out, "%-12s %zu time%s, first %s, last %s, on ", "Seen", f->count,
            f->count == 1 ? "" : "s", first, last);
    for (size_t i = 0; i < f->computer_count; i++) {
        put_xml(out, f->computers[i], false);
        fputs(i + 1 < f->computer_count ? ", " : "\n", out);
    }
    fprintf(out, "%-12s %s\n", "Fingerprint", f->fingerprint);
    put_line(out, "Why", sig->explanation);
    if (owner && owner[0]) {
        fputs("Fix in ", out);
        put_xml(out, owner, false);
        fputs(": ", out);
    } else {
        fprintf(out, "%-12s ", "Fix");
    }
    put_xml(out, sig->fix, false);
    fputc('\n', out);
    free(owner);
}

/* One test case per finding: a failure when it fails the run, skipped when the baseline knows
 * it, passed (the finding in system-out) when it is below --fail-on. */
static void put_finding_case(FILE *out, const struct run_result *result, size_t index,
                             const struct report_options *options)
{
    const struct finding *f = &result->findings.items[index];
    fputs("    <testcase classname=\"", out);
    put_xml(out, f->signature->id, true);
    fputs("\" name=\"", out);
    put_case_name(out, f);
    fputs("\">\n", out);
    char *summary = report_finding_summary(f);
    if (run_result_finding_fails(result, f)) {
        fprintf(out, "      <failure type=\"%s\" message=\"", severity_name(f->severity));
        put_xml(out, summary, true);
        fputs("\">", out);
        put_evidence(out, result, f, options);
        fputs("</failure>\n", out);
    } else if (f->known) {
        fputs("      <skipped message=\"known from the baseline: ", out);
        put_xml(out, summary, true);
        fputs("\"/>\n", out);
    } else {
        fprintf(out, "      <system-out>below --fail-on %s: ", severity_name(result->fail_on));
        put_evidence(out, result, f, options);
        fputs("</system-out>\n", out);
    }
    free(summary);
    fputs("    </testcase>\n", out);
}

/* A log that could not be read hides whatever crashed in it: a red test case of its own. */
static void put_unreadable_input_case(FILE *out, const struct input_report *in)
{
    fputs("    <testcase classname=\"" INPUT_CLASSNAME "\" name=\"", out);
    put_xml(out, in->path, true);
    fputs("\">\n      <error type=\"unreadable\" message=\"", out);
    put_xml(out, in->error, true);
    fputs("\">", out);
    put_xml(out, in->error, false);
    fputs("</error>\n    </testcase>\n", out);
}

/* So that the suite is never empty (some CI tools fail an empty one, and a reader should see
 * that the check ran): one passing case saying what was scanned. */
static void put_nothing_found_case(FILE *out, const struct run_result *result)
{
    fputs("    <testcase classname=\"" SUITE_NAME "\" name=\"no crash findings\">\n", out);
    fprintf(out, "      <system-out>%zu log%s scanned, no finding", result->input_count,
            result->input_count == 1 ? "" : "s");
    if (result->omitted.hidden_by_filters)
        fprintf(out, " (%zu incident%s hidden by filters)", result->omitted.hidden_by_filters,
                result->omitted.hidden_by_filters == 1 ? "" : "s");
    fputs(".</system-out>\n    </testcase>\n", out);
}

/* The damage warnings of readable logs: the suite's system-out, not test cases (they do not
 * fail the run). */
static void put_warnings(FILE *out, const struct run_result *result)
{
    bool open = false;
    for (size_t i = 0; i < result->input_count; i++) {
        const struct input_report *in = &result->inputs[i];
        for (size_t k = 0; k < in->warning_count; k++) {
            if (!open)
                fputs("    <system-out>", out);
            open = true;
            put_xml(out, in->path, false);
            fputs(": warning: ", out);
            put_xml(out, in->warnings[k], false);
            fputc('\n', out);
        }
    }
    if (open)
        fputs("</system-out>\n", out);
}

/* One test case per outage: a pool that served 503s fails the run like a critical finding. */
static void put_outage_case(FILE *out, const struct run_result *result, const struct outage *o,
                            const struct report_options *options)
{
    char when[CS_ISO_TIME_SIZE];
    cs_time_format_iso(o->disabled_at, when);
    fputs("    <testcase classname=\"" OUTAGE_CLASSNAME "\" name=\"", out);
    put_xml(out, o->computer, true);
    fputc(' ', out);
    put_xml(out, o->app_pool, true);
    fprintf(out, " %s\">\n", when);
    char *sentence = report_outage_sentence(o, options);
    if (run_result_outages_fail(result)) {
        fputs("      <failure type=\"critical\" message=\"", out);
        put_xml(out, sentence, true);
        fputs("\">", out);
        put_xml(out, sentence, false);
        fputs("</failure>\n", out);
    } else {
        fputs("      <system-out>", out);
        put_xml(out, sentence, false);
        fputs("</system-out>\n", out);
    }
    free(sentence);
    fputs("    </testcase>\n", out);
}

int report_write_junit(FILE *out, const struct run_result *result,
                       const struct report_options *options)
{
    size_t failures = 0, errors = 0, skipped = 0;
    for (size_t i = 0; i < result->findings.count; i++) {
        const struct finding *f = &result->findings.items[i];
        failures += run_result_finding_fails(result, f);
        skipped += f->known && !run_result_finding_fails(result, f);
    }
    for (size_t i = 0; i < result->input_count; i++)
        errors += result->inputs[i].status == INPUT_ERROR;
    if (run_result_outages_fail(result))
        failures += result->outages.count;
    size_t tests = result->findings.count + result->outages.count + errors;
    bool nothing = tests == 0;
    tests += nothing;

    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out,
            "<testsuites name=\"" SUITE_NAME "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
            tests, failures, errors);
    fprintf(out,
            "  <testsuite name=\"" SUITE_NAME "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
            "skipped=\"%zu\">\n",
            tests, failures, errors, skipped);
    fprintf(out,
            "    <properties>\n      <property name=\"crashsig.version\" value=\"%s\"/>\n"
            "      <property name=\"fail_on\" value=\"%s\"/>\n    </properties>\n",
            CRASHSIG_VERSION, severity_name(result->fail_on));
    for (size_t i = 0; i < result->findings.count; i++)
        put_finding_case(out, result, i, options);
    for (size_t i = 0; i < result->outages.count; i++)
        put_outage_case(out, result, &result->outages.items[i], options);
    for (size_t i = 0; i < result->input_count; i++)
        if (result->inputs[i].status == INPUT_ERROR)
            put_unreadable_input_case(out, &result->inputs[i]);
    if (nothing)
        put_nothing_found_case(out, result);
    put_warnings(out, result);
    fputs("  </testsuite>\n</testsuites>\n", out);
    return ferror(out) ? -1 : 0;
}
