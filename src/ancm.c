/*
 * ancm.c - ASP.NET Core Module events (ancm.h).
 *
 * Not for: joining them to crashes (iis.c).
 */
#include "crashsig/ancm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/aspnet.h"
#include "crashsig/was.h"

/* The quoted value after key ("Application '", "physical root '"), at most max bytes. */
static char *quoted_after(const char *text, const char *key, size_t max)
{
    const char *start = strstr(text, key);
    if (start == NULL)
        return NULL;
    start += strlen(key);
    const char *end = strchr(start, '\'');
    if (end == NULL || end == start || (size_t)(end - start) > max)
        return NULL;
    char *value = cs_xmalloc((size_t)(end - start) + 1);
    memcpy(value, start, (size_t)(end - start));
    value[end - start] = '\0';
    return value;
}

static enum iis_origin origin_of(uint32_t event_id)
{
    switch (event_id) {
    case 1007:
    case 1031:
        return IIS_ORIGIN_STARTUP_FAILURE;
    case 1011:
    case 1035:
        return IIS_ORIGIN_ANCM_EXIT;
    case 1018:
        return IIS_ORIGIN_ANCM_EXCEPTION;
    default:
        return IIS_ORIGIN_NONE; /* 1005: a failed graceful shutdown is context */
    }
}

/* "Process Id: 4228." */
static bool parse_pid(const char *text, uint32_t *pid)
{
    static const char LABEL[] = "Process Id: ";
    if (text == NULL || strncmp(text, LABEL, sizeof(LABEL) - 1) != 0)
        return false;
    char digits[16];
    size_t n = 0;
    for (const char *p = text + sizeof(LABEL) - 1; *p >= '0' && *p <= '9'; p++)
        if (n + 1 < sizeof(digits))
            digits[n++] = *p;
        else
            return false;
    digits[n] = '\0';
    return iis_parse_decimal_pid(digits, pid);
}

int ancm_parse(uint32_t event_id, const struct event_data *data, struct ancm_fields *out,
               char *warning, size_t warning_size, struct cs_error *err)
{
    memset(out, 0, sizeof(*out));
    if (warning_size)
        warning[0] = '\0';
    if (data->count == 0 || data->values[0] == NULL || data->values[0][0] == '\0') {
        cs_error_set(err, "%s", "no message");
        return -1;
    }
    const char *message = data->values[0];
    out->origin = origin_of(event_id);
    size_t n = strlen(message);
    out->text = cs_xmalloc((n > ANCM_MAX_TEXT ? ANCM_MAX_TEXT : n) + 1);
    memcpy(out->text, message, n > ANCM_MAX_TEXT ? ANCM_MAX_TEXT : n);
    out->text[n > ANCM_MAX_TEXT ? ANCM_MAX_TEXT : n] = '\0';
    out->app_path = quoted_after(message, "Application '", ASPNET_MAX_APP_PATH);
    if (out->app_path)
        out->has_site_id = iis_site_id_of(out->app_path, &out->site_id);
    out->physical_path = quoted_after(message, "physical root '", ASPNET_MAX_APP_PATH);
    out->has_process_id = data->count > 1 && parse_pid(data->values[1], &out->process_id);
    if (!out->has_process_id && warning_size)
        snprintf(warning, warning_size, "%s",
                 "no usable \"Process Id: <n>.\" string, so it is joined by time only");
    return 0;
}

void ancm_fields_free(struct ancm_fields *fields)
{
    free(fields->app_path);
    free(fields->physical_path);
    free(fields->text);
    memset(fields, 0, sizeof(*fields));
}
