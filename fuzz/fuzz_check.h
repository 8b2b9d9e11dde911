/*
 * fuzz_check.h - what every crashsig fuzz target checks beyond "no crash": the report writers'
 * promises on hostile input (docs/robustness.md), and a strict UTF-8 validator to check them.
 *
 * A broken promise aborts with a message, which libFuzzer (and the regression replay under
 * ctest) reports as a finding, with the input saved.
 *
 * Header-only on purpose: each target is one translation unit plus this file, so the same
 * source builds under clang -fsanitize=fuzzer and, with replay_main.c, under the normal build.
 *
 * Not for: library code.  Nothing in src/ includes this.
 */
#ifndef CRASHSIG_FUZZ_CHECK_H
#define CRASHSIG_FUZZ_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "crashsig/correlator.h"
#include "crashsig/report.h"
#include "report_writers.h"

#define FUZZ_CHECK(cond, what)                                                                     \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, __FILE__, __LINE__);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Length of the well-formed UTF-8 sequence at p[0..n) (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0. */
static inline size_t fuzz_utf8_sequence(const unsigned char *p, size_t n)
{
    if (n == 0)
        return 0;
    if (p[0] < 0x80)
        return 1;
    size_t len = p[0] >= 0xc2 && p[0] <= 0xdf   ? 2
                 : p[0] >= 0xe0 && p[0] <= 0xef ? 3
                 : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4
                                                : 0;
    if (len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
        (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
        return 0;
    return len;
}

static inline int fuzz_utf8_valid(const char *text, size_t n)
{
    const unsigned char *p = (const unsigned char *)text;
    for (size_t i = 0; i < n;) {
        size_t k = fuzz_utf8_sequence(p + i, n - i);
        if (k == 0)
            return 0;
        i += k;
    }
    return 1;
}

/* The text report without colour: no byte that a terminal acts on (C0 controls other than the
 * newline, DEL, C1 controls), and well-formed UTF-8, so no terminal can be made to decode an
 * escape sequence out of it. */
static inline void fuzz_check_text_report(const char *text, size_t n)
{
    FUZZ_CHECK(strlen(text) == n, "text report holds a NUL byte");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        FUZZ_CHECK(c == '\n' || (c >= 0x20 && c != 0x7f), "text report holds a control byte");
        if (c == 0xc2 && i + 1 < n)
            FUZZ_CHECK((unsigned char)text[i + 1] >= 0xa0, "text report holds a C1 control");
    }
    FUZZ_CHECK(fuzz_utf8_valid(text, n), "text report is not well-formed UTF-8");
}

/* The JSON report: one well-formed UTF-8 JSON document with the documented schema. */
static inline void fuzz_check_json_report(const char *text, size_t n)
{
    FUZZ_CHECK(strlen(text) == n, "JSON report holds a NUL byte");
    FUZZ_CHECK(fuzz_utf8_valid(text, n), "JSON report is not well-formed UTF-8");
    cJSON *doc = cJSON_ParseWithLength(text, n);
    FUZZ_CHECK(doc != NULL, "JSON report does not parse");
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(doc, "schema");
    FUZZ_CHECK(cJSON_IsString(schema) && strcmp(schema->valuestring, REPORT_JSON_SCHEMA) == 0,
               "JSON report has the wrong schema");
    cJSON_Delete(doc);
}

/* ---- XML well-formedness (the JUnit report), without an XML library ---------------------- */

struct fuzz_xml {
    const char *p, *end;
};

static inline int fuzz_xml_name_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':';
}

