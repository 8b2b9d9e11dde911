/*
 * test_util.h - the small helpers several tests need: a whole file read into memory, bytes or
 * text written to a file, a folder removed, and a program (usually the crashsig binary) run
 * with its arguments listed in the call.
 *
 * Every helper fails the cmocka test that called it when its work goes wrong, except where it
 * says it returns NULL or -1 (so a test can check for a missing file, and a group teardown can
 * report failure by its return value).  A test that uses them builds test_util.c and
 * run_process.c with its own source (tests/CMakeLists.txt).
 *
 * Not for: test logic or test data (each test builds its own), running a program without the
 * checks below (call run_process() from run_process.h), or the fuzz seed and benchmark log
 * generators (fuzz/, bench/), which are programs of their own.
 */
#ifndef CRASHSIG_TESTS_TEST_UTIL_H
#define CRASHSIG_TESTS_TEST_UTIL_H

#include <stdio.h>

#include "run_process.h"

/* The whole file at path, NUL-terminated (so text can be used as a string), or NULL when it
 * cannot be opened.  *size, when size is not NULL, gets its length without the NUL.  Fails the
 * test when the file opens but cannot be read in full. */
char *read_file(const char *path, size_t *size);

/* The same for an open, seekable stream: everything in it from the start, whatever the
 * current position.  Leaves the stream open. */
char *read_stream(FILE *f, size_t *size);

/* Writes size bytes to path (created or truncated); fails the test when it cannot. */
void write_bytes(const char *path, const void *bytes, size_t size);

/* Writes a string, without its NUL, to path (created or truncated). */
void write_text(const char *path, const char *text);

/* Removes dir and everything in it (rm -rf).  Returns 0, or -1 when that failed. */
int remove_tree(const char *dir);

/* Runs program in cwd (NULL: the test's own) with the arguments that follow, ended by NULL (62
 * at the most; more are not passed).  Fails the test when the program cannot be run, runs
 * longer than timeout_seconds or is killed by a signal; the exit status and output are left in
 * *r for the test (free it with process_result_free()). */
void run_program(struct process_result *r, const char *cwd, int timeout_seconds,
                 const char *program, ...);

#endif
