/*
 * scan.h - the whole pipeline for a set of input paths:
 *
 *     paths -> reader (per file) -> event parsers -> correlator -> incidents
 *           -> catalog_classify -> fingerprints -> findings
 *
 * scan_run is what a front end (the crashsig CLI, a test) calls; it returns everything the
 * report writers need in a struct scan_result and prints nothing.
 *
 * Not for: option parsing or output (cli.c, report.h).
 */
#ifndef CRASHSIG_SCAN_H
#define CRASHSIG_SCAN_H

#include "crashsig/findings.h"
#include "crashsig/reader.h"
#include "crashsig/signatures.h"

/* How far a scan has got, for a progress line.  Byte counts are of the input files. */
struct scan_progress {
    size_t files_done, files_total;
    uint64_t bytes_done, bytes_total;
};

typedef void (*scan_progress_fn)(const struct scan_progress *progress, void *ctx);

struct scan_options {
    const struct catalog *catalog; /* required */
    uint64_t window_ms;            /* pairing window; 0 means the default */
    unsigned jobs;                 /* parallel workers; 0 means one per core */
    bool no_prefilter;             /* parse every record instead of only candidate chunks */
    /* Events remembered from an earlier run (--state), fed to the correlator as if read again,
     * so a 1000 written after that run still pairs with its .NET event.  They are copied; their
     * file strings are borrowed and must outlive the scan result. */
    const struct event *carried_events;
    size_t carried_event_count;
    /* Called from the scanning thread as files (or parts of them) are done; may be NULL. */
    scan_progress_fn progress;
    void *progress_ctx;
};

struct scan_result {
    size_t input_count;
    struct input_report *inputs; /* one per file, in the order scanned */
    struct incident_list incidents;
    struct finding_list findings;
    size_t dotnet_events;    /* .NET Runtime fatal events kept */
    size_t app_error_events; /* Application Error 1000s kept */
    size_t unparsed_events;  /* kept records whose text could not be parsed */
};

/*
 * Expands paths (files, or directories searched recursively for *.evtx, sorted by name) and
 * scans every file.  A path that does not exist or cannot be read becomes an input with status
 * "error"; the others are still scanned.  Returns 0, or -1 with err set on a failure that is
 * not about one input (a catalog that cannot classify).
 */
int scan_run(const struct scan_options *options, const char *const *paths, size_t path_count,
             struct scan_result *result, struct cs_error *err);
void scan_result_free(struct scan_result *result);

/* The highest severity among the incidents, SEVERITY_NONE when there are none. */
enum severity scan_result_max_severity(const struct scan_result *result);
/* True when some input could not be read (status "error"). */
bool scan_result_has_errors(const struct scan_result *result);

#endif
