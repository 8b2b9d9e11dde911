/*
 * test_outputs.c - the promises of docs/robustness.md about the files crashsig writes and the
 * paths it is given, through the real binary (issue 13, items 1 and 4 to 9):
 *   - outputs: a device node or FIFO is written in place and stays what it was, a stream path
 *     (/proc/self/fd/1) works, a symlink keeps being a link and its target is replaced, a
 *     dangling link is refused;
 *   - --state / --baseline / --write-baseline: a FIFO or device is refused before the lock,
 *     without blocking;
 *   - an output that is an input found in a folder is refused and the log is untouched;
 *   - a run killed by SIGTERM while it writes leaves no temporary file; the next run removes
 *     abandoned ones and leaves alone those a live writer holds;
 *   - input discovery: an unsearchable folder (as a non-root user), a folder too deep and a
 *     dangling link are input errors (exit 2);
 *   - file names in messages and bidi controls in the text report are escaped;
 *   - a closed stdout pipe, a low open-file limit with --jobs 64, a huge state file, a NUL in
 *     a baseline, --since 2024-02-30 and a time past the year 9999.
 *
 * Device nodes, FIFOs and links are made in a private folder under the build directory, never
 * in the real /dev.  A test that needs root (mknod) or a user to drop to says why it skips.
 *
 * Not for: what a report says (test_cli.c, test_report_formats.c) or damaged logs
 * (test_damaged.c).
 */
/* mknod, usleep */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crashsig/common.h"
#include "evtx_writer.h"
#include "test_util.h"

#define TIMEOUT_SECONDS 60
#define DEMO            SOURCE_DIR "/fixtures/demo.evtx"
#define BASE_TIME       133500000000000000ULL /* 2024-01-18 */

static char work[600];

/* WORK_DIR/name, in the caller's buffer. */
static const char *in_work(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", work, name);
    return buf;
}

static void copy_demo(const char *to)
{
    size_t size;
    char *bytes = read_file(DEMO, &size);
    assert_non_null(bytes);
    write_bytes(to, bytes, size);
    free(bytes);
}

static int setup(void **state)
{
    (void)state;
    snprintf(work, sizeof(work), "%s", WORK_DIR);
    remove_tree(work);
    if (mkdir(work, 0755) != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return remove_tree(work) == 0 ? 0 : -1;
}

/* ---- a child with a changed world ---------------------------------------------------- */

struct child_setup {
    uid_t uid;             /* 0: stay */
    rlim_t open_files;     /* 0: unchanged */
    bool stdout_broken;    /* stdout a pipe whose reader is gone, SIGPIPE at its default */
    const char *stdout_to; /* else stdout to this file (NULL: /dev/null) */
};

struct child_end {
    int status; /* exit status, or -1 */
    int signal; /* the signal that ended it, or 0 */
    char *err;  /* stderr */
};

static pid_t start_child(const struct child_setup *cs, const char *err_path, char *const argv[])
{
    int pipe_fds[2] = {-1, -1};
    if (cs->stdout_broken)
        assert_int_equal(pipe(pipe_fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int err_fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(err_fd, 2);
        if (cs->stdout_broken) {
            close(pipe_fds[0]); /* nobody will ever read */
            dup2(pipe_fds[1], 1);
            signal(SIGPIPE, SIG_DFL); /* as a shell leaves it */
        } else {
            int out_fd = open(cs->stdout_to ? cs->stdout_to : "/dev/null",
                              O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(out_fd, 1);
        }
        if (cs->open_files) {
            struct rlimit limit = {cs->open_files, cs->open_files};
            setrlimit(RLIMIT_NOFILE, &limit);
        }
        if (cs->uid && (setgid(cs->uid) != 0 || setuid(cs->uid) != 0))
            _exit(126);
        execv(argv[0], argv);
        _exit(127);
    }
    if (cs->stdout_broken) {
        close(pipe_fds[0]);
        close(pipe_fds[1]);
    }
    return pid;
}

static void finish_child(pid_t pid, const char *err_path, struct child_end *end)
{
    int status = 0;
    for (int waited = 0;; waited++) {
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got == pid)
            break;
        if (waited > TIMEOUT_SECONDS * 10) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail_msg("crashsig hung");
        }
        usleep(100000);
    }
    end->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    end->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    end->err = read_file(err_path, NULL);
    assert_non_null(end->err);
}

static void run_child(const struct child_setup *cs, struct child_end *end, char *const argv[])
{
    char err_path[700];
    in_work(err_path, sizeof(err_path), "child.err");
    finish_child(start_child(cs, err_path, argv), err_path, end);
}

static bool is_kind(const char *path, mode_t kind)
{
    struct stat st;
    return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == kind;
}

/* Names in dir that start with prefix. */
static size_t count_prefixed(const char *dir, const char *prefix)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d))
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (d)
        closedir(d);
    return n;
}

