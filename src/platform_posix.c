/*
 * platform_posix.c - platform.h on Linux and other POSIX systems: thin wrappers over stat,
 * opendir, open/pread, mkstemp + fsync + rename + fsync of the folder, mkdtemp, fcntl locks
 * and isatty; and the table of temporary files a signal handler removes.
 *
 * Not for: Windows (platform_win32.c) or libevtx (platform_evtx.c).
 */
/* realpath is X/Open, beside the POSIX 2008 the build asks for */
#define _XOPEN_SOURCE 700

#include "crashsig/platform.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static enum platform_file_kind kind_of(mode_t mode)
{
    if (S_ISREG(mode))
        return PLATFORM_FILE;
    if (S_ISDIR(mode))
        return PLATFORM_DIRECTORY;
    if (S_ISLNK(mode))
        return PLATFORM_LINK;
    return PLATFORM_OTHER;
}

static void fill_info(const struct stat *st, struct platform_file_info *info)
{
    info->kind = kind_of(st->st_mode);
    info->size = info->kind == PLATFORM_FILE ? (uint64_t)st->st_size : 0;
    info->device = (uint64_t)st->st_dev;
    info->inode = (uint64_t)st->st_ino;
    info->modified = (int64_t)st->st_mtime;
}

int platform_file_info(const char *path, bool follow_links, struct platform_file_info *info,
                       struct cs_error *err)
{
    memset(info, 0, sizeof(*info));
    struct stat st;
    if ((follow_links ? stat(path, &st) : lstat(path, &st)) != 0) {
        int saved = errno;
        if (saved == ENOENT || saved == ENOTDIR)
            return 0;
        cs_error_set(err, "%s: %s", path, strerror(saved));
        errno = saved;
        return -1;
    }
    fill_info(&st, info);
    return 0;
}

bool platform_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

int platform_list_directory(const char *dir, char ***names, size_t *count, struct cs_error *err)
{
    *names = NULL;
    *count = 0;
    DIR *d = opendir(dir);
    if (d == NULL) {
        int saved = errno;
        cs_error_set(err, "%s: %s", dir, strerror(saved));
        errno = saved;
        return -1;
    }
    size_t capacity = 0;
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (*count == capacity) {
            capacity = capacity ? capacity * 2 : 16;
            *names = cs_xrealloc(*names, capacity * sizeof(char *));
        }
        (*names)[(*count)++] = cs_strdup(e->d_name);
    }
    closedir(d);
    return 0;
}

void platform_names_free(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

char *platform_path_join(const char *dir, const char *name)
{
    size_t len = strlen(dir);
    bool has_separator = len > 0 && dir[len - 1] == '/';
    size_t size = len + strlen(name) + 2;
    char *path = cs_xmalloc(size);
    snprintf(path, size, "%s%s%s", dir, has_separator ? "" : "/", name);
    return path;
}

bool platform_is_separator(char c)
{
    return c == '/';
}

bool platform_path_is_absolute(const char *path)
{
    return path[0] == '/';
}

bool platform_path_has_drive(const char *path)
{
    (void)path;
    return false;
}

FILE *platform_fopen(const char *path, const char *mode)
{
    return fopen(path, mode); /* POSIX has no text mode; "b" would change nothing */
}

int platform_remove(const char *path)
{
    return unlink(path);
}

int platform_open_read(const char *path)
{
    return open(path, O_RDONLY | O_CLOEXEC);
}

int platform_close(int fd)
{
    return close(fd);
}

int platform_fd_info(int fd, struct platform_file_info *info)
{
    memset(info, 0, sizeof(*info));
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    fill_info(&st, info);
    return 0;
}

int platform_fd_size(int fd, uint64_t *size)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    *size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
    return 0;
}

long long platform_pread(int fd, void *buf, size_t size, uint64_t offset)
{
    ssize_t got;
    do
        got = pread(fd, buf, size, (off_t)offset);
    while (got < 0 && errno == EINTR);
    return (long long)got;
}

int platform_seek(int fd, uint64_t offset)
{
    if (offset > (uint64_t)INT64_MAX) {
        errno = EINVAL;
        return -1;
    }
    return lseek(fd, (off_t)offset, SEEK_SET) < 0 ? -1 : 0;
}

/* ---- temporary files a signal must not leave behind ------------------------------------- */

