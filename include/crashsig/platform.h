/*
 * platform.h - the operating-system services crashsig needs, behind one small API, so that the
 * rest of the code is the same on Linux and on Windows: file status, directory listing, opening
 * files, atomic replacement through a temporary file, private temporary folders, file locks,
 * terminals, the core count and the local time.
 *
 * Every path is a UTF-8 string.  On Windows each call converts it to UTF-16 and uses the wide
 * Win32 and CRT functions (and libevtx_file_open_wide), so C:\Logs\Überwachung\Application.evtx
 * works whatever the ANSI code page is; the Windows entry point (platform_win32_main.c) turns
 * the command line into UTF-8 before main() sees it.  Either separator works on Windows; paths
 * built here use the native one.
 *
 * Implementations: platform_posix.c (Linux and other POSIX systems), platform_win32.c
 * (Windows, mingw-w64), platform_evtx.c (opening an .evtx with libevtx, both).  Functions that
 * can fail return 0 or -1 with a message in err (naming the path; err may be NULL) unless said
 * otherwise; platform_file_info and platform_list_directory also leave errno set, for callers
 * whose messages already name the path.
 *
 * Not for: anything crashsig-specific (what an .evtx is, report formats, options), and not a
 * general portability library: only what crashsig calls is here.
 */
#ifndef CRASHSIG_PLATFORM_H
#define CRASHSIG_PLATFORM_H

#include <stdio.h>
#include <time.h>

#include <libevtx.h>

#include "crashsig/common.h"

enum platform_file_kind {
    PLATFORM_MISSING = 0, /* nothing there (or a dangling link followed) */
    PLATFORM_FILE,        /* a regular file */
    PLATFORM_DIRECTORY,
    PLATFORM_LINK,  /* a symbolic link, or on Windows a symlink or junction, not followed */
    PLATFORM_OTHER, /* a device, pipe, socket ... */
};

struct platform_file_info {
    enum platform_file_kind kind;
    uint64_t size; /* bytes, for a regular file */
    /* Identity: two paths name the same file when both are equal.  POSIX st_dev/st_ino;
     * Windows the volume serial number and the file index. */
    uint64_t device, inode;
    int64_t modified; /* last write, whole seconds since 1970-01-01 UTC */
};

/*
 * The status of path.  follow_links false reports a symbolic link (a Windows symlink or
 * junction) as PLATFORM_LINK instead of what it points to.  A path that does not exist is not
 * an error: it returns 0 with kind PLATFORM_MISSING.  -1 for other failures (permissions), with
 * errno set as well as err (which may be NULL).
 */
int platform_file_info(const char *path, bool follow_links, struct platform_file_info *info,
                       struct cs_error *err);

/* True when both paths exist and name the same file (however they are spelled). */
bool platform_same_file(const char *a, const char *b);

/* The names in dir, without "." and "..", in no particular order; free with platform_names_free. */
int platform_list_directory(const char *dir, char ***names, size_t *count, struct cs_error *err);
void platform_names_free(char **names, size_t count);

/* dir + separator + name (no separator added when dir already ends in one).  Never NULL. */
char *platform_path_join(const char *dir, const char *name);

/* How this system spells paths, for code that takes one apart: a folder separator ('/'; on
 * Windows '\\' too), and an absolute path's drive letter ("C:", Windows only). */
bool platform_is_separator(char c);
bool platform_path_is_absolute(const char *path);
bool platform_path_has_drive(const char *path);

/* The folder of path ("." when it names none) as a new string; *base points at the name
 * after the last separator. */
char *platform_path_folder(const char *path, const char **base);

/* fopen with a UTF-8 path.  Files are always opened in binary mode, so "r"/"w" read and write
 * the bytes unchanged on Windows too.  NULL with errno set on failure. */
FILE *platform_fopen(const char *path, const char *mode);

/* Removes a file; 0 or -1 with errno set. */
int platform_remove(const char *path);

