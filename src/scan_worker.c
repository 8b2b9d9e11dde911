/*
 * scan_worker.c - the worker side of a scan: run one task (a range of chunks, or a whole
 * file) with the reader and send what it finds to the scanning process as frames
 * (event_wire.h), and the one-line task description by which a worker that is a new process
 * (Windows: `crashsig __worker DESCRIPTION`) learns its task.
 *
 * Not for: planning tasks or merging what they send (scan.c), or starting and watching
 * workers (workers.h).
 */
#include "scan_worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/event_sources.h"
#include "crashsig/platform.h"
#include "event_wire.h"
#include "scan_job.h"

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

/* What the reader needs for any task of the job: events and progress go to out. */
static struct reader_request reader_request_for(const struct scan_job *job, const struct task *t,
                                                const char *path, struct worker_out *out)
{
    const struct reader_layout *layout = &job->files[t->file].layout;
    return (struct reader_request){.path = path,
                                   .expect = layout->identified ? &layout->identity : NULL,
                                   .filter = job->filter,
                                   .pf = job->pf,
                                   .on_event = worker_event,
                                   .ctx = out,
                                   .progress = worker_progress,
                                   .progress_ctx = out};
}

static void run_range(struct scan_job *job, const struct task *t, const char *path,
                      struct worker_out *out)
{
    struct reader_range range;
    struct cs_error err = {""};
    struct reader_request request = reader_request_for(job, t, path, out);
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

int scan_worker_run_task(long index, int fd, void *ctx)
{
    struct scan_job *job = ctx;
    const struct task *t = &job->tasks[index];
    const char *path = job->files[t->file].path;
    simulate_fault(job->hooks.worker_fault, path);
    struct worker_out out = {.fd = fd};
    if (t->whole_file) {
        struct input_report report;
        input_report_init(&report, path);
        struct reader_request request = reader_request_for(job, t, path, &out);
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

/* "= DEVICE INODE SIZE MODIFIED " (the file planned, reader_identity; MODIFIED as an unsigned
 * 64-bit number) or "- " (not known) at *p: fills layout and advances *p.  -1 otherwise. */
static int parse_identity(const char **p, struct reader_layout *layout)
{
    if (strncmp(*p, "- ", 2) == 0) {
        *p += 2;
        return 0;
    }
    if (strncmp(*p, "= ", 2) != 0)
        return -1;
    *p += 2;
    struct reader_identity *id = &layout->identity;
    uint64_t modified;
    if (parse_count(p, &id->device) != 0 || parse_count(p, &id->inode) != 0 ||
        parse_count(p, &id->size) != 0 || parse_count(p, &modified) != 0)
        return -1;
    id->modified = (int64_t)modified;
    layout->identified = true;
    return 0;
}

/* "file IDENTITY PATH" or "chunks FIRST COUNT IDENTITY PATH" (describe_task): fills t and
 * layout and returns the path, or NULL when the line is not one of these. */
static const char *parse_description(const char *text, struct task *t, struct reader_layout *layout)
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
    if (parse_identity(&p, layout) != 0)
        return NULL;
    return *p ? p : NULL;
}

int scan_run_worker_task(const char *description, int fd, const struct scan_hooks *hooks)
{
    struct task t = {0};
    struct file_entry file = {0};
    const char *path = parse_description(description, &t, &file.layout);
    if (path == NULL)
        return -1;
    file.path = path;
    struct scan_job job = {.filter = event_sources_filter(),
                           .file_count = 1,
                           .files = &file,
                           .task_count = 1,
                           .tasks = &t,
                           .hooks = *hooks};
    job.pf = prefilter_new(job.filter); /* as scan_files makes it: the same chunks qualify */
    workers_enter_child(fd);
    int status = scan_worker_run_task(0, fd, &job);
    prefilter_free(job.pf);
    return status;
}

/* The task as scan_run_worker_task reads it, for a worker that is a new process (Windows). */
char *scan_worker_describe_task(long index, void *ctx)
{
    const struct scan_job *job = ctx;
    const struct task *t = &job->tasks[index];
    const char *path = job->files[t->file].path;
    const struct reader_layout *layout = &job->files[t->file].layout;
    char head[160], identity[128] = "- ";
    if (layout->identified)
        snprintf(identity, sizeof(identity), "= %llu %llu %llu %llu ",
                 (unsigned long long)layout->identity.device,
                 (unsigned long long)layout->identity.inode,
                 (unsigned long long)layout->identity.size,
                 (unsigned long long)layout->identity.modified);
    if (t->whole_file)
        snprintf(head, sizeof(head), "file %s", identity);
    else
        snprintf(head, sizeof(head), "chunks %llu %llu %s", (unsigned long long)t->first_chunk,
                 (unsigned long long)t->chunk_count, identity);
    size_t size = strlen(head) + strlen(path) + 1;
    char *line = cs_xmalloc(size);
    snprintf(line, size, "%s%s", head, path);
    return line;
}
