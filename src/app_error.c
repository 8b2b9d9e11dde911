/*
 * app_error.c - parse an Application Error event 1000 (app_error.h) in its classic layout
 * (unnamed strings in a fixed order) or its manifest layout (named <Data> elements, in any
 * order, names compared case-insensitively, unknown names ignored).
 *
 * Values come from the log and may be anything: a number that does not parse leaves its has_
 * flag false rather than being guessed at.
 *
 * Not for: deciding whether the crash was managed (signatures.c) or pairing (correlator.c).
 */
#include "crashsig/app_error.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The classic layout's order, which is also the manifest's set of names. */
enum app_error_field {
    FIELD_APP_NAME,
    FIELD_APP_VERSION,
    FIELD_APP_TIMESTAMP,
    FIELD_MODULE_NAME,
    FIELD_MODULE_VERSION,
    FIELD_MODULE_TIMESTAMP,
    FIELD_EXCEPTION_CODE,
    FIELD_FAULTING_OFFSET,
    FIELD_PROCESS_ID,
    FIELD_PROCESS_CREATION_TIME,
    FIELD_APP_PATH,
    FIELD_MODULE_PATH,
    FIELD_REPORT_ID,
    FIELD_PACKAGE_FULL_NAME,
    FIELD_PACKAGE_RELATIVE_APP_ID,
    FIELD_COUNT
};

static const char *const FIELD_NAMES[FIELD_COUNT] = {
    "AppName",
    "AppVersion",
    "AppTimeStamp",
    "ModuleName",
    "ModuleVersion",
    "ModuleTimeStamp",
    "ExceptionCode",
    "FaultingOffset",
    "ProcessId",
    "ProcessCreationTime",
    "AppPath",
    "ModulePath",
    "IntegratorReportId",
    "PackageFullName",
    "PackageRelativeAppId",
};

static int field_by_name(const char *name)
{
    for (int f = 0; name != NULL && f < FIELD_COUNT; f++) {
        if (cs_strcasecmp(name, FIELD_NAMES[f]) == 0)
            return f;
    }
    return -1;
}

/* Fills fields[] with borrowed values.  Named data is used by name when at least one name is
 * known; otherwise the strings are read by position, as the classic layout writes them. */
static void collect_fields(const struct event_data *data, const char *fields[FIELD_COUNT])
{
    bool named = false;
    for (size_t i = 0; data->names != NULL && i < data->count; i++) {
        int f = field_by_name(data->names[i]);
        if (f < 0)
            continue;
        named = true;
        if (fields[f] == NULL) /* the first of duplicated names wins */
            fields[f] = data->values[i];
    }
    if (named)
        return;
    for (size_t i = 0; i < data->count && i < FIELD_COUNT; i++)
        fields[i] = data->values[i];
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A trimmed copy, or NULL for a missing or blank value. */
static char *trimmed_copy(const char *value)
{
    if (value == NULL)
        return NULL;
    while (is_space(*value))
        value++;
    size_t n = strlen(value);
    while (n > 0 && is_space(value[n - 1]))
        n--;
    return n > 0 ? cs_strndup(value, n) : NULL;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Skips blanks and an optional 0x; returns where the digits start and sets *digits to their
 * count, or returns NULL when anything but hex digits follows. */
static const char *hex_digits(const char *text, size_t *digits)
{
    if (text == NULL)
        return NULL;
    while (is_space(*text))
        text++;
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        text += 2;
    size_t n = 0;
    while (hex_value(text[n]) >= 0)
        n++;
    const char *end = text + n;
    while (is_space(*end))
        end++;
    if (n == 0 || *end != '\0')
        return NULL;
    *digits = n;
    return text;
}

/* Hex with or without 0x, case-insensitive; false unless it fits in max (2^k - 1). */
static bool parse_hex(const char *text, uint64_t max, uint64_t *out)
{
    size_t n;
    const char *p = hex_digits(text, &n);
    if (p == NULL)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (v > (max >> 4))
            return false;
        v = v << 4 | (uint64_t)hex_value(p[i]);
    }
    *out = v;
    return true;
}

/* "0x000000000003A839" -> "000000000003a839"; NULL when not hex. */
static char *offset_copy(const char *text)
{
    size_t n;
    const char *p = hex_digits(text, &n);
    if (p == NULL)
        return NULL;
    char *copy = cs_strndup(p, n);
    for (size_t i = 0; i < n; i++) {
        if (copy[i] >= 'A' && copy[i] <= 'F')
            copy[i] = (char)(copy[i] - 'A' + 'a');
    }
    return copy;
}

static void fill_numbers(struct app_error *out, const char *fields[FIELD_COUNT])
{
    uint64_t v;
    if (parse_hex(fields[FIELD_EXCEPTION_CODE], UINT32_MAX, &v)) {
        out->has_exception_code = true;
        out->exception_code = (uint32_t)v;
    }
    if (parse_hex(fields[FIELD_PROCESS_ID], UINT32_MAX, &v)) {
        out->has_process_id = true;
        out->process_id = (uint32_t)v;
    }
    if (parse_hex(fields[FIELD_PROCESS_CREATION_TIME], UINT64_MAX, &v)) {
        out->has_process_creation_time = true;
        out->process_creation_time = v;
    }
}

int app_error_parse(const struct event_data *data, struct app_error *out, struct cs_error *err)
{
    memset(out, 0, sizeof(*out));
    if (data == NULL || data->values == NULL) {
        cs_error_set(err, "Application Error event has no data");
        return -1;
    }
    const char *fields[FIELD_COUNT] = {0};
    collect_fields(data, fields);
    out->app_name = trimmed_copy(fields[FIELD_APP_NAME]);
    if (out->app_name == NULL) {
        cs_error_set(err,
                     "Application Error event has no application name (%zu values, %s "
                     "layout)",
                     data->count, data->names ? "named" : "classic");
        return -1;
    }
    out->app_version = trimmed_copy(fields[FIELD_APP_VERSION]);
    out->module_name = trimmed_copy(fields[FIELD_MODULE_NAME]);
    out->module_version = trimmed_copy(fields[FIELD_MODULE_VERSION]);
    out->faulting_offset = offset_copy(fields[FIELD_FAULTING_OFFSET]);
    out->app_path = trimmed_copy(fields[FIELD_APP_PATH]);
    out->module_path = trimmed_copy(fields[FIELD_MODULE_PATH]);
    out->report_id = trimmed_copy(fields[FIELD_REPORT_ID]);
    fill_numbers(out, fields);
    return 0;
}

void app_error_free(struct app_error *fault)
{
    if (fault == NULL)
        return;
    free(fault->app_name);
    free(fault->app_version);
    free(fault->module_name);
    free(fault->module_version);
    free(fault->faulting_offset);
    free(fault->app_path);
    free(fault->module_path);
    free(fault->report_id);
    memset(fault, 0, sizeof(*fault));
}

void app_error_format_code(uint32_t code, char out[9])
{
    snprintf(out, 9, "%08" PRIx32, code);
}
