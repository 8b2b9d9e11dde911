/*
 * report.h - write a scan result for people (text), machines (JSON, schema crashsig.report/1;
 * JSON Lines, one incident per line) and CI systems (JUnit XML, SARIF 2.1.0).  The formats are
 * documented in docs/report-format.md.
 *
 * Writers only format: every decision (pairing, signature, grouping, order, what a filter, the
 * state or the baseline let through) was made before.  Event text comes from the log and may
 * be hostile, so the text writer neutralises control characters and escape sequences, and the
 * JSON, XML and SARIF writers escape everything and replace invalid UTF-8.
 *
 * Not for: choosing where the output goes (the CLI writes to a temporary file and renames it).
 */
#ifndef CRASHSIG_REPORT_H
#define CRASHSIG_REPORT_H

#include <stdio.h>

#include "crashsig/scan.h"

#define REPORT_JSON_SCHEMA     "crashsig.report/1"
#define REPORT_INCIDENT_SCHEMA "crashsig.incident/1" /* each line of --format jsonl */

/* With --state: what this run left out because an earlier run with the same state file already
 * saw it (and reported it, or filtered it out), or because it waits for its Application Error
 * 1000. */
struct report_increment {
    size_t already_seen;
    size_t held_back;
};

struct report_options {
    bool color;            /* ANSI colour in the text report */
    enum severity fail_on; /* shown in the summary line */
    size_t max_frames;     /* frames shown per incident in text; 0 = default */
    /* Everything below may stay zero: then the report looks as it does without these
     * features. */
    bool local_time;   /* text: times in the local time zone instead of UTC */
    bool has_baseline; /* a baseline was given: findings are "new" or "known" */
    const bool *known; /* per finding of the result: in the baseline; NULL = none */
    const struct report_increment *increment; /* NULL without --state */
    size_t hidden_by_filters;                 /* incidents the filters left out */
    const struct catalog *catalog; /* JUnit/SARIF list every signature of it; NULL: the found */
};

/* Return 0, or -1 when writing to out failed. */
int report_write_text(FILE *out, const struct scan_result *result,
                      const struct report_options *options);
int report_write_json(FILE *out, const struct scan_result *result,
                      const struct report_options *options);
int report_write_jsonl(FILE *out, const struct scan_result *result,
                       const struct report_options *options);
int report_write_junit(FILE *out, const struct scan_result *result,
                       const struct report_options *options);
int report_write_sarif(FILE *out, const struct scan_result *result,
                       const struct report_options *options);

/* One signature of the catalog as `crashsig explain` shows it: title, severity with its
 * per-application overrides, explanation and fix, wrapped like the text report. */
int report_write_signature(FILE *out, const struct signature *sig);

/* True when the finding is not in the baseline and has an incident at or above fail_on: the
 * findings that fail a run. */
bool report_finding_fails(const struct scan_result *result, size_t finding,
                          const struct report_options *options);

#endif
