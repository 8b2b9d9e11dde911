/*
 * workers.h - run tasks in forked worker processes, a few at a time, and hand what each one
 * writes back to the calling process frame by frame (event_wire.h).
 *
 * A worker is a fork of the calling process that runs one task and exits.  That isolates
 * faults: when libevtx crashes on a damaged log (a signal) or hangs in it, only that task's
 * worker dies; the caller is told how it ended and carries on with the other tasks.  A worker
 * that writes nothing for the stall limit is killed and counts as hung.  Tasks are started in
 * the order next() returns them; frames and ends arrive in whatever order the workers finish.
 *
 * Not for: what the tasks do or what their frames mean (scan.c).
 */
#ifndef CRASHSIG_WORKERS_H
#define CRASHSIG_WORKERS_H

#include "crashsig/common.h"

enum worker_outcome {
    WORKER_FINISHED,    /* exited with status 0 and every byte it wrote was a whole frame */
    WORKER_FAILED,      /* exited with another status */
    WORKER_CRASHED,     /* ended by a signal */
    WORKER_HUNG,        /* silent for the stall limit, killed */
    WORKER_GARBLED,     /* wrote bytes that are not frames, or a frame the caller rejected */
    WORKER_NOT_STARTED, /* fork or pipe failed */
};

struct worker_end {
    enum worker_outcome outcome;
    int signal;      /* WORKER_CRASHED: the signal */
    int exit_status; /* WORKER_FAILED */
    char why[128];   /* WORKER_NOT_STARTED: strerror */
};

struct worker_callbacks {
    /* In the caller: the next task to start, or -1 when there is none now. */
    long (*next)(void *ctx);
    /* In the worker: do the task, writing frames to fd; the return value is its exit status. */
    int (*run)(long task, int fd, void *ctx);
    /* In the caller: one whole frame from the task's worker.  A non-zero return rejects it:
     * the worker is killed and ends as WORKER_GARBLED. */
    int (*frame)(long task, uint8_t type, const uint8_t *payload, size_t size, void *ctx);
    /* In the caller: the task's worker is gone (after its last frame). */
    void (*end)(long task, const struct worker_end *end, void *ctx);
};

/* Runs tasks until next() has none left and no worker is running, at most jobs at once (at
 * least 1).  Returns when everything has ended. */
void workers_run(unsigned jobs, unsigned stall_seconds, const struct worker_callbacks *cb,
                 void *ctx);

/* Writes all of data to fd (a pipe), retrying after interrupts.  Returns 0 or -1. */
int workers_write_all(int fd, const void *data, size_t size);

#endif
