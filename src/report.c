/*
 * report.c - the report formats by name, and one entry point that writes any of them
 * (report.h).  The writers themselves are report_text.c, report_json.c, report_jsonl.c,
 * report_junit.c, report_sarif.c and report_html.c.
 *
 * Not for: anything a writer decides (nothing: see report.h).
 */
#include "crashsig/report.h"

#include <string.h>

#include "report_writers.h"

static const char *const FORMAT_NAMES[REPORT_FORMAT_COUNT] = {"text",  "json",  "jsonl",
                                                              "junit", "sarif", "html"};

const char *report_format_name(enum report_format format)
{
    return (unsigned)format < REPORT_FORMAT_COUNT ? FORMAT_NAMES[format] : "text";
}

int report_format_from_name(const char *text, enum report_format *out)
{
    for (int i = 0; i < REPORT_FORMAT_COUNT; i++)
        if (strcmp(text, FORMAT_NAMES[i]) == 0) {
            *out = (enum report_format)i;
            return 0;
        }
    return -1;
}

int report_write(FILE *out, enum report_format format, const struct run_result *result,
                 const struct report_options *options)
{
    switch (format) {
    case REPORT_JSON:
        return report_write_json(out, result, options);
    case REPORT_JSONL:
        return report_write_jsonl(out, result, options);
    case REPORT_JUNIT:
        return report_write_junit(out, result, options);
    case REPORT_SARIF:
        return report_write_sarif(out, result, options);
    case REPORT_HTML:
        return report_write_html(out, result, options);
    case REPORT_TEXT:
        break;
    }
    return report_write_text(out, result, options);
}

int report_write_signature(FILE *out, const struct signature *sig)
{
    return report_text_signature(out, sig);
}
