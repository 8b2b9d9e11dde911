/*
 * test_paths.c - the reader's two read modes against each other, with the real binary: the
 * selected-chunk read (chunk prefilter, ranges, workers) against the whole-file read
 * (--no-prefilter: libevtx on the whole file, every record).
 *
 *   - on every fixture, on every file of the real-log corpus (skipped when the corpus is
 *     missing, see corpus.h), on damaged copies of multichunk.evtx (a zero-filled, a
 *     foreign, an unreadable chunk, a bad records CRC, a stale or dirty header), and on two
 *     generated 20 MB logs that the scan cuts into several ranges (one realistic, one with a
 *     crash in every chunk): the same incidents (the JSON arrays compare equal), the same input
 *     status, record counts, events kept and warnings.  The one allowed difference: the
 *     selected-chunk read only parses records that can be of a wanted provider, so it cannot
 *     see that libevtx fails on some other record; the whole-file read may then count more
 *     unreadable records (and only then call an otherwise sound file "damaged").
 *   - the output never depends on --jobs: --jobs 1, 2 and 4 print the same bytes.
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
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "corpus.h"
#include "run_process.h"
#include "test_util.h"

#define TIMEOUT_SECONDS 600
#define MAX_FILES       512

static char *run_scan(const char *const *args, const char *path, int *exit_status)
{
    char *argv[16] = {(char *)CRASHSIG_BINARY, "scan", "--format", "json", "--fail-on", "none"};
    int argc = 6;
    for (; args && *args; args++)
        argv[argc++] = (char *)*args;
    argv[argc++] = (char *)path;
    argv[argc] = NULL;
    struct process_result r;
    assert_int_equal(run_process(argv, SOURCE_DIR, TIMEOUT_SECONDS, &r), 0);
    if (r.timed_out || r.signal)
        fail_msg("%s: crashsig %s (signal %d); stderr: %.300s", path,
                 r.timed_out ? "hung" : "crashed", r.signal, r.err);
    *exit_status = r.exit_status;
    char *out = r.out;
    r.out = NULL;
    process_result_free(&r);
    return out;
}

static cJSON *item(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(o, key);
    if (v == NULL)
        fail_msg("report has no '%s'", key);
    return (cJSON *)v;
}

/* The warnings without the "records could not be parsed" line, which only the whole-file
 * read can write completely. */
static cJSON *comparable_warnings(const cJSON *input)
{
    cJSON *copy = cJSON_CreateArray();
    const cJSON *w;
    cJSON_ArrayForEach(
        w, item(input, "warnings")) if (strstr(w->valuestring, "could not be parsed") == NULL)
        cJSON_AddItemToArray(copy, cJSON_CreateString(w->valuestring));
    return copy;
}

static void compare_inputs(const char *path, const cJSON *fast, const cJSON *full)
{
    const char *fs = item(fast, "status")->valuestring, *ls = item(full, "status")->valuestring;
    if (strcmp(fs, ls) != 0)
        fail_msg("%s: input status '%s' in the selected-chunk read, '%s' in the whole-file read",
                 path, fs, ls);
    const char *keys[] = {"records", "recovered_records", "events_kept", "unreadable_records"};
    for (int i = 0; i < 4; i++)
        if (item(fast, keys[i])->valuedouble != item(full, keys[i])->valuedouble)
            fail_msg("%s: %s %.0f in the selected-chunk read, %.0f in the whole-file read", path,
                     keys[i], item(fast, keys[i])->valuedouble, item(full, keys[i])->valuedouble);
    cJSON *fw = comparable_warnings(fast), *lw = comparable_warnings(full);
    if (!cJSON_Compare(fw, lw, true)) {
        char *a = cJSON_PrintUnformatted(fw), *b = cJSON_PrintUnformatted(lw);
        fail_msg("%s: warnings differ:\n  fast %.600s\n  full %.600s", path, a, b);
    }
    cJSON_Delete(fw);
    cJSON_Delete(lw);
    const cJSON *fe = item(fast, "error"), *le = item(full, "error");
    if (!cJSON_Compare(fe, le, true))
        fail_msg("%s: errors differ", path);
}

