/*
 * test_damaged.c - the damaged-log suite: the real crashsig binary on hundreds of damaged
 * logs, generated at test time from the fixtures (damaged_gen.c), plus the inputs no log
 * turns into: an empty file, random bytes, a directory or a FIFO named x.evtx, a symlink loop,
 * and a log that is truncated, fails or disappears while crashsig reads it (a deterministic
 * LD_PRELOAD shim, fault_fs.c, does that at a chosen byte).
 *
 * For every input, crashsig must: not crash (no signal, no sanitizer report), not hang
 * (a time limit), not leak (LeakSanitizer in the sanitizer build), give the documented exit
 * status for what its report says, name the file, report what can still be read (every
 * incident whose records lie in undamaged chunks), and never call a damaged log "ok" unless
 * what it found is exactly what the intact log gives.  The counts are printed at the end:
 *
 *     damaged-log suite: N inputs tried, crashes 0, hangs 0, leaks 0, wrong exit statuses 0...
 *
 * Not for: fixture content (test_cli.c) or the real-log corpus (test_corpus.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "damaged_gen.h"
#include "corpus.h"
#include "run_process.h"
#include "test_util.h"

/* A damaged log is read in well under a second; a minute means a hang. */
#define TIMEOUT_SECONDS 60

#if defined(__SANITIZE_ADDRESS__)
#define LEAK_CHECKING "LeakSanitizer"
#else
#define LEAK_CHECKING "off in this build (the sanitizer build checks leaks)"
#endif

/* One chunk with crashes among noise, 15 chunks with pairs across a chunk boundary, and
 * records in chunk slack. */
static const char *const FIXTURES[] = {"demo", "multichunk", "recovered"};

struct counts {
    size_t tried, crashes, hangs, leaks, wrong_exits, unnamed, lost, silent_ok, wrong_status;
    size_t refused; /* not failures: libevtx would not open a log with intact chunks */
};

/* An event of an incident in a report, by side and EVTX record id.  A record may come back as
 * a recovered record when libevtx lost track of its chunk (a header that lies about the chunk
 * count): it was still read, so it counts as present. */
struct record_key {
    int side; /* 0 .NET event, 1 Application Error */
    uint64_t record_id;
};

struct baseline {
    char path[512];
    struct evtx_layout layout;
    size_t key_count;
    struct record_key *keys;
    char *canonical; /* the incidents, one line each, for "ok means identical" */
};

/* ---- running crashsig ------------------------------------------------------------------- */

/* Sanitizer reports must be told apart from crashsig's own exit statuses (1 means
 * "incidents"), so they get exit status 86 and a leak is recognised by its report. */
static void sanitizer_environment(void)
{
    const char *asan = getenv("ASAN_OPTIONS");
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s%sexitcode=86:verify_asan_link_order=0", asan ? asan : "",
             asan && asan[0] ? ":" : "");
    setenv("ASAN_OPTIONS", buf, 1);
    const char *ubsan = getenv("UBSAN_OPTIONS");
    snprintf(buf, sizeof(buf), "%s%sexitcode=86:halt_on_error=1", ubsan ? ubsan : "",
             ubsan && ubsan[0] ? ":" : "");
    setenv("UBSAN_OPTIONS", buf, 1);
}

static void scan(struct process_result *r, const char *path, const char *extra)
{
    char *argv[] = {(char *)CRASHSIG_BINARY, "scan", "--format", "json", (char *)path,
                    (char *)extra,           NULL};
    assert_int_equal(run_process(argv, NULL, TIMEOUT_SECONDS, r), 0);
}

/* ---- reading a report ------------------------------------------------------------------- */

static void add_key(struct record_key **keys, size_t *count, int side, const cJSON *event,
                    bool live_only)
{
    if (!cJSON_IsObject(event) ||
        (live_only && cJSON_IsTrue(cJSON_GetObjectItem(event, "recovered"))))
        return;
    *keys = realloc(*keys, (*count + 1) * sizeof(**keys));
    (*keys)[(*count)++] =
        (struct record_key){side, (uint64_t)cJSON_GetObjectItem(event, "record_id")->valuedouble};
}

