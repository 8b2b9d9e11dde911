/*
 * test_platform.c - the platform layer (platform.h) on the real file system: non-ASCII and
 * space-holding folder names (beyond the ANSI code page), directory listing, file identity, atomic
 * replacement of an existing file (which rename() cannot do on Windows), temporary files and
 * folders, block reads, locks, and libevtx opening a log under a non-ASCII path with its error
 * texts intact.
 *
 * Plain C without cmocka, so that the same test runs in ctest on Linux and as test_platform.exe
 * under Wine (scripts/test-windows.sh).  Usage: test_platform [FIXTURES_DIR]; the default is
 * the source tree's fixtures/ (the Wine harness passes a Windows path).
 *
 * Not for: crashsig's scan or reports (test_cli and the other cmocka tests).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/platform.h"

#if defined(_WIN32)
#include <direct.h>
#include <io.h>
#else
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

/* "Über wachung ログ" in UTF-8: a space, a Latin-1 letter and two letters that no Western code
 * page has, so only the wide (UTF-16) Windows functions reach this folder.  (\x9c and \xe3
 * would swallow the letters after them: the literal is cut there.) */
static const char ODD_NAME[] = "\xc3\x9c"
                               "ber wachung \xe3\x83\xad\xe3\x82\xb0";

struct run {
    int checks, failures;
};

static bool check(struct run *r, bool ok, const char *what, int line)
{
    r->checks++;
    if (!ok) {
        r->failures++;
        fprintf(stderr, "test_platform.c:%d: failed: %s\n", line, what);
    }
    return ok;
}
#define CHECK(r, cond) check((r), (cond), #cond, __LINE__)

static int make_directory(const char *path)
{
#if defined(_WIN32)
    wchar_t *wide = platform_utf8_to_wide(path);
    int rc = wide ? _wmkdir(wide) : -1;
    free(wide);
    return rc;
#else
    return mkdir(path, 0755);
#endif
}

