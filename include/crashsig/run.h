/*
 * run.h - one crashsig run as one call: the rules that make a scan a trustworthy CI gate or
 * scheduled task, in the only order that is safe:
 *
 *     check the request -> lock and read --state -> read --baseline -> scan (with the events
 *     the state carried over) -> drop what an earlier run reported, hold back what waits for
 *     its 1000 -> filters -> baseline -> write every output, all or none -> save the state
 *     -> the run's status
 *
 * The state is saved only after every output was written, so a crash is never marked as
 * reported when its report did not get out: a failure means it is reported again next time.
 *
 * A front end (the crashsig CLI, a test, a future service) fills a struct run_request and
 * prints what comes back; it holds none of these rules.
 *
 * Not for: reading option text (the CLI), the pipeline itself (scan.h) or formatting
 * (report.h).
 */
#ifndef CRASHSIG_RUN_H
#define CRASHSIG_RUN_H

#include <stdio.h>

#include "crashsig/incident_filter.h"
#include "crashsig/report.h"
#include "crashsig/result.h"
#include "crashsig/scan.h"

/* One report to write. */
struct run_output {
    enum report_format format;
    const char *path; /* replaced atomically, together with the other outputs; NULL: stream */
    FILE *stream;     /* with path NULL: written as it is, flushed (standard output) */
    bool color;       /* text on a terminal; never in a file */
};

#define RUN_MAX_OUTPUTS 8

struct run_request {
    const char *const *paths; /* files, or directories searched for *.evtx */
    size_t path_count;
    const struct catalog *catalog;
    /* the scan */
    uint64_t window_ms; /* pairing window; 0: CORRELATOR_DEFAULT_WINDOW_MS */
    unsigned jobs;      /* 0: one per core */
    bool no_prefilter;
    scan_progress_fn progress; /* may be NULL */
    void *progress_ctx;
    struct scan_hooks hooks; /* tests only */
    /* what to report */
    const char *state_path; /* --state; NULL: none */
    bool reset_state;
    const char *baseline_path;       /* --baseline; NULL: none */
    const char *write_baseline_path; /* --write-baseline; NULL: none */
    struct incident_filter filter;
    enum severity fail_on; /* SEVERITY_NONE: incidents never fail the run */
    /* where to report it */
    size_t output_count;
    struct run_output outputs[RUN_MAX_OUTPUTS];
    struct report_options report; /* color is per output */
};

/*
 * The request's own mistakes, found before anything is read or written: an output that is
 * one of the named inputs, two outputs that are one file, --reset-state without --state.
 * Returns 0, or -1 with a message for a usage error.
 */
int run_check_request(const struct run_request *request, struct cs_error *err);

/*
 * Runs the request (run_check_request first) and fills result, which the caller frees with
 * run_result_free after the run returns.  Returns the run's status: RUN_TROUBLE with err set
 * when the state, the baseline or an output could not be used (nothing was written then,
 * and the state did not move); else run_result_status(result), where an input that could not
 * be read is also RUN_TROUBLE (its message is in result->inputs, err stays empty).
 */
enum run_status run_execute(const struct run_request *request, struct run_result *result,
                            struct cs_error *err);

#endif
