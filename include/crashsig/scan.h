/*
 * scan.h - the whole pipeline for a set of input paths:
 *
 *     paths -> reader (per file) -> event parsers -> correlator -> incidents
 *           -> catalog_classify -> fingerprints -> findings
 *
 * scan_run is what a front end (the crashsig CLI, a test) calls; it returns everything the
 * report writers need in a struct run_result and prints nothing.
 *
 * Not for: option parsing or output (cli.c, report.h).
 */
#ifndef CRASHSIG_SCAN_H
#define CRASHSIG_SCAN_H

#include "crashsig/reader.h"
#include "crashsig/result.h"
#include "crashsig/signatures.h"

/* How far a scan has got, for a progress line.  Byte counts are of the input files. */
struct scan_progress {
    size_t files_done, files_total;
    uint64_t bytes_done, bytes_total;
};

typedef void (*scan_progress_fn)(const struct scan_progress *progress, void *ctx);

/* Test hooks: set by a test (through the CLI's environment), never by a user. */
struct scan_hooks {
    unsigned stall_seconds; /* a worker silent this long is killed as hung; 0: the default */
    /* "crash:TEXT" or "hang:TEXT": the worker of every task whose path contains TEXT dies of a
     * memory fault or stops for ever, as a libevtx fault would; NULL: none */
    const char *worker_fault;
    /* A file renamed over the first input read in more than one range as soon as its first
     * range is read, as `wevtutil epl /ow:true` or a copy-then-rename would swap it while
     * crashsig reads it (use --jobs 1, so that the next range starts after); NULL: none */
    const char *swap_input;
};

struct scan_options {
    const struct catalog *catalog; /* required */
    uint64_t window_ms;            /* pairing window (correlator_window_ms) */
    unsigned jobs;                 /* parallel workers; 0 means one per core */
    bool no_prefilter;             /* parse every record instead of only candidate chunks */
    /* Events remembered from an earlier run (--state), fed to the correlator as if read again,
     * so a 1000 written after that run still pairs with its .NET event.  They are copied (their
     * file names into the result's carried_files). */
    const struct event *carried_events;
    size_t carried_event_count;
    /* Called from the scanning thread as files (or parts of them) are done; may be NULL. */
    scan_progress_fn progress;
    void *progress_ctx;
    struct scan_hooks hooks;
};

/*
 * Expands paths (files, or directories searched recursively for *.evtx, sorted by name) and
 * scans every file into result, which starts zeroed but for what the run decided before
 * (window_ms, fail_on).  A path that does not exist or cannot be read becomes an input with status
 * "error"; the others are still scanned.  Returns 0, or -1 with err set on a failure that is
 * not about one input (a catalog that cannot classify).
 */
int scan_run(const struct scan_options *options, const char *const *paths, size_t path_count,
             struct run_result *result, struct cs_error *err);

#endif
