/*
 * wer_report.c - parse Windows Error Reporting 1001s and merge the 1001s of one report
 * (wer_report.h).
 *
 * Every value comes from the log: lists are split without trusting their length, files are
 * capped, and nothing here opens or checks a path (a path in a log is only text to show).
 *
 * Not for: which 1000 a report belongs to (correlator.c).
 */
#include "crashsig/wer_report.h"

#include "crashsig/event_sources.h"

#include <stdlib.h>
#include <string.h>

/* Positions of the unnamed strings (%1 is index 0). */
enum {
    WER_BUCKET = 0,
    WER_EVENT_NAME = 2,
    WER_P1 = 5,
    WER_ATTACHED = 15,
    WER_REPORT_PATH = 16,
    WER_REPORT_ID = 19,
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A trimmed copy of text[0..n), or NULL when blank. */
static char *trimmed_span(const char *text, size_t n)
{
    while (n > 0 && is_space(*text)) {
        text++;
        n--;
    }
    while (n > 0 && is_space(text[n - 1]))
        n--;
    return n > 0 ? cs_strndup(text, n) : NULL;
}

static char *value_at(const struct event_data *data, size_t index)
{
    if (index >= data->count || data->values[index] == NULL)
        return NULL;
    return trimmed_span(data->values[index], strlen(data->values[index]));
}

/* One path per line; blank lines dropped, duplicates kept out, at most the cap. */
static void add_file(char ***files, size_t *count, const char *path, size_t n)
{
    char *copy = trimmed_span(path, n);
    if (copy == NULL)
        return;
    for (size_t i = 0; i < *count; i++) {
        if (cs_strcasecmp((*files)[i], copy) == 0) {
            free(copy);
            return;
        }
    }
    if (*count >= WER_REPORT_MAX_FILES) {
        free(copy);
        return;
    }
    *files = cs_xrealloc(*files, (*count + 1) * sizeof(**files));
    (*files)[(*count)++] = copy;
}

static void split_files(struct wer_report *out, const char *list)
{
    while (list && *list) {
        size_t n = strcspn(list, "\r\n");
        add_file(&out->attached_files, &out->attached_count, list, n);
        list += n;
        list += strspn(list, "\r\n");
    }
}

int wer_report_parse(const struct event_data *data, struct wer_report *out, struct cs_error *err)
{
    memset(out, 0, sizeof(*out));
    if (data == NULL || data->values == NULL) {
        cs_error_set(err, "Windows Error Reporting event has no data");
        return -1;
    }
    out->event_name = value_at(data, WER_EVENT_NAME);
    if (out->event_name == NULL) {
        cs_error_set(err, "Windows Error Reporting event has no event name (%zu values)",
                     data->count);
        return -1;
    }
    out->bucket = value_at(data, WER_BUCKET);
    for (size_t i = 0; i < WER_REPORT_PARAMS; i++)
        out->params[i] = value_at(data, WER_P1 + i);
    if (WER_ATTACHED < data->count)
        split_files(out, data->values[WER_ATTACHED]);
    out->report_path = value_at(data, WER_REPORT_PATH);
    out->report_id = value_at(data, WER_REPORT_ID);
    return 0;
}

void wer_report_free(struct wer_report *report)
{
    if (report == NULL)
        return;
    free(report->bucket);
    free(report->event_name);
    for (size_t i = 0; i < WER_REPORT_PARAMS; i++)
        free(report->params[i]);
    for (size_t i = 0; i < report->attached_count; i++)
        free(report->attached_files[i]);
    free(report->attached_files);
    free(report->report_path);
    free(report->report_id);
    memset(report, 0, sizeof(*report));
}

void wer_event_free(struct wer_event *ev)
{
    if (ev == NULL)
        return;
    event_free(&ev->event);
    wer_report_free(&ev->report);
    free(ev);
}

/* The crash event names are the table's (event_sources.c), so the prefilter, the reader and
 * this parser keep the same 1001s. */
bool wer_event_name_is_crash(const char *event_name)
{
    return reader_want_value_is_one(event_source_want(EVENT_SOURCE_WER), event_name);
}

/* A packaged app's report names the package, not the exe its 1000 names: it never stands
 * alone. */
bool wer_report_stands_alone(const struct wer_report *report)
{
    return report->params[0] != NULL && wer_event_name_is_crash(report->event_name) &&
           cs_strcasecmp(report->event_name, "MoAppCrash") != 0;
}

static bool is_bex(const char *event_name)
{
    return cs_strcasecmp(event_name, "BEX") == 0 || cs_strcasecmp(event_name, "BEX64") == 0;
}

static bool is_clr(const char *event_name)
{
    return cs_strcasecmp(event_name, "CLR20r3") == 0;
}

void wer_report_fault_key(const struct wer_report *report, struct wer_fault_key *key)
{
    key->app = report->params[0];
    key->module = report->params[3];
    if (is_clr(report->event_name)) {
        key->code = key->offset = NULL;
    } else if (is_bex(report->event_name)) {
        key->offset = report->params[6];
        key->code = report->params[7];
    } else {
        key->code = report->params[6];
        key->offset = report->params[7];
    }
}

void wer_report_to_app_error(const struct wer_report *report, struct app_error *out)
{
    /* Laid out as a classic 1000 and read by its parser, so both agree on every value. */
    char clr_code[] = "e0434352";
    char empty[] = "";
    char *values[13] = {report->params[0],
                        report->params[1],
                        report->params[2],
                        report->params[3],
                        report->params[4],
                        report->params[5],
                        is_clr(report->event_name) ? clr_code : report->params[6],
                        report->params[7],
                        NULL,
                        NULL,
                        NULL,
                        NULL,
                        report->report_id};
    if (is_bex(report->event_name)) { /* BEX: P7 is the offset, P8 the code */
        values[6] = report->params[7];
        values[7] = report->params[6];
    } else if (is_clr(report->event_name)) {
        values[7] = NULL; /* P8 is an IL offset, not the native one */
    }
    for (size_t i = 0; i < 13; i++)
        values[i] = values[i] ? values[i] : empty;
    struct event_data data = {13, values, NULL};
    struct cs_error err;
    if (app_error_parse(&data, out, &err) != 0) { /* no P1: stands_alone excludes it */
        app_error_free(out);
        out->app_name = cs_strdup("(unknown)");
    }
}

/* ReportArchive > ReportQueue > Temp > anything else; -1 for none. */
static int folder_rank(const char *path)
{
    if (path == NULL)
        return -1;
    static const char *const FOLDERS[] = {"\\temp", "\\reportqueue", "\\reportarchive"};
    int rank = 0;
    size_t n = strlen(path);
    for (int f = 0; f < 3; f++) {
        size_t k = strlen(FOLDERS[f]);
        for (size_t i = 0; i + k <= n; i++) {
            bool match = true;
            for (size_t j = 0; j < k && match; j++) {
                char c = path[i + j];
                c = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
                match = c == FOLDERS[f][j];
            }
            if (match && (i + k == n || path[i + k] == '\\')) {
                rank = f + 1;
                break;
            }
        }
    }
    return rank;
}

static bool is_dump(const char *path)
{
    static const char *const EXTENSIONS[] = {".dmp", ".mdmp", ".hdmp"};
    size_t n = strlen(path);
    for (size_t i = 0; i < 3; i++) {
        size_t k = strlen(EXTENSIONS[i]);
        if (n > k && cs_strcasecmp(path + n - k, EXTENSIONS[i]) == 0)
            return true;
    }
    return false;
}

static char *dup_or_null(const char *s)
{
    return s ? cs_strdup(s) : NULL;
}

void wer_info_merge(struct wer_info *info, const struct event *ev, const struct wer_report *report)
{
    bool first = info->event_name == NULL;
    if (first || folder_rank(report->report_path) > folder_rank(info->report_path)) {
        info->file = ev->file;
        info->record_id = ev->record_id;
        info->event_record_id = ev->event_record_id;
        if (!first || report->report_path) {
            free(info->report_path);
            info->report_path = dup_or_null(report->report_path);
        }
    }
    if (first) {
        info->event_name = dup_or_null(report->event_name);
        info->report_id = dup_or_null(report->report_id);
    }
    if (info->bucket == NULL)
        info->bucket = dup_or_null(report->bucket);
    for (size_t i = 0; i < report->attached_count; i++) {
        const char *path = report->attached_files[i];
        size_t before = info->attached_count;
        add_file(&info->attached_files, &info->attached_count, path, strlen(path));
        if (info->attached_count > before && is_dump(path))
            add_file(&info->dump_files, &info->dump_count, path, strlen(path));
    }
}

void wer_info_free(struct wer_info *info)
{
    if (info == NULL)
        return;
    free(info->report_id);
    free(info->event_name);
    free(info->bucket);
    free(info->report_path);
    for (size_t i = 0; i < info->attached_count; i++)
        free(info->attached_files[i]);
    for (size_t i = 0; i < info->dump_count; i++)
        free(info->dump_files[i]);
    free(info->attached_files);
    free(info->dump_files);
    free(info);
}
