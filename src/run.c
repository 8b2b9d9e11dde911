/*
 * run.c - one run, in the order run.h gives and for the reasons it gives.
 *
 * Every output is written to a temporary file first (atomic_file.h) and renamed only when all
 * of them were written; standard output, which cannot be taken back, is written first, so a
 * failure there leaves every file as it was.  A device, FIFO or stream given as an output is
 * written in place while the outputs are staged (it cannot be taken back either).  No output
 * may be an input, named or found in a folder.
 *
 * Not for: reading options, printing messages (the caller prints err and the inputs' errors)
 * or what a report looks like (report.h).
 */
#include "crashsig/run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/atomic_file.h"
#include "crashsig/baseline.h"
#include "crashsig/correlator.h"
#include "crashsig/platform.h"
#include "crashsig/state.h"

/* ---- the request ------------------------------------------------------------------------- */

static bool same_path(const char *a, const char *b)
{
    return strcmp(a, b) == 0 || platform_same_file(a, b);
}

/* Every file the run writes. */
static size_t written_files(const struct run_request *request, const char **files)
{
    size_t n = 0;
    for (size_t i = 0; i < request->output_count; i++)
        if (request->outputs[i].path)
            files[n++] = request->outputs[i].path;
    if (request->write_baseline_path)
        files[n++] = request->write_baseline_path;
    if (request->state_path)
        files[n++] = request->state_path;
    return n;
}

/* --state, --baseline and --write-baseline are files crashsig reads back: anything but a
 * regular file (or nothing yet, or a link to a regular file) is refused here, before the
 * state's lock is taken, since a FIFO would block the run for ever while it holds the lock. */
static int check_own_file(const char *path, const char *option, struct cs_error *err)
{
    struct platform_file_info info;
    if (path == NULL)
        return 0;
    if (platform_is_stream_path(path)) {
        cs_error_set(err, "%s %s is a stream, not a regular file", option, path);
        return -1;
    }
    if (platform_file_info(path, false, &info, NULL) == 0 && info.kind == PLATFORM_LINK &&
        platform_file_info(path, true, &info, NULL) == 0 && info.kind == PLATFORM_MISSING) {
        cs_error_set(err, "%s %s is a symbolic link that leads to nothing", option, path);
        return -1;
    }
    if (platform_file_info(path, true, &info, NULL) != 0 ||
        (info.kind != PLATFORM_FILE && info.kind != PLATFORM_MISSING)) {
        cs_error_set(err, "%s %s is %s, not a regular file", option, path,
                     info.kind == PLATFORM_DIRECTORY ? "a directory"
                     : info.kind == PLATFORM_OTHER   ? "a device, FIFO or socket"
                                                     : "not usable");
        return -1;
    }
    return 0;
}

int run_check_request(const struct run_request *request, struct cs_error *err)
{
    if (check_own_file(request->state_path, "--state", err) != 0 ||
        check_own_file(request->baseline_path, "--baseline", err) != 0 ||
        check_own_file(request->write_baseline_path, "--write-baseline", err) != 0)
        return -1;
    if (request->output_count > RUN_MAX_OUTPUTS) {
        cs_error_set(err, "too many outputs (at most %d)", RUN_MAX_OUTPUTS);
        return -1;
    }
    const char *files[RUN_MAX_OUTPUTS + 2];
    size_t n = written_files(request, files);
    /* logs are never written to, and no two outputs may be one file (the last rename would
     * silently win) */
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < request->path_count; k++)
            if (platform_same_file(files[i], request->paths[k])) {
                cs_error_set(err, "'%s' is one of the inputs; logs are never overwritten",
                             files[i]);
                return -1;
            }
        for (size_t k = i + 1; k < n; k++)
            if (same_path(files[i], files[k])) {
                cs_error_set(err, "'%s' is named for two outputs", files[i]);
                return -1;
            }
    }
    if (request->reset_state && request->state_path == NULL) {
        cs_error_set(err, "%s", "--reset-state needs --state FILE");
        return -1;
    }
    return 0;
}

/* The inputs are known only once the folders were searched: an output that is one of the
 * logs found (`-o logs/app.evtx logs/`) is refused before anything is written.  Outputs
 * written in place (a device, a FIFO, a stream) are never logs. */
