/*
 * scan.c - run the pipeline over a set of paths (scan.h), in the scanning process:
 *
 *     inputs_expand -> plan (ranges of chunks, or whole files) -> workers (scan_worker.c:
 *     the reader) -> frames merged in file and chunk order -> event_dispatch (the parsers)
 *     -> correlator -> IIS stage (iis.h) -> computer_names_canonicalize -> catalog_classify
 *     -> incident_fingerprint -> IIS outages -> findings_group
 *
 * The reading happens in worker processes (workers.h), several at a time with --jobs, so that
 * a crash or a hang inside libevtx costs one input, not the scan; scan_job.h says why the
 * output cannot depend on --jobs.  On Windows a worker is a new crashsig.exe that gets its
 * task as a line of text (scan_worker.c).
 *
 * Not for: the run's rules (run.c), output (report.h) or exit statuses (result.h).
 */
#include "crashsig/scan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/computer_names.h"
#include "crashsig/event_sources.h"
#include "crashsig/platform.h"
#include "crashsig/timeutil.h"
#include "event_wire.h"
#include "inputs.h"
#include "scan_job.h"

/* The input's size and modification time, once, before it is read: the progress line uses
 * the size, the state the time (an export is written after everything it holds). */
static void note_file_metadata(struct input_report *report)
{
    struct platform_file_info info;
    if (platform_file_info(report->path, true, &info, NULL) != 0 || info.kind != PLATFORM_FILE)
        return;
    report->size = info.size;
    /* whole seconds, rounded down: a little earlier than the export at worst, which only
     * holds an event back a little longer */
    report->modified = cs_time_from_unix(info.modified, 0);
}

/* Parses ev (taking its contents) and holds what a later stage needs of it. */
static void event_list_add(struct event_dispatch *dispatch, struct event_list *list,
                           struct event *ev)
{
    struct parsed_event parsed;
    event_parse(dispatch, ev, &parsed);
    if (parsed_event_is_empty(&parsed))
        return;
    if (list->count == list->capacity) {
        list->capacity = list->capacity ? list->capacity * 2 : 16;
        list->items = cs_xrealloc(list->items, list->capacity * sizeof(*list->items));
    }
    list->items[list->count++] = parsed;
}

static void event_list_free(struct event_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        parsed_event_free(&list->items[i]);
    free(list->items);
    memset(list, 0, sizeof(*list));
}

static struct task *add_task(struct scan_job *job, size_t file)
{
    if (job->task_count == job->task_capacity) {
        job->task_capacity = job->task_capacity ? job->task_capacity * 2 : 64;
        job->tasks = cs_xrealloc(job->tasks, job->task_capacity * sizeof(*job->tasks));
    }
    struct task *t = &job->tasks[job->task_count++];
    memset(t, 0, sizeof(*t));
    t->file = file;
    job->files[file].task_count++;
    return t;
}

/* Cuts one file into tasks; a file that cannot be read at all gets none (its report says so). */
static void plan_file(struct scan_job *job, size_t index)
{
    struct file_entry *f = &job->files[index];
    f->first_task = job->task_count;
    int plan = reader_plan_file(f->path, job->pf, &f->layout, f->report);
    uint64_t chunks = f->layout.chunk_count;
    if (plan < 0)
        return;
    if (plan == 0 || job->options->no_prefilter) {
        add_task(job, index)->whole_file = true;
        return;
    }
    for (uint64_t first = 0; first < chunks; first += RANGE_CHUNKS) {
        struct task *t = add_task(job, index);
        t->first_chunk = first;
        t->chunk_count = chunks - first < RANGE_CHUNKS ? chunks - first : RANGE_CHUNKS;
    }
}

/* ---- in the scanning process ------------------------------------------------------------- */

static void report_progress(struct scan_job *job)
{
    if (job->options->progress)
        job->options->progress(&job->progress, job->options->progress_ctx);
}

static long next_task(void *ctx)
{
    struct scan_job *job = ctx;
    return job->next_task < job->task_count ? (long)job->next_task++ : -1;
}

