/*
 * reader.c - the reader's entry points (reader.h) and its two read modes: the whole-file read,
 * in which libevtx opens the file, and the selected-chunk read, in which the prefilter picks
 * the chunks of a range and libevtx reads an in-memory image of them (evtx_image.c).
 *
 * Both modes look at each record through evtx_record.c and say what they found wrong through
 * reader_damage.c.  The whole-file read also runs the prefilter over the file (the structure
 * scan below), only to name the damaged chunks in its warnings and to say where a record
 * libevtx could not parse lies.
 *
 * Not for: knowing what a .NET Runtime or Application Error event means, or workers.
 */
#include "crashsig/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libevtx.h>

#include "crashsig/platform.h"
#include "evtx_image.h"
#include "evtx_record.h"
#include "reader_damage.h"

/* Chunks read with one read(): large sequential reads into a buffer that stays in L2. */
#define READ_CHUNKS 8

/* A walk that hands the request's kept records to its callback; the events borrow path, and
 * records libevtx cannot render are reported in warnings. */
static struct evtx_record_walk walk_for(const struct reader_request *request, const char *path,
                                        size_t *warning_count, char ***warnings)
{
    return (struct evtx_record_walk){.path = path,
                                     .filter = request->filter,
                                     .on_event = request->on_event,
                                     .ctx = request->ctx,
                                     .warning_count = warning_count,
                                     .warnings = warnings};
}

/* ---- opening and planning -------------------------------------------------------------- */

#define CHANGED_MESSAGE                                                                            \
    "the file changed while being read (replaced or written to); what was read of it is not "      \
    "used, so that two files are never mixed"

static struct reader_identity identity_of(const struct platform_file_info *info)
{
    return (struct reader_identity){info->device, info->inode, info->size, info->modified};
}

static bool same_identity(const struct reader_identity *a, const struct reader_identity *b)
{
    return a->device == b->device && a->inode == b->inode && a->size == b->size &&
           a->modified == b->modified;
}

/* True when there is nothing to check, or fd is still the file planned. */
static bool fd_is_expected(int fd, const struct reader_identity *expect)
{
    struct platform_file_info info;
    if (expect == NULL)
        return true;
    if (platform_fd_info(fd, &info) != 0)
        return false;
    struct reader_identity now = identity_of(&info);
    return same_identity(&now, expect);
}

/* The same for the file the path names now (the whole-file read opens it several times). */
static bool path_is_expected(const char *path, const struct reader_identity *expect)
{
    struct platform_file_info info;
    if (expect == NULL)
        return true;
    if (platform_file_info(path, true, &info, NULL) != 0 || info.kind != PLATFORM_FILE)
        return false;
    struct reader_identity now = identity_of(&info);
    return same_identity(&now, expect);
}

/* Rejects what libevtx should never be asked to open, with a message a person can act on. */
static int check_openable(const char *path, struct input_report *report)
{
    struct platform_file_info info;
    int rc = platform_file_info(path, true, &info, NULL);
    if (rc != 0 || info.kind == PLATFORM_MISSING) {
        input_report_fail(report, "cannot open: %s", strerror(rc != 0 ? errno : ENOENT));
        return -1;
    }
    if (info.kind == PLATFORM_DIRECTORY) {
        input_report_fail(report, "is a directory, not an .evtx file");
        return -1;
    }
    if (info.kind != PLATFORM_FILE) { /* opening a FIFO waits for a writer: forever */
        input_report_fail(report,
                          "not a regular file (a pipe, socket or device), not an .evtx file");
        return -1;
    }
    FILE *f = platform_fopen(path, "rb");
    if (f == NULL) {
        input_report_fail(report, "cannot open: %s", strerror(errno));
        return -1;
    }
    char magic[8] = {0};
    size_t got = fread(magic, 1, sizeof(magic), f);
    fclose(f);
    if (got < sizeof(magic) || memcmp(magic, "ElfFile", 8) != 0) {
        input_report_fail(report, got == 0 ? "empty file, not an EVTX log"
                                           : "not an EVTX log (no ElfFile signature)");
        return -1;
    }
    if (info.size < EVTX_FILE_HEADER_SIZE) {
        input_report_fail(report,
                          "cut off inside its file header (%llu of %u bytes): no record to read",
                          (unsigned long long)info.size, EVTX_FILE_HEADER_SIZE);
        return -1;
    }
    return 0;
}