/* Both paths on one file: same incidents, same inputs (see the header comment). */
static void compare_paths(const char *path)
{
    const char *full_args[] = {"--no-prefilter", NULL};
    int fast_exit, full_exit;
    char *fast_text = run_scan(NULL, path, &fast_exit);
    char *full_text = run_scan(full_args, path, &full_exit);
    cJSON *fast = cJSON_Parse(fast_text), *full = cJSON_Parse(full_text);
    if (fast == NULL || full == NULL)
        fail_msg("%s: output is not JSON", path);
    if (!cJSON_Compare(item(fast, "incidents"), item(full, "incidents"), true))
        fail_msg("%s: the selected-chunk read finds other incidents than the whole-file read",
                 path);
    if (!cJSON_Compare(item(fast, "findings"), item(full, "findings"), true))
        fail_msg("%s: findings differ", path);
    const cJSON *fi = item(fast, "inputs"), *li = item(full, "inputs");
    assert_int_equal(cJSON_GetArraySize(fi), cJSON_GetArraySize(li));
    for (int i = 0; i < cJSON_GetArraySize(fi); i++)
        compare_inputs(path, cJSON_GetArrayItem(fi, i), cJSON_GetArrayItem(li, i));
    if (fast_exit != full_exit)
        fail_msg("%s: exit %d in the selected-chunk read, %d in the whole-file read", path,
                 fast_exit, full_exit);
    cJSON_Delete(fast);
    cJSON_Delete(full);
    free(fast_text);
    free(full_text);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t list_evtx(const char *dir, char **out, size_t max)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    size_t n = 0;
    for (struct dirent *e = readdir(d); e && n < max; e = readdir(d)) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcasecmp(e->d_name + len - 5, ".evtx") == 0) {
            out[n] = malloc(strlen(dir) + len + 2);
            sprintf(out[n++], "%s/%s", dir, e->d_name);
        }
    }
    closedir(d);
    qsort(out, n, sizeof(char *), compare_strings);
    return n;
}

static void test_fixtures(void **state)
{
    (void)state;
    char *files[MAX_FILES];
    size_t n = list_evtx(SOURCE_DIR "/fixtures", files, MAX_FILES);
    assert_true(n >= 10);
    for (size_t i = 0; i < n; i++) {
        compare_paths(files[i]);
        free(files[i]);
    }
}

static void test_corpus(void **state)
{
    (void)state;
    char *files[MAX_FILES];
    size_t n = list_evtx(corpus_dir(), files, MAX_FILES);
    if (n == 0)
        corpus_missing();
    for (size_t i = 0; i < n; i++) {
        compare_paths(files[i]);
        free(files[i]);
    }
}

/* ---- damaged copies --------------------------------------------------------------------- */

static uint8_t *read_bytes(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *size = (size_t)ftell(f);
    rewind(f);
    uint8_t *data = malloc(*size + 65536);
    assert_int_equal(fread(data, 1, *size, f), *size);
    fclose(f);
    return data;
}

static uint8_t *chunk(uint8_t *data, int index)
{
    return data + 4096 + (size_t)index * 65536;
}

/* One damaged copy of multichunk.evtx: both paths agree, the status is damaged, and a warning
 * names what is wrong. */
static void damaged_copy(const char *name, void (*damage)(uint8_t *, size_t *), const char *warning)
{
    size_t size;
    uint8_t *data = read_bytes(SOURCE_DIR "/fixtures/multichunk.evtx", &size);
    damage(data, &size);
    char path[600];
    snprintf(path, sizeof(path), "%s/%s.evtx", WORK_DIR, name);
    write_bytes(path, data, size);
    free(data);
    compare_paths(path);
    int exit_status;
    char *text = run_scan(NULL, path, &exit_status);
    cJSON *report = cJSON_Parse(text);
    const cJSON *input = cJSON_GetArrayItem(item(report, "inputs"), 0);
    assert_string_equal(item(input, "status")->valuestring, "damaged");
    char *warnings = cJSON_PrintUnformatted(item(input, "warnings"));
    if (strstr(warnings, warning) == NULL)
        fail_msg("%s: no warning says '%s': %s", name, warning, warnings);
    free(warnings);
    cJSON_Delete(report);
    free(text);
}

static void zero_chunk(uint8_t *d, size_t *size)
{
    (void)size;
    memset(chunk(d, 3), 0, 65536);
}

static void foreign_chunk(uint8_t *d, size_t *size)
{
    (void)size;
    memcpy(chunk(d, 5), "NotChnk", 8);
}

static void unreadable_chunk(uint8_t *d, size_t *size)
{
    (void)size;
    chunk(d, 7)[40] = 64; /* header size: libevtx refuses the whole file */
}

static void records_crc(uint8_t *d, size_t *size)
{
    (void)size;
    chunk(d, 2)[30001] ^= 0x01; /* a byte among the records, not the stored CRC */
}