static char *read_all(const char *path, size_t *size)
{
    FILE *f = platform_fopen(path, "r");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, len = 0;
    char *data = cs_xmalloc(cap + 1);
    size_t got;
    while ((got = fread(data + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap)
            data = cs_xrealloc(data, (cap *= 2) + 1);
    }
    fclose(f);
    data[len] = '\0';
    *size = len;
    return data;
}

static int write_all(const char *path, const char *data, size_t size)
{
    FILE *f = platform_fopen(path, "w");
    if (f == NULL)
        return -1;
    int rc = fwrite(data, 1, size, f) == size ? 0 : -1;
    return fclose(f) == 0 ? rc : -1;
}

static size_t count_names(const char *dir)
{
    char **names;
    size_t count = 0;
    struct cs_error err;
    if (platform_list_directory(dir, &names, &count, &err) != 0)
        return (size_t)-1;
    platform_names_free(names, count);
    return count;
}

static void test_path_join(struct run *r)
{
    char *a = platform_path_join("logs", "x.evtx");
    char *b = platform_path_join("logs/", "x.evtx");
#if defined(_WIN32)
    char *c = platform_path_join("C:\\Logs", "x.evtx");
    char *d = platform_path_join("C:", "x.evtx");
    CHECK(r, strcmp(a, "logs\\x.evtx") == 0);
    CHECK(r, strcmp(c, "C:\\Logs\\x.evtx") == 0);
    CHECK(r, strcmp(d, "C:x.evtx") == 0);
    free(c);
    free(d);
#else
    CHECK(r, strcmp(a, "logs/x.evtx") == 0);
#endif
    CHECK(r, strcmp(b, "logs/x.evtx") == 0);
    free(a);
    free(b);
}

/* Copies the fixture into DIR/Über wachung/Application.evtx; returns that path or NULL. */
static char *copy_fixture(struct run *r, const char *fixtures, const char *dir)
{
    char *src = platform_path_join(fixtures, "demo.evtx");
    size_t size = 0;
    char *data = read_all(src, &size);
    free(src);
    if (!CHECK(r, data != NULL && size > 4096))
        return NULL;
    char *odd = platform_path_join(dir, ODD_NAME);
    CHECK(r, make_directory(odd) == 0);
    char *path = platform_path_join(odd, "Application.evtx");
    free(odd);
    CHECK(r, write_all(path, data, size) == 0);
    free(data);
    return path;
}

static void test_file_info_and_listing(struct run *r, const char *dir, const char *log)
{
    struct platform_file_info info;
    struct cs_error err = {""};
    CHECK(r, platform_file_info(log, true, &info, &err) == 0);
    CHECK(r, info.kind == PLATFORM_FILE && info.size > 4096);
    int64_t now = (int64_t)time(NULL); /* the copy was written just now */
    CHECK(r, info.modified >= now - 60 && info.modified <= now + 60);
    char *odd = platform_path_join(dir, ODD_NAME);
    CHECK(r, platform_file_info(odd, false, &info, &err) == 0 && info.kind == PLATFORM_DIRECTORY);
    char *missing = platform_path_join(odd, "missing.evtx");
    CHECK(r, platform_file_info(missing, true, &info, &err) == 0);
    CHECK(r, info.kind == PLATFORM_MISSING);

    char **names;
    size_t count;
    CHECK(r, platform_list_directory(dir, &names, &count, &err) == 0);
    CHECK(r, count == 1 && strcmp(names[0], ODD_NAME) == 0);
    platform_names_free(names, count);
    CHECK(r, platform_list_directory(missing, &names, &count, &err) == -1);
    CHECK(r, strstr(err.message, "missing.evtx") != NULL);

    /* the same file spelled another way, and two different files */
    char *other_spelling = cs_xmalloc(strlen(log) + 8);
    strcpy(other_spelling, log);
    char *slash = strrchr(other_spelling, '/');
#if defined(_WIN32)
    char *backslash = strrchr(other_spelling, '\\');
    if (backslash && (!slash || backslash > slash))
        slash = backslash;
#endif
    if (slash) {
        memmove(slash + 2, slash, strlen(slash) + 1);
        slash[0] = '/';
        slash[1] = '.';
    }
    CHECK(r, platform_same_file(log, other_spelling));
    CHECK(r, !platform_same_file(log, odd));
    CHECK(r, !platform_same_file(log, missing));
    free(other_spelling);
    free(missing);
    free(odd);
}

static void test_evtx_open(struct run *r, const char *dir, const char *log)
{
    libevtx_file_t *file = NULL;
    libevtx_error_t *error = NULL;
    int records = 0;
    CHECK(r, libevtx_file_initialize(&file, &error) == 1);
    CHECK(r, platform_evtx_open(file, log, &error) == 1);
    CHECK(r, libevtx_file_get_number_of_records(file, &records, &error) == 1 && records > 50);
    libevtx_file_close(file, NULL);
    /* forward slashes, as a Windows user may type them (libevtx alone fails on these) */
    char *odd = platform_path_join(dir, ODD_NAME);
    size_t size = strlen(odd) + 32;
    char *slashed = cs_xmalloc(size);
    snprintf(slashed, size, "%s/Application.evtx", odd);
    for (char *p = slashed; *p; p++)
        if (*p == '\\')
            *p = '/';
    CHECK(r, platform_evtx_open(file, slashed, &error) == 1);
    libevtx_file_close(file, NULL);
    libevtx_error_free(&error);
    free(slashed);
    free(odd);

    /* libevtx's error texts survive the mingw build (libcerror's %s conversion) */
    char *not_a_log = platform_path_join(dir, "not a log.evtx");
    CHECK(r, write_all(not_a_log, "this is not an event log", 24) == 0);
    CHECK(r, platform_evtx_open(file, not_a_log, &error) == -1);
    char text[1024] = "";
    CHECK(r, error != NULL && libevtx_error_sprint(error, text, sizeof(text)) > 0);
    CHECK(r, strstr(text, "signature") != NULL || strstr(text, "unable") != NULL);
    libevtx_error_free(&error);
    libevtx_file_free(&file, NULL);
    CHECK(r, platform_remove(not_a_log) == 0);
    free(not_a_log);
}

static void test_block_reads(struct run *r, const char *log)
{
    int fd = platform_open_read(log);
    if (!CHECK(r, fd >= 0))
        return;
    char buf[8];
    CHECK(r, platform_pread(fd, buf, 8, 0) == 8 && memcmp(buf, "ElfFile", 8) == 0);
    CHECK(r, platform_pread(fd, buf, 8, 4096) == 8 && memcmp(buf, "ElfChnk", 8) == 0);
    struct platform_file_info info;
    platform_file_info(log, true, &info, NULL);
    CHECK(r, platform_pread(fd, buf, 8, info.size) == 0);
    CHECK(r, platform_pread(fd, buf, 8, info.size - 3) == 3);
    uint64_t size = 0;
    CHECK(r, platform_fd_size(fd, &size) == 0 && size == info.size);
    /* seek + read, as reader.c does: the first chunk's magic, then the end of the file */
    CHECK(r, platform_seek(fd, 4096) == 0 && read(fd, buf, 8) == 8);
    CHECK(r, memcmp(buf, "ElfChnk", 8) == 0);
    CHECK(r, platform_seek(fd, info.size) == 0 && read(fd, buf, 8) == 0);
    CHECK(r, platform_close(fd) == 0);
}

static void test_atomic_replace(struct run *r, const char *dir)
{
    char *odd = platform_path_join(dir, ODD_NAME);
    char *target = platform_path_join(odd, "report.json");
    size_t before = count_names(odd);
    CHECK(r, write_all(target, "old", 3) == 0);
    for (int round = 0; round < 2; round++) { /* replacing an existing file, twice */
        struct platform_temp_file tmp;
        struct cs_error err = {""};
        CHECK(r, platform_temp_create(target, &tmp, &err) == 0);
        CHECK(r, count_names(odd) == before + 2);
        /* target.tmpXXXXXX on every system: leftovers are recognisable (atomic_file.c) */
        size_t len = strlen(target);
        CHECK(r, strncmp(tmp.path, target, len) == 0 && strncmp(tmp.path + len, ".tmp", 4) == 0);
        CHECK(r, strlen(tmp.path + len + 4) == 6);
        fputs(round ? "second\n" : "first\n", tmp.file);
        CHECK(r, platform_temp_commit(&tmp, target, &err) == 0);
        CHECK(r, tmp.file == NULL && tmp.path == NULL);
        size_t size;
        char *data = read_all(target, &size);
        CHECK(r, data && strcmp(data, round ? "second\n" : "first\n") == 0);
        free(data);
        CHECK(r, count_names(odd) == before + 1);
    }
    struct platform_temp_file tmp;
    struct cs_error err = {""};
    CHECK(r, platform_temp_create(target, &tmp, &err) == 0);
    fputs("discarded", tmp.file);
    platform_temp_discard(&tmp);
    CHECK(r, count_names(odd) == before + 1);

    /* a folder cannot be replaced by a file: a clear error, and no temporary file left */
    CHECK(r, platform_temp_create(odd, &tmp, &err) == 0);
    CHECK(r, platform_temp_commit(&tmp, odd, &err) == -1);
    CHECK(r, strstr(err.message, "cannot write") != NULL && strstr(err.message, ODD_NAME));
    CHECK(r, count_names(dir) == 1);
    CHECK(r, platform_remove(target) == 0);
    free(target);
    free(odd);
}

/* An anonymous temporary file: written through stdio, read back by offset. */
static void test_temp_fd(struct run *r)
{
    struct cs_error err = {""};
    int fd = platform_temp_fd(&err);
    if (!CHECK(r, fd >= 0))
        return;
    FILE *f = fdopen(fd, "w+b");
    CHECK(r, f && fputs("frames", f) >= 0 && fflush(f) == 0);
    char buf[8] = "";
    CHECK(r, platform_pread(fd, buf, 6, 0) == 6 && memcmp(buf, "frames", 6) == 0);
    CHECK(r, f && fclose(f) == 0);
}

static void test_lock(struct run *r, const char *dir)
{
    char *path = platform_path_join(dir, "state.lock");
    FILE *first = platform_fopen(path, "w");
    FILE *second = platform_fopen(path, "r+"); /* fcntl write locks need a writable descriptor */
    struct cs_error err = {""};
    CHECK(r, first && second);
    CHECK(r, platform_lock_file(first, &err) == 0);
#if defined(_WIN32)
    CHECK(r, platform_lock_file(second, &err) == 1); /* LockFileEx locks are per handle */
#else
    pid_t pid = fork(); /* fcntl locks are per process: ask from another one */
    if (pid == 0)
        _exit(platform_lock_file(second, &err) == 1 ? 0 : 1);
    int status = 0;
    CHECK(r, pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
                 WEXITSTATUS(status) == 0);
#endif
    platform_unlock_file(first);
    fclose(second);
    fclose(first);
    CHECK(r, platform_remove(path) == 0);
    free(path);
}

static void test_misc(struct run *r, const char *log)
{
    FILE *f = platform_fopen(log, "r");
    CHECK(r, f && !platform_is_terminal(f));
    if (f)
        fclose(f);
    CHECK(r, platform_cpu_count() >= 1);
    struct tm tm;
    CHECK(r, platform_localtime(86400 * 365, &tm) == 0 && tm.tm_year >= 70);

    /* the wall clock agrees with time() and a 50 ms sleep shows on the monotonic clock */
    int64_t seconds = 0;
    long nanoseconds = -1;
    CHECK(r, platform_time_utc(&seconds, &nanoseconds) == 0);
    int64_t now = (int64_t)time(NULL);
    CHECK(r, seconds >= now - 2 && seconds <= now + 2);
    CHECK(r, nanoseconds >= 0 && nanoseconds < 1000000000L);
    double before = platform_monotonic_seconds();
    platform_sleep_ms(50);
    double slept = platform_monotonic_seconds() - before;
    CHECK(r, slept >= 0.045 && slept < 5);
}

int main(int argc, char **argv)
{
    const char *fixtures = argc > 1 ? argv[1] : SOURCE_DIR "/fixtures";
    struct run r = {0};
    struct cs_error err = {""};
    test_path_join(&r);
    char *dir = platform_temp_directory("crashsig-test", &err);
    if (!CHECK(&r, dir != NULL)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    char *log = copy_fixture(&r, fixtures, dir);
    if (log) {
        test_file_info_and_listing(&r, dir, log);
        test_evtx_open(&r, dir, log);
        test_block_reads(&r, log);
        test_atomic_replace(&r, dir);
        test_lock(&r, dir);
        test_temp_fd(&r);
        test_misc(&r, log);
        CHECK(&r, platform_remove(log) == 0);
    }
    char *odd = platform_path_join(dir, ODD_NAME);
    CHECK(&r, platform_remove_directory(odd) == 0);
    CHECK(&r, platform_remove_directory(dir) == 0);
    struct platform_file_info info;
    CHECK(&r, platform_file_info(dir, false, &info, &err) == 0 && info.kind == PLATFORM_MISSING);
    free(odd);
    free(log);
    free(dir);
    printf("test_platform: %d checks, %d failed\n", r.checks, r.failures);
    return r.failures ? 1 : 0;
}