/* Reads up to size bytes at offset; returns the count read (short at the end of the file), or
 * -1 on an I/O error.  lseek and read rather than pread: it is what libevtx's own file layer
 * does, so a file that shrinks or fails under both is seen the same way (and the test shim
 * tests/fault_fs.c, which wraps read, can damage it). */
static ssize_t read_at(int fd, uint8_t *buf, size_t size, uint64_t offset)
{
    if (platform_seek(fd, offset) != 0)
        return -1;
    size_t done = 0;
    while (done < size) {
        ssize_t n = read(fd, buf + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

int reader_plan_file(const char *path, const struct prefilter *pf, struct reader_layout *layout,
                     struct input_report *report)
{
    if (check_openable(path, report) != 0)
        return -1;
    int fd = platform_open_read(path);
    if (fd < 0) {
        input_report_fail(report, "cannot open: %s", strerror(errno));
        return -1;
    }
    uint8_t data[EVTX_FILE_HEADER_SIZE];
    struct platform_file_info info;
    ssize_t got = read_at(fd, data, sizeof(data), 0);
    int size_rc = platform_fd_info(fd, &info);
    platform_close(fd);
    uint64_t size = size_rc == 0 ? info.size : 0;
    layout->identified = size_rc == 0;
    if (size_rc == 0)
        layout->identity = identity_of(&info);
    /* Any header block size: Windows writes 4096 in every EVTX version and the chunks follow
     * at that offset, so a different value is damage to the header (reader_damage.c warns),
     * not a reason to give up on intact chunks. */
    if (got != (ssize_t)sizeof(data) || size_rc != 0 ||
        prefilter_parse_header(pf, data, &layout->header) != 0)
        return 0;
    layout->chunk_count = (size - EVTX_FILE_HEADER_SIZE) / EVTX_CHUNK_SIZE;
    layout->cut_chunk_bytes = (uint32_t)((size - EVTX_FILE_HEADER_SIZE) % EVTX_CHUNK_SIZE);
    return 1;
}

/* ---- the whole-file read --------------------------------------------------------------- */

/* The prefilter's view of the whole file, for the whole-file read's warnings: it says which
 * chunk is damaged and how, and where a record libevtx could not parse lies. */
struct structure {
    bool valid;
    struct reader_layout layout;
    struct reader_range range; /* all chunks */
    uint64_t chunks;
    uint16_t *live_count, *slack_count; /* per chunk */
};

static void structure_free(struct structure *s)
{
    reader_range_free(&s->range);
    free(s->live_count);
    free(s->slack_count);
}

static void structure_scan(const char *path, const struct prefilter *pf, struct structure *s,
                           reader_progress_fn progress, void *progress_ctx)
{
    struct input_report scratch;
    input_report_init(&scratch, path);
    int plan = reader_plan_file(path, pf, &s->layout, &scratch);
    s->chunks = s->layout.chunk_count;
    input_report_free(&scratch);
    int fd = plan == 1 ? platform_open_read(path) : -1;
    if (fd < 0)
        return;
    s->live_count = cs_xcalloc(s->chunks + 1, sizeof(uint16_t));
    s->slack_count = cs_xcalloc(s->chunks + 1, sizeof(uint16_t));
    uint8_t *buf = cs_xmalloc((size_t)READ_CHUNKS * EVTX_CHUNK_SIZE);
    uint64_t index = 0;
    while (index < s->chunks) {
        ssize_t got = read_at(fd, buf, (size_t)READ_CHUNKS * EVTX_CHUNK_SIZE,
                              EVTX_FILE_HEADER_SIZE + index * EVTX_CHUNK_SIZE);
        if (got < (ssize_t)EVTX_CHUNK_SIZE)
            break;
        for (size_t k = 0; k + EVTX_CHUNK_SIZE <= (size_t)got; k += EVTX_CHUNK_SIZE, index++) {
            struct chunk_facts facts = {0};
            prefilter_check_chunk(pf, buf + k, &facts);
            if (prefilter_tally_chunk(&s->layout.header, index, &facts, &s->range.tally))
                reader_range_note_damage(&s->range, index, &facts);
            s->live_count[index] = (uint16_t)facts.live_count;
            s->slack_count[index] = (uint16_t)facts.slack_count;
        }
        if (progress) /* a heartbeat: the bytes are counted as the records are walked */
            progress(0, progress_ctx);
    }
    free(buf);
    platform_close(fd);
    s->chunks = index;
    s->range.chunk_count = index;
    s->valid = true;
}

/* Where the index-th record of libevtx's records or recovered records list lies: the chunk,
 * and the record's position in that chunk's live (*in_slack false) or slack list. */
static bool locate_record(const struct structure *s, bool recovered, uint64_t index,
                          uint64_t *chunk, uint32_t *position, bool *in_slack)
{
    for (uint64_t c = 0; c < s->chunks; c++) {
        bool live = prefilter_chunk_is_live(&s->layout.header, c);
        uint64_t here = recovered == live ? 0 : s->live_count[c];
        if (index < here) {
            *chunk = c, *position = (uint32_t)index, *in_slack = false;
            return true;
        }
        index -= here;
        here = recovered ? s->slack_count[c] : 0;
        if (index < here) {
            *chunk = c, *position = (uint32_t)index, *in_slack = true;
            return true;
        }
        index -= here;
    }
    return false;
}

/* The chunk a record the structure located lies in, read again from the file, with its
 * record offsets; false when it cannot be read again or holds no such record. */
static bool read_located_chunk(const char *path, const struct prefilter *pf, uint64_t chunk,
                               uint32_t position, bool in_slack, uint8_t *data,
                               struct chunk_facts *facts)
{
    int fd = platform_open_read(path);
    bool ok = fd >= 0 &&
              read_at(fd, data, EVTX_CHUNK_SIZE, EVTX_FILE_HEADER_SIZE + chunk * EVTX_CHUNK_SIZE) ==
                  EVTX_CHUNK_SIZE;
    if (fd >= 0)
        platform_close(fd);
    if (!ok)
        return false;
    prefilter_check_chunk(pf, data, facts);
    return in_slack ? position < facts->slack_count : position < facts->live_count;
}

/* The identifier in the header of a record the structure located, read again from the file, and
 * whether the selected-chunk read would hand it to libevtx (*candidate, left true when the
 * chunk cannot be read again). */
static uint64_t located_record_id(const char *path, const struct prefilter *pf, uint64_t chunk,
                                  uint32_t position, bool in_slack, bool *candidate)
{
    uint64_t id = 0;
    *candidate = true;
    uint8_t *data = cs_xmalloc(EVTX_CHUNK_SIZE);
    uint16_t *live = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(uint16_t));
    uint16_t *slack = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(uint16_t));
    struct chunk_facts facts = {.live = live, .slack = slack};
    if (read_located_chunk(path, pf, chunk, position, in_slack, data, &facts)) {
        id = prefilter_record_id(data, in_slack ? slack[position] : live[position]);
        bool *live_wanted = cs_xcalloc(EVTX_MAX_CHUNK_RECORDS, sizeof(bool));
        bool *slack_wanted = cs_xcalloc(EVTX_MAX_CHUNK_RECORDS, sizeof(bool));
        prefilter_select_records(pf, data, &facts, live_wanted, slack_wanted);
        *candidate = in_slack ? slack_wanted[position] : live_wanted[position];
        free(live_wanted);
        free(slack_wanted);
    }
    free(data);
    free(live);
    free(slack);
    return id;
}

/* One whole-file read. */
struct whole_file_read {
    const struct reader_request *request;
    const struct prefilter *pf;
    struct structure structure;
    struct evtx_record_walk walk;
    /* progress: bytes of the file in proportion to the records walked */
    uint64_t file_size, records_total, records_done, bytes_reported;
};

#define PROGRESS_EVERY_RECORDS 256

static void walk_progress(struct whole_file_read *r)
{
    if (r->request->progress == NULL || r->records_total == 0 ||
        ++r->records_done % PROGRESS_EVERY_RECORDS != 0)
        return;
    uint64_t bytes =
        (uint64_t)((double)r->file_size * (double)r->records_done / (double)r->records_total);
    r->request->progress(bytes > r->bytes_reported ? bytes - r->bytes_reported : 0,
                         r->request->progress_ctx);
    if (bytes > r->bytes_reported)
        r->bytes_reported = bytes;
}

/* Walks one of libevtx's lists completely; unreadable records go to the structure's range.  Only
 * those that could be a wanted event, as in the selected-chunk read: a record of another
 * provider (or with an event id nobody wants) that libevtx cannot parse can never be a crash,
 * and the selected-chunk read never asks libevtx for it, so both read modes give the same
 * status and counts (docs/performance.md). */
static void walk_all(struct whole_file_read *r, bool recovered, struct input_report *report)
{
    struct evtx_record_walk *w = &r->walk;
    struct structure *s = &r->structure;
    libevtx_error_t *error = NULL;
    int count = 0;
    int rc = recovered ? libevtx_file_get_number_of_recovered_records(w->file, &count, &error)
                       : libevtx_file_get_number_of_records(w->file, &count, &error);
    if (rc != 1 || count < 0) {
        libevtx_error_free(&error);
        input_report_warn(report, "libevtx could not count the %srecords",
                          recovered ? "recovered " : "");
        return;
    }
    if (recovered)
        report->recovered_records = (uint64_t)count;
    else
        report->records = (uint64_t)count;
    for (int i = 0; i < count && !w->stopped; i++) {
        walk_progress(r);
        if (evtx_record_visit(w, recovered, i, NULL))
            continue;
        uint64_t chunk = READER_CHUNK_UNKNOWN, id = (uint64_t)i;
        uint32_t position = 0;
        bool in_slack = false, candidate = true;
        if (s->valid && locate_record(s, recovered, (uint64_t)i, &chunk, &position, &in_slack))
            id = located_record_id(w->path, r->pf, chunk, position, in_slack, &candidate);
        if (candidate)
            reader_range_note_unreadable(&s->range, chunk, id, recovered);
    }
}

/* evtx_record_walk.locate for the whole-file read: the record's chunk and offset, from the
 * structure and the file. */
static bool locate_record_bytes(void *ctx, bool recovered, int index, uint8_t *chunk,
                                uint32_t *offset)
{
    const struct whole_file_read *r = ctx;
    const struct structure *s = &r->structure;
    uint64_t c;
    uint32_t position;
    bool in_slack;
    if (!s->valid || index < 0 ||
        !locate_record(s, recovered, (uint64_t)index, &c, &position, &in_slack))
        return false;
    uint16_t *live = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(uint16_t));
    uint16_t *slack = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(uint16_t));
    struct chunk_facts facts = {.live = live, .slack = slack};
    bool ok = read_located_chunk(r->walk.path, r->pf, c, position, in_slack, chunk, &facts);
    if (ok)
        *offset = in_slack ? slack[position] : live[position];
    free(live);
    free(slack);
    return ok;
}