/* live_only: the intact log's keys, whose chunk is known; recovered records have none. */
static void collect_keys(const cJSON *report, bool live_only, struct record_key **keys,
                         size_t *count)
{
    *keys = NULL;
    *count = 0;
    const cJSON *incident;
    cJSON_ArrayForEach(incident, cJSON_GetObjectItem(report, "incidents"))
    {
        add_key(keys, count, 0, cJSON_GetObjectItem(incident, "dotnet"), live_only);
        add_key(keys, count, 1, cJSON_GetObjectItem(incident, "app_error"), live_only);
    }
}

/* The incidents as text: pairing, records, signature and fingerprint, one line each. */
static char *canonical_incidents(const cJSON *report)
{
    size_t cap = 256, len = 0;
    char *text = calloc(1, cap);
    const cJSON *incident;
    cJSON_ArrayForEach(incident, cJSON_GetObjectItem(report, "incidents"))
    {
        const cJSON *d = cJSON_GetObjectItem(incident, "dotnet");
        const cJSON *a = cJSON_GetObjectItem(incident, "app_error");
        char line[256];
        int n = snprintf(
            line, sizeof(line), "%.0f %.0f %s %s\n",
            cJSON_IsObject(d) ? cJSON_GetObjectItem(d, "record_id")->valuedouble : -1,
            cJSON_IsObject(a) ? cJSON_GetObjectItem(a, "record_id")->valuedouble : -1,
            cJSON_GetObjectItem(cJSON_GetObjectItem(incident, "signature"), "id")->valuestring,
            cJSON_GetObjectItem(incident, "fingerprint")->valuestring);
        if (len + (size_t)n + 1 > cap)
            text = realloc(text, cap = 2 * (len + (size_t)n + 1));
        memcpy(text + len, line, (size_t)n + 1);
        len += (size_t)n;
    }
    return text;
}

static bool has_key(const struct record_key *keys, size_t count, struct record_key key)
{
    for (size_t i = 0; i < count; i++)
        if (keys[i].side == key.side && keys[i].record_id == key.record_id)
            return true;
    return false;
}

/* The intact log's layout and incidents; false when its layout cannot be read. */
static bool load_baseline(const char *path, struct baseline *base)
{
    snprintf(base->path, sizeof(base->path), "%s", path);
    size_t size;
    char *bytes = read_file(base->path, &size);
    assert_non_null(bytes);
    int layout = evtx_layout_read((const uint8_t *)bytes, size, &base->layout);
    free(bytes);
    if (layout != 0)
        return false;
    struct process_result r;
    scan(&r, base->path, NULL);
    cJSON *report = cJSON_Parse(r.out);
    assert_non_null(report);
    assert_in_range(r.exit_status, 0, 2);
    collect_keys(report, true, &base->keys, &base->key_count);
    base->canonical = canonical_incidents(report);
    cJSON_Delete(report);
    process_result_free(&r);
    return true;
}

static void free_baseline(struct baseline *base)
{
    free(base->keys);
    free(base->canonical);
}

/* ---- judging one run -------------------------------------------------------------------- */

static void complain(const char *path, const char *what, const char *problem)
{
    print_message("damaged: %s (%s): %s\n", path, what, problem);
}

/* Crash, hang, leak: counted; true when the run ended normally. */
static bool ended_normally(const struct process_result *r, const char *path, const char *what,
                           struct counts *counts)
{
    if (r->timed_out) {
        counts->hangs++;
        complain(path, what, "hang (killed after the time limit)");
        return false;
    }
    if (r->err && strstr(r->err, "LeakSanitizer")) {
        counts->leaks++;
        complain(path, what, "leak");
        print_message("%s\n", r->err);
        return false;
    }
    if (r->signal != 0 || r->exit_status < 0 || r->exit_status > 2 ||
        (r->err && strstr(r->err, "Sanitizer"))) {
        counts->crashes++;
        print_message("damaged: %s (%s): crash (signal %d, exit %d)\n%s\n", path, what, r->signal,
                      r->exit_status, r->err ? r->err : "");
        return false;
    }
    return true;
}

/* The exit status the report calls for (docs/report-format.md, "Exit status"). */
static int expected_exit(const cJSON *report)
{
    const cJSON *in;
    cJSON_ArrayForEach(in, cJSON_GetObjectItem(report, "inputs"))
    {
        if (strcmp(cJSON_GetObjectItem(in, "status")->valuestring, "error") == 0)
            return 2;
    }
    return cJSON_GetArraySize(cJSON_GetObjectItem(report, "incidents")) > 0 ? 1 : 0;
}

