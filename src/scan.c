/*
 * scan.c - run the pipeline over a set of paths (scan.h):
 *
 *     expand paths -> reader_scan_file -> dotnet_crash_parse / app_error_parse
 *                  -> correlator -> catalog_classify -> incident_fingerprint -> findings_group
 *
 * Not for: option parsing, output, exit statuses (cli.c and report.c).
 */
#include "crashsig/scan.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crashsig/correlator.h"

/* Directory trees deeper than this are not log folders; stop rather than loop on bind mounts. */
#define MAX_DIRECTORY_DEPTH 32

static const uint32_t DOTNET_EVENT_IDS[] = {1023, 1025, 1026, 1027, 1028};
static const uint32_t APP_ERROR_EVENT_IDS[] = {1000};

struct path_list {
    size_t count, capacity;
    char **items;
};

static void path_list_add(struct path_list *list, const char *path)
{
    if (list->count == list->capacity) {
        list->capacity = list->capacity ? list->capacity * 2 : 16;
        list->items = cs_xrealloc(list->items, list->capacity * sizeof(char *));
    }
    list->items[list->count++] = cs_strdup(path);
}

static void path_list_free(struct path_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_evtx_extension(const char *name)
{
    size_t len = strlen(name);
    return len > 5 && cs_strcasecmp(name + len - 5, ".evtx") == 0;
}

struct scan_state {
    struct scan_result *result;
    struct correlator *correlator;
    struct input_report *current;
};

static struct input_report *add_input(struct scan_result *result, const char *path)
{
    result->inputs =
        cs_xrealloc(result->inputs, (result->input_count + 1) * sizeof(*result->inputs));
    struct input_report *report = &result->inputs[result->input_count++];
    input_report_init(report, path);
    return report;
}

/* what, optionally followed by ": detail". */
static void input_error(struct scan_result *result, const char *path, const char *what,
                        const char *detail)
{
    struct input_report *report = add_input(result, path);
    char line[512];
    snprintf(line, sizeof(line), "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
    report->error = cs_strdup(line);
    report->status = INPUT_ERROR;
}

/* Collects *.evtx below dir (sorted per directory, so the scan order is reproducible); symbolic
 * links to directories are not followed. */
static void expand_directory(const char *dir, int depth, struct path_list *files,
                             struct scan_result *result)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        input_error(result, dir, "cannot read directory", strerror(errno));
        return;
    }
    struct path_list entries = {0};
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *child = cs_xmalloc(len);
        snprintf(child, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
        path_list_add(&entries, child);
        free(child);
    }
    closedir(d);
    if (entries.count > 1)
        qsort(entries.items, entries.count, sizeof(char *), compare_strings);
    for (size_t i = 0; i < entries.count; i++) {
        struct stat st;
        const char *child = entries.items[i];
        if (lstat(child, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode) && depth < MAX_DIRECTORY_DEPTH)
            expand_directory(child, depth + 1, files, result);
        else if (!S_ISDIR(st.st_mode) && has_evtx_extension(child))
            path_list_add(files, child);
    }
    path_list_free(&entries);
}

static void on_dotnet_event(struct scan_state *state, struct event *ev)
{
    struct dotnet_event *de = cs_xcalloc(1, sizeof(*de));
    event_move(&de->event, ev);
    const char *text = de->event.data.count ? de->event.data.values[0] : "";
    struct cs_error err;
    if (dotnet_crash_parse(text, de->event.event_id, &de->crash, &err) != 0) {
        input_report_warn(state->current, "record %llu (.NET Runtime %u): %s",
                          (unsigned long long)de->event.record_id, de->event.event_id, err.message);
        state->result->unparsed_events++;
        dotnet_event_free(de);
        return;
    }
    state->result->dotnet_events++;
    correlator_add_dotnet(state->correlator, de);
}

static void on_app_error_event(struct scan_state *state, struct event *ev)
{
    struct app_error_event *ae = cs_xcalloc(1, sizeof(*ae));
    event_move(&ae->event, ev);
    struct cs_error err;
    if (app_error_parse(&ae->event.data, &ae->fault, &err) != 0) {
        input_report_warn(state->current, "record %llu (Application Error %u): %s",
                          (unsigned long long)ae->event.record_id, ae->event.event_id, err.message);
        state->result->unparsed_events++;
        app_error_event_free(ae);
        return;
    }
    state->result->app_error_events++;
    correlator_add_app_error(state->correlator, ae);
}

