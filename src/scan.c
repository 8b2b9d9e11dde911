/*
 * scan.c - run the pipeline over a set of paths (scan.h):
 *
 *     expand paths -> plan (ranges of chunks, or whole files) -> workers: reader_scan_range /
 *     reader_scan_file -> merge in file and chunk order -> dotnet_crash_parse / app_error_parse
 *     -> correlator -> catalog_classify -> incident_fingerprint -> findings_group
 *
 * The reading happens in worker processes (workers.h), several at a time with --jobs, so that
 * a crash or a hang inside libevtx costs one input, not the scan; see "workers" below for why
 * the output cannot depend on --jobs.  On Windows a worker is a new crashsig.exe that gets its
 * task as a line of text (describe_task, scan_run_worker_task).
 *
 * Not for: option parsing, output, exit statuses (cli.c and report.c).
 */
#include "crashsig/scan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/correlator.h"
#include "crashsig/platform.h"
#include "crashsig/timeutil.h"
#include "event_wire.h"
#include "scan_worker.h"
#include "workers.h"

/* Directory trees deeper than this are not log folders; stop rather than loop on bind mounts. */
#define MAX_DIRECTORY_DEPTH 32

static const uint32_t DOTNET_EVENT_IDS[] = {1023, 1025, 1026, 1027, 1028};
static const uint32_t APP_ERROR_EVENT_IDS[] = {1000};

/* The events crashsig reads, as the reader's filter: built the same way in the scanning process
 * and in a worker started by description, so both read the same records.  Not copied: filter
 * points into wants. */
struct scan_filter {
    struct reader_want wants[2];
    struct reader_filter filter;
};

static void scan_filter_init(struct scan_filter *f)
{
    f->wants[0] = (struct reader_want){CATALOG_DOTNET_PROVIDER, DOTNET_EVENT_IDS,
                                       sizeof(DOTNET_EVENT_IDS) / sizeof(DOTNET_EVENT_IDS[0])};
    f->wants[1] =
        (struct reader_want){CATALOG_APP_ERROR_PROVIDER, APP_ERROR_EVENT_IDS,
                             sizeof(APP_ERROR_EVENT_IDS) / sizeof(APP_ERROR_EVENT_IDS[0])};
    f->filter = (struct reader_filter){f->wants, 2};
}

struct path_list {
    size_t count, capacity;
    char **items;
};

static void path_list_add(struct path_list *list, const char *path)
{
    if (list->count == list->capacity) {
        list->capacity = list->capacity ? list->capacity * 2 : 16;
        list->items = cs_xrealloc(list->items, list->capacity * sizeof(char *));
    }
    list->items[list->count++] = cs_strdup(path);
}