/* Opens path with libevtx; on failure sets the report's error. */
static libevtx_file_t *open_with_libevtx(const char *path, struct input_report *report)
{
    libevtx_error_t *error = NULL;
    libevtx_file_t *file = NULL;
    if (libevtx_file_initialize(&file, &error) != 1) {
        libevtx_error_free(&error);
        input_report_fail(report, "libevtx could not be initialised");
        return NULL;
    }
    if (platform_evtx_open(file, path, &error) != 1) {
        char why[256];
        evtx_describe_error(error, why, sizeof(why));
        libevtx_error_free(&error);
        libevtx_file_free(&file, NULL);
        input_report_fail(report, "libevtx cannot read it%s%s", why[0] ? ": " : "", why);
        return NULL;
    }
    return file;
}

/* Damage libevtx opens without a word: a file cut inside a chunk, a damaged chunk past a
 * dirty log's stale chunk count. */
static bool structure_damaged_beyond_libevtx(const struct structure *s)
{
    return s->valid && (s->layout.cut_chunk_bytes || s->range.tally.damaged_past_count);
}

static int read_chunks(const struct reader_request *request, uint64_t first_chunk,
                       uint64_t chunk_count, bool every_record, struct reader_range *range,
                       struct cs_error *err);

/* libevtx refused the file because of unreadable chunks, or its header block size is damaged:
 * every record of the readable chunks, with the selected-chunk read's images. */