static inline int fuzz_xml_name_char(char c)
{
    return fuzz_xml_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* Reads a name; returns its length (0: none). */
static inline size_t fuzz_xml_name(struct fuzz_xml *x)
{
    const char *start = x->p;
    if (x->p < x->end && fuzz_xml_name_start(*x->p))
        while (x->p < x->end && fuzz_xml_name_char(*x->p))
            x->p++;
    return (size_t)(x->p - start);
}

/* "&lt;" "&gt;" "&amp;" "&quot;" "&apos;" "&#N;" "&#xH;" (an XML Char), at x->p == '&'. */
static inline void fuzz_xml_reference(struct fuzz_xml *x)
{
    const char *semi = memchr(x->p, ';', (size_t)(x->end - x->p));
    FUZZ_CHECK(semi != NULL && semi - x->p <= 10, "XML: unterminated entity reference");
    size_t n = (size_t)(semi - x->p) + 1;
    static const char *const named[] = {"&lt;", "&gt;", "&amp;", "&quot;", "&apos;"};
    for (size_t i = 0; i < 5; i++)
        if (n == strlen(named[i]) && memcmp(x->p, named[i], n) == 0) {
            x->p = semi + 1;
            return;
        }
    FUZZ_CHECK(n > 3 && x->p[1] == '#', "XML: unknown entity");
    unsigned long v = x->p[2] == 'x' ? strtoul(x->p + 3, NULL, 16) : strtoul(x->p + 2, NULL, 10);
    FUZZ_CHECK(v == 0x9 || v == 0xa || v == 0xd || (v >= 0x20 && v <= 0xd7ff) ||
                   (v >= 0xe000 && v <= 0xfffd) || (v >= 0x10000 && v <= 0x10ffff),
               "XML: character reference to a character XML does not allow");
    x->p = semi + 1;
}

static inline void fuzz_xml_skip_space(struct fuzz_xml *x)
{
    while (x->p < x->end && (*x->p == ' ' || *x->p == '\t' || *x->p == '\n' || *x->p == '\r'))
        x->p++;
}

static inline int fuzz_xml_at(const struct fuzz_xml *x, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(x->end - x->p) >= n && memcmp(x->p, s, n) == 0;
}

/* Skips past the terminator of a comment, PI or CDATA section. */
static inline void fuzz_xml_skip_to(struct fuzz_xml *x, const char *terminator)
{
    size_t n = strlen(terminator);
    for (; x->p + n <= x->end; x->p++)
        if (memcmp(x->p, terminator, n) == 0) {
            x->p += n;
            return;
        }
    FUZZ_CHECK(0, "XML: unterminated comment, PI or CDATA section");
}

/* A start tag's attributes, up to ">" or "/>"; returns 1 for an empty element. */
static inline int fuzz_xml_attributes(struct fuzz_xml *x)
{
    for (;;) {
        fuzz_xml_skip_space(x);
        FUZZ_CHECK(x->p < x->end, "XML: unterminated start tag");
        if (*x->p == '>') {
            x->p++;
            return 0;
        }
        if (fuzz_xml_at(x, "/>")) {
            x->p += 2;
            return 1;
        }
        FUZZ_CHECK(fuzz_xml_name(x) > 0, "XML: bad attribute name");
        fuzz_xml_skip_space(x);
        FUZZ_CHECK(x->p < x->end && *x->p == '=', "XML: attribute without '='");
        x->p++;
        fuzz_xml_skip_space(x);
        FUZZ_CHECK(x->p < x->end && (*x->p == '"' || *x->p == '\''), "XML: unquoted value");
        char quote = *x->p++;
        while (x->p < x->end && *x->p != quote) {
            FUZZ_CHECK(*x->p != '<', "XML: '<' in an attribute value");
            if (*x->p == '&')
                fuzz_xml_reference(x);
            else
                x->p++;
        }
        FUZZ_CHECK(x->p < x->end, "XML: unterminated attribute value");
        x->p++;
    }
}

/* One document: a prolog, exactly one root element, and nothing but space, comments and PIs
 * around it; tags balanced, names matched, text and values escaped. */
static inline void fuzz_check_xml(const char *text, size_t n)
{
    FUZZ_CHECK(fuzz_utf8_valid(text, n), "XML report is not well-formed UTF-8");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        FUZZ_CHECK(c >= 0x20 || c == '\t' || c == '\n' || c == '\r', "XML: control character");
        if (c == 0xef && i + 2 < n && (unsigned char)text[i + 1] == 0xbf)
            FUZZ_CHECK((unsigned char)text[i + 2] < 0xbe, "XML: U+FFFE or U+FFFF");
    }
    struct fuzz_xml x = {text, text + n};
    const char *open[256];
    size_t open_len[256], depth = 0, roots = 0;
    while (x.p < x.end) {
        if (*x.p != '<') {
            FUZZ_CHECK(depth > 0 || *x.p == ' ' || *x.p == '\n' || *x.p == '\r' || *x.p == '\t',
                       "XML: text outside the root element");
            FUZZ_CHECK(!fuzz_xml_at(&x, "]]>"), "XML: ']]>' in text");
            if (*x.p == '&')
                fuzz_xml_reference(&x);
            else
                x.p++;
        } else if (fuzz_xml_at(&x, "<?")) {
            fuzz_xml_skip_to(&x, "?>");
        } else if (fuzz_xml_at(&x, "<!--")) {
            fuzz_xml_skip_to(&x, "-->");
        } else if (fuzz_xml_at(&x, "<![CDATA[")) {
            FUZZ_CHECK(depth > 0, "XML: CDATA outside the root element");
            fuzz_xml_skip_to(&x, "]]>");
        } else if (fuzz_xml_at(&x, "</")) {
            x.p += 2;
            const char *name = x.p;
            size_t len = fuzz_xml_name(&x);
            FUZZ_CHECK(depth > 0 && len == open_len[depth - 1] &&
                           memcmp(name, open[depth - 1], len) == 0,
                       "XML: end tag does not match its start tag");
            depth--;
            fuzz_xml_skip_space(&x);
            FUZZ_CHECK(x.p < x.end && *x.p == '>', "XML: bad end tag");
            x.p++;
        } else {
            x.p++;
            const char *name = x.p;
            size_t len = fuzz_xml_name(&x);
            FUZZ_CHECK(len > 0, "XML: bad element name");
            FUZZ_CHECK(depth > 0 || roots++ == 0, "XML: more than one root element");
            if (!fuzz_xml_attributes(&x)) {
                FUZZ_CHECK(depth < 256, "XML: nesting deeper than a report has");
                open[depth] = name;
                open_len[depth++] = len;
            }
        }
    }
    FUZZ_CHECK(depth == 0 && roots == 1, "XML: unclosed elements or no root element");
}