static int on_event(struct event *ev, void *ctx)
{
    struct scan_state *state = ctx;
    if (cs_strcasecmp(ev->provider, CATALOG_DOTNET_PROVIDER) == 0)
        on_dotnet_event(state, ev);
    else
        on_app_error_event(state, ev);
    return 0;
}

static uint64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
}

static void scan_files(struct scan_state *state, const struct path_list *files,
                       const struct scan_options *options)
{
    struct scan_progress progress = {.files_total = files->count};
    for (size_t i = 0; i < files->count; i++)
        progress.bytes_total += file_size(files->items[i]);
    const struct reader_want wants[] = {
        {CATALOG_DOTNET_PROVIDER, DOTNET_EVENT_IDS,
         sizeof(DOTNET_EVENT_IDS) / sizeof(DOTNET_EVENT_IDS[0])},
        {CATALOG_APP_ERROR_PROVIDER, APP_ERROR_EVENT_IDS,
         sizeof(APP_ERROR_EVENT_IDS) / sizeof(APP_ERROR_EVENT_IDS[0])},
    };
    const struct reader_filter filter = {wants, sizeof(wants) / sizeof(wants[0])};
    for (size_t i = 0; i < files->count; i++) {
        state->current = add_input(state->result, files->items[i]);
        reader_scan_file(files->items[i], &filter, on_event, state, state->current);
        progress.files_done++;
        progress.bytes_done += file_size(files->items[i]);
        if (options->progress)
            options->progress(&progress, options->progress_ctx);
    }
}

/* Events from an earlier run go through the same parsers; what they warn about has no input
 * of its own to be reported under, and was reported when they were first read. */
static void scan_carried_events(struct scan_state *state, const struct scan_options *options)
{
    struct input_report carried;
    input_report_init(&carried, "(carried over)");
    state->current = &carried;
    for (size_t i = 0; i < options->carried_event_count; i++) {
        struct event copy;
        event_copy(&copy, &options->carried_events[i]);
        on_event(&copy, state);
        event_free(&copy);
    }
    input_report_free(&carried);
    state->current = NULL;
}

static void expand_paths(const char *const *paths, size_t path_count, struct path_list *files,
                         struct scan_result *result)
{
    for (size_t i = 0; i < path_count; i++) {
        struct stat st;
        if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            size_t before = files->count;
            expand_directory(paths[i], 0, files, result);
            if (files->count == before)
                input_error(result, paths[i], "directory holds no .evtx files", NULL);
        } else {
            path_list_add(files, paths[i]); /* the reader reports what is wrong with it */
        }
    }
}

static int classify_all(const struct catalog *catalog, struct incident_list *incidents,
                        struct cs_error *err)
{
    for (size_t i = 0; i < incidents->count; i++) {
        if (catalog_classify(catalog, &incidents->items[i], err) != 0)
            return -1;
        incident_fingerprint(&incidents->items[i]);
    }
    return 0;
}

int scan_run(const struct scan_options *options, const char *const *paths, size_t path_count,
             struct scan_result *result, struct cs_error *err)
{
    memset(result, 0, sizeof(*result));
    struct path_list files = {0};
    expand_paths(paths, path_count, &files, result);

    struct scan_state state = {.result = result, .correlator = correlator_new(options->window_ms)};
    scan_files(&state, &files, options);
    path_list_free(&files);
    scan_carried_events(&state, options);
    correlator_finish(state.correlator, &result->incidents);
    correlator_free(state.correlator);

    if (classify_all(options->catalog, &result->incidents, err) != 0)
        return -1;
    findings_group(&result->incidents, &result->findings);
    return 0;
}

void scan_result_free(struct scan_result *result)
{
    for (size_t i = 0; i < result->input_count; i++)
        input_report_free(&result->inputs[i]);
    free(result->inputs);
    finding_list_free(&result->findings);
    incident_list_free(&result->incidents);
    memset(result, 0, sizeof(*result));
}

enum severity scan_result_max_severity(const struct scan_result *result)
{
    enum severity max = SEVERITY_NONE;
    for (size_t i = 0; i < result->incidents.count; i++)
        if (result->incidents.items[i].severity > max)
            max = result->incidents.items[i].severity;
    return max;
}

bool scan_result_has_errors(const struct scan_result *result)
{
    for (size_t i = 0; i < result->input_count; i++)
        if (result->inputs[i].status == INPUT_ERROR)
            return true;
    return false;
}