static void stale_header(uint8_t *d, size_t *size)
{
    (void)size;
    d[42] = 12; /* chunk count 12 of 15: the last 3 chunks' records become recovered */
}

static void dirty_extra_chunk(uint8_t *d, size_t *size)
{
    memcpy(d + *size, chunk(d, 0), 65536); /* a stale copy of chunk 0 past the end */
    *size += 65536;
    d[120] |= 1;
}

static void test_damaged_copies(void **state)
{
    (void)state;
    mkdir(WORK_DIR, 0755);
    damaged_copy("zero-chunk", zero_chunk, "chunk 3 (file offset 200704): zero-filled");
    damaged_copy("foreign-chunk", foreign_chunk, "chunk 5 (file offset 331776): bad signature");
    damaged_copy("unreadable-chunk", unreadable_chunk, "chunk 7 (file offset 462848): unsupported");
    damaged_copy("records-crc", records_crc, "chunk 2 (file offset 135168): event records CRC");
    damaged_copy("stale-header", stale_header, "chunk count 12");
    damaged_copy("dirty-extra-chunk", dirty_extra_chunk, "chunk count 15");
}

/* The incidents of a scan of path with crashsig's default --fail-on, and its exit status. */
static int default_scan(const char *path, int *exit_status)
{
    char *argv[] = {(char *)CRASHSIG_BINARY, "scan", "--format", "json", (char *)path, NULL};
    struct process_result r;
    assert_int_equal(run_process(argv, SOURCE_DIR, TIMEOUT_SECONDS, &r), 0);
    assert_false(r.timed_out || r.signal);
    *exit_status = r.exit_status;
    cJSON *report = cJSON_Parse(r.out);
    assert_non_null(report);
    int incidents = cJSON_GetArraySize(item(report, "incidents"));
    cJSON_Delete(report);
    process_result_free(&r);
    return incidents;
}

static uint16_t block_size_now;

static void header_block_size(uint8_t *d, size_t *size)
{
    (void)size;
    d[40] = (uint8_t)(block_size_now & 0xff);
    d[41] = (uint8_t)(block_size_now >> 8);
}

/* A header block size other than 4096 (bytes 40-41) loses nothing: the chunks start at 4096 in
 * every EVTX version, so both read modes read them all, say the header is damaged, and the exit
 * status reflects the incidents found. */
static void test_header_block_size(void **state)
{
    (void)state;
    mkdir(WORK_DIR, 0755);
    int intact_exit;
    int intact = default_scan(SOURCE_DIR "/fixtures/multichunk.evtx", &intact_exit);
    assert_true(intact > 0);
    assert_int_equal(intact_exit, 1);
    const uint16_t sizes[] = {0, 2048, 8192, 4096 ^ 0x0004, 4096 ^ 0x8000};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        block_size_now = sizes[i];
        char name[64], warning[96], path[600];
        snprintf(name, sizeof(name), "block-size-%u", sizes[i]);
        snprintf(warning, sizeof(warning), "file header: header block size %u, not 4096", sizes[i]);
        damaged_copy(name, header_block_size, warning);
        snprintf(path, sizeof(path), "%s/%s.evtx", WORK_DIR, name);
        int exit_status;
        int found = default_scan(path, &exit_status);
        if (found != intact || exit_status != 1)
            fail_msg("%s: %d of %d incidents, exit %d (want every incident, exit 1)", name, found,
                     intact, exit_status);
    }
}

/* A log libevtx refuses (header block size 8192) is read by the whole-file read's rescue,
 * which parses every record of the readable chunks; a record of another provider that libevtx
 * cannot parse (its template definition offset off by 256) is not counted as unreadable there,
 * as neither the selected-chunk read nor the whole-file read counts such a record: the same
 * status, counts and warnings in both read modes. */
static void test_rescue_counts_like_whole_file(void **state)
{
    (void)state;
    mkdir(WORK_DIR, 0755);
    size_t size;
    uint8_t *data = read_bytes(SOURCE_DIR "/fixtures/noise_only.evtx", &size);
    data[40] = 0x00; /* header block size 8192 */
    data[41] = 0x20;
    data[4096 + 512 + 35] ^= 0x01; /* the first record's template definition offset */
    char path[600];
    snprintf(path, sizeof(path), "%s/rescue-noise.evtx", WORK_DIR);
    write_bytes(path, data, size);
    free(data);
    compare_paths(path);
}

/* ---- generated logs, several ranges each ------------------------------------------------ */

