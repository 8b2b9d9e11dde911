/*
 * fault_fs.c - an LD_PRELOAD shim that damages one file while a program reads it, at a chosen
 * byte, so "a log that is truncated or disappears while crashsig reads it" is a deterministic
 * test instead of a race.
 *
 *     FAULT_FS_PATH=/abs/or/relative/path   the victim, as the program names it to open()
 *     FAULT_FS_MODE=truncate  the first read() that would go past FAULT_FS_AT truncates the
 *                             file to FAULT_FS_AT bytes first (a log rotated or cut under us)
 *     FAULT_FS_MODE=eio       every read() past FAULT_FS_AT fails with EIO (a dying disk, a
 *                             network share that went away)
 *     FAULT_FS_MODE=vanish    the first open() of the victim finds it deleted (ENOENT): it
 *                             disappeared between being listed and being opened
 *     FAULT_FS_MODE=segv      the first read past FAULT_FS_AT kills the process with SIGSEGV
 *     FAULT_FS_MODE=hang      the first read past FAULT_FS_AT never returns
 *
 * The last two stand in for a file on which the parser crashes or loops: whatever process
 * reads that part of the file dies or hangs, which is what crashsig's worker processes must
 * contain.  Reads are read() (libevtx 20181227 reads a file through its bundled libcfile with
 * open() and read()) and pread()/pread64() (crashsig's own chunk reads).
 *
 * It also records what a program does to the file system, for the read-only test:
 *
 *     FAULT_FS_LOG=/path/to/log   one line per call that can change a file - "open W path",
 *                                 "fopen w path", "mkstemp path", "rename from to", "unlink
 *                                 path", ... - and per open of any *.evtx ("open R path")
 *
 * Calls are seen when the program or a library calls them through the dynamic linker, which is
 * how crashsig and libevtx reach libc; glibc's calls to itself are not, which is why the
 * library-level functions (fopen, mkstemp, tmpfile, ...) are wrapped as well as open().
 * Without FAULT_FS_PATH and FAULT_FS_LOG the shim does nothing.  Test tooling: never linked
 * into crashsig.
 *
 * Not for: production use, or faults in files read through stdio (fread does not call the
 * wrapped read()).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* Process-wide state is the point of a preload shim; it is set once from the environment. */
static int victim_fd = -1;
static int fired;

static const char *victim(void)
{
    const char *path = getenv("FAULT_FS_PATH");
    return path && path[0] ? path : NULL;
}

static int mode_is(const char *mode)
{
    const char *m = getenv("FAULT_FS_MODE");
    return m && strcmp(m, mode) == 0;
}

static off_t fault_offset(void)
{
    const char *at = getenv("FAULT_FS_AT");
    return at ? (off_t)strtoll(at, NULL, 10) : 0;
}

/* ---- the write log ----------------------------------------------------------------------- */

typedef int (*open_fn)(const char *, int, ...);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef int (*close_fn)(int);

static void log_call(const char *call, const char *what, const char *path, const char *path2)
{
    const char *log = getenv("FAULT_FS_LOG");
    if (log == NULL || log[0] == '\0')
        return;
    char line[4096];
    size_t n = 0;
    const char *parts[] = {
        call, " ", what, what[0] ? " " : "", path, path2 ? " " : "", path2 ? path2 : "", "\n"};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        size_t k = strlen(parts[i]);
        if (n + k >= sizeof(line))
            return;
        memcpy(line + n, parts[i], k);
        n += k;
    }
    open_fn real_open = (open_fn)dlsym(RTLD_NEXT, "open");
    write_fn real_write = (write_fn)dlsym(RTLD_NEXT, "write");
    close_fn real_close = (close_fn)dlsym(RTLD_NEXT, "close");
    int fd = real_open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0)
        return;
    if (real_write(fd, line, n) != (ssize_t)n) {
        /* nothing to do: the test will miss the line and fail on it */
    }
    real_close(fd);
}

static int is_evtx(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    return n >= 5 && strcasecmp(path + n - 5, ".evtx") == 0;
}

static void log_open(const char *call, const char *path, int flags)
{
    int writes = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC | O_APPEND));
    if (writes || is_evtx(path))
        log_call(call, writes ? "W" : "R", path, NULL);
}

static void log_fopen(const char *call, const char *path, const char *mode)
{
    int writes = mode && strpbrk(mode, "wa+") != NULL;
    if (writes || is_evtx(path))
        log_call(call, writes ? "W" : "R", path, NULL);
}

/* ---- open and read ----------------------------------------------------------------------- */

static int wrapped_open(const char *name, const char *path, int flags, mode_t mode)
{
    open_fn real = (open_fn)dlsym(RTLD_NEXT, name);
    log_open(name, path, flags);
    const char *v = victim();
    int is_victim = v && strcmp(path, v) == 0;
    if (is_victim && mode_is("vanish") && !fired) {
        fired = 1;
        unlink(path);
    }
    int fd = real(path, flags, mode);
    if (is_victim && fd >= 0)
        victim_fd = fd;
    return fd;
}

int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    return wrapped_open("open", path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    return wrapped_open("open64", path, flags, mode);
}

/* True when fd is the victim, however it was opened (open(), fopen(), by another name): the
 * file is recognised by device and inode, taken when it is first opened or read. */
