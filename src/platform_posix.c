/*
 * platform_posix.c - platform.h on Linux and other POSIX systems: thin wrappers over stat,
 * opendir, open/pread, mkstemp + fsync + rename + fsync of the folder, mkdtemp, fcntl locks
 * and isatty.
 *
 * Not for: Windows (platform_win32.c) or libevtx (platform_evtx.c).
 */
#include "crashsig/platform.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
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
    if (fchmod(fd, 0666 & ~mask) != 0 || (tmp->file = fdopen(fd, "w")) == NULL) {
        cs_error_set(err, "cannot write %s: %s", target, strerror(errno));
        close(fd);
        unlink(path);
        free(path);
        return -1;
    }
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
    if (fclose(tmp->file) != 0)
        rc = -1;
    tmp->file = NULL;
    if (rc == 0 && rename(tmp->path, target) != 0)
        rc = -1;
    if (rc != 0) {
        cs_error_set(err, "cannot write %s: %s", target, strerror(errno));
        unlink(tmp->path);
    } else if (sync_folder_of(target) != 0) {
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
    if (tmp->path)
        unlink(tmp->path);
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
