/*
 * inputs.c - input discovery (inputs.h): the paths a user named become the list of .evtx
 * files to scan, in a reproducible order.
 *
 * Not for: reading the files (reader.h) or deciding that one is damaged.
 */
#include "inputs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/platform.h"

/* Directory trees deeper than this are not log folders; stop rather than loop on bind mounts. */
#define MAX_DIRECTORY_DEPTH 32

static void expand_directory(const char *dir, int depth, struct path_list *files,
                             struct run_result *result);

static void path_list_add(struct path_list *list, const char *path)
{
    if (list->count == list->capacity) {
        list->capacity = list->capacity ? list->capacity * 2 : 16;
        list->items = cs_xrealloc(list->items, list->capacity * sizeof(char *));
    }
    list->items[list->count++] = cs_strdup(path);
}

void path_list_free(struct path_list *list)
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

struct input_report *inputs_add(struct run_result *result, const char *path)
{
    result->inputs =
        cs_xrealloc(result->inputs, (result->input_count + 1) * sizeof(*result->inputs));
    struct input_report *report = &result->inputs[result->input_count++];
    input_report_init(report, path);
    return report;
}

/* what, optionally followed by ": detail". */
static void input_error(struct run_result *result, const char *path, const char *what,
                        const char *detail)
{
    input_report_fail(inputs_add(result, path), "%s%s%s", what, detail ? ": " : "",
                      detail ? detail : "");
}

/* One entry of a folder being searched.  Returns false when the folder itself cannot be
 * searched (its entries cannot be examined: mode 744 for a non-owner), which is reported once
 * for the folder. */
static bool expand_entry(const char *dir, const char *child, int depth, struct path_list *files,
                         struct run_result *result)
{
    struct platform_file_info info;
    if (platform_file_info(child, false, &info, NULL) != 0) {
        if (errno == EACCES) {
            input_error(result, dir, "cannot search directory (its entries cannot be examined)",
                        strerror(errno));
            return false;
        }
        input_error(result, child, "cannot examine", strerror(errno));
        return true;
    }
    if (info.kind == PLATFORM_DIRECTORY) {
        if (depth < MAX_DIRECTORY_DEPTH)
            expand_directory(child, depth + 1, files, result);
        else
            input_report_fail(inputs_add(result, child),
                              "directory not searched: deeper than %d levels below the path "
                              "given",
                              MAX_DIRECTORY_DEPTH);
        return true;
    }
    struct platform_file_info target;
    if (info.kind == PLATFORM_LINK && platform_file_info(child, true, &target, NULL) == 0 &&
        target.kind == PLATFORM_MISSING) {
        input_error(result, child, "dangling link: it leads to nothing", NULL);
        return true;
    }
    if (has_evtx_extension(child))
        path_list_add(files, child); /* the reader reports what is wrong with it */
    return true;
}

/* Collects *.evtx below dir (sorted per directory, so the scan order is reproducible); symbolic
 * links to directories (and Windows junctions) are not followed.  Nothing is skipped without
 * a word: a folder that cannot be listed or searched, one too deep and a dangling link are
 * input errors. */
static void expand_directory(const char *dir, int depth, struct path_list *files,
                             struct run_result *result)
{
    char **names;
    size_t count;
    if (platform_list_directory(dir, &names, &count, NULL) != 0) {
        input_error(result, dir, "cannot read directory", strerror(errno));
        return;
    }
    if (count > 1)
        qsort(names, count, sizeof(char *), compare_strings);
    for (size_t i = 0; i < count; i++) {
        char *child = platform_path_join(dir, names[i]);
        bool go_on = expand_entry(dir, child, depth, files, result);
        free(child);
        if (!go_on)
            break;
    }
    platform_names_free(names, count);
}

void inputs_expand(const char *const *paths, size_t path_count, struct path_list *files,
                   struct run_result *result)
{
    for (size_t i = 0; i < path_count; i++) {
        struct platform_file_info info;
        if (platform_file_info(paths[i], true, &info, NULL) == 0 &&
            info.kind == PLATFORM_DIRECTORY) {
            size_t before = files->count, errors_before = result->input_count;
            expand_directory(paths[i], 0, files, result);
            if (files->count == before && result->input_count == errors_before)
                input_error(result, paths[i], "directory holds no .evtx files", NULL);
        } else {
            path_list_add(files, paths[i]); /* the reader reports what is wrong with it */
        }
    }
}