/*
 * The one documented exception to crashsig's "no global mutable state" rule: a signal handler
 * gets no argument, so the names of the temporary files it must remove have to be somewhere it
 * can find them.  The table is fixed-size (a handler must not allocate) and written only
 * outside the handler: a slot's name is complete before its flag says it is in use (the fence
 * keeps the compiler from reordering the two), and the flag is cleared before the slot is
 * reused.  The handler only reads flags and names and calls unlink, signal and raise, which
 * are async-signal-safe.  A run has at most a few outputs and the state file open at once;
 * a name that does not fit, or a temporary file beyond the table, is not removed by a signal
 * but by the next run's clean-up (platform_remove_abandoned_temp).
 */
#define TEMP_SLOTS     16
#define TEMP_SLOT_SIZE 4096

static char temp_slot_path[TEMP_SLOTS][TEMP_SLOT_SIZE];
static volatile sig_atomic_t temp_slot_used[TEMP_SLOTS];

static void temp_register(const char *path)
{
    size_t len = strlen(path);
    if (len >= TEMP_SLOT_SIZE)
        return;
    for (size_t i = 0; i < TEMP_SLOTS; i++) {
        if (temp_slot_used[i])
            continue;
        memcpy(temp_slot_path[i], path, len + 1);
        atomic_signal_fence(memory_order_seq_cst);
        temp_slot_used[i] = 1;
        return;
    }
}

static void temp_unregister(const char *path)
{
    for (size_t i = 0; i < TEMP_SLOTS; i++)
        if (temp_slot_used[i] && strcmp(temp_slot_path[i], path) == 0) {
            temp_slot_used[i] = 0;
            atomic_signal_fence(memory_order_seq_cst);
        }
}

static void remove_temps_and_end(int sig)
{
    for (size_t i = 0; i < TEMP_SLOTS; i++)
        if (temp_slot_used[i])
            unlink(temp_slot_path[i]);
    /* SA_RESETHAND put the default action back: the process ends as the signal meant */
    raise(sig);
}

