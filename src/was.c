/*
 * was.c - WAS event fields by name (was.h).
 *
 * Not for: what the events mean for a crash or an outage (iis.c).
 */
#include "crashsig/was.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool was_kind_of(uint32_t event_id, enum was_kind *kind)
{
    switch (event_id) {
    case 5009:
    case 5011:
        *kind = WAS_WORKER_DIED;
        return true;
    case 5010:
        *kind = WAS_WORKER_HANG;
        return true;
    case 5013:
        *kind = WAS_SLOW_SHUTDOWN;
        return true;
    case 5002:
        *kind = WAS_POOL_DISABLED;
        return true;
    case 5117:
    case 5186:
        *kind = WAS_WORKER_LIFE;
        return true;
    default:
        if (event_id >= 5074 && event_id <= 5081) {
            *kind = WAS_WORKER_LIFE;
            return true;
        }
        return false;
    }
}

bool iis_parse_decimal_pid(const char *text, uint32_t *out)
{
    if (text == NULL || *text == '\0')
        return false;
    uint64_t value = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9' || p - text >= 10)
            return false;
        value = value * 10 + (uint64_t)(*p - '0');
    }
    if (value > UINT32_MAX)
        return false;
    *out = (uint32_t)value;
    return true;
}

bool iis_pool_name_ok(const char *text)
{
    size_t n = text ? strlen(text) : 0;
    if (n == 0 || n > WAS_MAX_POOL_NAME)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
            return false;
    return true;
}

static const char *named_value(const struct event_data *data, const char *name)
{
    for (size_t i = 0; data->names && i < data->count; i++)
        if (data->names[i] && cs_strcasecmp(data->names[i], name) == 0)
            return data->values[i];
    return NULL;
}

/* Appends "; text" (or text) to the warning, cut to its size. */
static void add_warning(char *warning, size_t size, const char *text)
{
    size_t used = strlen(warning);
    if (used + 1 < size)
        snprintf(warning + used, size - used, "%s%s", used ? "; " : "", text);
}

int was_parse(uint32_t event_id, const struct event_data *data, struct was_fields *out,
              char *warning, size_t warning_size, struct cs_error *err)
{
    memset(out, 0, sizeof(*out));
    if (warning_size)
        warning[0] = '\0';
    if (!was_kind_of(event_id, &out->kind)) {
        cs_error_set(err, "event %u is not a WAS event crashsig reads", event_id);
        return -1;
    }
    char text[160];
    const char *pool = named_value(data, "AppPoolID");
    if (pool == NULL) {
        add_warning(warning, warning_size, "no AppPoolID: the pool is unknown");
    } else if (strlen(pool) > WAS_MAX_POOL_NAME) {
        snprintf(text, sizeof(text),
                 "an AppPoolID of %zu bytes (more than %d) is not a pool name; ignored",
                 strlen(pool), WAS_MAX_POOL_NAME);
        add_warning(warning, warning_size, text);
    } else if (!iis_pool_name_ok(pool)) {
        add_warning(warning, warning_size,
                    "the AppPoolID is empty or holds control characters; ignored");
    } else {
        out->app_pool = cs_strdup(pool);
    }
    if (out->kind == WAS_POOL_DISABLED)
        return 0; /* a 5002 names only the pool */
    const char *pid = named_value(data, "ProcessID");
    if (pid == NULL) {
        add_warning(warning, warning_size,
                    "no ProcessID: the worker cannot be told apart, so it is joined to nothing");
    } else if (!iis_parse_decimal_pid(pid, &out->process_id)) {
        snprintf(text, sizeof(text),
                 "ProcessID '%.24s%s' is not a decimal process id, so it is joined to nothing", pid,
                 strlen(pid) > 24 ? "..." : "");
        add_warning(warning, warning_size, text);
    } else {
        out->has_process_id = true;
    }
    return 0;
}

void was_fields_free(struct was_fields *fields)
{
    free(fields->app_pool);
    memset(fields, 0, sizeof(*fields));
}