static int take_event(struct scan_job *job, struct task *t, const uint8_t *p, size_t n)
{
    struct event ev;
    if (wire_get_event(p, n, &ev) != 0)
        return -1;
    ev.file = job->files[t->file].report->path; /* borrowed, lives as long as the result */
    event_list_add(job->dispatch, ev.recovered ? &t->recovered : &t->records, &ev);
    return 0;
}

static int take_frame(long index, uint8_t type, const uint8_t *p, size_t n, void *ctx)
{
    struct scan_job *job = ctx;
    struct task *t = &job->tasks[index];
    uint64_t bytes;
    switch (type) {
    case WIRE_EVENT:
        return take_event(job, t, p, n);
    case WIRE_PROGRESS:
        if (wire_get_progress(p, n, &bytes) != 0)
            return -1;
        t->bytes_read += bytes;
        job->files[t->file].bytes_read += bytes;
        job->progress.bytes_done += bytes;
        report_progress(job);
        return 0;
    case WIRE_RANGE:
        if (t->has_range || wire_get_range(p, n, &t->range) != 0)
            return -1;
        t->has_range = true;
        return 0;
    case WIRE_REPORT:
        if (t->has_report)
            return -1;
        input_report_init(&t->report, "");
        t->has_report = true;
        return wire_get_report(p, n, &t->report);
    case WIRE_DONE:
        t->done = true;
        return 0;
    }
    return -1;
}

/* "libevtx crashed (signal 11) while reading chunks 256-511"; on Windows "(exception
 * 0xc0000005)" */
static void describe_failure(const struct scan_job *job, const struct task *t, char *out,
                             size_t size)
{
    char where[96];
    if (t->whole_file)
        snprintf(where, sizeof(where), "the file");
    else
        snprintf(where, sizeof(where), "chunks %llu-%llu", (unsigned long long)t->first_chunk,
                 (unsigned long long)(t->first_chunk + t->chunk_count - 1));
    const struct worker_end *e = &t->end;
    switch (e->outcome) {
    case WORKER_CRASHED:
        if (e->exception)
            snprintf(out, size, "libevtx crashed (exception 0x%08x) while reading %s",
                     (unsigned)e->exception, where);
        else
            snprintf(out, size, "libevtx crashed (signal %d) while reading %s", e->signal, where);
        break;
    case WORKER_HUNG:
        snprintf(out, size, "libevtx hung while reading %s (no progress for %u s; stopped)", where,
                 job->hooks.stall_seconds);
        break;
    case WORKER_NOT_STARTED:
        snprintf(out, size, "cannot start a worker process to read %s: %s", where, e->why);
        break;
    case WORKER_GARBLED:
        snprintf(out, size, "the worker reading %s sent a damaged reply", where);
        break;
    default:
        snprintf(out, size, "the worker reading %s failed (exit status %d)", where, e->exit_status);
        break;
    }
}

static bool task_succeeded(const struct task *t)
{
    return t->end.outcome == WORKER_FINISHED && t->done &&
           (t->whole_file ? t->has_report : t->has_range) &&
           !(t->has_report && t->report.status == INPUT_ERROR && !t->whole_file);
}

static void copy_report(struct input_report *to, const struct input_report *from)
{
    to->status = from->status;
    to->records = from->records;
    to->recovered_records = from->recovered_records;
    to->unreadable_records = from->unreadable_records;
    to->events_kept = from->events_kept;
    for (size_t i = 0; i < from->warning_count; i++)
        input_report_warn(to, "%s", from->warnings[i]);
    free(to->error);
    to->error = from->error ? cs_strdup(from->error) : NULL;
}

/* Every task of the file has ended: its report.  A task whose worker crashed, hung or could
 * not read (or found the file changed) makes the input an error, and an error has no events. */