static bool status_allowed(enum damaged_expect expect, const char *status)
{
    switch (expect) {
    case EXPECT_ANY:
        return true;
    case EXPECT_NOT_OK:
        return strcmp(status, "ok") != 0;
    case EXPECT_DAMAGED:
        return strcmp(status, "damaged") == 0;
    case EXPECT_ERROR:
        return strcmp(status, "error") == 0;
    }
    return false;
}

/* A damaged input must be named with what went wrong: a warning, or an error (also on
 * stderr, which the CLI prints as "crashsig: PATH: why"). */
static bool input_is_explained(const cJSON *in, const char *path, const char *stderr_text)
{
    const char *status = cJSON_GetObjectItem(in, "status")->valuestring;
    if (strcmp(cJSON_GetObjectItem(in, "path")->valuestring, path) != 0)
        return false;
    if (strcmp(status, "error") == 0)
        return cJSON_IsString(cJSON_GetObjectItem(in, "error")) && stderr_text &&
               strstr(stderr_text, path) != NULL;
    if (strcmp(status, "damaged") == 0)
        return cJSON_GetArraySize(cJSON_GetObjectItem(in, "warnings")) > 0;
    return true;
}

static void judge_report(const struct damaged_case *c, const struct baseline *base,
                         const struct process_result *r, const cJSON *report, struct counts *counts)
{
    const cJSON *in = cJSON_GetArrayItem(cJSON_GetObjectItem(report, "inputs"), 0);
    const char *status = cJSON_GetObjectItem(in, "status")->valuestring;
    if (r->exit_status != expected_exit(report)) {
        counts->wrong_exits++;
        complain(c->path, c->what, "exit status does not match the report");
    }
    if (!status_allowed(c->expect, status)) {
        counts->wrong_status++;
        print_message("damaged: %s (%s): input status \"%s\" (expected %d)\n", c->path, c->what,
                      status, (int)c->expect);
    }
    if (!input_is_explained(in, c->path, r->err)) {
        counts->unnamed++;
        complain(c->path, c->what, "no warning or error naming the file");
    }
    /* What can still be read must be reported: every event of an intact chunk, unless libevtx
     * refused the whole file (an error, with exit status 2: loud, never silent). */
    if (base && strcmp(status, "error") == 0) {
        size_t n = base->layout.chunk_count;
        if (c->intact_chunks & (n >= 64 ? UINT64_MAX : ((uint64_t)1 << n) - 1))
            counts->refused++;
        return;
    }
    struct record_key *keys;
    size_t key_count;
    collect_keys(report, false, &keys, &key_count);
    for (size_t i = 0; base && i < base->key_count; i++) {
        int chunk = evtx_layout_chunk_of(&base->layout, base->keys[i].record_id);
        if (chunk < 0 || !(c->intact_chunks >> chunk & 1))
            continue;
        if (!has_key(keys, key_count, base->keys[i])) {
            counts->lost++;
            print_message("damaged: %s (%s): record %llu of intact chunk %d not reported\n",
                          c->path, c->what, (unsigned long long)base->keys[i].record_id, chunk);
            break;
        }
    }
    free(keys);
    if (base && c->ok_means_identical && strcmp(status, "ok") == 0) {
        char *canonical = canonical_incidents(report);
        if (strcmp(canonical, base->canonical) != 0) {
            counts->silent_ok++;
            print_message("damaged: %s (%s): status ok, but the incidents differ from the intact "
                          "log's:\n%s---\n%s",
                          c->path, c->what, canonical, base->canonical);
        }
        free(canonical);
    }
}

static void run_case(const struct damaged_case *c, const struct baseline *base,
                     struct counts *counts)
{
    struct process_result r;
    scan(&r, c->path, NULL);
    counts->tried++;
    if (ended_normally(&r, c->path, c->what, counts)) {
        cJSON *report = cJSON_Parse(r.out);
        if (report == NULL || cJSON_GetArraySize(cJSON_GetObjectItem(report, "inputs")) != 1) {
            counts->crashes++; /* no complete report is as bad as a crash */
            complain(c->path, c->what, "no valid JSON report with one input");
        } else {
            judge_report(c, base, &r, report, counts);
        }
        cJSON_Delete(report);
    }
    process_result_free(&r);
}