/* ---- item 1: outputs that are not regular files ------------------------------------- */

static void device_output_is_written_in_place(void **state)
{
    (void)state;
    char null_path[700];
    in_work(null_path, sizeof(null_path), "null");
    if (mknod(null_path, S_IFCHR | 0666, makedev(1, 3)) != 0) {
        print_message("SKIPPED: cannot make a private device node (%s): needs root with "
                      "CAP_MKNOD\n",
                      strerror(errno));
        skip();
    }
    struct process_result r;
    run_program(&r, NULL, TIMEOUT_SECONDS, CRASHSIG_BINARY, "scan", "-o", null_path, DEMO, NULL);
    assert_true(r.exit_status == 0 || r.exit_status == 1);
    assert_true(is_kind(null_path, S_IFCHR)); /* not replaced by a regular file */
    assert_int_equal(count_prefixed(work, "null.tmp"), 0);
    process_result_free(&r);
    unlink(null_path);
}

static void fifo_output_is_written_in_place(void **state)
{
    (void)state;
    char fifo[700];
    in_work(fifo, sizeof(fifo), "report.fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    int reader = open(fifo, O_RDONLY | O_NONBLOCK); /* the reader is there before the run */
    assert_true(reader >= 0);
    struct process_result r;
    run_program(&r, NULL, TIMEOUT_SECONDS, CRASHSIG_BINARY, "scan", "--format", "json", "-o", fifo,
                DEMO, NULL);
    assert_true(r.exit_status == 0 || r.exit_status == 1);
    char buf[4096];
    ssize_t got = read(reader, buf, sizeof(buf) - 1);
    assert_true(got > 0);
    buf[got] = '\0';
    assert_non_null(strstr(buf, "\"schema\""));
    assert_true(is_kind(fifo, S_IFIFO));
    close(reader);
    process_result_free(&r);
    unlink(fifo);
}

static void stream_path_output_is_written_in_place(void **state)
{
    (void)state;
    struct process_result r;
    run_program(&r, NULL, TIMEOUT_SECONDS, CRASHSIG_BINARY, "scan", "--format", "json", "-o",
                "/proc/self/fd/1", DEMO, NULL);
    assert_true(r.exit_status == 0 || r.exit_status == 1);
    assert_non_null(strstr(r.out, "\"schema\""));
    process_result_free(&r);
}

static void symlink_output_replaces_its_target(void **state)
{
    (void)state;
    char target[700], link[700], dangling[700];
    in_work(target, sizeof(target), "target.txt");
    in_work(link, sizeof(link), "link.txt");
    in_work(dangling, sizeof(dangling), "dangling.txt");
    write_text(target, "old\n");
    assert_int_equal(symlink("target.txt", link), 0);
    struct process_result r;
    run_program(&r, NULL, TIMEOUT_SECONDS, CRASHSIG_BINARY, "scan", "-o", link, DEMO, NULL);
    assert_true(r.exit_status == 0 || r.exit_status == 1);
    assert_true(is_kind(link, S_IFLNK)); /* still a link ... */
    char *text = read_file(target, NULL);
    assert_non_null(strstr(text, "findings")); /* ... to the new report */
    free(text);
    assert_int_equal(count_prefixed(work, "target.txt.tmp"), 0);
    process_result_free(&r);

    assert_int_equal(symlink("missing/nothing.txt", dangling), 0);
    run_program(&r, NULL, TIMEOUT_SECONDS, CRASHSIG_BINARY, "scan", "-o", dangling, DEMO, NULL);
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "symbolic link"));
    assert_true(is_kind(dangling, S_IFLNK));
    process_result_free(&r);
    unlink(link);
    unlink(target);
    unlink(dangling);
}

