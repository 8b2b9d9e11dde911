/*
 * test_corpus.c - scan every real Windows log in ../shared/corpus/evtx-samples/ (dirty,
 * corrupted, recovered records) with the real binary: no crash, no hang, a clean exit, valid
 * JSON, and a warning for every file that libevtx itself (evtxinfo) flags as corrupted.
 *
 * The corpus lives beside the repository and is not copied into it.  Without it the test is
 * skipped, visibly (see corpus.h; CRASHSIG_REQUIRE_CORPUS=1 makes it a failure).
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

#include <cJSON.h>

#include "corpus.h"
#include "run_process.h"

#define TIMEOUT_SECONDS  300
#define SKIP_EXIT_STATUS 77 /* SKIP_RETURN_CODE in tests/CMakeLists.txt */
#define MAX_FILES        512

static char *corpus_files[MAX_FILES];
static size_t corpus_count;

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_corpus(void)
{
    DIR *d = opendir(corpus_dir());
    if (d == NULL)
        return;
    for (struct dirent *e = readdir(d); e && corpus_count < MAX_FILES; e = readdir(d)) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcasecmp(e->d_name + len - 5, ".evtx") == 0) {
            size_t size = strlen(corpus_dir()) + len + 2;
            corpus_files[corpus_count] = malloc(size);
            snprintf(corpus_files[corpus_count++], size, "%s/%s", corpus_dir(), e->d_name);
        }
    }
    closedir(d);
    qsort(corpus_files, corpus_count, sizeof(char *), compare_strings);
}

/* What libevtx's own tool says: does it flag the file as corrupted? */
static bool evtxinfo_says_corrupted(const char *path)
{
    char *argv[] = {(char *)EVTXINFO_BINARY, (char *)path, NULL};
    struct process_result r;
    assert_int_equal(run_process(argv, NULL, TIMEOUT_SECONDS, &r), 0);
    bool corrupted = strstr(r.out, "Is corrupted") != NULL;
    process_result_free(&r);
    return corrupted;
}

static void test_corpus_file(void **state)
{
    const char *path = *state;
    char *argv[] = {(char *)CRASHSIG_BINARY,
                    "scan",
                    "--format",
                    "json",
                    "--fail-on",
                    "none",
                    (char *)path,
                    NULL};
    struct process_result r;
    assert_int_equal(run_process(argv, NULL, TIMEOUT_SECONDS, &r), 0);
    if (r.timed_out || r.signal)
        fail_msg("%s: %s (signal %d); stderr: %.500s", path, r.timed_out ? "hung" : "crashed",
                 r.signal, r.err);
    if (r.exit_status != 0)
        fail_msg("%s: exit %d; stderr: %.500s", path, r.exit_status, r.err);

    cJSON *report = cJSON_Parse(r.out);
    if (report == NULL)
        fail_msg("%s: output is not JSON", path);
    const cJSON *input = cJSON_GetArrayItem(cJSON_GetObjectItem(report, "inputs"), 0);
    const char *status = cJSON_GetObjectItem(input, "status")->valuestring;
    int warnings = cJSON_GetArraySize(cJSON_GetObjectItem(input, "warnings"));
    bool corrupted = evtxinfo_says_corrupted(path);
    if (corrupted && (strcmp(status, "damaged") != 0 || warnings == 0))
        fail_msg("%s: libevtx flags it corrupted but crashsig says '%s' with %d warnings", path,
                 status, warnings);
    if (strcmp(status, "error") == 0)
        fail_msg("%s: reported as unreadable", path);
    print_message("%s: %s, %.0f records, %.0f recovered, %d warnings, %d incidents\n", path, status,
                  cJSON_GetObjectItem(input, "records")->valuedouble,
                  cJSON_GetObjectItem(input, "recovered_records")->valuedouble, warnings,
                  cJSON_GetArraySize(cJSON_GetObjectItem(report, "incidents")));
    cJSON_Delete(report);
    process_result_free(&r);
}

static void test_corpus_missing(void **state)
{
    (void)state;
    corpus_missing();
}

int main(void)
{
    static struct CMUnitTest tests[MAX_FILES];
    list_corpus();
    if (corpus_count == 0) {
        tests[0] = (struct CMUnitTest){"corpus present", test_corpus_missing, NULL, NULL, NULL};
        int rc = _cmocka_run_group_tests("corpus", tests, 1, NULL, NULL);
        return rc == 0 ? SKIP_EXIT_STATUS : rc; /* ctest then lists it as skipped */
    }
    for (size_t i = 0; i < corpus_count; i++) {
        const char *name = strrchr(corpus_files[i], '/') + 1;
        tests[i] = (struct CMUnitTest){name, test_corpus_file, NULL, NULL, corpus_files[i]};
    }
    int rc = _cmocka_run_group_tests("corpus", tests, corpus_count, NULL, NULL);
    for (size_t i = 0; i < corpus_count; i++)
        free(corpus_files[i]);
    return rc;
}