/* ---- the suite -------------------------------------------------------------------------- */

static void make_empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d)) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (unlink(path) != 0) /* x.evtx, the directory */
            rmdir(path);
    }
    if (d)
        closedir(d);
    mkdir(dir, 0755);
}

static void print_counts(const char *title, const struct counts *c)
{
    print_message("%s: %zu inputs tried, crashes %zu, hangs %zu, leaks %zu, wrong exit statuses "
                  "%zu, unnamed %zu, wrong input statuses %zu, lost incidents %zu, silent ok %zu; "
                  "%zu refused whole by libevtx (known fault, docs/robustness.md); leak "
                  "checking: %s\n",
                  title, c->tried, c->crashes, c->hangs, c->leaks, c->wrong_exits, c->unnamed,
                  c->wrong_status, c->lost, c->silent_ok, c->refused, LEAK_CHECKING);
}

static void assert_clean(const struct counts *c)
{
    assert_true(c->tried > 0);
    assert_int_equal(c->crashes, 0);
    assert_int_equal(c->hangs, 0);
    assert_int_equal(c->leaks, 0);
    assert_int_equal(c->wrong_exits, 0);
    assert_int_equal(c->unnamed, 0);
    assert_int_equal(c->wrong_status, 0);
    assert_int_equal(c->lost, 0);
    assert_int_equal(c->silent_ok, 0);
}

/* Generates the damaged copies of the log at path (every stride-th kind of damage) and runs
 * crashsig on each.  Returns false when the log's layout cannot be read. */
static bool damage_and_scan(const char *path, const char *name, const char *dir, size_t stride,
                            struct counts *counts)
{
    struct baseline base = {0};
    if (!load_baseline(path, &base))
        return false;
    size_t size;
    char *bytes = read_file(base.path, &size);
    struct damaged_list list = {0};
    assert_int_equal(damaged_generate((const uint8_t *)bytes, size, name, dir, stride, &list), 0);
    free(bytes);
    for (size_t i = 0; i < list.count; i++)
        run_case(&list.items[i], &base, counts);
    damaged_list_free(&list);
    free_baseline(&base);
    return true;
}

/* The real logs of ../shared/corpus/evtx-samples/ (when present): each cut to its file
 * header and first 4 chunks (a log of its own, the baseline), then every 16th kind of damage. */
static void damage_corpus(const char *dir, struct counts *counts)
{
    DIR *d = opendir(corpus_dir());
    size_t used = 0, skipped = 0;
    for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d)) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".evtx") != 0)
            continue;
        char source[1200], head[1200], name[64];
        snprintf(source, sizeof(source), "%s/%s", corpus_dir(), e->d_name);
        snprintf(name, sizeof(name), "corpus%03zu", used + skipped);
        snprintf(head, sizeof(head), "%s/../%s.head.evtx", dir, name);
        size_t size;
        char *bytes = read_file(source, &size);
        if (bytes == NULL)
            continue;
        write_bytes(head, bytes, size < 4096 + 4 * 65536 ? size : 4096 + 4 * 65536);
        free(bytes);
        if (damage_and_scan(head, name, dir, 16, counts))
            used++;
        else
            skipped++; /* too short or not laid out in chunks: test_corpus reads it as it is */
    }
    if (d)
        closedir(d);
    print_message("damaged-log suite: %zu real logs from %s damaged, %zu without chunks to "
                  "damage%s\n",
                  used, corpus_dir(), skipped, d ? "" : " (the corpus is not on this machine)");
}

static void test_damaged_logs(void **state)
{
    (void)state;
    struct counts counts = {0};
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/logs", DAMAGED_DIR);
    mkdir(DAMAGED_DIR, 0755);
    make_empty_dir(dir);
    for (size_t f = 0; f < sizeof(FIXTURES) / sizeof(FIXTURES[0]); f++) {
        char path[700];
        snprintf(path, sizeof(path), "%s/fixtures/%s.evtx", SOURCE_DIR, FIXTURES[f]);
        assert_true(damage_and_scan(path, FIXTURES[f], dir, 1, &counts));
    }
    damage_corpus(dir, &counts);
    print_counts("damaged-log suite", &counts);
    assert_clean(&counts);
}