static int check_outputs_are_not_inputs(const struct run_request *request,
                                        const struct run_result *result, struct cs_error *err)
{
    const char *files[RUN_MAX_OUTPUTS + 2];
    struct platform_file_info written[RUN_MAX_OUTPUTS + 2];
    size_t n = written_files(request, files), existing = 0;
    for (size_t i = 0; i < n; i++) {
        struct platform_file_info *info = &written[existing];
        if (!platform_is_stream_path(files[i]) &&
            platform_file_info(files[i], true, info, NULL) == 0 && info->kind == PLATFORM_FILE)
            files[existing++] = files[i];
    }
    for (size_t k = 0; existing > 0 && k < result->input_count; k++) {
        struct platform_file_info input;
        if (platform_file_info(result->inputs[k].path, true, &input, NULL) != 0 ||
            input.kind != PLATFORM_FILE)
            continue;
        for (size_t i = 0; i < existing; i++)
            if (written[i].device == input.device && written[i].inode == input.inode) {
                cs_error_set(err,
                             "'%s' is the input log %s; logs are never overwritten, so "
                             "nothing was written",
                             files[i], result->inputs[k].path);
                return -1;
            }
    }
    return 0;
}

/* ---- the outputs ------------------------------------------------------------------------- */

struct staged_files {
    size_t count;
    struct atomic_file files[RUN_MAX_OUTPUTS + 1];
};

static void discard_all(struct staged_files *staged)
{
    for (size_t i = 0; i < staged->count; i++)
        atomic_file_discard(&staged->files[i]);
    staged->count = 0;
}

/* Opens the next staged file for path; its writer fills af->f.  A report may also go to a
 * device, FIFO or stream (written in place); a baseline, which is read back, may not. */
static struct atomic_file *stage(struct staged_files *staged, const char *path, bool report,
                                 struct cs_error *err)
{
    struct atomic_file *af = &staged->files[staged->count];
    if ((report ? atomic_file_begin_output(af, path, err) : atomic_file_begin(af, path, err)) != 0)
        return NULL;
    staged->count++;
    return af;
}

static int stage_report(struct staged_files *staged, const struct run_output *out,
                        const struct run_result *result, const struct report_options *options,
                        struct cs_error *err)
{
    struct atomic_file *af = stage(staged, out->path, true, err);
    if (af == NULL)
        return -1;
    struct report_options plain = *options;
    plain.color = false;              /* colour codes in a file help no one */
    plain.summarize_warnings = false; /* a file is read later, in full */
    if (report_write(af->f, out->format, result, &plain) != 0 || atomic_file_close(af, err) != 0) {
        char why[sizeof(err->message)];
        snprintf(why, sizeof(why), "%s", err->message);
        cs_error_set(err, "cannot write %s%s%s", out->path, why[0] ? ": " : "", why);
        return -1;
    }
    return 0;
}

static int stage_baseline(struct staged_files *staged, const char *path,
                          const struct run_result *result, struct cs_error *err)
{
    struct atomic_file *af = stage(staged, path, false, err);
    if (af == NULL)
        return -1;
    if (baseline_write(af->f, result) != 0 || atomic_file_close(af, err) != 0) {
        cs_error_set(err, "cannot write baseline %s", path);
        return -1;
    }
    return 0;
}

/* Renames every staged file into place; the first failure is the one reported. */
static int publish_all(struct staged_files *staged, struct cs_error *err)
{
    int rc = 0;
    for (size_t i = 0; i < staged->count; i++) {
        struct cs_error why = {""};
        if (atomic_file_publish(&staged->files[i], &why) != 0 && rc == 0) {
            *err = why;
            rc = -1;
        }
    }
    discard_all(staged);
    return rc;
}

/* Every report of this run, streams first, then the files, all staged before any is renamed. */
static int write_outputs(const struct run_request *request, const struct run_result *result,
                         struct cs_error *err)
{
    for (size_t i = 0; i < request->output_count; i++) {
        const struct run_output *out = &request->outputs[i];
        if (out->path)
            continue;
        struct report_options options = request->report;
        options.color = out->color;
        errno = 0;
        if ((report_write(out->stream, out->format, result, &options) != 0 ||
             fflush(out->stream) != 0) &&
            errno != EPIPE) {
            cs_error_set(err, "%s", "cannot write the report to standard output");
            return -1;
        }
        /* EPIPE: the reader went away (`crashsig scan ... | head`) having read what it
         * wanted; the run goes on as if the report had been written (docs/robustness.md) */
    }
    struct staged_files staged = {0};
    int rc = 0;
    for (size_t i = 0; i < request->output_count && rc == 0; i++)
        if (request->outputs[i].path)
            rc = stage_report(&staged, &request->outputs[i], result, &request->report, err);
    if (rc == 0 && request->write_baseline_path)
        rc = stage_baseline(&staged, request->write_baseline_path, result, err);
    if (rc != 0) {
        discard_all(&staged);
        return -1;
    }
    return publish_all(&staged, err);
}

