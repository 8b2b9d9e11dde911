/*
 * report_writers.h - the report writers, one per format, behind report_write (report.c).
 * Private to src/ (and the tests and fuzz targets that call a writer directly): a writer
 * reads a result and options and nothing else, so it includes neither report.h nor any stage.
 *
 * Not for: choosing a format (report.c) or where the output goes (run.c).
 */
#ifndef CRASHSIG_REPORT_WRITERS_H
#define CRASHSIG_REPORT_WRITERS_H

#include <stdio.h>

#include "crashsig/report_options.h"
#include "crashsig/result.h"

struct signature; /* signatures.h */

/* Each returns 0, or -1 when writing to out failed. */
int report_write_text(FILE *out, const struct run_result *result,
                      const struct report_options *options);
int report_write_json(FILE *out, const struct run_result *result,
                      const struct report_options *options);
int report_write_jsonl(FILE *out, const struct run_result *result,
                       const struct report_options *options);
int report_write_junit(FILE *out, const struct run_result *result,
                       const struct report_options *options);
int report_write_sarif(FILE *out, const struct run_result *result,
                       const struct report_options *options);
int report_write_html(FILE *out, const struct run_result *result,
                      const struct report_options *options);

/* `crashsig explain`: one signature as text (report_text.c). */
int report_text_signature(FILE *out, const struct signature *sig);

#endif