/* ---- item 5: special files as --state, --baseline, --write-baseline ----------------- */

static void fifo_state_and_baseline_are_refused(void **state)
{
    (void)state;
    char fifo[700], lock[700];
    in_work(fifo, sizeof(fifo), "state.fifo");
    in_work(lock, sizeof(lock), "state.fifo.lock");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    const char *options[] = {"--state", "--baseline", "--write-baseline"};
    for (size_t i = 0; i < 3; i++) {
        struct process_result r;
        run_program(&r, NULL, 20, CRASHSIG_BINARY, "scan", options[i], fifo, DEMO, NULL);
        assert_int_equal(r.exit_status, 2);
        assert_non_null(strstr(r.err, "not a regular file"));
        assert_true(is_kind(fifo, S_IFIFO));
        process_result_free(&r);
    }
    assert_int_equal(access(lock, F_OK), -1); /* refused before the lock was taken */
    unlink(fifo);
}

/* ---- item 6: never overwrite an input found in a folder ----------------------------- */

static void output_onto_a_found_input_is_refused(void **state)
{
    (void)state;
    char dir[700], log[700];
    in_work(dir, sizeof(dir), "logs");
    in_work(log, sizeof(log), "logs/app.evtx");
    assert_int_equal(mkdir(dir, 0755), 0);
    copy_demo(log);
    size_t before_size, after_size;
    char *before = read_file(log, &before_size);
    const char *options[] = {"-o", "--write-baseline", "--output-json"};
    for (size_t i = 0; i < 3; i++) {
        struct process_result r;
        run_program(&r, NULL, TIMEOUT_SECONDS, CRASHSIG_BINARY, "scan", options[i], log, dir, NULL);
        assert_int_equal(r.exit_status, 2);
        assert_non_null(strstr(r.err, "logs are never overwritten"));
        char *after = read_file(log, &after_size);
        assert_int_equal(after_size, before_size);
        assert_memory_equal(after, before, before_size);
        free(after);
        process_result_free(&r);
    }
    free(before);
    remove_tree(dir);
}

/* ---- item 7: temporary files ------------------------------------------------------- */

/* -o out.txt is staged first (its temporary file exists), then --output-json goes to a FIFO
 * nobody reads: crashsig waits there, mid-write, and gets SIGTERM. */
static void sigterm_during_a_write_leaves_no_temporary_file(void **state)
{
    (void)state;
    char out[700], fifo[700], err_path[700];
    in_work(out, sizeof(out), "killed.txt");
    in_work(fifo, sizeof(fifo), "killed.fifo");
    in_work(err_path, sizeof(err_path), "killed.err");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char *argv[] = {CRASHSIG_BINARY, "scan", "-o", out, "--output-json", fifo, DEMO, NULL};
    struct child_setup cs = {0};
    pid_t pid = start_child(&cs, err_path, argv);
    bool seen = false;
    for (int i = 0; i < TIMEOUT_SECONDS * 10 && !seen; i++) {
        seen = count_prefixed(work, "killed.txt.tmp") == 1;
        if (!seen)
            usleep(100000);
    }
    if (!seen) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        fail_msg("the run never got to its outputs with a temporary file");
    }
    usleep(200000);
    kill(pid, SIGTERM);
    struct child_end end;
    finish_child(pid, err_path, &end);
    assert_int_equal(end.signal, SIGTERM); /* it ended as the signal meant */
    assert_int_equal(count_prefixed(work, "killed.txt.tmp"), 0);
    assert_int_equal(access(out, F_OK), -1);
    free(end.err);
    unlink(fifo);
}

static void abandoned_temporary_files_are_removed_live_ones_kept(void **state)
{
    (void)state;
    char out[700], stale[700], live[700];
    in_work(out, sizeof(out), "stale.txt");
    in_work(stale, sizeof(stale), "stale.txt.tmpAbC123");
    in_work(live, sizeof(live), "stale.txt.tmpLive01");
    write_text(stale, "left by a killed run");
    write_text(live, "being written");
    int fd = open(live, O_RDWR);
    struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    assert_int_equal(fcntl(fd, F_SETLK, &lock), 0); /* a writer that is still alive */
    struct process_result r;
    run_program(&r, NULL, TIMEOUT_SECONDS, CRASHSIG_BINARY, "scan", "-o", out, DEMO, NULL);
    assert_true(r.exit_status == 0 || r.exit_status == 1);
    assert_int_equal(access(stale, F_OK), -1);
    assert_int_equal(access(live, F_OK), 0);
    process_result_free(&r);
    close(fd);
    unlink(live);
    unlink(out);
}

