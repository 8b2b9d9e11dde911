/*
 * run_process.h - run a program for a test and capture what it printed and how it ended.
 *
 * Output goes through temporary files, not pipes, so a chatty child can never deadlock the
 * test; a time limit kills a hung child, which then counts as a failure, never a hang.
 */
#ifndef CRASHSIG_TESTS_RUN_PROCESS_H
#define CRASHSIG_TESTS_RUN_PROCESS_H

#include <stdbool.h>
#include <stddef.h>

struct process_result {
    int exit_status; /* -1 when killed by a signal */
    int signal;      /* the signal that ended it, 0 if none */
    bool timed_out;
    char *out; /* stdout, NUL-terminated, owned */
    size_t out_size;
    char *err; /* stderr, NUL-terminated, owned */
};

/* argv[0] is the program path; cwd may be NULL.  Returns 0 when the program could be run. */
int run_process(char *const argv[], const char *cwd, int timeout_seconds,
                struct process_result *result);
void process_result_free(struct process_result *result);

#endif
