/*
 * test_read_only.c - crashsig never modifies an input log, and writes nothing but the outputs
 * it was asked for and the state file (docs/robustness.md, "Read-only guarantee").
 *
 * The real binary scans a folder of logs (intact, damaged, recovered records) twice, with
 * --output and --state, under the fault_fs shim's write log (FAULT_FS_LOG), which records every
 * call that can change a file and every open of an .evtx.  Afterwards:
 *   - every input has the same size, modification time and CRC-32 as before, and the input
 *     folder holds the same names;
 *   - every .evtx was opened read-only;
 *   - every file written is the report, the state file, the state's lock file, or the
 *     temporary file each is written through (PATH.tmpXXXXXX, renamed over PATH), and no
 *     temporary file is left behind;
 *   - the working directory and TMPDIR stay empty.
 *
 * Not for: what the report says (test_cli.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evtx_writer.h"
#include "run_process.h"
#include "test_util.h"

#define TIMEOUT_SECONDS 300
#define MAX_INPUTS      8

static const char *const INPUTS[] = {"demo", "multichunk", "recovered", "dirty", "truncated"};

struct snapshot {
    char path[700];
    off_t size;
    struct timespec mtime;
    uint32_t crc;
};

static void make_dir(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        fail_msg("mkdir %s: %s", path, strerror(errno));
}

/* Removes the regular files in dir (the test's own folders hold nothing else). */
static void empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d)) {
        char path[1200];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (e->d_name[0] != '.')
            unlink(path);
    }
    if (d)
        closedir(d);
}

static size_t count_entries(const char *dir)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

static void copy_file(const char *from, const char *to, size_t keep)
{
    size_t size;
    char *bytes = read_file(from, &size);
    assert_non_null(bytes);
    write_bytes(to, bytes, keep && keep < size ? keep : size);
    free(bytes);
}

static void take_snapshot(const char *path, struct snapshot *s)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    size_t size;
    char *bytes = read_file(path, &size);
    assert_non_null(bytes);
    snprintf(s->path, sizeof(s->path), "%s", path);
    s->size = st.st_size;
    s->mtime = st.st_mtim;
    s->crc = evtx_crc32(0, bytes, size);
    free(bytes);
}

static void assert_unchanged(const struct snapshot *before)
{
    struct snapshot after;
    take_snapshot(before->path, &after);
    if (after.size != before->size || after.crc != before->crc ||
        after.mtime.tv_sec != before->mtime.tv_sec || after.mtime.tv_nsec != before->mtime.tv_nsec)
        fail_msg("input %s was modified", before->path);
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A path crashsig may write: an output, the state, its lock, or their temporary files. */
static bool allowed_write(const char *path, const char *out_dir)
{
    static const char *const NAMES[] = {"report.json", "report.sarif", "state.json"};
    if (!has_prefix(path, out_dir) || path[strlen(out_dir)] != '/')
        return false;
    const char *name = path + strlen(out_dir) + 1;
    for (size_t i = 0; i < sizeof(NAMES) / sizeof(NAMES[0]); i++) {
        size_t n = strlen(NAMES[i]);
        if (strncmp(name, NAMES[i], n) == 0 &&
            (name[n] == '\0' || strcmp(name + n, ".lock") == 0 || has_prefix(name + n, ".tmp")))
            return true;
    }
    return false;
}

/* Every line of the write log: "CALL R|W PATH [PATH2]". */
static void check_write_log(const char *log_path, const char *out_dir, const char *in_dir)
{
    size_t size;
    char *log = read_file(log_path, &size);
    assert_non_null(log); /* at least the report and the state are written */
    size_t writes = 0;
    for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
        char call[32], kind[4], path[1024], path2[1024] = "";
        if (sscanf(line, "%31s %3s %1023s %1023s", call, kind, path, path2) < 3)
            fail_msg("unreadable write log line: %s", line);
        if (strcmp(kind, "R") == 0) {
            if (!has_prefix(path, in_dir))
                fail_msg("opened an .evtx that is not an input: %s", line);
            continue;
        }
        writes++;
        if (has_prefix(path, in_dir) || (path2[0] && has_prefix(path2, in_dir)))
            fail_msg("wrote to an input: %s", line);
        if (!allowed_write(path, out_dir) || (path2[0] && !allowed_write(path2, out_dir)))
            fail_msg("wrote a file it was not asked to: %s", line);
    }
    assert_true(writes >= 2);
    free(log);
}

