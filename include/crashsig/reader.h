/*
 * reader.h - read .evtx files with libevtx and hand each record of interest to a callback as a
 * normalized struct event.
 *
 * Two read modes, with the same results (tests/test_paths.c compares them):
 *
 *   - reader_read_whole_file, the whole-file read: libevtx opens the whole file and every
 *     record, then every recovered record (slack space, cleared logs), is looked at.
 *   - reader_read_chunks, the selected-chunk read: the chunks of a range are read in large
 *     blocks and checked by the prefilter (prefilter.h) at memory speed; only the chunks that
 *     contain a wanted provider name are copied into a small in-memory EVTX image that libevtx
 *     opens, and in it only the records that can be of a wanted provider are parsed.  The
 *     prefilter counts records and finds damage exactly as libevtx does, so the input report
 *     means the same in both modes.  A file is split into ranges so that workers can share it
 *     (scan.c); reader_report_ranges joins the ranges' reports into the file's report.
 *
 * Either way only the records whose provider and event id the filter asks for are kept, and
 * TimeCreated, EventRecordID, Channel and the EventData names are read only for those: in the
 * selected-chunk read from the record's BinXML (reader_binxml.h) when it has the shape Windows
 * writes, else (and always in the whole-file read) from libevtx's XML rendering of the record.  A
 * damaged file is read as far as libevtx can and described in the input report's warnings (which
 * chunk, what damage); only a file that cannot be opened at all is an error. The selected-chunk
 * read's memory stays bounded whatever the file size; in the whole-file read libevtx keeps an index
 * of every record of the file (about 150 bytes a record).
 *
 * Not for: interpreting events (event parsers), pairing them (correlator), walking directories
 * or running workers (scan.h).
 */
#ifndef CRASHSIG_READER_H
#define CRASHSIG_READER_H

#include "crashsig/common.h"
#include "crashsig/event.h"
#include "crashsig/input_report.h"
#include "crashsig/prefilter.h"
#include "crashsig/reader_filter.h"

/* Called with the number of bytes of the input read since the last call. */
typedef void (*reader_progress_fn)(uint64_t bytes, void *ctx);

/* Which file a path named when it was planned: device, inode (Windows: volume serial number
 * and file index), size and modification time.  A read that finds another file at the path,
 * or this one changed, fails ("changed while being read") rather than mix two files. */
struct reader_identity {
    uint64_t device, inode, size;
    int64_t modified;
};

/* What to read, and where the kept records and the progress go. */
struct reader_request {
    const char *path;
    const struct reader_identity *expect; /* the file planned; NULL: whatever the path holds */
    const struct reader_filter *filter;
    /* prefilter_new(filter); the whole-file read makes its own when it is NULL */
    const struct prefilter *pf;
    reader_event_fn on_event;
    void *ctx;                   /* for on_event */
    reader_progress_fn progress; /* may be NULL */
    void *progress_ctx;
};

/*
 * The whole-file read of request->path.  Fills report (initialised by the caller with
 * input_report_init) and returns 0 when the file could be opened, even if damaged; returns -1
 * and sets report->error (status INPUT_ERROR) when it could not.  When libevtx refuses the file
 * only because some chunks are unreadable, every record of the other chunks is still read
 * (through the selected-chunk read's in-memory images, without the prefilter's selection).
 */
int reader_read_whole_file(const struct reader_request *request, struct input_report *report);

/* ---- the selected-chunk read, by chunk ranges ------------------------------------------ */

/* Where an input's chunks lie, as reader_plan_file finds them. */
struct reader_layout {
    bool identified;                 /* identity is known */
    struct reader_identity identity; /* the file planned */
    struct evtx_header header;
    uint64_t chunk_count;     /* whole chunks after the file header */
    uint32_t cut_chunk_bytes; /* the file ends this far into one more chunk (0: it does not) */
};

/*
 * Looks at path before it is split into ranges: returns 1 when it can be read by chunk ranges
 * (layout filled), 0 when only libevtx on the whole file can say what it holds (a file too
 * short for a header: use reader_read_whole_file), and -1 when
 * it cannot be read at all (report->error set, as reader_read_whole_file would set it).
 */
int reader_plan_file(const char *path, const struct prefilter *pf, struct reader_layout *layout,
                     struct input_report *report);

/* A chunk whose damage makes libevtx flag the file corrupted. */
struct reader_damage {
    uint64_t chunk;        /* index in the file, from 0 */
    uint32_t kinds;        /* enum chunk_damage bits */
    uint32_t records;      /* record headers libevtx could walk */
    uint64_t first_number; /* the chunk header's record numbers */
    uint64_t last_number;
};

/* A record libevtx lists but could not parse. */
struct reader_unreadable {
    uint64_t chunk;     /* READER_CHUNK_UNKNOWN when the file's layout is not understood */
    uint64_t record_id; /* from the record's header; else libevtx's index of the record */
    bool recovered;
};

#define READER_CHUNK_UNKNOWN UINT64_MAX

/* Lists keep at most this many entries (per range); the counts stay exact. */
#define READER_MAX_LISTED 5

/* What one range found.  Owned lists; reader_range_free frees them. */
struct reader_range {
    uint64_t first_chunk, chunk_count;
    struct evtx_tally tally; /* libevtx's counts, from the prefilter */
    uint64_t events_kept;
    uint64_t parsed_records;       /* records handed to libevtx */
    uint64_t unreadable_records;   /* of those, the ones libevtx could not parse */
    uint64_t unreadable_recovered; /* how many of the unreadable were recovered records */
    uint64_t missing_chunks;       /* planned but not there: the file shrank while being read */
    size_t damage_count;
    struct reader_damage *damage; /* the first READER_MAX_LISTED damaged chunks */
    size_t unreadable_count;
    struct reader_unreadable *unreadable; /* the first READER_MAX_LISTED */
    size_t warning_count;
    char **warnings; /* one per record libevtx could not render */
};

void reader_range_free(struct reader_range *range);

/*
 * The selected-chunk read of chunks [first_chunk, first_chunk + chunk_count) of request->path
 * (as planned by reader_plan_file; request->pf is required).  With request->expect, the file
 * open is checked against it before and after the range is read.  Kept events go to on_event in
 * libevtx's order for these chunks: records first, then recovered records.  A chunk libevtx
 * cannot read at all (which makes libevtx refuse the whole file) is left out and listed as
 * damaged; the other chunks are still read.  Fills range; returns 0, or -1 with a message in
 * err when the file cannot be read (an I/O error).
 */
int reader_read_chunks(const struct reader_request *request, uint64_t first_chunk,
                       uint64_t chunk_count, struct reader_range *range, struct cs_error *err);

/* Fills report (counts, warnings, status) from the ranges that together cover the file, in
 * chunk order. */
void reader_report_ranges(struct input_report *report, const struct reader_layout *layout,
                          const struct reader_range *ranges, size_t range_count);

#endif