/* ---- inputs that are not a damaged copy of a log ---------------------------------------- */

/* Runs crashsig on path (with the given environment variable set for the run, if any) and
 * judges the result like a damaged copy's, without an intact log to compare with. */
static void run_special(const char *path, const char *what, enum damaged_expect expect,
                        struct counts *counts)
{
    struct damaged_case c = {.expect = expect};
    snprintf(c.path, sizeof(c.path), "%s", path);
    snprintf(c.what, sizeof(c.what), "%s", what);
    run_case(&c, NULL, counts);
}

static void special_files(const char *dir, struct counts *counts)
{
    char path[900], target[900];
    snprintf(path, sizeof(path), "%s/empty.evtx", dir);
    write_bytes(path, "", 0);
    run_special(path, "0-byte file", EXPECT_ERROR, counts);

    snprintf(path, sizeof(path), "%s/no-magic.evtx", dir);
    write_bytes(path, "ElfFil\0\0 not a log", 19);
    run_special(path, "no ElfFile magic", EXPECT_ERROR, counts);

    snprintf(path, sizeof(path), "%s/magic-only.evtx", dir);
    write_bytes(path, "ElfFile", 8);
    run_special(path, "nothing but the magic", EXPECT_ERROR, counts);

    /* the magic, then a file header and a chunk of noise (a fixed LCG, so the same every run) */
    static uint8_t noise[8 + 4096 + 65536];
    uint32_t seed = 20261122;
    memcpy(noise, "ElfFile", 8);
    for (size_t i = 8; i < sizeof(noise); i++) {
        seed = seed * 1103515245u + 12345u;
        noise[i] = (uint8_t)(seed >> 16);
    }
    snprintf(path, sizeof(path), "%s/magic-then-noise.evtx", dir);
    write_bytes(path, noise, sizeof(noise));
    run_special(path, "random bytes after the ElfFile magic", EXPECT_NOT_OK, counts);

    snprintf(path, sizeof(path), "%s/x.evtx", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    run_special(path, "a directory named x.evtx", EXPECT_ERROR, counts);

    snprintf(path, sizeof(path), "%s/fifo.evtx", dir);
    assert_int_equal(mkfifo(path, 0644), 0); /* opening it would wait for a writer forever */
    run_special(path, "a FIFO named x.evtx", EXPECT_ERROR, counts);

    snprintf(path, sizeof(path), "%s/device.evtx", dir);
    assert_int_equal(symlink("/dev/zero", path), 0);
    run_special(path, "a link to /dev/zero", EXPECT_ERROR, counts);

    snprintf(path, sizeof(path), "%s/loop-a.evtx", dir);
    snprintf(target, sizeof(target), "%s/loop-b.evtx", dir);
    assert_int_equal(symlink(target, path), 0);
    assert_int_equal(symlink(path, target), 0);
    run_special(path, "a symbolic link loop", EXPECT_ERROR, counts);

    snprintf(path, sizeof(path), "%s/dangling.evtx", dir);
    assert_int_equal(symlink("/nonexistent/crashsig/x.evtx", path), 0);
    run_special(path, "a dangling symbolic link", EXPECT_ERROR, counts);

    snprintf(path, sizeof(path), "%s/missing.evtx", dir);
    run_special(path, "a file that does not exist", EXPECT_ERROR, counts);
}

/* A copy of multichunk.evtx that fault_fs damages while crashsig reads it. */
static void faulty_read(const char *dir, const char *mode, long at, enum damaged_expect expect,
                        struct counts *counts)
{
    char source[600], path[900], what[128], offset[32];
    snprintf(source, sizeof(source), "%s/fixtures/multichunk.evtx", SOURCE_DIR);
    snprintf(path, sizeof(path), "%s/victim-%s-%ld.evtx", dir, mode, at);
    size_t size;
    char *bytes = read_file(source, &size);
    write_bytes(path, bytes, size);
    free(bytes);
    snprintf(offset, sizeof(offset), "%ld", at);
    snprintf(what, sizeof(what), "fault_fs %s at byte %ld while being read", mode, at);
    setenv("LD_PRELOAD", FAULT_FS_LIBRARY, 1);
    setenv("FAULT_FS_PATH", path, 1);
    setenv("FAULT_FS_MODE", mode, 1);
    setenv("FAULT_FS_AT", offset, 1);
    run_special(path, what, expect, counts);
    unsetenv("LD_PRELOAD");
    unsetenv("FAULT_FS_PATH");
    unsetenv("FAULT_FS_MODE");
    unsetenv("FAULT_FS_AT");
}

static void test_special_inputs(void **state)
{
    (void)state;
    struct counts counts = {0};
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/special", DAMAGED_DIR);
    mkdir(DAMAGED_DIR, 0755);
    make_empty_dir(dir);
    special_files(dir, &counts);
    const long offsets[] = {0, 100, 4096, 4096 + 600, 4096 + 65536 + 300, 4096 + 5 * 65536 + 9};
    for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
        faulty_read(dir, "truncate", offsets[i], EXPECT_NOT_OK, &counts);
        faulty_read(dir, "eio", offsets[i], EXPECT_NOT_OK, &counts);
    }
    faulty_read(dir, "vanish", 0, EXPECT_ERROR, &counts);
    print_counts("special inputs", &counts);
    assert_clean(&counts);
}

