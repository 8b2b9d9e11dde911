/*
 * scan_job.h - what the two sides of a scan share (private to src/scan.c, the scanning
 * process, and src/scan_worker.c, the worker side): the job, its files and their tasks.
 *
 * Every file is read in worker processes (workers.h): a file the selected-chunk read can read is
 * cut into ranges of RANGE_CHUNKS chunks, one task each, any other file (or every file with
 * --no-prefilter) is one task for the whole-file read.  The cut depends only on the file, never on
 * --jobs, and each worker's results are merged in file and chunk order once the whole file is
 * done, so the events reach the correlator, and the warnings the report, in the same order
 * whatever the number of workers and however they finish - and in the order the whole-file read
 * produces: a file's records, then its recovered records.
 *
 * Not for: anyone outside the scan.
 */
#ifndef CRASHSIG_SCAN_JOB_H
#define CRASHSIG_SCAN_JOB_H

#include "crashsig/scan.h"
#include "event_dispatch.h"
#include "workers.h"

/* 16 MiB: large enough that starting a worker costs little next to reading its range, small
 * enough that two cores share a 30 MB log. */
#define RANGE_CHUNKS 256
/* A worker that writes nothing for this long is stuck in libevtx (it reports progress after
 * every block it reads and every few hundred records it parses). */
#define DEFAULT_STALL_SECONDS 60
/* The worker's output is written to the pipe in pieces of about this size. */
#define WORKER_FLUSH_SIZE 65536

/* A task's events as they are held until their file is complete: parsed (event_dispatch.h),
 * so that a crash loop is held at the cost of its incidents, not of its raw strings. */
struct event_list {
    size_t count, capacity;
    struct parsed_event *items;
};

struct task {
    size_t file;
    bool whole_file; /* the whole-file read (reader_read_whole_file) instead of a range */
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
    struct event_dispatch *dispatch; /* in the scanning process */
    size_t file_count;
    struct file_entry *files;
    size_t task_count, task_capacity, next_task;
    struct task *tasks;
    size_t next_to_feed;
    struct scan_hooks hooks; /* stall_seconds resolved */
    struct scan_progress progress;
};

/* The worker side (scan_worker.c), as workers.h callbacks: run task index of the job ctx,
 * writing its frames to fd; and, for a worker that is a new process (Windows), the task as
 * the line scan_run_worker_task reads. */
int scan_worker_run_task(long index, int fd, void *ctx);
char *scan_worker_describe_task(long index, void *ctx);

#endif