/* ---- item 4: nothing skipped silently in input discovery --------------------------- */

static void unsearchable_folder_is_an_input_error(void **state)
{
    (void)state;
    char dir[700], log[700];
    in_work(dir, sizeof(dir), "locked");
    in_work(log, sizeof(log), "locked/app.evtx");
    assert_int_equal(mkdir(dir, 0755), 0);
    copy_demo(log);
    assert_int_equal(chmod(dir, 0744), 0);  /* listable, not searchable by others */
    struct child_setup cs = {.uid = 65534}; /* nobody: the folder is not its own */
    if (geteuid() != 0) {
        print_message("SKIPPED: the folder is this user's own (owner bits rwx), and the test "
                      "cannot drop to another user without root\n");
        chmod(dir, 0755);
        remove_tree(dir);
        skip();
    }
    char *argv[] = {CRASHSIG_BINARY, "scan", work, NULL};
    char *argv_direct[] = {CRASHSIG_BINARY, "scan", dir, NULL};
    char *const *runs[] = {argv, argv_direct};
    for (size_t i = 0; i < 2; i++) {
        struct child_end end;
        run_child(&cs, &end, runs[i]);
        if (end.status == 126) {
            print_message("SKIPPED: cannot drop privileges to uid 65534\n");
            free(end.err);
            skip();
        }
        assert_int_equal(end.status, 2);
        assert_non_null(strstr(end.err, "cannot search directory"));
        free(end.err);
    }
    chmod(dir, 0755);
    remove_tree(dir);
}

static void deep_folder_and_dangling_link_are_input_errors(void **state)
{
    (void)state;
    char path[4096];
    int len = snprintf(path, sizeof(path), "%s/deep", work);
    assert_int_equal(mkdir(path, 0755), 0);
    for (int i = 0; i < 34; i++) {
        len += snprintf(path + len, sizeof(path) - (size_t)len, "/d");
        assert_int_equal(mkdir(path, 0755), 0);
    }
    snprintf(path + len, sizeof(path) - (size_t)len, "/app.evtx");
    copy_demo(path);
    char top[700];
    in_work(top, sizeof(top), "deep");
    struct process_result r;
    run_program(&r, NULL, TIMEOUT_SECONDS, CRASHSIG_BINARY, "scan", top, NULL);
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "deeper than 32 levels"));
    process_result_free(&r);
    remove_tree(top);

    char dir[700], log[700], link[700];
    in_work(dir, sizeof(dir), "tree");
    in_work(log, sizeof(log), "tree/app.evtx");
    in_work(link, sizeof(link), "tree/Archive");
    assert_int_equal(mkdir(dir, 0755), 0);
    copy_demo(log);
    assert_int_equal(symlink("/nonexistent/crashsig/archive", link), 0);
    run_program(&r, NULL, TIMEOUT_SECONDS, CRASHSIG_BINARY, "scan", dir, NULL);
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "Archive: dangling link"));
    process_result_free(&r);
    remove_tree(dir);
}

/* ---- item 8: escaping ---------------------------------------------------------------- */

static void file_names_in_messages_are_escaped(void **state)
{
    (void)state;
    char bad[700];
    in_work(bad, sizeof(bad), "bad\x1b]0;owned\x07\rname.evtx");
    write_text(bad, "not a log");
    struct process_result r;
    run_program(&r, NULL, TIMEOUT_SECONDS, CRASHSIG_BINARY, "scan", bad, NULL);
    assert_int_equal(r.exit_status, 2);
    assert_null(strchr(r.err, '\x1b'));
    assert_null(strchr(r.err, '\x07'));
    assert_null(strchr(r.err, '\r'));
    assert_non_null(strstr(r.err, "bad\\x1b]0;owned\\x07\\x0dname.evtx"));
    process_result_free(&r);
    /* the same name in a usage error (an output that is an input) */
    run_program(&r, NULL, TIMEOUT_SECONDS, CRASHSIG_BINARY, "scan", "-o", bad, bad, NULL);
    assert_int_equal(r.exit_status, 2);
    assert_null(strchr(r.err, '\x1b'));
    process_result_free(&r);
    unlink(bad);
}