static int read_readable_chunks(const struct whole_file_read *r, struct input_report *report)
{
    free(report->error);
    report->error = NULL;
    /* events borrow the report's copy of the path, which lives as long as the result */
    struct reader_request every = *r->request;
    every.path = report->path;
    every.pf = r->pf;
    struct reader_range range;
    struct cs_error err = {""};
    int rc = read_chunks(&every, 0, r->structure.chunks, true, &range, &err);
    if (rc == 0)
        reader_report_ranges(report, &r->structure.layout, &range, 1);
    else
        input_report_fail(report, "%s", err.message);
    reader_range_free(&range);
    return rc;
}

/* Both of libevtx's counts, for the progress of the walk. */
static uint64_t count_all_records(libevtx_file_t *file)
{
    libevtx_error_t *error = NULL;
    int records = 0, recovered = 0;
    if (libevtx_file_get_number_of_records(file, &records, &error) != 1)
        records = 0;
    libevtx_error_free(&error);
    if (libevtx_file_get_number_of_recovered_records(file, &recovered, &error) != 1)
        recovered = 0;
    libevtx_error_free(&error);
    return (uint64_t)(records > 0 ? records : 0) + (uint64_t)(recovered > 0 ? recovered : 0);
}

/* Every record libevtx lists in the opened file, then every recovered record. */
static void read_all_records(struct whole_file_read *r, libevtx_file_t *file,
                             struct input_report *report)
{
    struct platform_file_info info;
    r->walk.file = file;
    r->file_size = platform_file_info(r->request->path, true, &info, NULL) == 0 ? info.size : 0;
    r->records_total = count_all_records(file);
    walk_all(r, false, report);
    walk_all(r, true, report);
    report->events_kept += r->walk.events_kept;
    report->unreadable_records = r->structure.range.unreadable_records;
    reader_warn_unreadable(report, &r->structure.range);
}

