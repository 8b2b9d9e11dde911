/*
 * workers_posix.c - the worker pool's primitives on POSIX (workers_backend.h): a worker is a
 * fork of the calling process that runs its task and exits, writing its frames to a pipe; the
 * caller polls the pipes and reaps the workers with waitpid.
 *
 * A worker leaves with _exit: it must not flush stdio buffers it inherited from the caller or
 * run the caller's exit handlers.
 *
 * Not for: the pool itself - task order, frames, the stall limit, how an end is classified
 * (workers.c); Windows (workers_win32.c).
 */
#include "workers_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct workers_child {
    pid_t pid;
    int fd;                     /* the read end of its pipe */
    struct workers_child *next; /* in workers_os.open */
};

struct workers_os {
    struct workers_child *open; /* the children whose pipes this process holds */
};

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

struct workers_os *workers_os_open(void)
{
    return cs_xcalloc(1, sizeof(struct workers_os));
}

void workers_os_close(struct workers_os *os)
{
    free(os);
}

/* In the new worker: nothing of the other workers' pipes may stay open in it, and a fault
 * ends it by its signal, which the caller reports, even where a sanitizer would catch it. */
static void run_in_child(struct workers_os *os, long task, const struct worker_callbacks *cb,
                         void *ctx, int fd)
{
    for (struct workers_child *c = os->open; c != NULL; c = c->next)
        close(c->fd);
    const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
    for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
        signal(faults[i], SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    int status = cb->run(task, fd, ctx);
    close(fd);
    _exit(status);
}

struct workers_child *workers_os_spawn(struct workers_os *os, long task,
                                       const struct worker_callbacks *cb, void *ctx, char *why,
                                       size_t why_size)
{
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(why, why_size, "%s", strerror(errno));
        return NULL;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, why_size, "%s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return NULL;
    }
    if (pid == 0) {
        close(fds[0]);
        run_in_child(os, task, cb, ctx, fds[1]);
    }
    close(fds[1]);
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    struct workers_child *child = cs_xmalloc(sizeof(*child));
    *child = (struct workers_child){.pid = pid, .fd = fds[0], .next = os->open};
    os->open = child;
    return child;
}

void workers_os_wait(struct workers_child *const *children, size_t count, int timeout_ms,
                     bool *ready)
{
    struct pollfd fds[WORKERS_MAX];
    for (size_t i = 0; i < count; i++) {
        fds[i] = (struct pollfd){.fd = children[i]->fd, .events = POLLIN};
        ready[i] = false;
    }
    if (poll(fds, count, timeout_ms) <= 0)
        return;
    for (size_t i = 0; i < count; i++)
        ready[i] = fds[i].revents != 0;
}

enum workers_read workers_os_read(struct workers_child *child, uint8_t *buf, size_t room,
                                  size_t *got)
{
    for (;;) {
        ssize_t n = read(child->fd, buf, room);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK ? WORKERS_READ_EMPTY
                                                           : WORKERS_READ_BROKEN;
        if (n == 0)
            return WORKERS_READ_END;
        *got = (size_t)n;
        return WORKERS_READ_DATA;
    }
}

void workers_os_kill(struct workers_child *child)
{
    kill(child->pid, SIGKILL);
}

void workers_os_reap(struct workers_os *os, struct workers_child *child, struct workers_exit *ended)
{
    for (struct workers_child **p = &os->open; *p != NULL; p = &(*p)->next)
        if (*p == child) {
            *p = child->next;
            break;
        }
    close(child->fd);
    int status = 0;
    while (waitpid(child->pid, &status, 0) < 0 && errno == EINTR)
        ;
    free(child);
    if (WIFSIGNALED(status))
        *ended = (struct workers_exit){.how = WORKERS_SIGNALED, .signal = WTERMSIG(status)};
    else
        *ended = (struct workers_exit){.how = WORKERS_EXITED,
                                       .status = WIFEXITED(status) ? WEXITSTATUS(status) : 0};
}