static void make_log(const char *path, const char *kind)
{
    char *argv[] = {(char *)MAKE_LOG_BINARY, (char *)path, "20", (char *)kind, NULL};
    struct process_result r;
    assert_int_equal(run_process(argv, NULL, TIMEOUT_SECONDS, &r), 0);
    assert_int_equal(r.exit_status, 0);
    process_result_free(&r);
}

/* The same bytes whatever --jobs says. */
static void same_output_any_jobs(const char *path, const char *format)
{
    char *first = NULL;
    const char *jobs[] = {"1", "2", "4"};
    for (int i = 0; i < 3; i++) {
        const char *args[] = {"--jobs", jobs[i], "--format", format, NULL};
        int exit_status;
        char *out = run_scan(args, path, &exit_status);
        if (first == NULL)
            first = out;
        else {
            if (strcmp(first, out) != 0)
                fail_msg("%s: --jobs %s prints something else than --jobs 1", path, jobs[i]);
            free(out);
        }
    }
    free(first);
}

static void test_generated_logs(void **state)
{
    (void)state;
    mkdir(WORK_DIR, 0755);
    const char *kinds[] = {"realistic", "storm"};
    for (int i = 0; i < 2; i++) {
        char path[600];
        snprintf(path, sizeof(path), "%s/%s-20mb.evtx", WORK_DIR, kinds[i]);
        make_log(path, kinds[i]);
        compare_paths(path);
        same_output_any_jobs(path, "json");
    }
}

/* A file swapped for another between its ranges (the swap_input test hook renames a same-size
 * log of other crashes over it after its first range): the input is an error, "changed while
 * being read", and none of the incidents of either file is attributed to it; the other input
 * is read as usual. */
static void test_swapped_input(void **state)
{
    (void)state;
    mkdir(WORK_DIR, 0755);
    char victim[600], other[600];
    snprintf(victim, sizeof(victim), "%s/swapped-victim.evtx", WORK_DIR);
    snprintf(other, sizeof(other), "%s/swapped-other.evtx", WORK_DIR);
    for (int i = 0; i < 2; i++) {
        char *argv[] = {
            (char *)MAKE_LOG_BINARY, i ? other : victim, "20", "storm", i ? "7" : "3", NULL};
        struct process_result r;
        assert_int_equal(run_process(argv, NULL, TIMEOUT_SECONDS, &r), 0);
        assert_int_equal(r.exit_status, 0);
        process_result_free(&r);
    }
    setenv("CRASHSIG_TEST_SWAP_INPUT", other, 1);
    char *argv[] = {(char *)CRASHSIG_BINARY,          "scan", "--format", "json", "--jobs", "1",
                    SOURCE_DIR "/fixtures/demo.evtx", victim, NULL};
    struct process_result r;
    assert_int_equal(run_process(argv, SOURCE_DIR, TIMEOUT_SECONDS, &r), 0);
    unsetenv("CRASHSIG_TEST_SWAP_INPUT");
    assert_false(r.timed_out || r.signal);
    assert_int_equal(access(other, F_OK), -1); /* the hook did swap the files */
    assert_int_equal(r.exit_status, 2);
    cJSON *report = cJSON_Parse(r.out);
    assert_non_null(report);
    const cJSON *in = cJSON_GetArrayItem(item(report, "inputs"), 1);
    assert_string_equal(item(in, "status")->valuestring, "error");
    if (strstr(item(in, "error")->valuestring, "changed while being read") == NULL)
        fail_msg("error: %s", item(in, "error")->valuestring);
    assert_string_equal(item(cJSON_GetArrayItem(item(report, "inputs"), 0), "status")->valuestring,
                        "ok");
    char *incidents = cJSON_PrintUnformatted(item(report, "incidents"));
    if (strstr(incidents, "swapped-victim") != NULL)
        fail_msg("incidents attributed to the swapped input");
    assert_int_equal(cJSON_GetArraySize(item(report, "incidents")), 5); /* demo.evtx's */
    free(incidents);
    cJSON_Delete(report);
    process_result_free(&r);
}

static void test_jobs_do_not_change_output(void **state)
{
    (void)state;
    same_output_any_jobs(SOURCE_DIR "/fixtures", "json");
    same_output_any_jobs(SOURCE_DIR "/fixtures", "text");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_damaged_copies),
        cmocka_unit_test(test_header_block_size),
        cmocka_unit_test(test_rescue_counts_like_whole_file),
        cmocka_unit_test(test_swapped_input),
        cmocka_unit_test(test_generated_logs),
        cmocka_unit_test(test_jobs_do_not_change_output),
        cmocka_unit_test(test_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