/* The whole-file read opens the file by its path several times: it must have been the file
 * planned before and after all of them. */
static int fail_if_changed(const struct reader_request *request, struct input_report *report)
{
    if (path_is_expected(request->path, request->expect))
        return 0;
    input_report_fail(report, "%s", CHANGED_MESSAGE);
    return -1;
}

static int read_whole_file(const struct reader_request *request, struct input_report *report);

int reader_read_whole_file(const struct reader_request *request, struct input_report *report)
{
    if (fail_if_changed(request, report) != 0)
        return -1;
    int rc = read_whole_file(request, report);
    return fail_if_changed(request, report) != 0 ? -1 : rc;
}

static int read_whole_file(const struct reader_request *request, struct input_report *report)
{
    const char *path = request->path;
    if (check_openable(path, report) != 0)
        return -1;
    struct prefilter *own_pf = request->pf ? NULL : prefilter_new(request->filter);
    struct whole_file_read r = {.request = request, .pf = request->pf ? request->pf : own_pf};
    struct structure *s = &r.structure;
    structure_scan(path, r.pf, s, request->progress, request->progress_ctx);
    int rc = 0;
    /* libevtx would look for the chunks where a damaged header block size says they are:
     * read them where they are, through images with a corrected header */
    if (s->valid && s->layout.header.header_block_size != EVTX_FILE_HEADER_SIZE) {
        rc = read_readable_chunks(&r, report);
        structure_free(s);
        prefilter_free(own_pf);
        return rc;
    }
    libevtx_file_t *file = open_with_libevtx(path, report);
    if (file == NULL) {
        rc = s->valid && s->range.tally.unsupported ? read_readable_chunks(&r, report) : -1;
    } else {
        libevtx_error_t *error = NULL;
        bool corrupted = libevtx_file_is_corrupted(file, &error) == 1;
        libevtx_error_free(&error);
        reader_warn_structure(report, s->valid, &s->layout, &s->range, corrupted);
        /* events borrow the report's copy of the path, which lives as long as the result */
        r.walk = walk_for(request, report->path, &report->warning_count, &report->warnings);
        r.walk.locate = locate_record_bytes;
        r.walk.locate_ctx = &r;
        read_all_records(&r, file, report);
        evtx_close_file(file);
        bool damaged =
            corrupted || report->unreadable_records || structure_damaged_beyond_libevtx(s);
        report->status = damaged ? INPUT_DAMAGED : INPUT_OK;
    }
    structure_free(s);
    prefilter_free(own_pf);
    return rc;
}

