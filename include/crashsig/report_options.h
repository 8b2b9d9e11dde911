/*
 * report_options.h - the report formats and how to present a result in them: what both the
 * front end (report.h, run.h) and every writer need, and nothing else.
 *
 * Not for: what to present (result.h) or writing it (report.h).
 */
#ifndef CRASHSIG_REPORT_OPTIONS_H
#define CRASHSIG_REPORT_OPTIONS_H

#include "crashsig/common.h"

#define REPORT_JSON_SCHEMA     "crashsig.report/1"
#define REPORT_INCIDENT_SCHEMA "crashsig.incident/1" /* each line of --format jsonl */

/* The report formats, in the order --format lists them. */
enum report_format {
    REPORT_TEXT,
    REPORT_JSON,
    REPORT_JSONL,
    REPORT_JUNIT,
    REPORT_SARIF,
    REPORT_HTML,
};
#define REPORT_FORMAT_COUNT 6

struct catalog; /* signatures.h */

/* How to present the result; what the run decided is in the result itself. */
struct report_options {
    bool color;                    /* ANSI colour in the text report */
    size_t max_frames;             /* frames shown per incident in text; 0 = default */
    bool local_time;               /* text, HTML: times in the local time zone, not UTC */
    const struct catalog *catalog; /* JUnit/SARIF list every signature of it; NULL: the found */
    /* SARIF: the folder the application was built from, as its PDBs recorded it
     * ("C:\build\agent\_work\1\s", "/_/"): source files under it get URIs relative to
     * SRCROOT, which code-scanning tools resolve against the repository.  NULL: none. */
    const char *source_root;
    /* text: damage warnings as one line per kind after the report (a terminal without -v);
     * unreadable inputs are always listed.  Standard output only: a file has them all. */
    bool summarize_warnings;
};

#endif
