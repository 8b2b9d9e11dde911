/*
 * report_util.c - helpers the report writers share (report_util.h).
 *
 * Not for: a format of its own.
 */
#include "crashsig/signatures.h"
#include "report_util.h"

#include <stdlib.h>
#include <string.h>

size_t report_utf8_sequence(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    size_t len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
    if (len == 0 || p[0] > 0xf4)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xf0 && p[1] < 0x90)) /* overlong */
        return 0;
    if ((p[0] == 0xed && p[1] >= 0xa0) || (p[0] == 0xf4 && p[1] >= 0x90)) /* surrogate, >max */
        return 0;
    return len;
}

cJSON *report_json_text(const char *text)
{
    text = text ? text : "";
    const unsigned char *p = (const unsigned char *)text;
    size_t bad = 0, len = strlen(text);
    for (size_t i = 0; i < len;) {
        size_t n = report_utf8_sequence(p + i);
        bad += n == 0;
        i += n ? n : 1;
    }
    if (bad == 0)
        return cJSON_CreateString(text);
    char *clean = cs_xmalloc(len + bad * 2 + 1), *o = clean;
    for (size_t i = 0; i < len;) {
        size_t n = report_utf8_sequence(p + i);
        if (n == 0) {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        } else {
            memcpy(o, p + i, n);
            o += n;
            i += n;
        }
    }
    *o = '\0';
    cJSON *item = cJSON_CreateString(clean);
    free(clean);
    return item;
}

void report_format_time(cs_filetime t, bool local, char out[CS_LOCAL_TIME_SIZE])
{
    if (t == 0)
        strcpy(out, "(unknown time)");
    else if (local)
        cs_time_format_local(t, out);
    else
        cs_time_format_iso(t, out);
}

bool *report_incidents_known(const struct run_result *result)
{
    bool *known = cs_xcalloc(result->incidents.count, sizeof(bool));
    for (size_t f = 0; f < result->findings.count; f++) {
        const struct finding *finding = &result->findings.items[f];
        for (size_t i = 0; i < finding->count; i++)
            known[finding->incidents[i]] = finding->known;
    }
    return known;
}

char *report_finding_summary(const struct finding *f)
{
    const char *app = f->application && f->application[0] ? f->application : "(unknown)";
    size_t len = strlen(app) + (f->exception ? strlen(f->exception) : 0) +
                 (f->user_frame ? strlen(f->user_frame) : 0) + 96;
    char *text = cs_xmalloc(len);
    int n = snprintf(text, len, "%s crashed %zu time%s", app, f->count, f->count == 1 ? "" : "s");
    if (f->exception)
        n += snprintf(text + n, len - (size_t)n, ": %s", f->exception);
    if (f->user_frame)
        snprintf(text + n, len - (size_t)n, "%s%s", f->exception ? " in " : ": in ", f->user_frame);
    return text;
}

/* Through a temporary file: portable where open_memstream is not. */
char *report_capture(int (*write)(FILE *out, const void *ctx), const void *ctx)
{
    FILE *tmp = tmpfile();
    if (tmp == NULL)
        return cs_strdup("(the text could not be formatted)");
    write(tmp, ctx);
    long size = ftell(tmp);
    char *text = cs_xmalloc(size > 0 ? (size_t)size + 1 : 1);
    rewind(tmp);
    size_t got = size > 0 ? fread(text, 1, (size_t)size, tmp) : 0;
    text[got] = '\0';
    fclose(tmp);
    return text;
}

struct outage_text {
    const struct outage *outage;
    const struct report_options *options;
};

static int write_outage(FILE *out, const void *ctx)
{
    const struct outage_text *t = ctx;
    return report_text_outage(out, t->outage, t->options);
}

char *report_outage_sentence(const struct outage *outage, const struct report_options *options)
{
    struct outage_text t = {outage, options};
    return report_capture(write_outage, &t);
}

const char *report_crash_kind_label(enum dotnet_crash_kind kind)
{
    switch (kind) {
    case DOTNET_KIND_UNHANDLED_EXCEPTION:
        return "none named (a native exception)";
    case DOTNET_KIND_STACK_OVERFLOW:
        return "stack overflow";
    case DOTNET_KIND_FAILFAST:
        return "Environment.FailFast";
    case DOTNET_KIND_INTERNAL_ERROR:
        return "internal error in the .NET runtime";
    default:
        return "not named";
    }
}

cJSON *report_json_texts(const char *const *texts, size_t count)
{
    cJSON *array = cJSON_CreateArray();
    for (size_t i = 0; i < count; i++)
        cJSON_AddItemToArray(array, report_json_text(texts[i]));
    return array;
}

void report_json_add_pools(cJSON *obj, const struct finding *finding)
{
    cJSON_AddItemToObject(obj, "app_pools",
                          report_json_texts(finding->app_pools, finding->app_pool_count));
    cJSON *sites = cJSON_AddArrayToObject(obj, "site_ids");
    for (size_t i = 0; i < finding->site_id_count; i++)
        cJSON_AddItemToArray(sites, cJSON_CreateNumber(finding->site_ids[i]));
}

void report_stack_window(size_t count, size_t max_frames, size_t *head, size_t *tail_start)
{
    *head = count <= max_frames ? count : max_frames / 2;
    *tail_start = count <= max_frames ? count : count - (max_frames - *head);
}