static void add_app_error(struct evtx_writer *w, const char *app, uint64_t time)
{
    const char *data[] = {app,        "10.0.17763.1",
                          "0",        "KERNELBASE.dll",
                          "10.0",     "0",
                          "e0434352", "000000000003a839",
                          "df4",      "01dabe0041952284",
                          app,        "C:\\Windows\\System32\\KERNELBASE.dll",
                          "id"};
    struct evtx_event ev = {.provider = "Application Error",
                            .event_id = 1000,
                            .level = 2,
                            .keywords = 0x80000000000000ULL,
                            .time_created = time,
                            .channel = "Application",
                            .computer = "WEB\xe2\x80\xae"
                                        "10", /* U+202E */
                            .data = data,
                            .n_data = 13};
    char err[256];
    if (evtx_writer_add(w, &ev, err, sizeof(err)) != 0)
        fail_msg("evtx_writer_add: %s", err);
}

static void bidi_controls_are_shown_and_years_stay_four_digits(void **state)
{
    (void)state;
    char log[700];
    in_work(log, sizeof(log), "bidi.evtx");
    char err[256];
    struct evtx_writer *w = evtx_writer_open(log, NULL, err, sizeof(err));
    assert_non_null(w);
    /* "exe.live" shown right to left would read as "evil.exe"; U+2066, U+2028, U+FEFF too */
    add_app_error(w,
                  "\xe2\x80\xae"
                  "exe.live\xe2\x81\xa6\xe2\x80\xa8\xef\xbb\xbf",
                  BASE_TIME);
    add_app_error(w, "future.exe", 9000000000000000000ULL); /* the year 30120 */
    assert_int_equal(evtx_writer_close(w, err, sizeof(err)), 0);

    struct process_result r;
    run_program(&r, NULL, TIMEOUT_SECONDS, CRASHSIG_BINARY, "scan", log, NULL);
    assert_true(r.exit_status == 0 || r.exit_status == 1);
    assert_null(strstr(r.out, "\xe2\x80\xae"));
    assert_null(strstr(r.out, "\xe2\x81\xa6"));
    assert_null(strstr(r.out, "\xe2\x80\xa8"));
    assert_null(strstr(r.out, "\xef\xbb\xbf"));
    assert_non_null(strstr(r.out, "\\u202Eexe.live\\u2066\\u2028\\uFEFF"));
    assert_non_null(strstr(r.out, "WEB\\u202E10"));
    process_result_free(&r);

    run_program(&r, NULL, TIMEOUT_SECONDS, CRASHSIG_BINARY, "scan", "--format", "json", log, NULL);
    assert_non_null(strstr(r.out, "9999-12-31T23:59:59.9999999Z"));
    assert_null(strstr(r.out, "\"30120-"));
    process_result_free(&r);
    unlink(log);
}

/* ---- item 9: edges ------------------------------------------------------------------- */

static void a_reader_that_goes_away_ends_the_run_quietly(void **state)
{
    (void)state;
    char *argv[] = {CRASHSIG_BINARY, "scan", DEMO, NULL};
    struct child_setup cs = {.stdout_broken = true};
    struct child_end end;
    run_child(&cs, &end, argv);
    assert_int_equal(end.signal, 0); /* not killed by SIGPIPE */
    assert_true(end.status == 0 || end.status == 1);
    assert_string_equal(end.err, "");
    free(end.err);
}