/* The shim is preloaded ahead of the sanitizers' runtime (allowed explicitly), and their
 * reports get exit status 86, not 1, which means "incidents" to crashsig. */
static void sanitizer_environment(void)
{
    const char *asan = getenv("ASAN_OPTIONS");
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s%sexitcode=86:verify_asan_link_order=0", asan ? asan : "",
             asan && asan[0] ? ":" : "");
    setenv("ASAN_OPTIONS", buf, 1);
}

static void run_scan(const char *work, const char *in_dir, const char *out_dir, const char *log)
{
    char cwd[700], tmp[700], report[800], sarif[800], state_path[800];
    snprintf(cwd, sizeof(cwd), "%s/cwd", work);
    snprintf(tmp, sizeof(tmp), "%s/tmp", work);
    snprintf(report, sizeof(report), "%s/report.json", out_dir);
    snprintf(sarif, sizeof(sarif), "%s/report.sarif", out_dir);
    snprintf(state_path, sizeof(state_path), "%s/state.json", out_dir);
    setenv("LD_PRELOAD", FAULT_FS_LIBRARY, 1);
    setenv("FAULT_FS_LOG", log, 1);
    setenv("TMPDIR", tmp, 1);
    char *argv[] = {(char *)CRASHSIG_BINARY, "scan", "--format", "json",     "--output",     report,
                    "--output-sarif",        sarif,  "--state",  state_path, (char *)in_dir, NULL};
    struct process_result r;
    assert_int_equal(run_process(argv, cwd, TIMEOUT_SECONDS, &r), 0);
    unsetenv("LD_PRELOAD");
    unsetenv("FAULT_FS_LOG");
    unsetenv("TMPDIR");
    assert_false(r.timed_out);
    assert_int_equal(r.signal, 0);
    if (r.exit_status != 0 && r.exit_status != 1)
        fail_msg("exit status %d: %s", r.exit_status, r.err);
    process_result_free(&r);
}

static void test_inputs_untouched_and_only_outputs_written(void **state)
{
    (void)state;
    char work[600], in_dir[700], out_dir[700], log[700], sub[700];
    snprintf(work, sizeof(work), "%s", WORK_DIR);
    snprintf(in_dir, sizeof(in_dir), "%s/inputs", work);
    snprintf(out_dir, sizeof(out_dir), "%s/out", work);
    snprintf(log, sizeof(log), "%s/writes.log", work);
    make_dir(work);
    const char *dirs[] = {"inputs", "out", "cwd", "tmp"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(sub, sizeof(sub), "%s/%s", work, dirs[i]);
        make_dir(sub);
        empty_dir(sub);
    }
    unlink(log);

    struct snapshot before[MAX_INPUTS];
    size_t n = 0;
    for (size_t i = 0; i < sizeof(INPUTS) / sizeof(INPUTS[0]); i++) {
        char from[700], to[800];
        snprintf(from, sizeof(from), "%s/fixtures/%s.evtx", SOURCE_DIR, INPUTS[i]);
        snprintf(to, sizeof(to), "%s/%s.evtx", in_dir, INPUTS[i]);
        copy_file(from, to, 0);
        take_snapshot(to, &before[n++]);
    }
    char from[700], to[800]; /* and one cut mid-chunk: damaged logs are only read, too */
    snprintf(from, sizeof(from), "%s/fixtures/multichunk.evtx", SOURCE_DIR);
    snprintf(to, sizeof(to), "%s/cut.evtx", in_dir);
    copy_file(from, to, 4096 + 3 * 65536 + 1000);
    take_snapshot(to, &before[n++]);

    run_scan(work, in_dir, out_dir, log); /* creates the state */
    run_scan(work, in_dir, out_dir, log); /* reads and replaces it */

    for (size_t i = 0; i < n; i++)
        assert_unchanged(&before[i]);
    assert_int_equal(count_entries(in_dir), n);
    check_write_log(log, out_dir, in_dir);
    snprintf(sub, sizeof(sub), "%s/cwd", work);
    assert_int_equal(count_entries(sub), 0);
    snprintf(sub, sizeof(sub), "%s/tmp", work);
    assert_int_equal(count_entries(sub), 0);
    /* report.json, report.sarif, state.json and state.json.lock; no temporary file left */
    assert_int_equal(count_entries(out_dir), 4);
}

int main(void)
{
    sanitizer_environment();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inputs_untouched_and_only_outputs_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