void platform_remove_temps_on_signals(void)
{
    const int signals[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
        struct sigaction old;
        if (sigaction(signals[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN)
            continue; /* nohup and friends asked for the signal to be ignored */
        struct sigaction action = {.sa_handler = remove_temps_and_end, .sa_flags = SA_RESETHAND};
        sigemptyset(&action.sa_mask);
        for (size_t k = 0; k < sizeof(signals) / sizeof(signals[0]); k++)
            sigaddset(&action.sa_mask, signals[k]);
        sigaction(signals[i], &action, NULL);
    }
}

/* A writer holds a write lock on its temporary file for as long as it has it open (taken in
 * platform_temp_create); a lock that can be taken means the writer is gone. */
int platform_remove_abandoned_temp(const char *path)
{
    int fd = open(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    struct flock probe = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    int rc = -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && fcntl(fd, F_SETLK, &probe) == 0)
        rc = unlink(path);
    close(fd);
    return rc;
}

bool platform_is_stream_path(const char *path)
{
    if (strcmp(path, "/dev/stdout") == 0 || strcmp(path, "/dev/stderr") == 0 ||
        strncmp(path, "/dev/fd/", 8) == 0)
        return true;
    /* /proc/self/fd/N, /proc/PID/fd/N */
    return strncmp(path, "/proc/", 6) == 0 && strstr(path + 6, "/fd/") != NULL;
}

FILE *platform_open_in_place(const char *path)
{
    /* no O_CREAT, no O_TRUNC: a device or FIFO is used as it is; O_APPEND so that a regular
     * file behind /dev/stdout (`>> log`) is added to, not overwritten from its start */
    int fd = open(path, O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "a");
    if (f == NULL) {
        int saved = errno;
        close(fd);
        errno = saved;
    }
    return f;
}

char *platform_resolve_links(const char *path, struct cs_error *err)
{
    char *resolved = realpath(path, NULL);
    if (resolved == NULL)
        cs_error_set(err, "%s leads to nothing that exists: %s", path, strerror(errno));
    return resolved;
}

void platform_ignore_broken_pipe(void)
{
    signal(SIGPIPE, SIG_IGN);
}

unsigned platform_open_file_limit(void)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return 1024;
    rlim_t wanted =
        limit.rlim_max == RLIM_INFINITY || limit.rlim_max > 65536 ? 65536 : limit.rlim_max;
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
        struct rlimit raised = {.rlim_cur = wanted, .rlim_max = limit.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            limit.rlim_cur = wanted;
    }
    return limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > 65536 ? 65536
                                                                     : (unsigned)limit.rlim_cur;
}

int platform_temp_create(const char *target, struct platform_temp_file *tmp, struct cs_error *err)
{
    memset(tmp, 0, sizeof(*tmp));
    size_t len = strlen(target) + 16;
    char *path = cs_xmalloc(len);
    snprintf(path, len, "%s.tmpXXXXXX", target);
    int fd = mkstemp(path);
    if (fd < 0) {
        cs_error_set(err, "cannot write %s: %s", target, strerror(errno));
        free(path);
        return -1;
    }
    /* mkstemp creates the file 0600; give it the mode a plain create would have */
    mode_t mask = umask(0);
    umask(mask);
    /* the lock says "still being written" to a later run's clean-up; it goes with the close */
    struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    if (fchmod(fd, 0666 & ~mask) != 0 || fcntl(fd, F_SETLK, &lock) != 0 ||
        (tmp->file = fdopen(fd, "w")) == NULL) {
        cs_error_set(err, "cannot write %s: %s", target, strerror(errno));
        close(fd);
        unlink(path);
        free(path);
        return -1;
    }
    temp_register(path);
    tmp->path = path;
    return 0;
}

/* Makes a rename in the folder of path durable: fsync of the folder.  File systems that cannot
 * sync a folder say EINVAL, and there is nothing more to do on those. */
static int sync_folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? cs_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : NULL;
    int fd = open(dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return -1;
    int rc = fsync(fd) == 0 || errno == EINVAL ? 0 : -1;
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int platform_temp_commit(struct platform_temp_file *tmp, const char *target, struct cs_error *err)
{
    int rc = 0;
    if (fflush(tmp->file) != 0 || fsync(fileno(tmp->file)) != 0)
        rc = -1;
    /* renamed while still open: its lock keeps a later run's clean-up away until it is in
     * place (the bytes are on disk already, so the close has nothing left to fail on) */
    if (rc == 0 && rename(tmp->path, target) != 0)
        rc = -1;
    int saved = errno;
    if (fclose(tmp->file) != 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    tmp->file = NULL;
    if (rc != 0) {
        cs_error_set(err, "cannot write %s: %s", target, strerror(saved));
        unlink(tmp->path);
    }
    temp_unregister(tmp->path);
    if (rc == 0 && sync_folder_of(target) != 0) {
        cs_error_set(err, "cannot sync the folder of %s: %s", target, strerror(errno));
        rc = -1;
    }
    free(tmp->path);
    tmp->path = NULL;
    return rc;
}

void platform_temp_discard(struct platform_temp_file *tmp)
{
    if (tmp->file)
        fclose(tmp->file);
    if (tmp->path) {
        unlink(tmp->path);
        temp_unregister(tmp->path);
    }
    free(tmp->path);
    memset(tmp, 0, sizeof(*tmp));
}

char *platform_temp_directory(const char *prefix, struct cs_error *err)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    size_t len = strlen(base) + strlen(prefix) + 16;
    char *path = cs_xmalloc(len);
    snprintf(path, len, "%s/%s-XXXXXX", base, prefix);
    if (mkdtemp(path) == NULL) { /* mode 0700: only this user */
        cs_error_set(err, "cannot create a temporary folder in %s: %s", base, strerror(errno));
        free(path);
        return NULL;
    }
    return path;
}

int platform_remove_directory(const char *path)
{
    return rmdir(path);
}

int platform_temp_fd(struct cs_error *err)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    size_t len = strlen(base) + 32;
    char *path = cs_xmalloc(len);
    snprintf(path, len, "%s/crashsig-XXXXXX", base);
    int fd = mkstemp(path);
    if (fd < 0)
        cs_error_set(err, "cannot create a temporary file in %s: %s", base, strerror(errno));
    else
        unlink(path); /* anonymous from now on */
    free(path);
    return fd;
}

int platform_lock_file(FILE *f, struct cs_error *err)
{
    struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    if (fcntl(fileno(f), F_SETLK, &lock) == 0)
        return 0;
    if (errno == EACCES || errno == EAGAIN)
        return 1;
    cs_error_set(err, "cannot lock: %s", strerror(errno));
    return -1;
}

void platform_unlock_file(FILE *f)
{
    struct flock lock = {.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    fcntl(fileno(f), F_SETLK, &lock);
}

bool platform_is_terminal(FILE *f)
{
    return isatty(fileno(f)) == 1;
}

unsigned platform_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 1024 ? 1024 : (unsigned)n;
}

int platform_localtime(time_t t, struct tm *out)
{
    return localtime_r(&t, out) ? 0 : -1;
}

int platform_time_utc(int64_t *seconds, long *nanoseconds)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return -1;
    *seconds = (int64_t)ts.tv_sec;
    *nanoseconds = ts.tv_nsec;
    return 0;
}

double platform_monotonic_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void platform_crash(void)
{
    raise(SIGSEGV);
}

void platform_sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}
