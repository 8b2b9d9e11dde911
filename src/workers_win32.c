/*
 * workers_win32.c - workers.h on Windows, which has no fork(): every task runs in the calling
 * process, one after the other.  A task writes its frames to an anonymous temporary file
 * (platform_temp_fd: deleted by Windows when it is closed, even after a crash); once the task
 * returns, the file is read back and its frames are handed over exactly as workers.c hands
 * over what a worker wrote to its pipe, and the task ends as a worker would have.
 *
 * The report is the same as with forked workers: scan.c merges the results in file and chunk
 * order, whatever the number of workers and the order they finish in.  What Windows does not
 * get (docs/windows.md): parallel workers (--jobs is accepted and runs one task at a time),
 * the stall limit (a hang inside libevtx hangs crashsig.exe) and the isolation (a crash inside
 * libevtx ends crashsig.exe, where Linux reports that one input as unreadable).  Threads or
 * CreateProcessW children could bring those back.
 *
 * Not for: POSIX systems (workers.c), what tasks or frames are (scan.c, event_wire.h).
 */
#include "workers.h"

#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/platform.h"
#include "event_wire.h"

#define READ_SIZE 65536

int workers_write_all(int fd, const void *data, size_t size)
{
    const uint8_t *p = data;
    while (size > 0) {
        unsigned part = size > 0x40000000u ? 0x40000000u : (unsigned)size;
        int n = _write(fd, p, part);
        if (n <= 0)
            return -1;
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

struct frames {
    uint8_t *buf;
    size_t size, capacity;
    bool garbled;
};

/* Hands over every whole frame at the start of f->buf and keeps the rest. */
static void dispatch_frames(const struct worker_callbacks *cb, void *ctx, long task,
                            struct frames *f)
{
    size_t used = 0;
    while (!f->garbled) {
        uint8_t type;
        const uint8_t *payload;
        size_t size;
        int rc = wire_frame(f->buf + used, f->size - used, &type, &payload, &size);
        if (rc == 0)
            break;
        if (rc < 0 || cb->frame(task, type, payload, size, ctx) != 0) {
            f->garbled = true;
            break;
        }
        used += WIRE_FRAME_HEADER + size;
    }
    if (f->garbled)
        used = f->size;
    memmove(f->buf, f->buf + used, f->size - used);
    f->size -= used;
}

/* Reads the task's file from the start and hands its frames over; false on a read error. */
static bool read_back(const struct worker_callbacks *cb, void *ctx, long task, int fd,
                      struct frames *f)
{
    if (platform_seek(fd, 0) != 0)
        return false;
    for (;;) {
        if (f->capacity - f->size < READ_SIZE) {
            f->capacity = f->size + READ_SIZE * 2;
            f->buf = cs_xrealloc(f->buf, f->capacity);
        }
        int n = _read(fd, f->buf + f->size, READ_SIZE);
        if (n < 0)
            return false;
        if (n == 0)
            return true;
        f->size += (size_t)n;
        dispatch_frames(cb, ctx, task, f);
    }
}

/* As workers.c classifies a worker: garbled output first, then the task's exit status. */
static void run_one(const struct worker_callbacks *cb, void *ctx, long task)
{
    struct worker_end end = {.outcome = WORKER_NOT_STARTED};
    struct cs_error err = {""};
    int fd = platform_temp_fd(&err);
    if (fd < 0) {
        snprintf(end.why, sizeof(end.why), "%s", err.message);
        cb->end(task, &end, ctx);
        return;
    }
    int status = cb->run(task, fd, ctx);
    struct frames f = {0};
    bool read_ok = read_back(cb, ctx, task, fd, &f);
    platform_close(fd);
    if (!read_ok || f.garbled || (status == 0 && f.size != 0))
        end.outcome = WORKER_GARBLED;
    else if (status != 0)
        end.outcome = WORKER_FAILED, end.exit_status = status;
    else
        end.outcome = WORKER_FINISHED;
    free(f.buf);
    cb->end(task, &end, ctx);
}

void workers_run(unsigned jobs, unsigned stall_seconds, const struct worker_callbacks *cb,
                 void *ctx)
{
    (void)jobs;          /* one task at a time: see the header comment */
    (void)stall_seconds; /* nothing can stop a task that runs in this process */
    for (long task = cb->next(ctx); task >= 0; task = cb->next(ctx))
        run_one(cb, ctx, task);
}