static void path_list_free(struct path_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_evtx_extension(const char *name)
{
    size_t len = strlen(name);
    return len > 5 && cs_strcasecmp(name + len - 5, ".evtx") == 0;
}

struct scan_state {
    struct run_result *result;
    struct correlator *correlator;
    struct input_report *current;
};

static struct input_report *add_input(struct run_result *result, const char *path)
{
    result->inputs =
        cs_xrealloc(result->inputs, (result->input_count + 1) * sizeof(*result->inputs));
    struct input_report *report = &result->inputs[result->input_count++];
    input_report_init(report, path);
    return report;
}

/* what, optionally followed by ": detail". */
static void input_error(struct run_result *result, const char *path, const char *what,
                        const char *detail)
{
    input_report_fail(add_input(result, path), "%s%s%s", what, detail ? ": " : "",
                      detail ? detail : "");
}

/* Collects *.evtx below dir (sorted per directory, so the scan order is reproducible); symbolic
 * links to directories (and Windows junctions) are not followed. */
static void expand_directory(const char *dir, int depth, struct path_list *files,
                             struct run_result *result)
{
    char **names;
    size_t count;
    if (platform_list_directory(dir, &names, &count, NULL) != 0) {
        input_error(result, dir, "cannot read directory", strerror(errno));
        return;
    }
    if (count > 1)
        qsort(names, count, sizeof(char *), compare_strings);
    for (size_t i = 0; i < count; i++) {
        char *child = platform_path_join(dir, names[i]);
        struct platform_file_info info;
        if (platform_file_info(child, false, &info, NULL) == 0) {
            if (info.kind == PLATFORM_DIRECTORY && depth < MAX_DIRECTORY_DEPTH)
                expand_directory(child, depth + 1, files, result);
            else if (info.kind != PLATFORM_DIRECTORY && info.kind != PLATFORM_MISSING &&
                     has_evtx_extension(child))
                path_list_add(files, child);
        }
        free(child);
    }
    platform_names_free(names, count);
}

static void on_dotnet_event(struct scan_state *state, struct event *ev)
{
    struct dotnet_event *de = cs_xcalloc(1, sizeof(*de));
    event_move(&de->event, ev);
    const char *text = de->event.data.count ? de->event.data.values[0] : "";
    struct cs_error err;
    if (dotnet_crash_parse(text, de->event.event_id, &de->crash, &err) != 0) {
        input_report_warn(state->current, "record %llu (.NET Runtime %u): %s",
                          (unsigned long long)de->event.record_id, de->event.event_id, err.message);
        state->result->unparsed_events++;
        dotnet_event_free(de);
        return;
    }
    if (de->crash.capped) /* the report marks it "truncated"; say why once, here */
        input_report_warn(state->current,
                          "record %llu (.NET Runtime %u): text beyond crashsig's limits (1000 "
                          "frames per stack, 64 exceptions, 64 KiB per message) left out",
                          (unsigned long long)de->event.record_id, de->event.event_id);
    state->result->dotnet_events++;
    correlator_add_dotnet(state->correlator, de);
}

static void on_app_error_event(struct scan_state *state, struct event *ev)
{
    struct app_error_event *ae = cs_xcalloc(1, sizeof(*ae));
    event_move(&ae->event, ev);
    struct cs_error err;
    if (app_error_parse(&ae->event.data, &ae->fault, &err) != 0) {
        input_report_warn(state->current, "record %llu (Application Error %u): %s",
                          (unsigned long long)ae->event.record_id, ae->event.event_id, err.message);
        state->result->unparsed_events++;
        app_error_event_free(ae);
        return;
    }
    state->result->app_error_events++;
    correlator_add_app_error(state->correlator, ae);
}

static int on_event(struct event *ev, void *ctx)
{
    struct scan_state *state = ctx;
    if (cs_strcasecmp(ev->provider, CATALOG_DOTNET_PROVIDER) == 0)
        on_dotnet_event(state, ev);
    else
        on_app_error_event(state, ev);
    return 0;
}

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

/* ---- workers ----------------------------------------------------------------------------
 *
 * Every file is read in worker processes (workers.h): a file the fast path can read is cut
 * into ranges of RANGE_CHUNKS chunks, one task each, any other file (or every file with
 * --no-prefilter) is one task for the full path.  The cut depends only on the file, never on
 * --jobs, and each worker's results are merged in file and chunk order once the whole file is
 * done, so the events reach the correlator, and the warnings the report, in the same order
 * whatever the number of workers and however they finish - and in the order the full path
 * produces: a file's records, then its recovered records.
 */

/* 16 MiB: large enough that starting a worker costs little next to reading its range, small
 * enough that two cores share a 30 MB log. */
#define RANGE_CHUNKS 256
/* A worker that writes nothing for this long is stuck in libevtx (it reports progress after
 * every block it reads and every few hundred records it parses). */
#define DEFAULT_STALL_SECONDS 60
/* The worker's output is written to the pipe in pieces of about this size. */
#define WORKER_FLUSH_SIZE 65536

struct event_list {
    size_t count, capacity;
    struct event *items;
};

static void event_list_add(struct event_list *list, struct event *ev)
{
    if (list->count == list->capacity) {
        list->capacity = list->capacity ? list->capacity * 2 : 16;
        list->items = cs_xrealloc(list->items, list->capacity * sizeof(*list->items));
    }
    event_move(&list->items[list->count++], ev);
}

static void event_list_free(struct event_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        event_free(&list->items[i]);
    free(list->items);
    memset(list, 0, sizeof(*list));
}

struct task {
    size_t file;
    bool whole_file; /* the full path (reader_scan_file) instead of a range */
    uint64_t first_chunk, chunk_count;
    /* what the worker sent */
    struct event_list records, recovered;
    bool has_range, has_report, done;
    struct reader_range range;
    struct input_report report; /* whole_file, or a range that could not be read */
    uint64_t bytes_read;
    struct worker_end end;
};

struct file_entry {
    const char *path;
    struct input_report *report;
    struct reader_layout layout;
    uint64_t size, bytes_read;
    size_t first_task, task_count, tasks_ended;
    bool complete; /* every task ended and the report is final */
};

/* Everything a scan shares with its workers (which get a copy when they are forked). */
struct scan_job {
    const struct scan_options *options;
    const struct reader_filter *filter;
    struct prefilter *pf;
    struct scan_state *state;
    size_t file_count;
    struct file_entry *files;
    size_t task_count, task_capacity, next_task;
    struct task *tasks;
    size_t next_to_feed;
    struct scan_hooks hooks; /* stall_seconds resolved */
    struct scan_progress progress;
};

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

/* ---- in the worker ----------------------------------------------------------------------- */

struct worker_out {
    int fd;
    struct wire_buffer buf;
    bool failed;
};

static void worker_flush(struct worker_out *out, bool now)
{
    if (out->buf.size == 0 || (!now && out->buf.size < WORKER_FLUSH_SIZE))
        return;
    if (!out->failed && workers_write_all(out->fd, out->buf.data, out->buf.size) != 0)
        out->failed = true;
    out->buf.size = 0;
}

static int worker_event(struct event *ev, void *ctx)
{
    struct worker_out *out = ctx;
    wire_put_event(&out->buf, ev);
    worker_flush(out, false);
    return out->failed;
}

static void worker_progress(uint64_t bytes, void *ctx)
{
    struct worker_out *out = ctx;
    wire_put_progress(&out->buf, bytes);
    worker_flush(out, true); /* progress is also the stall limit's heartbeat */
}

/* The worker_fault test hook (scan_hooks; tests/test_workers.c, scripts/test-windows.sh): a
 * memory fault is SIGSEGV, an access violation on Windows. */
static void simulate_fault(const char *fault, const char *path)
{
    const char *colon = fault ? strchr(fault, ':') : NULL;
    if (colon == NULL || colon[1] == '\0' || strstr(path, colon + 1) == NULL)
        return;
    if (strncmp(fault, "crash:", 6) == 0)
        platform_crash();
    if (strncmp(fault, "hang:", 5) == 0)
        for (;;)
            platform_sleep_ms(60000);
}

static void run_range(struct scan_job *job, const struct task *t, const char *path,
                      struct worker_out *out)
{
    struct reader_range range;
    struct cs_error err = {""};
    struct reader_request request = {.path = path,
                                     .filter = job->filter,
                                     .pf = job->pf,
                                     .on_event = worker_event,
                                     .ctx = out,
                                     .progress = worker_progress,
                                     .progress_ctx = out};
    if (reader_read_chunks(&request, t->first_chunk, t->chunk_count, &range, &err) == 0) {
        wire_put_range(&out->buf, &range);
    } else {
        struct input_report failed;
        input_report_init(&failed, path);
        failed.status = INPUT_ERROR;
        failed.error = cs_strdup(err.message);
        wire_put_report(&out->buf, &failed);
        input_report_free(&failed);
    }
    reader_range_free(&range);
}

static int run_task(long index, int fd, void *ctx)
{
    struct scan_job *job = ctx;
    const struct task *t = &job->tasks[index];
    const char *path = job->files[t->file].path;
    simulate_fault(job->hooks.worker_fault, path);
    struct worker_out out = {.fd = fd};
    if (t->whole_file) {
        struct input_report report;
        input_report_init(&report, path);
        struct reader_request request = {.path = path,
                                         .filter = job->filter,
                                         .pf = job->pf,
                                         .on_event = worker_event,
                                         .ctx = &out,
                                         .progress = worker_progress,
                                         .progress_ctx = &out};
        reader_read_whole_file(&request, &report);
        wire_put_report(&out.buf, &report);
        input_report_free(&report);
    } else {
        run_range(job, t, path, &out);
    }
    wire_put_done(&out.buf);
    worker_flush(&out, true);
    wire_buffer_free(&out.buf);
    return out.failed ? 1 : 0;
}

/* A decimal number at *p followed by one space; advances *p past the space.  -1 otherwise. */
static int parse_count(const char **p, uint64_t *out)
{
    if (**p < '0' || **p > '9') /* strtoull would also take spaces and a sign */
        return -1;
    char *end;
    errno = 0;
    *out = strtoull(*p, &end, 10);
    if (errno || *end != ' ')
        return -1;
    *p = end + 1;
    return 0;
}

/* "file PATH" or "chunks FIRST COUNT PATH" (describe_task): fills t and returns the path, or
 * NULL when the line is not one of these. */
static const char *parse_description(const char *text, struct task *t)
{
    const char *p = text;
    if (strncmp(text, "file ", 5) == 0) {
        t->whole_file = true;
        p += 5;
    } else if (strncmp(text, "chunks ", 7) == 0) {
        p += 7;
        if (parse_count(&p, &t->first_chunk) != 0 || parse_count(&p, &t->chunk_count) != 0 ||
            t->chunk_count == 0)
            return NULL;
    } else {
        return NULL;
    }
    return *p ? p : NULL;
}

int scan_run_worker_task(const char *description, int fd, const struct scan_hooks *hooks)
{
    struct task t = {0};
    const char *path = parse_description(description, &t);
    if (path == NULL)
        return -1;
    struct scan_filter filter;
    scan_filter_init(&filter);
    struct file_entry file = {.path = path};
    struct scan_job job = {.filter = &filter.filter,
                           .file_count = 1,
                           .files = &file,
                           .task_count = 1,
                           .tasks = &t,
                           .hooks = *hooks};
    job.pf = prefilter_new(job.filter); /* as scan_files makes it: the same chunks qualify */
    workers_enter_child(fd);
    int status = run_task(0, fd, &job);
    prefilter_free(job.pf);
    return status;
}

/* ---- in the scanning process ------------------------------------------------------------- */

/* The task as scan_run_worker_task reads it, for a worker that is a new process (Windows). */
static char *describe_task(long index, void *ctx)
{
    const struct scan_job *job = ctx;
    const struct task *t = &job->tasks[index];
    const char *path = job->files[t->file].path;
    char head[64];
    if (t->whole_file)
        snprintf(head, sizeof(head), "file ");
    else
        snprintf(head, sizeof(head), "chunks %llu %llu ", (unsigned long long)t->first_chunk,
                 (unsigned long long)t->chunk_count);
    size_t size = strlen(head) + strlen(path) + 1;
    char *line = cs_xmalloc(size);
    snprintf(line, size, "%s%s", head, path);
    return line;
}

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
    event_list_add(ev.recovered ? &t->recovered : &t->records, &ev);
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
 * not read makes the input an error; what the other tasks found is kept. */
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

static void feed_events(struct scan_state *state, struct event_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        on_event(&list->items[i], state);
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
 * file's records from all its tasks, then its recovered records, as the full path reads them. */
static void feed_complete_files(struct scan_job *job)
{
    while (job->next_to_feed < job->file_count && job->files[job->next_to_feed].complete) {
        struct file_entry *f = &job->files[job->next_to_feed++];
        /* no task at all (every input an error): tasks is NULL, and NULL + 0 is undefined */
        struct task *tasks = f->task_count ? &job->tasks[f->first_task] : NULL;
        job->state->current = f->report;
        for (size_t i = 0; i < f->task_count; i++)
            feed_events(job->state, &tasks[i].records);
        for (size_t i = 0; i < f->task_count; i++)
            feed_events(job->state, &tasks[i].recovered);
        for (size_t i = 0; i < f->task_count; i++)
            release_task(&tasks[i]);
        job->state->current = NULL;
        job->progress.files_done++;
        job->progress.bytes_done += f->size > f->bytes_read ? f->size - f->bytes_read : 0;
        report_progress(job);
    }
}

static void task_ended(long index, const struct worker_end *end, void *ctx)
{
    struct scan_job *job = ctx;
    struct task *t = &job->tasks[index];
    t->end = *end;
    struct file_entry *f = &job->files[t->file];
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

static void scan_files(struct scan_state *state, const struct path_list *files,
                       const struct scan_options *options)
{
    struct scan_filter filter;
    scan_filter_init(&filter);
    struct scan_job job = {.options = options,
                           .filter = &filter.filter,
                           .state = state,
                           .file_count = files->count,
                           .hooks = options->hooks};
    if (job.hooks.stall_seconds == 0)
        job.hooks.stall_seconds = DEFAULT_STALL_SECONDS;
    job.pf = prefilter_new(&filter.filter);
    job.files = cs_xcalloc(files->count + 1, sizeof(*job.files));
    job.progress.files_total = files->count;
    size_t first_input = state->result->input_count;
    for (size_t i = 0; i < files->count; i++) /* every report first: then they stay put */
        add_input(state->result, files->items[i]);
    for (size_t i = 0; i < files->count; i++)
        job.files[i].report = &state->result->inputs[first_input + i];
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
    const struct worker_callbacks callbacks = {next_task, run_task, take_frame, task_ended,
                                               describe_task};
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
static void scan_carried_events(struct scan_state *state, const struct scan_options *options)
{
    struct input_report carried;
    input_report_init(&carried, "(carried over)");
    state->current = &carried;
    for (size_t i = 0; i < options->carried_event_count; i++) {
        struct event copy;
        event_copy(&copy, &options->carried_events[i]);
        /* the result outlives the state the event came from */
        copy.file = run_result_carried_file(state->result, copy.file);
        on_event(&copy, state);
        event_free(&copy);
    }
    input_report_free(&carried);
    state->current = NULL;
}

static void expand_paths(const char *const *paths, size_t path_count, struct path_list *files,
                         struct run_result *result)
{
    for (size_t i = 0; i < path_count; i++) {
        struct platform_file_info info;
        if (platform_file_info(paths[i], true, &info, NULL) == 0 &&
            info.kind == PLATFORM_DIRECTORY) {
            size_t before = files->count;
            expand_directory(paths[i], 0, files, result);
            if (files->count == before)
                input_error(result, paths[i], "directory holds no .evtx files", NULL);
        } else {
            path_list_add(files, paths[i]); /* the reader reports what is wrong with it */
        }
    }
}

static int classify_all(const struct catalog *catalog, struct incident_list *incidents,
                        struct cs_error *err)
{
    for (size_t i = 0; i < incidents->count; i++) {
        if (catalog_classify(catalog, &incidents->items[i], err) != 0)
            return -1;
        incident_fingerprint(&incidents->items[i]);
    }
    return 0;
}

int scan_run(const struct scan_options *options, const char *const *paths, size_t path_count,
             struct run_result *result, struct cs_error *err)
{
    struct path_list files = {0};
    expand_paths(paths, path_count, &files, result);

    struct scan_state state = {.result = result, .correlator = correlator_new(options->window_ms)};
    scan_files(&state, &files, options);
    path_list_free(&files);
    scan_carried_events(&state, options);
    correlator_finish(state.correlator, &result->incidents);
    correlator_free(state.correlator);

    if (classify_all(options->catalog, &result->incidents, err) != 0)
        return -1;
    findings_group(&result->incidents, &result->findings);
    return 0;
}
