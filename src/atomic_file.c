/*
 * atomic_file.c - write-temporary-then-rename file replacement (atomic_file.h), on top of the
 * platform layer's temporary files (platform.h: mkstemp + fsync + rename on POSIX, MoveFileEx
 * on Windows); what is at the path (a link, a device, a FIFO) decides how it is written.
 *
 * Not for: deciding what is written.
 */
#include "crashsig/atomic_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/platform.h"

#define TEMP_MARK       ".tmp"
#define TEMP_RANDOM_LEN 6 /* the XXXXXX platform_temp_create fills in */

static const char *kind_name(enum platform_file_kind kind)
{
    return kind == PLATFORM_DIRECTORY ? "a directory"
           : kind == PLATFORM_LINK    ? "a link"
                                      : "a device, FIFO or socket";
}

static int begin(struct atomic_file *af, const char *path, bool in_place_allowed,
                 struct cs_error *err)
{
    memset(af, 0, sizeof(*af));
    struct platform_file_info info;
    bool stream = platform_is_stream_path(path);
    if (!stream && platform_file_info(path, false, &info, NULL) != 0) {
        cs_error_set(err, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    char *target = NULL; /* the file a link leads to */
    if (!stream && info.kind == PLATFORM_LINK) {
        struct cs_error why = {""};
        target = platform_resolve_links(path, &why);
        if (target == NULL) {
            cs_error_set(err,
                         "cannot write %s: it is a symbolic link, and crashsig replaces only a "
                         "link's existing target (%s)",
                         path, why.message);
            return -1;
        }
        if (platform_file_info(target, true, &info, NULL) != 0) {
            cs_error_set(err, "cannot write %s: %s", target, strerror(errno));
            free(target);
            return -1;
        }
    }
    const char *where = target ? target : path;
    if (stream || info.kind == PLATFORM_OTHER) {
        if (!in_place_allowed) {
            cs_error_set(err, "%s is %s, not a regular file", where,
                         stream ? "a stream" : kind_name(info.kind));
            free(target);
            return -1;
        }
        af->f = platform_open_in_place(where);
        if (af->f == NULL) {
            cs_error_set(err, "cannot write %s: %s", where, strerror(errno));
            free(target);
            return -1;
        }
        af->path = target ? target : cs_strdup(path);
        af->in_place = true;
        return 0;
    }
    if (info.kind != PLATFORM_FILE && info.kind != PLATFORM_MISSING) {
        cs_error_set(err, "cannot write %s: it is %s", where, kind_name(info.kind));
        free(target);
        return -1;
    }
    atomic_file_remove_stale(where); /* what a killed run left */
    struct platform_temp_file tmp;
    if (platform_temp_create(where, &tmp, err) != 0) {
        free(target);
        return -1;
    }
    af->path = target ? target : cs_strdup(path);
    af->temp_path = tmp.path;
    af->f = tmp.file;
    return 0;
}

int atomic_file_begin(struct atomic_file *af, const char *path, struct cs_error *err)
{
    return begin(af, path, false, err);
}

int atomic_file_begin_output(struct atomic_file *af, const char *path, struct cs_error *err)
{
    return begin(af, path, true, err);
}

/* The content is complete once every byte reached the operating system without an error (a
 * full disk shows up here); platform_temp_commit fsyncs it before the rename. */
int atomic_file_close(struct atomic_file *af, struct cs_error *err)
{
    if (af->f == NULL)
        return 0;
    if (ferror(af->f) || fflush(af->f) != 0) {
        cs_error_set(err, "cannot write %s: %s", af->path, strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}

int atomic_file_publish(struct atomic_file *af, struct cs_error *err)
{
    if (atomic_file_close(af, err) != 0)
        return -1;
    if (af->in_place) { /* written already: nothing to rename */
        int rc = fclose(af->f);
        af->f = NULL;
        if (rc != 0) {
            cs_error_set(err, "cannot write %s: %s", af->path, strerror(errno));
            return -1;
        }
        return 0;
    }
    if (af->temp_path == NULL) {
        cs_error_set(err, "cannot write %s: nothing was written", af->path ? af->path : "?");
        return -1;
    }
    struct platform_temp_file tmp = {.file = af->f, .path = af->temp_path};
    af->f = NULL;
    af->temp_path = NULL; /* commit frees it and removes the file on failure */
    /* renames and makes the rename durable (fsync of the folder where there is one) */
    return platform_temp_commit(&tmp, af->path, err);
}

void atomic_file_discard(struct atomic_file *af)
{
    struct platform_temp_file tmp = {.file = af->f, .path = af->temp_path};
    if (tmp.file || tmp.path)
        platform_temp_discard(&tmp);
    free(af->path);
    memset(af, 0, sizeof(*af));
}

int atomic_file_commit(struct atomic_file *af, struct cs_error *err)
{
    int rc = atomic_file_publish(af, err);
    atomic_file_discard(af);
    return rc;
}

/* "NAME.tmp" followed by exactly the characters mkstemp fills in. */
static bool is_stale_temp(const char *entry, const char *base)
{
    size_t base_len = strlen(base), mark_len = strlen(TEMP_MARK);
    return strncmp(entry, base, base_len) == 0 &&
           strncmp(entry + base_len, TEMP_MARK, mark_len) == 0 &&
           strlen(entry + base_len + mark_len) == TEMP_RANDOM_LEN;
}

int atomic_file_remove_stale(const char *path)
{
    const char *base;
    char *dir = platform_path_folder(path, &base);
    char **names = NULL;
    size_t count = 0;
    int removed = 0;
    if (platform_list_directory(dir, &names, &count, NULL) == 0) {
        for (size_t i = 0; i < count; i++) {
            if (!is_stale_temp(names[i], base))
                continue;
            char *stale = platform_path_join(dir, names[i]);
            removed += platform_remove_abandoned_temp(stale) == 0;
            free(stale);
        }
        platform_names_free(names, count);
    }
    free(dir);
    return removed;
}