/* ---- the selected-chunk read ----------------------------------------------------------- */

/* One selected-chunk read of a range. */
struct chunk_read {
    const struct reader_request *request;
    /* parse every record of every readable chunk (the whole-file read's rescue) */
    bool every_record;
    struct evtx_header header;
    struct reader_range *range;
    struct evtx_record_walk walk;
    struct evtx_image *image;
    bool *live_wanted, *slack_wanted; /* selection of the chunk being looked at */
    /* with every_record: the prefilter's selection, the records whose failure is counted */
    bool *live_counted, *slack_counted;
};

/* One chunk: check it, tally it, and queue it for libevtx when it has wanted records.  A chunk
 * libevtx cannot read (it would refuse the whole image) is left out, and reported. */
static int read_chunk(struct chunk_read *cr, uint64_t index, const uint8_t *chunk,
                      struct chunk_facts *facts, struct cs_error *err)
{
    const struct prefilter *pf = cr->request->pf;
    prefilter_check_chunk(pf, chunk, facts);
    if (prefilter_tally_chunk(&cr->header, index, facts, &cr->range->tally))
        reader_range_note_damage(cr->range, index, facts);
    if (facts->damage & (CHUNK_UNSUPPORTED | CHUNK_ZERO_FILLED))
        return 0;
    if (cr->every_record) {
        memset(cr->live_wanted, 1, facts->live_count * sizeof(bool));
        memset(cr->slack_wanted, 1, facts->slack_count * sizeof(bool));
        memset(cr->live_counted, 0, facts->live_count * sizeof(bool));
        memset(cr->slack_counted, 0, facts->slack_count * sizeof(bool));
        if (prefilter_chunk_wanted(pf, chunk))
            prefilter_select_records(pf, chunk, facts, cr->live_counted, cr->slack_counted);
    } else if (!prefilter_chunk_wanted(pf, chunk) ||
               prefilter_select_records(pf, chunk, facts, cr->live_wanted, cr->slack_wanted) == 0) {
        return 0;
    }
    struct evtx_image_chunk selected = {.index = index,
                                        .live = prefilter_chunk_is_live(&cr->header, index),
                                        .data = chunk,
                                        .facts = facts,
                                        .live_wanted = cr->live_wanted,
                                        .slack_wanted = cr->slack_wanted,
                                        .live_counted = cr->every_record ? cr->live_counted : NULL,
                                        .slack_counted =
                                            cr->every_record ? cr->slack_counted : NULL};
    return evtx_image_add(cr->image, &selected, err);
}