static void jobs_adapt_to_the_open_file_limit(void **state)
{
    (void)state;
    char dir[700], out[700];
    in_work(dir, sizeof(dir), "many");
    in_work(out, sizeof(out), "many.json");
    assert_int_equal(mkdir(dir, 0755), 0);
    for (int i = 0; i < 40; i++) {
        char path[800];
        snprintf(path, sizeof(path), "%s/app%02d.evtx", dir, i);
        copy_demo(path);
    }
    char *argv[] = {CRASHSIG_BINARY, "scan", "--jobs", "64", "--format",
                    "json",          "-o",   out,      dir,  NULL};
    struct child_setup cs = {.open_files = 40};
    struct child_end end;
    run_child(&cs, &end, argv);
    assert_true(end.status == 0 || end.status == 1);
    assert_null(strstr(end.err, "open files"));
    char *json = read_file(out, NULL);
    assert_non_null(json);
    assert_null(strstr(json, "\"status\": \"error\""));
    free(json);
    free(end.err);
    remove_tree(dir);
    unlink(out);
}

static void huge_state_and_nul_in_baseline_are_refused(void **state)
{
    (void)state;
    char big[700], nul[700];
    in_work(big, sizeof(big), "huge.state");
    in_work(nul, sizeof(nul), "nul.baseline");
    int fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_int_equal(ftruncate(fd, 1LL << 30), 0); /* 1 GiB, sparse */
    close(fd);
    struct process_result r;
    run_program(&r, NULL, TIMEOUT_SECONDS, CRASHSIG_BINARY, "scan", "--state", big, DEMO, NULL);
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "1073741824 bytes, more than"));
    process_result_free(&r);
    static const char text[] = "{\"schema\": \"crashsig.baseline/1\", \"x\": \"a\0b\"}";
    write_bytes(nul, text, sizeof(text) - 1);
    run_program(&r, NULL, TIMEOUT_SECONDS, CRASHSIG_BINARY, "scan", "--baseline", nul, DEMO, NULL);
    assert_int_equal(r.exit_status, 2);
    assert_non_null(strstr(r.err, "NUL byte"));
    process_result_free(&r);
    unlink(big);
    unlink(nul);
}

static void calendar_dates_are_checked(void **state)
{
    (void)state;
    const char *bad[] = {"2024-02-30", "2023-02-29", "2024-04-31", "2024-13-01", "12024-01-01"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct process_result r;
        run_program(&r, NULL, TIMEOUT_SECONDS, CRASHSIG_BINARY, "scan", "--since", bad[i], DEMO,
                    NULL);
        assert_int_equal(r.exit_status, 2);
        assert_non_null(strstr(r.err, "bad --since"));
        process_result_free(&r);
    }
    struct process_result r;
    run_program(&r, NULL, TIMEOUT_SECONDS, CRASHSIG_BINARY, "scan", "--since", "2024-02-29", DEMO,
                NULL);
    assert_true(r.exit_status == 0 || r.exit_status == 1);
    process_result_free(&r);
    cs_filetime t;
    assert_int_not_equal(cs_time_parse_iso("2024-02-30T00:00:00Z", &t), 0);
    assert_int_equal(cs_time_parse_iso("2024-02-29T00:00:00Z", &t), 0);
    char iso[CS_ISO_TIME_SIZE];
    cs_time_format_iso(UINT64_MAX, iso);
    assert_string_equal(iso, "9999-12-31T23:59:59.9999999Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(device_output_is_written_in_place),
        cmocka_unit_test(fifo_output_is_written_in_place),
        cmocka_unit_test(stream_path_output_is_written_in_place),
        cmocka_unit_test(symlink_output_replaces_its_target),
        cmocka_unit_test(fifo_state_and_baseline_are_refused),
        cmocka_unit_test(output_onto_a_found_input_is_refused),
        cmocka_unit_test(sigterm_during_a_write_leaves_no_temporary_file),
        cmocka_unit_test(abandoned_temporary_files_are_removed_live_ones_kept),
        cmocka_unit_test(unsearchable_folder_is_an_input_error),
        cmocka_unit_test(deep_folder_and_dangling_link_are_input_errors),
        cmocka_unit_test(file_names_in_messages_are_escaped),
        cmocka_unit_test(bidi_controls_are_shown_and_years_stay_four_digits),
        cmocka_unit_test(a_reader_that_goes_away_ends_the_run_quietly),
        cmocka_unit_test(jobs_adapt_to_the_open_file_limit),
        cmocka_unit_test(huge_state_and_nul_in_baseline_are_refused),
        cmocka_unit_test(calendar_dates_are_checked),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
