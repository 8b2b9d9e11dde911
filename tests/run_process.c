/*
 * run_process.c - see run_process.h.
 */
#include "run_process.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *slurp(FILE *f, size_t *size)
{
    fflush(f);
    rewind(f);
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    if (buf)
        buf[len] = '\0';
    if (size)
        *size = len;
    return buf;
}

int run_process(char *const argv[], const char *cwd, int timeout_seconds,
                struct process_result *result)
{
    memset(result, 0, sizeof(*result));
    FILE *out = tmpfile(), *err = tmpfile();
    if (out == NULL || err == NULL)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fileno(out), STDOUT_FILENO);
        dup2(fileno(err), STDERR_FILENO);
        if (cwd && chdir(cwd) != 0)
            _exit(126);
        execv(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (long waited_ms = 0;; waited_ms += 10) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid)
            break;
        if (done < 0 && errno != EINTR)
            return -1;
        if (waited_ms >= timeout_seconds * 1000L) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            result->timed_out = true;
            break;
        }
        nanosleep(&tick, NULL);
    }
    result->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    result->out = slurp(out, &result->out_size);
    result->err = slurp(err, NULL);
    fclose(out);
    fclose(err);
    return 0;
}

void process_result_free(struct process_result *result)
{
    free(result->out);
    free(result->err);
    memset(result, 0, sizeof(*result));
}