static void complete_file(struct scan_job *job, struct file_entry *f)
{
    f->complete = true;
    if (f->report->status == INPUT_ERROR) /* could not be read at all */
        return;
    struct task *tasks = f->task_count ? &job->tasks[f->first_task] : NULL; /* NULL + 0: UB */
    for (size_t i = 0; i < f->task_count; i++) {
        if (task_succeeded(&tasks[i]))
            continue;
        char why[512];
        if (tasks[i].has_report && tasks[i].report.error)
            snprintf(why, sizeof(why), "%s", tasks[i].report.error);
        else
            describe_failure(job, &tasks[i], why, sizeof(why));
        f->report->status = INPUT_ERROR;
        f->report->error = cs_strdup(why);
        /* an input that is an error has no incidents: what its other tasks read may come
         * from another file put at its path, or stop anywhere */
        for (size_t k = 0; k < f->task_count; k++) {
            event_list_free(&tasks[k].records);
            event_list_free(&tasks[k].recovered);
        }
        return;
    }
    if (f->task_count == 1 && tasks[0].whole_file) {
        copy_report(f->report, &tasks[0].report);
    } else {
        struct reader_range *ranges = cs_xcalloc(f->task_count + 1, sizeof(*ranges));
        for (size_t i = 0; i < f->task_count; i++)
            ranges[i] = tasks[i].range;
        reader_report_ranges(f->report, &f->layout, ranges, f->task_count);
        free(ranges);
    }
}

static void feed_events(struct event_dispatch *dispatch, struct event_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        event_deliver(dispatch, &list->items[i]);
    event_list_free(list);
}

static void release_task(struct task *t)
{
    event_list_free(&t->records);
    event_list_free(&t->recovered);
    reader_range_free(&t->range);
    if (t->has_report)
        input_report_free(&t->report);
    t->has_report = t->has_range = false;
}

/* Feeds the complete files at the head of the list to the correlator, in file order: each
 * file's records from all its tasks, then its recovered records, as the whole-file read reads
 * them. */
static void feed_complete_files(struct scan_job *job)
{
    while (job->next_to_feed < job->file_count && job->files[job->next_to_feed].complete) {
        struct file_entry *f = &job->files[job->next_to_feed++];
        /* no task at all (every input an error): tasks is NULL, and NULL + 0 is undefined */
        struct task *tasks = f->task_count ? &job->tasks[f->first_task] : NULL;
        job->dispatch->current = f->report;
        for (size_t i = 0; i < f->task_count; i++)
            feed_events(job->dispatch, &tasks[i].records);
        for (size_t i = 0; i < f->task_count; i++)
            feed_events(job->dispatch, &tasks[i].recovered);
        for (size_t i = 0; i < f->task_count; i++)
            release_task(&tasks[i]);
        job->dispatch->current = NULL;
        job->progress.files_done++;
        job->progress.bytes_done += f->size > f->bytes_read ? f->size - f->bytes_read : 0;
        report_progress(job);
    }
}

/* The swap_input test hook (scan.h): once, after the first range of a file read in several. */
static void swap_input_for_test(struct scan_job *job, const struct task *t,
                                const struct file_entry *f)
{
    if (job->hooks.swap_input == NULL || t->whole_file || t->first_chunk != 0 || f->task_count < 2)
        return;
    (void)rename(job->hooks.swap_input, f->path); /* a failure shows in the test's result */
    job->hooks.swap_input = NULL;
}

static void task_ended(long index, const struct worker_end *end, void *ctx)
{
    struct scan_job *job = ctx;
    struct task *t = &job->tasks[index];
    t->end = *end;
    struct file_entry *f = &job->files[t->file];
    swap_input_for_test(job, t, f);
    if (!task_succeeded(t)) { /* what a failed task sent is not trusted */
        event_list_free(&t->records);
        event_list_free(&t->recovered);
    }
    if (++f->tasks_ended == f->task_count)
        complete_file(job, f);
    feed_complete_files(job);
}

static unsigned job_count(const struct scan_options *options)
{
    return options->jobs ? options->jobs : platform_cpu_count();
}