/* Every damaged log of the suite in one scan, with parallel workers: one input's failure
 * must not take the others down, and each input is reported exactly once. */
static void test_all_damaged_logs_in_one_scan(void **state)
{
    (void)state;
    char dir[600];
    snprintf(dir, sizeof(dir), "%s/logs", DAMAGED_DIR);
    size_t files = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *e = readdir(d); e; e = readdir(d))
        files += strstr(e->d_name, ".evtx") != NULL;
    closedir(d);
    assert_true(files > 100);
    struct process_result r;
    char *argv[] = {(char *)CRASHSIG_BINARY, "scan", "--format", "json", "--jobs", "2", dir, NULL};
    assert_int_equal(run_process(argv, NULL, 600, &r), 0);
    struct counts counts = {.tried = files};
    if (ended_normally(&r, dir, "all damaged logs at once", &counts)) {
        cJSON *report = cJSON_Parse(r.out);
        assert_non_null(report);
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(report, "inputs")), files);
        assert_int_equal(r.exit_status, expected_exit(report));
        assert_int_equal(r.exit_status, 2);
        cJSON_Delete(report);
    }
    process_result_free(&r);
    print_counts("all damaged logs in one scan", &counts);
    assert_clean(&counts);
}

/* ---- isolation: a file on which the reading process crashes or hangs -------------------- */

/* The incidents of report, without those from the file skip (the victim). */
static char *canonical_without(const cJSON *report, const char *skip)
{
    cJSON *copy = cJSON_Duplicate(report, true);
    cJSON *incidents = cJSON_GetObjectItem(copy, "incidents");
    for (int i = cJSON_GetArraySize(incidents) - 1; i >= 0; i--) {
        const cJSON *incident = cJSON_GetArrayItem(incidents, i);
        const cJSON *d = cJSON_GetObjectItem(incident, "dotnet");
        const cJSON *a = cJSON_GetObjectItem(incident, "app_error");
        const cJSON *side = cJSON_IsObject(d) ? d : a;
        if (strcmp(cJSON_GetObjectItem(side, "file")->valuestring, skip) == 0)
            cJSON_DeleteItemFromArray(incidents, i);
    }
    char *text = canonical_incidents(copy);
    cJSON_Delete(copy);
    return text;
}

/*
 * Three logs, the middle one the victim: fault_fs makes whatever process reads its second
 * chunk die with SIGSEGV, or hang, as if libevtx crashed or looped on it.  The scan must end
 * (the worker time limit, CRASHSIG_WORKER_TIMEOUT, is set short), report the victim as an
 * error or damaged with a message, report the two other logs exactly as without the victim,
 * and exit with the status its report calls for.
 */
