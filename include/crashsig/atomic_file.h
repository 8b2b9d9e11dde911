/*
 * atomic_file.h - replace a file so that a reader, a crash or a power cut at any moment sees
 * either the old content or the new, never a mixture or a truncated file.
 *
 * The new content goes to a temporary file in the same directory (so the rename cannot cross
 * file systems; platform.h makes it), which is flushed, fsync'ed and renamed over the target,
 * and the directory is fsync'ed so the rename itself is durable.  Writing and publishing are
 * separate steps so that a caller with several outputs can write all of them first and rename
 * them only when every one was written without error.
 *
 * What is at the path decides how it is written (docs/robustness.md, "Outputs"):
 *   - nothing, or a regular file: replaced atomically as above;
 *   - a symbolic link: the file it leads to is replaced atomically (the link stays a link);
 *     a link that leads to nothing is refused, as is a link to a directory;
 *   - a character device, a FIFO, a socket or a stream path such as /dev/stdout: only
 *     atomic_file_begin_output accepts them, and writes them in place (opened without
 *     creating, truncating or renaming anything; all-or-nothing cannot apply), so that
 *     `-o /dev/null` never replaces /dev/null, even as root;
 *   - a directory: refused.
 *
 * Not for: locking (two writers each produce a complete file, and the last rename wins; see
 * state.h for the lock the state file needs).
 */
#ifndef CRASHSIG_ATOMIC_FILE_H
#define CRASHSIG_ATOMIC_FILE_H

#include <stdio.h>

#include "crashsig/common.h"

struct atomic_file {
    char *path;      /* the file to replace (a link's target); owned */
    char *temp_path; /* "PATH.tmpXXXXXX" beside it while it is written; owned */
    FILE *f;         /* open for writing between begin and publish */
    bool in_place;   /* a device, FIFO or stream, written directly: no temp_path */
};

/* Removes the temporary files killed writers left beside path (atomic_file_remove_stale) and
 * creates a new one (mode 0666 minus the umask, as a plain create would give).  Refuses
 * anything at path but a regular file or a link to one.  Returns 0, or -1 with err naming
 * path. */
int atomic_file_begin(struct atomic_file *af, const char *path, struct cs_error *err);

/* The same for a report: also accepts a device, FIFO or stream path, opened in place (a FIFO
 * waits for its reader here, as any writer to it would). */
int atomic_file_begin_output(struct atomic_file *af, const char *path, struct cs_error *err);

/* Flushes the temporary file and checks that every byte was written (a full disk shows up
 * here).  It stays open until publish.  Returns -1 with err on failure. */
int atomic_file_close(struct atomic_file *af, struct cs_error *err);

/* fsyncs and closes the temporary file, renames it over path and fsyncs the directory. */
int atomic_file_publish(struct atomic_file *af, struct cs_error *err);

/* Closes and removes the temporary file if it is still there, and frees af's members.  Safe
 * at any point, including after publish. */
void atomic_file_discard(struct atomic_file *af);

/* close + publish + discard: the whole replacement for a single file. */
int atomic_file_commit(struct atomic_file *af, struct cs_error *err);

/* Removes temporary files that an earlier writer killed between begin and publish left beside
 * path ("PATH.tmp" and six more characters).  Safe while another process writes path: a
 * temporary file whose writer is alive is locked and left alone
 * (platform_remove_abandoned_temp).  Returns how many were removed. */
int atomic_file_remove_stale(const char *path);

#endif
