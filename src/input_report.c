/*
 * input_report.c - the input report model (input_report.h).
 *
 * Not for: deciding what is wrong with a file (reader.c and reader_damage.c do).
 */
#include "crashsig/input_report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *input_status_name(enum input_status status)
{
    switch (status) {
    case INPUT_OK:
        return "ok";
    case INPUT_DAMAGED:
        return "damaged";
    case INPUT_ERROR:
        return "error";
    }
    return "error";
}

void input_report_init(struct input_report *report, const char *path)
{
    memset(report, 0, sizeof(*report));
    report->path = cs_strdup(path);
}

void input_report_free(struct input_report *report)
{
    free(report->path);
    for (size_t i = 0; i < report->warning_count; i++)
        free(report->warnings[i]);
    free(report->warnings);
    free(report->error);
    memset(report, 0, sizeof(*report));
}

/* The formatted line, cut at 511 bytes, as an allocated string. */
static char *format_line(const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    return cs_strdup(line);
}

void input_report_warn(struct input_report *report, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *line = format_line(fmt, ap);
    va_end(ap);
    report->warnings =
        cs_xrealloc(report->warnings, (report->warning_count + 1) * sizeof(*report->warnings));
    report->warnings[report->warning_count++] = line;
}

void input_report_fail(struct input_report *report, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *line = format_line(fmt, ap);
    va_end(ap);
    free(report->error);
    report->error = line;
    report->status = INPUT_ERROR;
}