/* ---- the reports -------------------------------------------------------------------------- */

typedef int (*fuzz_writer_fn)(FILE *, const struct run_result *, const struct report_options *);

/* Renders result with writer into memory and returns the text (caller frees), length in *n. */
static inline char *fuzz_render(fuzz_writer_fn writer, const struct run_result *result,
                                const struct catalog *catalog, size_t *n)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    FUZZ_CHECK(f != NULL, "open_memstream");
    struct report_options options = {.color = false, .catalog = catalog};
    FUZZ_CHECK(writer(f, result, &options) == 0, "report writer failed on a memory stream");
    FUZZ_CHECK(fclose(f) == 0, "fclose");
    *n = size;
    return text;
}

/* JSON Lines: one well-formed JSON object per line, one line per incident. */
static inline void fuzz_check_jsonl_report(const char *text, size_t n, size_t incidents)
{
    FUZZ_CHECK(strlen(text) == n, "JSONL report holds a NUL byte");
    FUZZ_CHECK(fuzz_utf8_valid(text, n), "JSONL report is not well-formed UTF-8");
    size_t lines = 0;
    for (const char *line = text; line < text + n;) {
        const char *nl = memchr(line, '\n', (size_t)(text + n - line));
        FUZZ_CHECK(nl != NULL, "JSONL: last line without a newline");
        cJSON *doc = cJSON_ParseWithLength(line, (size_t)(nl - line));
        FUZZ_CHECK(cJSON_IsObject(doc), "JSONL: a line is not a JSON object");
        cJSON_Delete(doc);
        lines++;
        line = nl + 1;
    }
    FUZZ_CHECK(lines == incidents, "JSONL: one line per incident");
}

/* SARIF: one well-formed UTF-8 JSON document, version 2.1.0. */
static inline void fuzz_check_sarif_report(const char *text, size_t n)
{
    FUZZ_CHECK(strlen(text) == n, "SARIF report holds a NUL byte");
    FUZZ_CHECK(fuzz_utf8_valid(text, n), "SARIF report is not well-formed UTF-8");
    cJSON *doc = cJSON_ParseWithLength(text, n);
    FUZZ_CHECK(doc != NULL, "SARIF report does not parse");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(doc, "version");
    FUZZ_CHECK(cJSON_IsString(version) && strcmp(version->valuestring, "2.1.0") == 0,
               "SARIF version is 2.1.0");
    cJSON_Delete(doc);
}

/* HTML: well-formed UTF-8 whose markup is all crashsig's: every '<' opens or closes one of
 * the elements the writer uses (log text arrives as &lt;), no C0 control but the line feed,
 * and no bidirectional or invisible format character that could reorder the page's text
 * (log text shows them as \uXXXX). */
