/*
 * report.h - write a scan result for people (text) or machines (JSON, schema crashsig.report/1,
 * documented in docs/report-format.md).
 *
 * Writers only format: every decision (pairing, signature, grouping, order) was made before.
 * Event text comes from the log and may be hostile, so the text writer neutralises control
 * characters and escape sequences and the JSON writer escapes everything.
 *
 * Not for: choosing where the output goes (the CLI writes to a temporary file and renames it).
 */
#ifndef CRASHSIG_REPORT_H
#define CRASHSIG_REPORT_H

#include <stdio.h>

#include "crashsig/scan.h"

#define REPORT_JSON_SCHEMA "crashsig.report/1"

struct report_options {
    bool color;            /* ANSI colour in the text report */
    enum severity fail_on; /* shown in the summary line */
    size_t max_frames;     /* frames shown per incident in text; 0 = default */
};

/* Return 0, or -1 when writing to out failed. */
int report_write_text(FILE *out, const struct scan_result *result,
                      const struct report_options *options);
int report_write_json(FILE *out, const struct scan_result *result,
                      const struct report_options *options);

#endif