static void isolated_run(const char *dir, const char *mode, const char *jobs, const char *baseline)
{
    char good_a[900], victim[900], good_b[900], source[700];
    snprintf(good_a, sizeof(good_a), "%s/a-demo.evtx", dir);
    snprintf(victim, sizeof(victim), "%s/b-victim-%s.evtx", dir, mode);
    snprintf(good_b, sizeof(good_b), "%s/c-pairing.evtx", dir);
    snprintf(source, sizeof(source), "%s/fixtures/multichunk.evtx", SOURCE_DIR);
    size_t size;
    char *bytes = read_file(source, &size);
    write_bytes(victim, bytes, size);
    free(bytes);
    setenv("LD_PRELOAD", FAULT_FS_LIBRARY, 1);
    setenv("FAULT_FS_PATH", victim, 1);
    setenv("FAULT_FS_MODE", mode, 1);
    setenv("FAULT_FS_AT", "69632", 1); /* the second chunk */
    setenv("CRASHSIG_WORKER_TIMEOUT", "5", 1);
    char *argv[] = {(char *)CRASHSIG_BINARY,
                    "scan",
                    "--format",
                    "json",
                    good_a,
                    victim,
                    good_b,
                    (char *)jobs,
                    NULL};
    struct process_result r;
    assert_int_equal(run_process(argv, NULL, 300, &r), 0);
    unsetenv("LD_PRELOAD");
    unsetenv("FAULT_FS_PATH");
    unsetenv("FAULT_FS_MODE");
    unsetenv("FAULT_FS_AT");
    unsetenv("CRASHSIG_WORKER_TIMEOUT");
    char what[96];
    snprintf(what, sizeof(what), "the reading process %s on one of three logs (%s)",
             strcmp(mode, "segv") == 0 ? "crashes" : "hangs", jobs ? jobs : "default jobs");
    struct counts counts = {.tried = 1};
    if (!ended_normally(&r, victim, what, &counts))
        fail_msg("%s: crashsig did not survive it", what);
    cJSON *report = cJSON_Parse(r.out);
    if (report == NULL)
        fail_msg("%s: no JSON report", what);
    assert_int_equal(r.exit_status, expected_exit(report));
    const cJSON *inputs = cJSON_GetObjectItem(report, "inputs");
    assert_int_equal(cJSON_GetArraySize(inputs), 3);
    const cJSON *v = cJSON_GetArrayItem(inputs, 1);
    if (!input_is_explained(v, victim, r.err) ||
        strcmp(cJSON_GetObjectItem(v, "status")->valuestring, "ok") == 0)
        fail_msg("%s: the victim is not reported as an error or damaged", what);
    for (int i = 0; i < 3; i += 2)
        assert_string_equal(
            cJSON_GetObjectItem(cJSON_GetArrayItem(inputs, i), "status")->valuestring, "ok");
    char *others = canonical_without(report, victim);
    if (strcmp(others, baseline) != 0)
        fail_msg("%s: the other logs' incidents differ:\n%s---\n%s", what, others, baseline);
    free(others);
    cJSON_Delete(report);
    process_result_free(&r);
}

static void test_isolation_from_parser_faults(void **state)
{
    (void)state;
    char dir[600], good_a[900], good_b[900], source[700];
    snprintf(dir, sizeof(dir), "%s/isolation", DAMAGED_DIR);
    mkdir(DAMAGED_DIR, 0755);
    make_empty_dir(dir);
    const char *goods[][2] = {{"demo", "a-demo"}, {"pairing", "c-pairing"}};
    for (int i = 0; i < 2; i++) {
        snprintf(source, sizeof(source), "%s/fixtures/%s.evtx", SOURCE_DIR, goods[i][0]);
        snprintf(i ? good_b : good_a, sizeof(good_a), "%s/%s.evtx", dir, goods[i][1]);
        size_t size;
        char *bytes = read_file(source, &size);
        write_bytes(i ? good_b : good_a, bytes, size);
        free(bytes);
    }
    struct process_result r;
    scan(&r, good_a, good_b);
    cJSON *report = cJSON_Parse(r.out);
    assert_non_null(report);
    char *baseline = canonical_incidents(report);
    assert_true(strlen(baseline) > 0);
    cJSON_Delete(report);
    process_result_free(&r);
    const char *modes[] = {"segv", "hang"};
    const char *jobs[] = {NULL, "--jobs=1", "--jobs=2"};
    for (int m = 0; m < 2; m++)
        for (int j = 0; j < 3; j++)
            isolated_run(dir, modes[m], jobs[j], baseline);
    free(baseline);
}

int main(void)
{
    sanitizer_environment();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_damaged_logs),
        cmocka_unit_test(test_special_inputs),
        cmocka_unit_test(test_all_damaged_logs_in_one_scan),
        cmocka_unit_test(test_isolation_from_parser_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