static inline void fuzz_check_html_report(const char *text, size_t n)
{
    static const char *const own[] = {"!DOCTYPE html",
                                      "html",
                                      "head",
                                      "meta",
                                      "title",
                                      "style",
                                      "body",
                                      "header",
                                      "h1",
                                      "h2",
                                      "h3",
                                      "h4",
                                      "p",
                                      "strong",
                                      "dl",
                                      "dt",
                                      "dd",
                                      "nav",
                                      "a",
                                      "main",
                                      "section",
                                      "ul",
                                      "li",
                                      "svg",
                                      "rect",
                                      "circle",
                                      "polygon",
                                      "text",
                                      "tspan",
                                      "line",
                                      "g",
                                      "div",
                                      "article",
                                      "span",
                                      "code",
                                      "bdi",
                                      "ol",
                                      "table",
                                      "thead",
                                      "tbody",
                                      "tr",
                                      "th",
                                      "td",
                                      "details",
                                      "summary",
                                      "time",
                                      "footer",
                                      "br"};
    FUZZ_CHECK(strlen(text) == n, "HTML report holds a NUL byte");
    FUZZ_CHECK(fuzz_utf8_valid(text, n), "HTML report is not well-formed UTF-8");
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = (const unsigned char *)text + i;
        FUZZ_CHECK(*p >= 0x20 || *p == '\n', "HTML report holds a control character");
        FUZZ_CHECK(!(p[0] == 0xe2 && p[1] == 0x80 &&
                     ((p[2] >= 0x8e && p[2] <= 0x8f) || (p[2] >= 0xa8 && p[2] <= 0xae))) &&
                       !(p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9) &&
                       !(p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf),
                   "HTML report holds a raw bidirectional or invisible format character");
        if (*p != '<')
            continue;
        const char *tag = text + i + 1 + (p[1] == '/');
        size_t len = strcspn(tag, " >/");
        int known = 0;
        for (size_t k = 0; k < sizeof(own) / sizeof(own[0]) && !known; k++)
            known = (strncmp(tag, own[k], strlen(own[k])) == 0 && own[k][0] == '!') ||
                    (strlen(own[k]) == len && strncmp(tag, own[k], len) == 0);
        FUZZ_CHECK(known, "HTML report has markup crashsig does not write");
    }
}

/* Every report format crashsig has, checked for its promises. */
static inline void fuzz_check_reports(const struct run_result *result,
                                      const struct catalog *catalog)
{
    size_t n;
    char *text = fuzz_render(report_write_text, result, catalog, &n);
    fuzz_check_text_report(text, n);
    free(text);
    text = fuzz_render(report_write_json, result, catalog, &n);
    fuzz_check_json_report(text, n);
    free(text);
    text = fuzz_render(report_write_jsonl, result, catalog, &n);
    fuzz_check_jsonl_report(text, n, result->incidents.count);
    free(text);
    text = fuzz_render(report_write_junit, result, catalog, &n);
    FUZZ_CHECK(strlen(text) == n, "JUnit report holds a NUL byte");
    fuzz_check_xml(text, n);
    free(text);
    text = fuzz_render(report_write_sarif, result, catalog, &n);
    fuzz_check_sarif_report(text, n);
    free(text);
    text = fuzz_render(report_write_html, result, catalog, &n);
    fuzz_check_html_report(text, n);
    free(text);
}

/* The built-in catalog, loaded once per process: targets classify with the real signatures. */
static inline const struct catalog *fuzz_builtin_catalog(void)
{
    static struct catalog *catalog; /* harness-only state; reachable, so not a leak */
    if (catalog == NULL) {
        struct cs_error err;
        FUZZ_CHECK(catalog_load_builtin(&catalog, &err) == 0, "the built-in catalog loads");
    }
    return catalog;
}

/* Runs the back half of the pipeline on the events in c (which it frees): correlate,
 * classify, fingerprint, group; then, when render is set, renders and checks every report
 * (the slow part, so the parser targets do it for half of their inputs). */
static inline void fuzz_finish(struct correlator *c, bool render)
{
    struct run_result result;
    memset(&result, 0, sizeof(result));
    correlator_finish(c, &result.incidents);
    correlator_free(c);
    for (size_t i = 0; i < result.incidents.count; i++) {
        struct incident *incident = &result.incidents.items[i];
        struct cs_error err;
        FUZZ_CHECK(catalog_classify(fuzz_builtin_catalog(), incident, &err) == 0,
                   "the built-in catalog classifies every incident");
        FUZZ_CHECK(incident->signature != NULL && incident->severity != SEVERITY_NONE,
                   "a classified incident has a signature and a severity");
        FUZZ_CHECK(incident->matched_count <= INCIDENT_MAX_MATCHED_FRAMES, "matched frames cap");
        incident_fingerprint(incident);
        FUZZ_CHECK(strlen(incident->fingerprint) == INCIDENT_FINGERPRINT_SIZE - 1,
                   "fingerprint is 16 hex digits");
    }
    findings_group(&result.incidents, &result.findings);
    if (render)
        fuzz_check_reports(&result, NULL);
    run_result_free(&result);
}

/* fuzz_finish for one .NET event and/or one 1000 the target built (ownership passes). */
static inline void fuzz_pipeline(struct dotnet_event *dotnet, struct app_error_event *app_error,
                                 bool render)
{
    struct correlator *c = correlator_new(0);
    if (dotnet)
        correlator_add_dotnet(c, dotnet);
    if (app_error)
        correlator_add_app_error(c, app_error);
    fuzz_finish(c, render);
}

#endif
