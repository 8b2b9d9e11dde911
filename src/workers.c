/*
 * workers.c - forked worker processes with a stall limit (workers.h).
 *
 * The caller's loop: start workers up to the limit, poll their pipes, split what arrives into
 * frames, and when a pipe reaches end of file reap the worker and classify how it ended.  The
 * stall limit is measured from the last byte a worker wrote, so a long task that keeps
 * reporting progress is never killed, and a worker stuck inside libevtx is.
 *
 * A worker leaves with _exit: it must not flush stdio buffers it inherited from the caller or
 * run the caller's exit handlers.
 *
 * Not for: what tasks or frames are (scan.c, event_wire.h).
 */
#include "workers.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "event_wire.h"

#define READ_SIZE   65536
#define MAX_WORKERS 256

struct worker {
    pid_t pid;
    int fd;
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
    size_t running;
    struct worker workers[MAX_WORKERS];
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void workers_enter_child(int fd)
{
    (void)fd; /* a fork already has what it needs: run_in_child */
}

int workers_write_all(int fd, const void *data, size_t size)
{
    const uint8_t *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

/* In the new worker: nothing of the other workers' pipes may stay open in it, and a fault
 * ends it by its signal, which the caller reports, even where a sanitizer would catch it. */
static void run_in_child(struct pool *pool, long task, int fd)
{
    for (size_t i = 0; i < pool->running; i++)
        close(pool->workers[i].fd);
    const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
    for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
        signal(faults[i], SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    int status = pool->cb->run(task, fd, pool->ctx);
    close(fd);
    _exit(status);
}

static void start(struct pool *pool, long task)
{
    int fds[2];
    struct worker_end end = {.outcome = WORKER_NOT_STARTED};
    if (pipe(fds) != 0) {
        snprintf(end.why, sizeof(end.why), "%s", strerror(errno));
        pool->cb->end(task, &end, pool->ctx);
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(end.why, sizeof(end.why), "%s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        pool->cb->end(task, &end, pool->ctx);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        run_in_child(pool, task, fds[1]);
    }
    close(fds[1]);
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    pool->workers[pool->running++] =
        (struct worker){.pid = pid, .fd = fds[0], .task = task, .last_activity = now_seconds()};
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
            w->garbled = true;
            kill(w->pid, SIGKILL);
            break;
        }
        used += WIRE_FRAME_HEADER + size;
    }
    if (w->garbled)
        used = w->size;
    memmove(w->buf, w->buf + used, w->size - used);
    w->size -= used;
}

/* Reads what the worker wrote; returns true at end of file. */
static bool drain(struct pool *pool, struct worker *w)
{
    for (;;) {
        if (w->capacity - w->size < READ_SIZE) {
            w->capacity = w->size + READ_SIZE * 2;
            w->buf = cs_xrealloc(w->buf, w->capacity);
        }
        ssize_t n = read(w->fd, w->buf + w->size, w->capacity - w->size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno != EAGAIN && errno != EWOULDBLOCK;
        if (n == 0)
            return true;
        w->size += (size_t)n;
        w->last_activity = now_seconds();
        dispatch_frames(pool, w);
    }
}

static void classify(const struct worker *w, int status, struct worker_end *end)
{
    if (w->killed_for_stall)
        end->outcome = WORKER_HUNG;
    else if (w->garbled || (WIFEXITED(status) && WEXITSTATUS(status) == 0 && w->size != 0))
        end->outcome = WORKER_GARBLED;
    else if (WIFSIGNALED(status))
        end->outcome = WORKER_CRASHED, end->signal = WTERMSIG(status);
    else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        end->outcome = WORKER_FAILED, end->exit_status = WEXITSTATUS(status);
    else
        end->outcome = WORKER_FINISHED;
}

/* The worker's pipe is at end of file: reap it and report how it ended. */
static void finish(struct pool *pool, size_t index)
{
    struct worker w = pool->workers[index];
    pool->workers[index] = pool->workers[--pool->running];
    close(w.fd);
    int status = 0;
    while (waitpid(w.pid, &status, 0) < 0 && errno == EINTR)
        ;
    struct worker_end end = {0};
    classify(&w, status, &end);
    free(w.buf);
    pool->cb->end(w.task, &end, pool->ctx);
}

/* Kills workers silent for too long; returns the poll timeout until the next deadline. */
static int enforce_stall_limit(struct pool *pool)
{
    double now = now_seconds(), next = (double)pool->stall_seconds;
    for (size_t i = 0; i < pool->running; i++) {
        struct worker *w = &pool->workers[i];
        double left = w->last_activity + pool->stall_seconds - now;
        if (left <= 0 && !w->killed_for_stall) {
            kill(w->pid, SIGKILL);
            w->killed_for_stall = true;
        }
        if (left > 0 && left < next)
            next = left;
    }
    return (int)(next * 1000) + 1;
}

static void poll_once(struct pool *pool)
{
    struct pollfd fds[MAX_WORKERS];
    for (size_t i = 0; i < pool->running; i++)
        fds[i] = (struct pollfd){.fd = pool->workers[i].fd, .events = POLLIN};
    int timeout = enforce_stall_limit(pool);
    size_t count = pool->running;
    if (poll(fds, count, timeout) <= 0)
        return;
    /* from the end, so that finish() moving the last worker into a freed slot is harmless */
    for (size_t i = count; i-- > 0;)
        if (fds[i].revents && drain(pool, &pool->workers[i]))
            finish(pool, i);
}

void workers_run(unsigned jobs, unsigned stall_seconds, const struct worker_callbacks *cb,
                 void *ctx)
{
    struct pool *pool = cs_xcalloc(1, sizeof(*pool));
    pool->cb = cb;
    pool->ctx = ctx;
    pool->jobs = jobs < 1 ? 1 : jobs > MAX_WORKERS ? MAX_WORKERS : jobs;
    pool->stall_seconds = stall_seconds ? stall_seconds : 1;
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
    free(pool);
}
