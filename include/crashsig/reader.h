/*
 * reader.h - read one .evtx file with libevtx and hand each record of interest to a callback
 * as a normalized struct event.
 *
 * The reader opens the file read-only, walks the records and then libevtx's recovered records
 * (slack space, cleared logs), keeps only those whose provider and event id the filter asks for,
 * and reads TimeCreated, EventRecordID and the EventData names from the record's XML only for
 * those.  Memory stays bounded by one record whatever the file size.  A damaged file is read as
 * far as libevtx can and described in the input report's warnings; only a file that cannot be
 * opened at all is an error.
 *
 * Not for: interpreting events (event parsers), pairing them (correlator), or walking
 * directories (scan.h).
 */
#ifndef CRASHSIG_READER_H
#define CRASHSIG_READER_H

#include "crashsig/common.h"
#include "crashsig/event.h"

/* Which records the pipeline wants: a provider name (case-insensitive) and its event ids. */
struct reader_want {
    const char *provider;
    const uint32_t *event_ids;
    size_t event_id_count;
};

struct reader_filter {
    const struct reader_want *wants;
    size_t count;
};

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
    uint64_t records;            /* records libevtx lists */
    uint64_t recovered_records;  /* recovered records libevtx lists */
    uint64_t unreadable_records; /* listed but not parseable */
    uint64_t events_kept;        /* records handed to the callback */
    size_t warning_count;
    char **warnings; /* owned, one line each */
    char *error;     /* owned, set when status == INPUT_ERROR */
};

void input_report_init(struct input_report *report, const char *path);
void input_report_free(struct input_report *report);
void input_report_warn(struct input_report *report, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Called once per kept record; the callback takes ownership of *ev (event_move it) or leaves
 * it for the reader to free.  A non-zero return stops the scan of this file. */
typedef int (*reader_event_fn)(struct event *ev, void *ctx);

/*
 * Scans path.  Fills report (initialised by the caller with input_report_init) and returns 0
 * when the file could be opened, even if damaged; returns -1 and sets report->error (status
 * INPUT_ERROR) when it could not.
 */
int reader_scan_file(const char *path, const struct reader_filter *filter, reader_event_fn fn,
                     void *ctx, struct input_report *report);

/* True when provider/event_id pass the filter. */
bool reader_filter_wants(const struct reader_filter *filter, const char *provider,
                         uint32_t event_id);

#endif
