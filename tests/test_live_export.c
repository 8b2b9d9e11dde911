/*
 * test_live_export.c - `--live CHANNEL` (live_export.h): the channels accepted, the event query,
 * and the export call itself.
 *
 * On Linux the export must fail with the Windows-only message.  On Windows it either succeeds
 * (a real .evtx appears, and cleanup removes it and its folder) or fails with the Windows error
 * named in the message and nothing left behind.  Under Wine, whose EvtExportLog is a stub,
 * scripts/test-windows.sh runs `test_live_export.exe --expect-error 120` to pin that path.
 *
 * Plain C without cmocka, so that it also builds for Windows.
 *
 * Not for: the scan of an exported log (any .evtx file test covers that).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/live_export.h"
#include "crashsig/platform.h"

struct run {
    int checks, failures;
};

static bool check(struct run *r, bool ok, const char *what, int line)
{
    r->checks++;
    if (!ok) {
        r->failures++;
        fprintf(stderr, "test_live_export.c:%d: failed: %s\n", line, what);
    }
    return ok;
}
#define CHECK(r, cond) check((r), (cond), #cond, __LINE__)

static const char *const PROVIDERS[] = {".NET Runtime", "Application Error"};

static void test_channel_names(struct run *r)
{
    CHECK(r, strcmp(live_export_channel_name("application"), "Application") == 0);
    CHECK(r, strcmp(live_export_channel_name("SYSTEM"), "System") == 0);
    CHECK(r, strcmp(live_export_channel_name("forwardedevents"), "ForwardedEvents") == 0);
    CHECK(r, live_export_channel_name("Security") == NULL);
    CHECK(r, live_export_channel_name("") == NULL);
    CHECK(r, live_export_channel_name("Application ") == NULL);
}

static void test_query(struct run *r)
{
    char query[LIVE_EXPORT_QUERY_MAX];
    struct cs_error err = {""};
    CHECK(r, live_export_query(PROVIDERS, 2, query, sizeof(query), &err) == 0);
    CHECK(r, strcmp(query, "*[System[Provider[@Name='.NET Runtime' or "
                           "@Name='Application Error']]]") == 0);
    CHECK(r, live_export_query(PROVIDERS, 1, query, sizeof(query), &err) == 0);
    CHECK(r, strcmp(query, "*[System[Provider[@Name='.NET Runtime']]]") == 0);
    CHECK(r, live_export_query(NULL, 0, query, sizeof(query), &err) == 0);
    CHECK(r, strcmp(query, "*") == 0);

    const char *quoted[] = {"O'Brien"};
    CHECK(r, live_export_query(quoted, 1, query, sizeof(query), &err) == -1);
    CHECK(r, strstr(err.message, "O'Brien") != NULL && query[0] == '\0');
    /* one byte short of the 2-provider query: refused, never cut */
    size_t need = strlen("*[System[Provider[@Name='.NET Runtime' or @Name='Application Error']]]");
    CHECK(r, live_export_query(PROVIDERS, 2, query, need, &err) == -1 && query[0] == '\0');
    CHECK(r, live_export_query(PROVIDERS, 2, query, need + 1, &err) == 0);
}

static void test_cleanup_is_safe(struct run *r)
{
    struct live_export none = {0};
    live_export_cleanup(&none);
    live_export_cleanup(&none);
    CHECK(r, none.path == NULL && none.directory == NULL);
}

#if defined(_WIN32)

/* Folders named crashsig-live-* in the temporary folder: none may be left behind. */
static size_t leftover_folders(void)
{
    struct cs_error err;
    char *probe = platform_temp_directory("crashsig-probe", &err);
    if (probe == NULL)
        return (size_t)-1;
    char *base = cs_strdup(probe);
    *strrchr(base, '\\') = '\0';
    platform_remove_directory(probe);
    free(probe);
    char **names;
    size_t count, found = 0;
    if (platform_list_directory(base, &names, &count, &err) == 0) {
        for (size_t i = 0; i < count; i++)
            found += strncmp(names[i], "crashsig-live-", 14) == 0;
        platform_names_free(names, count);
    }
    free(base);
    return found;
}

static void test_export(struct run *r, long expect_error)
{
    size_t before = leftover_folders();
    struct live_export out;
    struct cs_error err = {""};
    int rc = live_export_run("application", PROVIDERS, 2, &out, &err);
    printf("live export: %s\n", rc == 0 ? out.path : err.message);
    if (expect_error >= 0) {
        char code[32];
        snprintf(code, sizeof(code), "(error %ld)", expect_error);
        CHECK(r, rc == -1);
        CHECK(r, strstr(err.message, "cannot export the Application log: ") == err.message);
        CHECK(r, strstr(err.message, code) != NULL);
    }
    if (rc == 0) {
        struct platform_file_info info;
        CHECK(r, platform_file_info(out.path, true, &info, NULL) == 0);
        CHECK(r, info.kind == PLATFORM_FILE && info.size >= 4096);
        char *path = cs_strdup(out.path);
        live_export_cleanup(&out);
        CHECK(r, platform_file_info(path, true, &info, NULL) == 0);
        CHECK(r, info.kind == PLATFORM_MISSING);
        free(path);
    } else {
        CHECK(r, out.path == NULL && out.directory == NULL);
        CHECK(r, strstr(err.message, "(error ") != NULL);
    }
    CHECK(r, leftover_folders() == before);
}

#else

static void test_export(struct run *r, long expect_error)
{
    (void)expect_error;
    struct live_export out;
    struct cs_error err = {""};
    CHECK(r, live_export_run("Application", PROVIDERS, 2, &out, &err) == -1);
    CHECK(r, strstr(err.message, "--live Application is Windows-only") == err.message);
    CHECK(r, strstr(err.message, "wevtutil epl Application Application.evtx") != NULL);
    CHECK(r, out.path == NULL && out.directory == NULL);
    CHECK(r, live_export_run("system", PROVIDERS, 2, &out, &err) == -1);
    CHECK(r, strstr(err.message, "--live System is Windows-only") == err.message);
}

#endif

int main(int argc, char **argv)
{
    long expect_error = -1;
    if (argc == 3 && strcmp(argv[1], "--expect-error") == 0)
        expect_error = strtol(argv[2], NULL, 10);
    struct run r = {0};
    test_channel_names(&r);
    test_query(&r);
    test_cleanup_is_safe(&r);
    test_export(&r, expect_error);
    printf("test_live_export: %d checks, %d failed\n", r.checks, r.failures);
    return r.failures ? 1 : 0;
}
