/*
 * report.h - write a scan result for people (text), machines (JSON, schema crashsig.report/1;
 * JSON Lines, one incident per line) and CI systems (JUnit XML, SARIF 2.1.0).  The formats are
 * documented in docs/report-format.md.
 *
 * Writers only format: every decision (pairing, signature, grouping, order, what a filter, the
 * state or the baseline let through, what fails the run) was made before and is in the
 * result (result.h).  Event text comes from the log and may
 * be hostile, so the text writer neutralises control characters and escape sequences, and the
 * JSON, XML and SARIF writers escape everything and replace invalid UTF-8.
 *
 * The writers themselves are private (src/report_writers.h); this is their one entry point.
 *
 * Not for: choosing where the output goes (run.h writes every output all or none).
 */
#ifndef CRASHSIG_REPORT_H
#define CRASHSIG_REPORT_H

#include <stdio.h>

#include "crashsig/report_options.h"
#include "crashsig/result.h"
#include "crashsig/signatures.h"

const char *report_format_name(enum report_format format); /* "text", "json", ... */
/* The format named text ("json"); -1 when there is none. */
int report_format_from_name(const char *text, enum report_format *out);

/* Writes result to out in format.  Returns 0, or -1 when writing to out failed. */
int report_write(FILE *out, enum report_format format, const struct run_result *result,
                 const struct report_options *options);

/* One signature of the catalog as `crashsig explain` shows it: title, severity with its
 * per-application overrides, explanation and fix, wrapped like the text report. */
int report_write_signature(FILE *out, const struct signature *sig);

/* Writes text from outside (a log, a file name) for a terminal, as the text report does:
 * control characters, escape sequences and invalid UTF-8 as \xNN, bidi controls and invisible
 * format characters as \uXXXX (docs/robustness.md).  The command line's messages use it. */
void report_put_safe(FILE *f, const char *text);

#endif
