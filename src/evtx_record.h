/*
 * evtx_record.h - take what the pipeline wants out of one record of a file libevtx has open,
 * and hand it on as a struct event when the filter keeps the record.  Private to the reader:
 * both read modes (reader.c on the whole file, evtx_image.c on an in-memory image) walk their
 * records through evtx_record_visit.
 *
 * Not for: choosing which records to visit, counting or locating damage (reader.c,
 * reader_damage.c), or opening files.
 */
#ifndef CRASHSIG_EVTX_RECORD_H
#define CRASHSIG_EVTX_RECORD_H

#include <libevtx.h>

#include "crashsig/reader_filter.h"

/* The records of one opened libevtx file, as either read mode walks them. */
struct evtx_record_walk {
    libevtx_file_t *file;
    const char *path; /* events borrow it: it must outlive them */
    const struct reader_filter *filter;
    reader_event_fn on_event;
    void *ctx;
    uint64_t events_kept;
    bool stopped;          /* on_event asked to stop */
    size_t *warning_count; /* where render failures are reported */
    char ***warnings;
    /* The whole-file read, which has no record bytes at hand: finds the index-th record's
     * chunk (into chunk, EVTX_CHUNK_SIZE bytes) and offset, so that a record libevtx cannot
     * render is read from its BinXML as the selected-chunk read reads it, and both read modes
     * keep the same records.  May be NULL. */
    bool (*locate)(void *locate_ctx, bool recovered, int index, uint8_t *chunk, uint32_t *offset);
    void *locate_ctx;
};

/* Where a record's bytes are, when the caller knows (the selected-chunk read): its chunk
 * (EVTX_CHUNK_SIZE bytes the prefilter walked) and its offset in it.  checked: the record
 * lies in the chunk's event records area and the chunk's CRCs and numbers are right (no
 * chunk_damage), so its bytes are as they were written. */
struct evtx_record_bytes {
    const uint8_t *chunk;
    uint32_t offset;
    bool checked;
};

/* Looks at the index-th record of libevtx's records list (recovered false) or recovered
 * records list, and hands it to on_event when the filter keeps it.  With bytes (else NULL),
 * TimeCreated, EventRecordID, Channel and the Data names are read from the record's BinXML
 * (reader_binxml.h) instead of its XML rendering when they can be; with checked bytes the
 * whole record is, when it has the shape Windows writes, and libevtx does not parse it.
 * Returns 1 when the record was examined, 0 when libevtx could not read it. */
int evtx_record_visit(struct evtx_record_walk *w, bool recovered, int index,
                      const struct evtx_record_bytes *bytes);

/* The innermost line of libevtx's error backtrace ("" when there is none). */
void evtx_describe_error(libevtx_error_t *error, char *out, size_t size);

/* Closes and frees a file libevtx opened. */
void evtx_close_file(libevtx_file_t *file);

#endif
