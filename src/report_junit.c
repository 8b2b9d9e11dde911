/*
 * report_junit.c - JUnit XML, the test-result format Jenkins, GitLab and Azure DevOps show
 * (docs/report-format.md).  It validates against the Jenkins xUnit plugin's junit-10.xsd
 * (tests/schemas/).
 *
 * One <testsuite name="crashsig">, in it one test case per signature (every signature of the
 * catalog when one is given, so a clean run lists what was checked), with one <failure> per
 * finding that fails the run (not in the baseline, at or above --fail-on) carrying the same
 * evidence as the text report; findings that do not fail are listed in the test case's
 * <system-out>.  Then one test case per input log, with an <error> when it could not be read
 * and its warnings in <system-out> when it was damaged.  So the red and green in the CI view
 * match crashsig's exit status.
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

#include "crashsig/signatures.h"
#include "report_util.h"

#define SUITE_NAME          "crashsig"
#define SIGNATURE_CLASSNAME "crashsig.signatures"
#define INPUT_CLASSNAME     "crashsig.inputs"
#define OUTAGE_CLASSNAME    "crashsig.outages"

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

struct finding_text {
    const struct run_result *result;
    size_t finding;
    const struct report_options *options;
};

static int write_finding(FILE *out, const void *ctx)
{
    const struct finding_text *t = ctx;
    return report_text_finding(out, t->result, t->finding, t->options);
}

/* The text report's block for a finding. */
static char *finding_evidence(const struct run_result *result, size_t finding,
                              const struct report_options *options)
{
    struct finding_text t = {result, finding, options};
    return report_capture(write_finding, &t);
}

static void put_failure(FILE *out, const struct run_result *result, size_t index,
                        const struct report_options *options)
{
    const struct finding *f = &result->findings.items[index];
    char *summary = report_finding_summary(f);
    char *evidence = finding_evidence(result, index, options);
    fprintf(out, "      <failure type=\"%s\" message=\"", severity_name(f->severity));
    put_xml(out, summary, true);
    fprintf(out, " [%s]\">", f->fingerprint);
    put_xml(out, evidence, false);
    fputs("</failure>\n", out);
    free(summary);
    free(evidence);
}

/* The findings of sig that do not fail the run, one line each. */
static void put_passing_findings(FILE *out, const struct run_result *result,
                                 const struct signature *sig)
{
    bool open = false;
    for (size_t i = 0; i < result->findings.count; i++) {
        const struct finding *f = &result->findings.items[i];
        if (f->signature != sig || run_result_finding_fails(result, &result->findings.items[i]))
            continue;
        if (!open)
            fputs("      <system-out>", out);
        open = true;
        char *summary = report_finding_summary(f);
        fprintf(out, "%s %s: ",
                result->findings.items[i].known ? "known (in the baseline)" : "below --fail-on",
                severity_name(f->severity));
        put_xml(out, summary, false);
        fprintf(out, " [%s]\n", f->fingerprint);
        free(summary);
    }
    if (open)
        fputs("</system-out>\n", out);
}

static void put_signature_case(FILE *out, const struct run_result *result,
                               const struct signature *sig, const struct report_options *options)
{
    fputs("    <testcase classname=\"" SIGNATURE_CLASSNAME "\" name=\"", out);
    put_xml(out, sig->id, true);
    fputs("\">\n", out);
    for (size_t i = 0; i < result->findings.count; i++)
        if (result->findings.items[i].signature == sig &&
            run_result_finding_fails(result, &result->findings.items[i]))
            put_failure(out, result, i, options);
    put_passing_findings(out, result, sig);
    fputs("    </testcase>\n", out);
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

static void put_input_case(FILE *out, const struct input_report *in)
{
    fputs("    <testcase classname=\"" INPUT_CLASSNAME "\" name=\"", out);
    put_xml(out, in->path, true);
    fputs("\">\n", out);
    if (in->status == INPUT_ERROR) {
        fputs("      <error type=\"unreadable\" message=\"", out);
        put_xml(out, in->error, true);
        fputs("\">", out);
        put_xml(out, in->error, false);
        fputs("</error>\n", out);
    }
    if (in->warning_count) {
        fputs("      <system-out>", out);
        for (size_t i = 0; i < in->warning_count; i++) {
            put_xml(out, in->warnings[i], false);
            fputc('\n', out);
        }
        fputs("</system-out>\n", out);
    }
    fputs("    </testcase>\n", out);
}

/* The signatures that get a test case: the catalog's, else those with findings, each once. */
static size_t case_signatures(const struct run_result *result, const struct report_options *options,
                              const struct signature ***out)
{
    size_t count = 0;
    if (options->catalog) {
        *out = cs_xcalloc(catalog_count(options->catalog), sizeof(**out));
        for (size_t i = 0; i < catalog_count(options->catalog); i++)
            (*out)[count++] = catalog_at(options->catalog, i);
        return count;
    }
    *out = cs_xcalloc(result->findings.count, sizeof(**out));
    for (size_t i = 0; i < result->findings.count; i++) {
        const struct signature *sig = result->findings.items[i].signature;
        bool seen = false;
        for (size_t k = 0; k < count && !seen; k++)
            seen = (*out)[k] == sig;
        if (!seen)
            (*out)[count++] = sig;
    }
    return count;
}

int report_write_junit(FILE *out, const struct run_result *result,
                       const struct report_options *options)
{
    const struct signature **sigs;
    size_t sig_count = case_signatures(result, options, &sigs);
    size_t failures = 0, errors = 0;
    for (size_t s = 0; s < sig_count; s++) {
        bool failed = false;
        for (size_t i = 0; i < result->findings.count && !failed; i++)
            failed = result->findings.items[i].signature == sigs[s] &&
                     run_result_finding_fails(result, &result->findings.items[i]);
        failures += failed;
    }
    for (size_t i = 0; i < result->input_count; i++)
        errors += result->inputs[i].status == INPUT_ERROR;
    if (run_result_outages_fail(result))
        failures += result->outages.count;
    size_t tests = sig_count + result->outages.count + result->input_count;

    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out,
            "<testsuites name=\"" SUITE_NAME "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
            tests, failures, errors);
    fprintf(out,
            "  <testsuite name=\"" SUITE_NAME "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
            "skipped=\"0\">\n",
            tests, failures, errors);
    fprintf(out,
            "    <properties>\n      <property name=\"crashsig.version\" value=\"%s\"/>\n"
            "      <property name=\"fail_on\" value=\"%s\"/>\n    </properties>\n",
            CRASHSIG_VERSION, severity_name(result->fail_on));
    for (size_t s = 0; s < sig_count; s++)
        put_signature_case(out, result, sigs[s], options);
    for (size_t i = 0; i < result->outages.count; i++)
        put_outage_case(out, result, &result->outages.items[i], options);
    for (size_t i = 0; i < result->input_count; i++)
        put_input_case(out, &result->inputs[i]);
    fputs("  </testsuite>\n</testsuites>\n", out);
    free(sigs);
    return ferror(out) ? -1 : 0;
}
