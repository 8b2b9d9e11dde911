/*
 * test_util.c - see test_util.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

char *read_stream(FILE *f, size_t *size)
{
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *bytes = malloc((size_t)n + 1);
    assert_non_null(bytes);
    assert_int_equal(fread(bytes, 1, (size_t)n, f), (size_t)n);
    bytes[n] = '\0';
    if (size)
        *size = (size_t)n;
    return bytes;
}

char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *bytes = read_stream(f, size);
    fclose(f);
    return bytes;
}

void write_bytes(const char *path, const void *bytes, size_t size)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (size)
        assert_int_equal(fwrite(bytes, 1, size, f), size);
    assert_int_equal(fclose(f), 0);
}

void write_text(const char *path, const char *text)
{
    write_bytes(path, text, strlen(text));
}

int remove_tree(const char *dir)
{
    char command[1200];
    if ((size_t)snprintf(command, sizeof(command), "rm -rf '%s'", dir) >= sizeof(command))
        return -1;
    return system(command) == 0 ? 0 : -1;
}

void run_program(struct process_result *r, const char *cwd, int timeout_seconds,
                 const char *program, ...)
{
    char *argv[64] = {(char *)program};
    int argc = 1;
    va_list ap;
    va_start(ap, program);
    for (const char *a = va_arg(ap, const char *); a && argc < 63; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    assert_int_equal(run_process(argv, cwd, timeout_seconds, r), 0);
    assert_false(r->timed_out);
    assert_int_equal(r->signal, 0);
}
