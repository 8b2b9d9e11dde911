/*
 * workers.c - the worker pool (workers.h), written once for every system over the primitives
 * of workers_backend.h (workers_posix.c: forked workers; workers_win32.c: child crashsig.exe).
 *
 * The caller's loop: start workers up to the limit in the order next() gives the tasks, wait
 * until their pipes can be read, split what arrives into frames, and when a pipe reaches end
 * of file reap the worker and classify how it ended.  The stall limit is measured from the
 * last byte a worker wrote, so a long task that keeps reporting progress is never killed, and a
 * worker stuck inside libevtx is.  A worker that writes bytes that are not frames, or a frame
 * the caller rejects, is killed and what it sends after that is dropped unread.
 *
 * Not for: how a worker is started, watched or ended on a given system (the backends), what
 * tasks or frames are (scan.c, event_wire.h).
 */
#include "workers.h"

#include <stdlib.h>
#include <string.h>

#include "crashsig/platform.h"
#include "event_wire.h"
#include "workers_backend.h"

struct worker {
    struct workers_child *child;
    long task;
    double last_activity;
    bool killed_for_stall, garbled;
    uint8_t *buf;
    size_t size, capacity;
};

struct pool {
    const struct worker_callbacks *cb;
    void *ctx;
    unsigned jobs, stall_seconds;
    struct workers_os *os;
    size_t running;
    struct worker workers[WORKERS_MAX];
};

static void start(struct pool *pool, long task)
{
    struct worker_end end = {.outcome = WORKER_NOT_STARTED};
    struct workers_child *child =
        workers_os_spawn(pool->os, task, pool->cb, pool->ctx, end.why, sizeof(end.why));
    if (child == NULL) {
        pool->cb->end(task, &end, pool->ctx);
        return;
    }
    pool->workers[pool->running++] = (struct worker){
        .child = child, .task = task, .last_activity = platform_monotonic_seconds()};
}

/* The worker cannot be trusted any more: stop it; what it still sends is dropped. */
static void garble(struct worker *w)
{
    if (!w->garbled) {
        w->garbled = true;
        workers_os_kill(w->child);
    }
}

/* Hands over every whole frame in the worker's buffer. */
static void dispatch_frames(struct pool *pool, struct worker *w)
{
    size_t used = 0;
    while (!w->garbled) {
        uint8_t type;
        const uint8_t *payload;
        size_t size;
        int rc = wire_frame(w->buf + used, w->size - used, &type, &payload, &size);
        if (rc == 0)
            break;
        if (rc < 0 || pool->cb->frame(w->task, type, payload, size, pool->ctx) != 0) {
            garble(w);
            break;
        }
        used += WIRE_FRAME_HEADER + size;
    }
    if (w->garbled)
        used = w->size;
    memmove(w->buf, w->buf + used, w->size - used);
    w->size -= used;
}

/* Reads what the worker's pipe holds now; returns true at end of file (the worker is gone and
 * everything it wrote was read), or when the pipe cannot be read (then the worker is stopped). */
static bool drain(struct pool *pool, struct worker *w)
{
    for (;;) {
        if (w->capacity - w->size < WORKERS_READ_SIZE) {
            w->capacity = w->size + WORKERS_READ_SIZE * 2;
            w->buf = cs_xrealloc(w->buf, w->capacity);
        }
        size_t got = 0;
        switch (workers_os_read(w->child, w->buf + w->size, w->capacity - w->size, &got)) {
        case WORKERS_READ_EMPTY:
            return false;
        case WORKERS_READ_END:
            return true;
        case WORKERS_READ_BROKEN:
            garble(w);
            return true;
        case WORKERS_READ_DATA:
            break;
        }
        w->size += got;
        w->last_activity = platform_monotonic_seconds();
        dispatch_frames(pool, w);
    }
}

/* A worker killed for the stall limit is hung whatever its process says; bytes left over that
 * are not a whole frame make a clean exit garbled. */
static void classify(const struct worker *w, const struct workers_exit *ended,
                     struct worker_end *end)
{
    bool exited = ended->how == WORKERS_EXITED;
    if (w->killed_for_stall)
        end->outcome = WORKER_HUNG;
    else if (w->garbled || (exited && ended->status == 0 && w->size != 0))
        end->outcome = WORKER_GARBLED;
    else if (ended->how == WORKERS_SIGNALED)
        end->outcome = WORKER_CRASHED, end->signal = ended->signal;
    else if (ended->how == WORKERS_EXCEPTION)
        end->outcome = WORKER_CRASHED, end->exception = ended->exception;
    else if (ended->status != 0)
        end->outcome = WORKER_FAILED, end->exit_status = ended->status;
    else
        end->outcome = WORKER_FINISHED;
}

/* The worker's pipe is at end of file: reap it and report how it ended. */
static void finish(struct pool *pool, size_t index)
{
    struct worker w = pool->workers[index];
    pool->workers[index] = pool->workers[--pool->running];
    struct workers_exit ended;
    workers_os_reap(pool->os, w.child, &ended);
    struct worker_end end = {0};
    classify(&w, &ended, &end);
    free(w.buf);
    pool->cb->end(w.task, &end, pool->ctx);
}

/* Kills the workers silent for the stall limit (they end as WORKER_HUNG once their pipe
 * reaches end of file); returns the wait's timeout, in ms, until the next deadline. */
static int enforce_stall_limit(struct pool *pool)
{
    double now = platform_monotonic_seconds(), next = (double)pool->stall_seconds;
    for (size_t i = 0; i < pool->running; i++) {
        struct worker *w = &pool->workers[i];
        double left = w->last_activity + pool->stall_seconds - now;
        if (left <= 0 && !w->killed_for_stall) {
            workers_os_kill(w->child);
            w->killed_for_stall = true;
        }
        if (left > 0 && left < next)
            next = left;
    }
    return (int)(next * 1000) + 1;
}

static void poll_once(struct pool *pool)
{
    struct workers_child *children[WORKERS_MAX];
    bool ready[WORKERS_MAX];
    size_t count = pool->running;
    for (size_t i = 0; i < count; i++)
        children[i] = pool->workers[i].child;
    workers_os_wait(children, count, enforce_stall_limit(pool), ready);
    /* from the end, so that finish() moving the last worker into a freed slot is harmless */
    for (size_t i = count; i-- > 0;)
        if (ready[i] && drain(pool, &pool->workers[i]))
            finish(pool, i);
}

void workers_run(unsigned jobs, unsigned stall_seconds, const struct worker_callbacks *cb,
                 void *ctx)
{
    struct pool *pool = cs_xcalloc(1, sizeof(*pool));
    pool->cb = cb;
    pool->ctx = ctx;
    pool->jobs = jobs < 1 ? 1 : jobs > WORKERS_MAX ? WORKERS_MAX : jobs;
    pool->stall_seconds = stall_seconds ? stall_seconds : 1;
    pool->os = workers_os_open();
    for (;;) {
        while (pool->running < pool->jobs) {
            long task = cb->next(ctx);
            if (task < 0)
                break;
            start(pool, task);
        }
        if (pool->running == 0)
            break;
        poll_once(pool);
    }
    workers_os_close(pool->os);
    free(pool);
}