static int is_victim_fd(int fd)
{
    static dev_t dev;
    static ino_t ino;
    static int known;
    if (fd < 0 || victim() == NULL || getenv("FAULT_FS_MODE") == NULL)
        return 0;
    if (fd == victim_fd)
        return 1;
    struct stat st;
    if (!known) {
        if (stat(victim(), &st) != 0)
            return 0;
        dev = st.st_dev;
        ino = st.st_ino;
        known = 1;
    }
    return fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

/* Applies the fault to a read of count bytes at offset at of fd; returns -1 (errno set) when
 * the read must fail, 0 when it may go ahead. */
static int fault_read(int fd, off_t at, size_t count)
{
    if (!is_victim_fd(fd) || at < 0 || at + (off_t)count <= fault_offset())
        return 0;
    if (mode_is("eio")) {
        errno = EIO;
        return -1;
    }
    if (mode_is("segv"))
        raise(SIGSEGV);
    if (mode_is("hang"))
        for (;;)
            pause();
    if (mode_is("truncate") && !fired) {
        fired = 1;
        if (ftruncate(fd, fault_offset()) != 0) {
            /* opened read-only: truncate by name instead */
            const char *v = victim();
            if (v == NULL || truncate(v, fault_offset()) != 0)
                return -1;
        }
    }
    return 0;
}

typedef ssize_t (*read_fn)(int, void *, size_t);
typedef ssize_t (*pread_fn)(int, void *, size_t, off_t);

ssize_t read(int fd, void *buf, size_t count)
{
    if (fault_read(fd, is_victim_fd(fd) ? lseek(fd, 0, SEEK_CUR) : 0, count) != 0)
        return -1;
    return ((read_fn)dlsym(RTLD_NEXT, "read"))(fd, buf, count);
}

ssize_t pread(int fd, void *buf, size_t count, off_t offset)
{
    if (fault_read(fd, offset, count) != 0)
        return -1;
    return ((pread_fn)dlsym(RTLD_NEXT, "pread"))(fd, buf, count, offset);
}

ssize_t pread64(int fd, void *buf, size_t count, off_t offset)
{
    if (fault_read(fd, offset, count) != 0)
        return -1;
    return ((pread_fn)dlsym(RTLD_NEXT, "pread64"))(fd, buf, count, offset);
}

/* ---- everything else that can change a file ----------------------------------------------- */

typedef int (*openat_fn)(int, const char *, int, ...);

int openat(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    log_open("openat", path, flags);
    return ((openat_fn)dlsym(RTLD_NEXT, "openat"))(dirfd, path, flags, mode);
}

int creat(const char *path, mode_t mode)
{
    log_call("creat", "W", path, NULL);
    return ((int (*)(const char *, mode_t))dlsym(RTLD_NEXT, "creat"))(path, mode);
}

typedef FILE *(*fopen_fn)(const char *, const char *);

FILE *fopen(const char *path, const char *mode)
{
    log_fopen("fopen", path, mode);
    return ((fopen_fn)dlsym(RTLD_NEXT, "fopen"))(path, mode);
}

FILE *fopen64(const char *path, const char *mode)
{
    log_fopen("fopen64", path, mode);
    return ((fopen_fn)dlsym(RTLD_NEXT, "fopen64"))(path, mode);
}

FILE *freopen(const char *path, const char *mode, FILE *stream)
{
    if (path)
        log_fopen("freopen", path, mode);
    return ((FILE * (*)(const char *, const char *, FILE *))
                dlsym(RTLD_NEXT, "freopen"))(path, mode, stream);
}

int mkstemp(char *template_path)
{
    int fd = ((int (*)(char *))dlsym(RTLD_NEXT, "mkstemp"))(template_path);
    log_call("mkstemp", "W", template_path, NULL);
    return fd;
}

int mkostemp(char *template_path, int flags)
{
    int fd = ((int (*)(char *, int))dlsym(RTLD_NEXT, "mkostemp"))(template_path, flags);
    log_call("mkostemp", "W", template_path, NULL);
    return fd;
}

FILE *tmpfile(void)
{
    log_call("tmpfile", "W", "(anonymous)", NULL);
    return ((FILE * (*)(void)) dlsym(RTLD_NEXT, "tmpfile"))();
}

int rename(const char *from, const char *to)
{
    log_call("rename", "W", from, to);
    return ((int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename"))(from, to);
}

int renameat(int fromfd, const char *from, int tofd, const char *to)
{
    log_call("renameat", "W", from, to);
    return ((int (*)(int, const char *, int, const char *))dlsym(RTLD_NEXT, "renameat"))(
        fromfd, from, tofd, to);
}

int unlink(const char *path)
{
    log_call("unlink", "W", path, NULL);
    return ((int (*)(const char *))dlsym(RTLD_NEXT, "unlink"))(path);
}

int unlinkat(int dirfd, const char *path, int flags)
{
    log_call("unlinkat", "W", path, NULL);
    return ((int (*)(int, const char *, int))dlsym(RTLD_NEXT, "unlinkat"))(dirfd, path, flags);
}

int remove(const char *path)
{
    log_call("remove", "W", path, NULL);
    return ((int (*)(const char *))dlsym(RTLD_NEXT, "remove"))(path);
}

int truncate(const char *path, off_t length)
{
    log_call("truncate", "W", path, NULL);
    return ((int (*)(const char *, off_t))dlsym(RTLD_NEXT, "truncate"))(path, length);
}

int mkdir(const char *path, mode_t mode)
{
    log_call("mkdir", "W", path, NULL);
    return ((int (*)(const char *, mode_t))dlsym(RTLD_NEXT, "mkdir"))(path, mode);
}
