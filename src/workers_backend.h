/*
 * workers_backend.h - the few things the worker pool (workers.c) asks of the operating system:
 * start a worker with its output on a pipe, wait until some pipes can be read, read one, kill
 * a worker, reap it.  One small file per system implements them: workers_posix.c (fork, pipe,
 * poll, waitpid) and workers_win32.c (a child `crashsig.exe __worker`, an anonymous pipe,
 * PeekNamedPipe, a job object).  The pool is written once over them, so both systems start,
 * split, time out and classify workers by the same code.
 *
 * Not for: decisions.  Which task starts next, what counts as stalled, garbled or crashed, and
 * what the callbacks are told all belong to workers.c; a backend only does what it is asked
 * and says what happened.  Private to the three workers files; the rest of crashsig uses
 * workers.h.
 */
#ifndef CRASHSIG_WORKERS_BACKEND_H
#define CRASHSIG_WORKERS_BACKEND_H

#include "workers.h"

/* The most workers at once (workers_run caps jobs to it), so a wait needs no allocation. */
#define WORKERS_MAX 256
/* The pool keeps this much room free in a worker's buffer for each read; also the size asked
 * for a Windows pipe's buffer. */
#define WORKERS_READ_SIZE 65536

/* What the system needs for one workers_run: on POSIX the pipes open in this process, which a
 * new fork must close; on Windows this program's path and the job object. */
struct workers_os;
/* One running worker: its process and the read end of its pipe. */
struct workers_child;

/* How a worker's process ended, in terms the pool can classify on either system. */
struct workers_exit {
    enum {
        WORKERS_EXITED,    /* with an exit status (0 included) */
        WORKERS_SIGNALED,  /* POSIX: by a signal */
        WORKERS_EXCEPTION, /* Windows: with an exception code instead of an exit code */
    } how;
    int status;         /* WORKERS_EXITED */
    int signal;         /* WORKERS_SIGNALED */
    uint32_t exception; /* WORKERS_EXCEPTION: the NTSTATUS, such as 0xC0000005 */
};

/* What workers_os_read found. */
enum workers_read {
    WORKERS_READ_DATA,   /* *got > 0 bytes */
    WORKERS_READ_EMPTY,  /* nothing now; the worker is still writing */
    WORKERS_READ_END,    /* end of file: the worker is gone and all it wrote has been read */
    WORKERS_READ_BROKEN, /* the pipe cannot be read */
};

/* Opens and closes what one workers_run needs; closing it with workers still running is not
 * allowed (the pool reaps them all first). */
struct workers_os *workers_os_open(void);
void workers_os_close(struct workers_os *os);

/* Starts a worker for task, writing to a new pipe: POSIX forks and runs cb->run in the child;
 * Windows starts crashsig.exe with cb->describe's line.  Returns the child, or NULL with why
 * set to the reason. */
struct workers_child *workers_os_spawn(struct workers_os *os, long task,
                                       const struct worker_callbacks *cb, void *ctx, char *why,
                                       size_t why_size);

/* Waits at most timeout_ms (and may return sooner) for children[0..count) and sets ready[i]
 * for each whose pipe has bytes or is at end of file; count is at most WORKERS_MAX. */
void workers_os_wait(struct workers_child *const *children, size_t count, int timeout_ms,
                     bool *ready);

/* Reads at most room bytes of what the child's pipe holds now, without waiting. */
enum workers_read workers_os_read(struct workers_child *child, uint8_t *buf, size_t room,
                                  size_t *got);

/* Ends the child's process at once; its pipe then reaches end of file. */
void workers_os_kill(struct workers_child *child);

/* Closes the child's pipe, waits for its process to end, says how it ended, frees child. */
void workers_os_reap(struct workers_os *os, struct workers_child *child,
                     struct workers_exit *ended);

#endif