static void scan_files(struct event_dispatch *dispatch, const struct path_list *files,
                       const struct scan_options *options)
{
    struct scan_job job = {.options = options,
                           .filter = event_sources_filter(),
                           .dispatch = dispatch,
                           .file_count = files->count,
                           .hooks = options->hooks};
    if (job.hooks.stall_seconds == 0)
        job.hooks.stall_seconds = DEFAULT_STALL_SECONDS;
    job.pf = prefilter_new(job.filter);
    job.files = cs_xcalloc(files->count + 1, sizeof(*job.files));
    job.progress.files_total = files->count;
    size_t first_input = dispatch->result->input_count;
    for (size_t i = 0; i < files->count; i++) /* every report first: then they stay put */
        inputs_add(dispatch->result, files->items[i]);
    for (size_t i = 0; i < files->count; i++)
        job.files[i].report = &dispatch->result->inputs[first_input + i];
    for (size_t i = 0; i < files->count; i++) {
        job.files[i].path = files->items[i];
        note_file_metadata(job.files[i].report);
        job.files[i].size = job.files[i].report->size;
        job.progress.bytes_total += job.files[i].size;
        plan_file(&job, i);
        if (job.files[i].task_count == 0) /* unreadable: reported, or a file without chunks */
            complete_file(&job, &job.files[i]);
    }
    feed_complete_files(&job);
    const struct worker_callbacks callbacks = {next_task, scan_worker_run_task, take_frame,
                                               task_ended, scan_worker_describe_task};
    workers_run(job_count(options), job.hooks.stall_seconds, &callbacks, &job);
    feed_complete_files(&job);
    for (size_t i = 0; i < job.task_count; i++)
        release_task(&job.tasks[i]);
    free(job.tasks);
    free(job.files);
    prefilter_free(job.pf);
}

/* Events from an earlier run go through the same parsers; what they warn about has no input
 * of its own to be reported under, and was reported when they were first read. */
static void scan_carried_events(struct event_dispatch *dispatch, const struct scan_options *options)
{
    struct input_report carried;
    input_report_init(&carried, "(carried over)");
    dispatch->current = &carried;
    for (size_t i = 0; i < options->carried_event_count; i++) {
        struct event copy;
        event_copy(&copy, &options->carried_events[i]);
        /* the result outlives the state the event came from */
        copy.file = run_result_carried_file(dispatch->result, copy.file);
        event_dispatch(dispatch, &copy);
        event_free(&copy);
    }
    input_report_free(&carried);
    dispatch->current = NULL;
}

static int classify_all(const struct catalog *catalog, struct incident_list *incidents,
                        struct cs_error *err)
{
    struct classify_memo *memo = classify_memo_new();
    int rc = 0;
    for (size_t i = 0; i < incidents->count && rc == 0; i++) {
        rc = catalog_classify_memo(catalog, memo, &incidents->items[i], err);
        if (rc == 0)
            incident_fingerprint(&incidents->items[i]);
    }
    classify_memo_free(memo);
    return rc;
}

int scan_run(const struct scan_options *options, const char *const *paths, size_t path_count,
             struct run_result *result, struct cs_error *err)
{
    struct path_list files = {0};
    inputs_expand(paths, path_count, &files, result);

    struct event_dispatch dispatch = {.result = result,
                                      .correlator = correlator_new(options->window_ms),
                                      .iis = iis_stage_new(options->window_ms),
                                      .crashes = dotnet_crash_cache_new(),
                                      .strings = string_pool_new()};
    scan_files(&dispatch, &files, options);
    path_list_free(&files);
    scan_carried_events(&dispatch, options);
    /* the crashes and strings live on in the events that hold them */
    dotnet_crash_cache_free(dispatch.crashes);
    string_pool_free(dispatch.strings);
    correlator_finish(dispatch.correlator, &result->incidents);
    correlator_free(dispatch.correlator);
    iis_stage_join(dispatch.iis, &result->incidents);
    /* after pairing and the IIS joins (both match host parts themselves, and the IIS stage
     * adds incidents), before grouping and filters */
    computer_names_canonicalize(&result->incidents);

    int rc = classify_all(options->catalog, &result->incidents, err);
    if (rc == 0)
        iis_stage_outages(dispatch.iis, &result->incidents, &result->outages);
    iis_stage_free(dispatch.iis);
    if (rc != 0)
        return -1;
    findings_group(&result->incidents, &result->findings);
    return 0;
}