/* ---- the run ----------------------------------------------------------------------------- */

/* Keeps the outages the state lets through, in their order, and marks those reported once
 * more because they ended. */
static void keep_outages(struct outage_list *outages, const enum state_outage_verdict *verdicts)
{
    size_t kept = 0;
    for (size_t i = 0; i < outages->count; i++) {
        if (verdicts[i] == STATE_OUTAGE_ALREADY_SEEN) {
            struct outage_list one = {1, &outages->items[i]};
            outage_list_free_items(&one);
            continue;
        }
        outages->items[i].reported_before = verdicts[i] == STATE_OUTAGE_NOW_ENDED;
        outages->items[kept++] = outages->items[i];
    }
    outages->count = kept;
}

/* Drops what an earlier run reported and holds back what waits for its 1000. */
static void apply_state(struct state *state, struct run_result *result)
{
    bool *keep = cs_xcalloc(result->incidents.count + 1, sizeof(bool));
    enum state_outage_verdict *verdicts = cs_xcalloc(result->outages.count + 1, sizeof(*verdicts));
    struct state_outcome outcome;
    state_record_run(state, result, keep, verdicts, &outcome);
    run_result_keep(result, keep);
    keep_outages(&result->outages, verdicts);
    free(keep);
    free(verdicts);
    result->has_state = true;
    result->omitted.already_seen = outcome.already_seen;
    result->omitted.held_back = outcome.held_back;
    result->omitted.outages_already_seen = outcome.outages_already_seen;
}

/* Each worker costs the scanning process a pipe and, for a moment, two more descriptors;
 * the reader, the outputs and the state need a few of their own.  More workers than the
 * open-file limit allows would turn inputs into errors ("Too many open files"), so the run
 * uses fewer (docs/robustness.md). */
#define FILES_RESERVED   16
#define FILES_PER_WORKER 3

static unsigned worker_count(unsigned asked)
{
    unsigned jobs = asked ? asked : platform_cpu_count();
    unsigned limit = platform_open_file_limit();
    unsigned fit =
        limit > FILES_RESERVED + FILES_PER_WORKER ? (limit - FILES_RESERVED) / FILES_PER_WORKER : 1;
    return jobs < fit ? jobs : fit;
}

static int scan(const struct run_request *request, const struct state *state,
                struct run_result *result, struct cs_error *err)
{
    struct scan_options options = {.catalog = request->catalog,
                                   .window_ms = result->window_ms,
                                   .jobs = worker_count(request->jobs),
                                   .no_prefilter = request->no_prefilter,
                                   .progress = request->progress,
                                   .progress_ctx = request->progress_ctx,
                                   .hooks = request->hooks};
    if (state)
        options.carried_events = state_carried_events(state, &options.carried_event_count);
    return scan_run(&options, request->paths, request->path_count, result, err);
}

/* Everything between the state's lock and its release.  Returns 0, or -1 with err set when
 * the baseline or an output could not be used. */
static int run_locked(const struct run_request *request, struct state *state,
                      struct run_result *result, struct cs_error *err)
{
    struct baseline baseline = {0};
    if (request->baseline_path && baseline_load(request->baseline_path, &baseline, err) != 0)
        return -1;
    int rc = scan(request, state, result, err);
    if (rc == 0)
        rc = check_outputs_are_not_inputs(request, result, err);
    if (rc == 0) {
        if (state)
            apply_state(state, result);
        result->omitted.hidden_by_filters = incident_filter_apply(&request->filter, result);
        if (request->baseline_path)
            baseline_mark(&baseline, result);
        rc = write_outputs(request, result, err);
    }
    baseline_free(&baseline);
    return rc;
}

enum run_status run_execute(const struct run_request *request, struct run_result *result,
                            struct cs_error *err)
{
    memset(result, 0, sizeof(*result));
    /* decided once, here: the correlator and the state both read them from the result */
    result->window_ms = request->window_ms ? request->window_ms : CORRELATOR_DEFAULT_WINDOW_MS;
    result->fail_on = request->fail_on;
    if (run_check_request(request, err) != 0)
        return RUN_TROUBLE;
    struct state_file *state_file = NULL;
    if (request->state_path &&
        state_file_open(request->state_path, request->reset_state, &state_file, err) != 0)
        return RUN_TROUBLE;
    struct state *state = state_file ? state_file_state(state_file) : NULL;
    /* the state is saved only once every output is out (run.h) */
    int rc = run_locked(request, state, result, err);
    if (rc == 0 && state_file)
        rc = state_file_save(state_file, err);
    state_file_close(state_file);
    return rc == 0 ? run_result_status(result) : RUN_TROUBLE;
}