/* A read-only file descriptor for block reads; -1 with errno set.  Close with platform_close. */
int platform_open_read(const char *path);
int platform_close(int fd);
/* The size of the file open as fd (fstat), even when its path has gone since.  0 or -1. */
int platform_fd_size(int fd, uint64_t *size);
/* The status of the file open as fd (fstat; on Windows its handle's information), even when
 * its path names another file since: the reader compares it with what it planned.  0 or -1. */
int platform_fd_info(int fd, struct platform_file_info *info);
/* Reads up to size bytes at offset without moving a shared file position (pread).  Returns the
 * byte count (0 at the end), or -1 with errno set. */
long long platform_pread(int fd, void *buf, size_t size, uint64_t offset);
/* Moves fd's file position to offset (lseek with a 64-bit offset on every system: Windows'
 * plain lseek stops at 2 GiB), for callers that then read() on purpose.  0 or -1 with errno. */
int platform_seek(int fd, uint64_t offset);

/*
 * Writing a file atomically: platform_temp_create makes a new, empty temporary file in the same
 * folder as target (so the final rename stays on one volume), named target.tmpXXXXXX (six
 * letters or digits, on Windows too), with the permissions a plain create would give; write to
 * tmp->file (binary mode); then platform_temp_commit flushes it to disk, closes
 * it and puts it in place of target in one step (rename, then an fsync of the folder so the
 * rename itself survives a power cut; MoveFileEx with REPLACE_EXISTING and WRITE_THROUGH on
 * Windows, where rename() refuses to replace).  A reader of target sees the old file or the new
 * one, never a part.  On any failure, or with platform_temp_discard, the temporary file is
 * removed.  After commit or discard tmp is empty.
 */
struct platform_temp_file {
    FILE *file;
    char *path;
};
int platform_temp_create(const char *target, struct platform_temp_file *tmp, struct cs_error *err);
int platform_temp_commit(struct platform_temp_file *tmp, const char *target, struct cs_error *err);
void platform_temp_discard(struct platform_temp_file *tmp);

/*
 * Temporary files and signals.  Every temporary file platform_temp_create makes is listed in
 * a small process-wide table from its creation until its commit or discard, and holds a lock
 * for as long as its writer has it open (POSIX: an fcntl write lock; Windows: the file is open
 * without delete sharing).  platform_remove_temps_on_signals installs handlers (SIGINT,
 * SIGTERM, SIGHUP; Windows console control events) that remove the listed files and then let
 * the signal end the process as it would have; the command line calls it once.
 * platform_remove_abandoned_temp removes a temporary file only when no live writer holds it, so
 * a later run can clean up after a killed one without racing a run that is still writing.
 * Returns 0 when it was removed, -1 otherwise.
 */
void platform_remove_temps_on_signals(void);
int platform_remove_abandoned_temp(const char *path);

/*
 * Outputs that are not files.  platform_is_stream_path is true for a path that names an open
 * stream of this process rather than a file (/dev/stdout, /dev/stderr, /dev/fd/N,
 * /proc/self/fd/N; Windows: NUL, CON, CONOUT$).  platform_open_in_place opens an existing
 * path for writing without creating, truncating or replacing it (appending where that
 * matters), for a character device, a FIFO or such a stream; NULL with errno set.
 */
bool platform_is_stream_path(const char *path);
FILE *platform_open_in_place(const char *path);

/* The absolute path of the file path leads to once every symbolic link (Windows: symlink or
 * junction) is followed (realpath; GetFinalPathNameByHandleW).  NULL with err set when it leads
 * to nothing that exists. */
char *platform_resolve_links(const char *path, struct cs_error *err);

/* A reader that went away (`crashsig scan ... | head`) makes a write fail with EPIPE instead of
 * killing the process with SIGPIPE (nothing to do on Windows, which has no SIGPIPE). */
void platform_ignore_broken_pipe(void);

/* How many files this process may have open: the soft limit, first raised to the hard limit
 * where the system allows (RLIMIT_NOFILE; Windows: a fixed large number). */
unsigned platform_open_file_limit(void);

