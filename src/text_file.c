/*
 * text_file.c - whole reads of small text files, checked first (text_file.h).
 *
 * Not for: anything large or binary.
 */
#include "crashsig/text_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/platform.h"

static const char *kind_name(enum platform_file_kind kind)
{
    switch (kind) {
    case PLATFORM_DIRECTORY:
        return "a directory";
    case PLATFORM_LINK:
        return "a link";
    default:
        return "a device, pipe or socket";
    }
}

int text_file_read(const char *path, const char *what, uint64_t max_size, char **text, size_t *size,
                   struct cs_error *err)
{
    *text = NULL;
    *size = 0;
    struct platform_file_info info;
    if (platform_file_info(path, true, &info, NULL) != 0) {
        cs_error_set(err, "cannot read %s %s: %s", what, path, strerror(errno));
        return -1;
    }
    if (info.kind == PLATFORM_MISSING)
        return 1;
    if (info.kind != PLATFORM_FILE) {
        cs_error_set(err, "%s %s is %s, not a regular file", what, path, kind_name(info.kind));
        return -1;
    }
    if (info.size > max_size) {
        cs_error_set(err, "%s %s is %llu bytes, more than the %llu a crashsig %s can be", what,
                     path, (unsigned long long)info.size, (unsigned long long)max_size, what);
        return -1;
    }
    FILE *f = platform_fopen(path, "rb");
    if (f == NULL) {
        cs_error_set(err, "cannot read %s %s: %s", what, path, strerror(errno));
        return -1;
    }
    /* one byte more than it had: a file that grew since it was looked at is caught */
    size_t cap = (size_t)info.size + 1;
    char *buf = cs_xmalloc(cap + 1);
    size_t len = fread(buf, 1, cap, f);
    bool failed = ferror(f) != 0;
    fclose(f);
    const char *problem = failed                   ? "read error"
                          : len == cap             ? "it grew while being read"
                          : memchr(buf, '\0', len) ? "it holds a NUL byte, so it is not text"
                                                   : NULL;
    if (problem) {
        cs_error_set(err, "cannot read %s %s: %s", what, path, problem);
        free(buf);
        return -1;
    }
    buf[len] = '\0';
    *text = buf;
    *size = len;
    return 0;
}
