/*
 * input_report.h - what happened to one input log: read completely, read as far as possible
 * (damaged, with a warning per kind of damage), or not read at all (error, with one message).
 * The reader fills it, the scan adds the warnings of the event parsers, and every report
 * writer prints it ("inputs" in the JSON report).
 *
 * Not for: reading files (reader.h) or deciding what a damaged input means for the exit
 * status (result.h).
 */
#ifndef CRASHSIG_INPUT_REPORT_H
#define CRASHSIG_INPUT_REPORT_H

#include "crashsig/common.h"

enum input_status {
    INPUT_OK = 0,  /* read completely */
    INPUT_DAMAGED, /* read as far as possible; see warnings */
    INPUT_ERROR,   /* could not be read at all; see error */
};

const char *input_status_name(enum input_status status); /* "ok", "damaged", "error" */

/* What happened to one input: the report's "inputs" entry. */
struct input_report {
    char *path; /* owned */
    enum input_status status;
    uint64_t size;               /* bytes, when the scan planned the file */
    cs_filetime modified;        /* its modification time then; 0 when unknown */
    uint64_t records;            /* records libevtx lists */
    uint64_t recovered_records;  /* recovered records libevtx lists */
    uint64_t unreadable_records; /* listed but not parseable (selected-chunk read: of those
                                    parsed) */
    uint64_t events_kept;        /* records handed to the callback */
    size_t warning_count;
    char **warnings; /* owned, one line each */
    char *error;     /* owned, set when status == INPUT_ERROR */
};

void input_report_init(struct input_report *report, const char *path);
void input_report_free(struct input_report *report);
/* Adds a warning line (cut at 511 bytes). */
void input_report_warn(struct input_report *report, const char *fmt, ...) CS_PRINTF_FORMAT(2, 3);
/* Sets the error (replacing an earlier one) and the status INPUT_ERROR. */
void input_report_fail(struct input_report *report, const char *fmt, ...) CS_PRINTF_FORMAT(2, 3);

#endif