/*
 * A new, empty folder only this user can use, in the system's temporary folder ($TMPDIR or
 * /tmp; GetTempPath on Windows), named prefix-XXXXXX.  Returns its path (free it), or NULL with
 * err set.  platform_remove_directory removes an empty folder (0 or -1 with errno set).
 */
char *platform_temp_directory(const char *prefix, struct cs_error *err);
int platform_remove_directory(const char *path);

/* An anonymous temporary file open for reading and writing (binary), already unlinked on POSIX
 * and deleted on close on Windows: nothing is left behind even if the process dies.  Returns a
 * file descriptor (close with platform_close; seek with lseek / _lseeki64), or -1 with err set. */
int platform_temp_fd(struct cs_error *err);

/*
 * An advisory, exclusive lock on an open file, taken without waiting: 0 when taken, 1 when
 * another process holds it, -1 on failure.  It is released by platform_unlock_file or when the
 * file is closed.  POSIX: fcntl record lock (note: closing ANY descriptor of that file in the
 * same process drops it); Windows: LockFileEx.
 */
int platform_lock_file(FILE *f, struct cs_error *err);
void platform_unlock_file(FILE *f);

/* True when f is a terminal (a Windows console). */
bool platform_is_terminal(FILE *f);

/* The number of processors this process may use (at least 1). */
unsigned platform_cpu_count(void);

/* localtime_r / localtime_s: 0, or -1 when t cannot be represented. */
int platform_localtime(time_t t, struct tm *out);

/* The current time, UTC, as seconds and nanoseconds since 1970-01-01 (clock_gettime
 * CLOCK_REALTIME; GetSystemTimePreciseAsFileTime on Windows, whose msvcrt has no
 * timespec_get).  Returns 0, or -1 when the clock cannot be read. */
int platform_time_utc(int64_t *seconds, long *nanoseconds);

/* Seconds from an arbitrary start that never goes back (CLOCK_MONOTONIC;
 * QueryPerformanceCounter), for measuring durations. */
double platform_monotonic_seconds(void);

/* Sleeps for about ms milliseconds. */
void platform_sleep_ms(unsigned ms);

/* Ends the process the way a memory fault inside libevtx would: SIGSEGV on POSIX, an access
 * violation (exit code 0xC0000005) on Windows.  Only for the CRASHSIG_TEST_WORKER_FAULT test
 * hook (scan.c). */
void platform_crash(void);

/*
 * Opens path read-only with libevtx: libevtx_file_open on POSIX, libevtx_file_open_wide with the
 * UTF-16 path on Windows.  Returns what libevtx returns (1 on success, -1 with *error set).
 */
int platform_evtx_open(libevtx_file_t *file, const char *path, libevtx_error_t **error);

#if defined(_WIN32)
#include <wchar.h>
/* UTF-8 <-> UTF-16 for the Windows APIs; NULL for invalid input.  Free with free(). */
wchar_t *platform_utf8_to_wide(const char *text);
char *platform_wide_to_utf8(const wchar_t *text);
/* The absolute UTF-16 form of path (GetFullPathNameW: '/' becomes '\\', "." and ".." are
 * resolved), for functions that need one; NULL when path is not valid UTF-8. */
wchar_t *platform_full_path_wide(const char *path);
/* The message Windows has for a GetLastError() code, as UTF-8, with its number:
 * "Access is denied. (error 5)".  Always NUL-terminated. */
void platform_windows_error_text(unsigned long code, char *out, size_t size);
/* Process setup for the command line program: stdout in binary mode (so reports are byte for
 * byte what Linux writes: LF, not CRLF), and on a console UTF-8 output and colour escapes.
 * platform_restore_stdio gives the console back its code page and mode at the end. */
struct platform_stdio {
    unsigned code_page; /* 0: no console */
    bool stdout_mode_changed;
    unsigned long stdout_mode;
};
void platform_init_stdio(struct platform_stdio *saved);
void platform_restore_stdio(const struct platform_stdio *saved);
#endif

#endif