/* Reads the range block by block; returns 0, or -1 on an I/O error. */
static int read_blocks(struct chunk_read *cr, int fd, uint64_t first, uint64_t count,
                       struct cs_error *err)
{
    reader_progress_fn progress = cr->request->progress;
    uint8_t *buf = cs_xmalloc((size_t)READ_CHUNKS * EVTX_CHUNK_SIZE);
    uint16_t *live = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(uint16_t));
    uint16_t *slack = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(uint16_t));
    int rc = 0;
    uint64_t index = first, end = first + count;
    while (rc == 0 && index < end && !cr->walk.stopped) {
        size_t want = (size_t)(end - index < READ_CHUNKS ? end - index : READ_CHUNKS);
        ssize_t got = read_at(fd, buf, want * EVTX_CHUNK_SIZE,
                              EVTX_FILE_HEADER_SIZE + index * EVTX_CHUNK_SIZE);
        if (got < 0) {
            cs_error_set(err, "read error: %s", strerror(errno));
            rc = -1;
            break;
        }
        size_t chunks = (size_t)got / EVTX_CHUNK_SIZE;
        for (size_t k = 0; k < chunks && rc == 0 && !cr->walk.stopped; k++, index++) {
            struct chunk_facts facts = {.live = live, .slack = slack};
            rc = read_chunk(cr, index, buf + k * EVTX_CHUNK_SIZE, &facts, err);
        }
        if (progress)
            progress((uint64_t)got, cr->request->progress_ctx);
        if (chunks < want) { /* the file is shorter than it was when planned */
            cr->range->missing_chunks = end - index;
            break;
        }
    }
    free(buf);
    free(live);
    free(slack);
    return rc;
}

static int read_chunks(const struct reader_request *request, uint64_t first_chunk,
                       uint64_t chunk_count, bool every_record, struct reader_range *range,
                       struct cs_error *err)
{
    memset(range, 0, sizeof(*range));
    range->first_chunk = first_chunk;
    range->chunk_count = chunk_count;
    int fd = platform_open_read(request->path);
    if (fd < 0) {
        cs_error_set(err, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (!fd_is_expected(fd, request->expect)) {
        cs_error_set(err, "%s", CHANGED_MESSAGE);
        platform_close(fd);
        return -1;
    }
    struct chunk_read cr = {.request = request, .every_record = every_record, .range = range};
    cr.walk = walk_for(request, request->path, &range->warning_count, &range->warnings);
    uint8_t header[EVTX_FILE_HEADER_SIZE];
    int rc = -1;
    if (read_at(fd, header, EVTX_FILE_HEADER_SIZE, 0) != EVTX_FILE_HEADER_SIZE ||
        prefilter_parse_header(request->pf, header, &cr.header) != 0) {
        cs_error_set(err, "cannot read the file header");
    } else {
#ifdef POSIX_FADV_SEQUENTIAL
        posix_fadvise(fd, (off_t)(EVTX_FILE_HEADER_SIZE + first_chunk * EVTX_CHUNK_SIZE),
                      (off_t)(chunk_count * EVTX_CHUNK_SIZE), POSIX_FADV_SEQUENTIAL);
#endif
        cr.image = evtx_image_new(request->pf, header, &cr.walk, range);
        cr.live_wanted = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(bool));
        cr.slack_wanted = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(bool));
        cr.live_counted = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(bool));
        cr.slack_counted = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(bool));
        rc = read_blocks(&cr, fd, first_chunk, chunk_count, err);
        if (rc == 0)
            rc = evtx_image_parse(cr.image, err);
        evtx_image_free(cr.image);
        free(cr.live_wanted);
        free(cr.slack_wanted);
        free(cr.live_counted);
        free(cr.slack_counted);
    }
    range->events_kept = cr.walk.events_kept;
    /* written to while this range was read: its bytes may mix two versions */
    if (rc == 0 && !fd_is_expected(fd, request->expect)) {
        cs_error_set(err, "%s", CHANGED_MESSAGE);
        rc = -1;
    }
    platform_close(fd);
    return rc;
}

int reader_read_chunks(const struct reader_request *request, uint64_t first_chunk,
                       uint64_t chunk_count, struct reader_range *range, struct cs_error *err)
{
    return read_chunks(request, first_chunk, chunk_count, false, range, err);
}
