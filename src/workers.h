/*
 * workers.h - run tasks in worker processes, a few at a time, and hand what each one writes
 * back to the calling process frame by frame (event_wire.h).
 *
 * A worker is a process that runs one task and exits: a fork of the calling process on POSIX
 * (workers_posix.c), a new crashsig.exe started with the task's description on Windows, which
 * has no fork (workers_win32.c, `crashsig __worker`); the pool that runs them is the same on
 * both (workers.c, over workers_backend.h).  That isolates faults: when libevtx crashes on a
 * damaged log (a signal) or hangs in it, only that task's worker dies; the caller is told how it
 * ended and carries on with the other tasks.  A worker that writes nothing for the stall limit is
 * killed and counts as hung.  Tasks are started in the order next() returns them; frames and ends
 * arrive in whatever order the workers finish.
 *
 * Not for: what the tasks do or what their frames mean (scan.c).
 */
#ifndef CRASHSIG_WORKERS_H
#define CRASHSIG_WORKERS_H

#include "crashsig/common.h"

enum worker_outcome {
    WORKER_FINISHED,    /* exited with status 0 and every byte it wrote was a whole frame */
    WORKER_FAILED,      /* exited with another status */
    WORKER_CRASHED,     /* ended by a signal (POSIX) or an exception (Windows) */
    WORKER_HUNG,        /* silent for the stall limit, killed */
    WORKER_GARBLED,     /* wrote bytes that are not frames, or a frame the caller rejected */
    WORKER_NOT_STARTED, /* fork, CreateProcess or pipe failed */
};

struct worker_end {
    enum worker_outcome outcome;
    int signal;         /* WORKER_CRASHED on POSIX: the signal */
    uint32_t exception; /* WORKER_CRASHED on Windows: the exception code (NTSTATUS, such as
                           0xC0000005) the process ended with; always 0 on POSIX */
    int exit_status;    /* WORKER_FAILED */
    char why[128];      /* WORKER_NOT_STARTED: strerror */
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
    /* In the caller, Windows only (POSIX forks and calls run instead): the task as one line
     * from which a new process can run it (scan_run_worker_task), allocated; NULL when it
     * cannot be described, and the task ends as WORKER_NOT_STARTED. */
    char *(*describe)(long task, void *ctx);
};

/* Runs tasks until next() has none left and no worker is running, at most jobs at once (at
 * least 1).  Returns when everything has ended. */
void workers_run(unsigned jobs, unsigned stall_seconds, const struct worker_callbacks *cb,
                 void *ctx);

/* In a worker started by description (`crashsig __worker`), before its task runs: fd (where
 * the frames go) in binary mode, and a fault ends the process with its exception code at once,
 * without an error dialog or a debugger, so the caller can report it.  Nothing on POSIX. */
void workers_enter_child(int fd);

/* Writes all of data to fd (a pipe), retrying after interrupts.  Returns 0 or -1. */
int workers_write_all(int fd, const void *data, size_t size);

#endif
