/*
 * reader.c - read .evtx files with libevtx and emit the records the filter wants as struct
 * event (reader.h): the full path over a whole file, the fast path over a range of chunks, and
 * the input report both produce.
 *
 * Per record the reader asks libevtx only for the cheap System values (event id, provider)
 * first; the expensive ones - EventData strings and the XML rendering that holds TimeCreated,
 * EventRecordID, Channel and the Data names - are fetched only for records the filter keeps.
 * Values are copied out at once and the record freed: libevtx 20181227 caches and reuses
 * record handles, so a handle kept across further reads can show another record's values.
 *
 * The fast path hands libevtx an in-memory EVTX file: a copy of the real file header, patched
 * to describe the chunks that follow, and the selected chunks, through a libbfio memory-range
 * handle.  libevtx lists a chunk's records as records when the chunk lies inside the header's
 * chunk count (or the log is dirty) and as recovered records otherwise, so the patched count
 * keeps every record in the list it is in for the real file.  Inside the image only the
 * records the prefilter selected are parsed; their list positions follow from the prefilter's
 * record walk, and libevtx's own counts for the image are checked against it before use.
 *
 * Not for: knowing what a .NET Runtime or Application Error event means, or workers.
 */
#include "crashsig/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libevtx.h>

#include "crashsig/platform.h"
#include "xml_fields.h"

/* Provider names longer than this are not any provider crashsig wants. */
#define PROVIDER_NAME_MAX 256
/* Chunks read with one read(): large sequential reads into a buffer that stays in L2. */
#define READ_CHUNKS 8
/* Chunks in one in-memory image handed to libevtx. */
#define IMAGE_CHUNKS 16

static void add_line(size_t *count, char ***lines, const char *line)
{
    *lines = cs_xrealloc(*lines, (*count + 1) * sizeof(**lines));
    (*lines)[(*count)++] = cs_strdup(line);
}

/* The first line of libevtx's error backtrace: the innermost function, which says what was
 * actually wrong ("unsupported header size"), where the last only says "unable to open file". */
static void describe_libevtx_error(libevtx_error_t *error, char *out, size_t size)
{
    char text[4096] = "";
    out[0] = '\0';
    if (error == NULL || libevtx_error_backtrace_sprint(error, text, sizeof(text)) < 0)
        return;
    text[sizeof(text) - 1] = '\0';
    const char *line = text + strspn(text, "\r\n");
    size_t len = strcspn(line, "\r\n");
    while (len > 0 && line[len - 1] == '.')
        len--;
    snprintf(out, size, "%.*s", (int)len, line);
}

bool reader_filter_wants(const struct reader_filter *filter, const char *provider,
                         uint32_t event_id)
{
    for (size_t i = 0; i < filter->count; i++) {
        const struct reader_want *w = &filter->wants[i];
        if (cs_strcasecmp(w->provider, provider) != 0)
            continue;
        for (size_t k = 0; k < w->event_id_count; k++)
            if (w->event_ids[k] == event_id)
                return true;
    }
    return false;
}

/* ---- one record ------------------------------------------------------------------------ */

/* Copies a UTF-8 value out of libevtx through a getter pair; NULL when not available. */
typedef int (*utf8_size_fn)(libevtx_record_t *, size_t *, libevtx_error_t **);
typedef int (*utf8_get_fn)(libevtx_record_t *, uint8_t *, size_t, libevtx_error_t **);

static char *copy_utf8(libevtx_record_t *record, utf8_size_fn size_fn, utf8_get_fn get_fn)
{
    libevtx_error_t *error = NULL;
    size_t size = 0;
    if (size_fn(record, &size, &error) != 1 || size == 0) {
        libevtx_error_free(&error);
        return NULL;
    }
    char *value = cs_xmalloc(size + 1);
    if (get_fn(record, (uint8_t *)value, size, &error) != 1) {
        libevtx_error_free(&error);
        free(value);
        return NULL;
    }
    value[size] = '\0';
    return value;
}

static char *copy_string(libevtx_record_t *record, int index)
{
    libevtx_error_t *error = NULL;
    size_t size = 0;
    if (libevtx_record_get_utf8_string_size(record, index, &size, &error) != 1 || size == 0) {
        libevtx_error_free(&error);
        return cs_strdup("");
    }
    char *value = cs_xmalloc(size + 1);
    if (libevtx_record_get_utf8_string(record, index, (uint8_t *)value, size, &error) != 1) {
        libevtx_error_free(&error);
        free(value);
        return cs_strdup("");
    }
    value[size] = '\0';
    return value;
}

/* EventData: the values come from libevtx's string list (exact text, no XML escaping), the
 * names and the count from the XML, because libevtx also counts a <Binary> element as a
 * string. */
static void read_event_data(libevtx_record_t *record, const struct xml_fields *xml,
                            struct event_data *data)
{
    libevtx_error_t *error = NULL;
    int count = 0;
    if (libevtx_record_get_number_of_strings(record, &count, &error) != 1 || count < 0) {
        libevtx_error_free(&error);
        count = 0;
    }
    if (xml->data_count >= 0 && (size_t)count > (size_t)xml->data_count)
        count = xml->data_count;
    data->count = (size_t)count;
    data->values = cs_xcalloc(data->count, sizeof(char *));
    for (int i = 0; i < count; i++)
        data->values[i] = copy_string(record, i);
    if (xml->has_names) {
        data->names = cs_xcalloc(data->count, sizeof(char *));
        for (size_t i = 0; i < data->count && i < xml->name_count; i++)
            data->names[i] = cs_strdup(xml->names[i]);
    }
}

/* Fills ev from a record the filter wants.  Returns 0, or -1 when the record's XML (needed
 * for the event time) cannot be rendered. */
static int read_wanted_record(libevtx_record_t *record, struct event *ev, char *why, size_t size)
{
    libevtx_error_t *error = NULL;
    uint64_t identifier = 0, written = 0;
    if (libevtx_record_get_identifier(record, &identifier, &error) != 1)
        libevtx_error_free(&error);
    if (libevtx_record_get_written_time(record, &written, &error) != 1)
        libevtx_error_free(&error);
    if (libevtx_record_get_event_level(record, &ev->level, &error) != 1)
        libevtx_error_free(&error);
    ev->record_id = identifier;
    ev->written_time = written;

    char *xml_text = copy_utf8(record, libevtx_record_get_utf8_xml_string_size,
                               libevtx_record_get_utf8_xml_string);
    if (xml_text == NULL) {
        snprintf(why, size, "record %llu: libevtx could not render its XML",
                 (unsigned long long)identifier);
        return -1;
    }
    struct xml_fields xml;
    xml_fields_extract(xml_text, &xml);
    ev->time = xml.time_created ? xml.time_created : written;
    ev->event_record_id = xml.has_event_record_id ? xml.event_record_id : identifier;
    ev->channel = cs_strdup(xml.channel ? xml.channel : "");
    ev->computer = copy_utf8(record, libevtx_record_get_utf8_computer_name_size,
                             libevtx_record_get_utf8_computer_name);
    if (ev->computer == NULL)
        ev->computer = cs_strdup(xml.computer ? xml.computer : "");
    read_event_data(record, &xml, &ev->data);
    xml_fields_free(&xml);
    free(xml_text);
    return 0;
}

/* Records of one opened libevtx file, as either path walks them. */
struct walk {
    libevtx_file_t *file;
    const char *path;
    const struct reader_filter *filter;
    reader_event_fn fn;
    void *ctx;
    uint64_t events_kept;
    bool stopped;
    size_t *warning_count; /* where render failures are reported */
    char ***warnings;
    /* the full path's progress: bytes of the file in proportion to the records walked */
    reader_progress_fn progress;
    void *progress_ctx;
    uint64_t file_size, records_total, records_done, bytes_reported;
};

#define PROGRESS_EVERY_RECORDS 256

static void walk_progress(struct walk *w)
{
    if (w->progress == NULL || w->records_total == 0 ||
        ++w->records_done % PROGRESS_EVERY_RECORDS != 0)
        return;
    uint64_t bytes =
        (uint64_t)((double)w->file_size * (double)w->records_done / (double)w->records_total);
    w->progress(bytes > w->bytes_reported ? bytes - w->bytes_reported : 0, w->progress_ctx);
    if (bytes > w->bytes_reported)
        w->bytes_reported = bytes;
}

/* Returns 1 when the record was examined, 0 when libevtx could not read it. */
static int visit_record(struct walk *w, bool recovered, int index)
{
    libevtx_error_t *error = NULL;
    libevtx_record_t *record = NULL;
    int rc = recovered ? libevtx_file_get_recovered_record_by_index(w->file, index, &record, &error)
                       : libevtx_file_get_record_by_index(w->file, index, &record, &error);
    if (rc != 1 || record == NULL) {
        libevtx_error_free(&error);
        return 0;
    }
    uint32_t event_id = 0;
    char provider[PROVIDER_NAME_MAX] = "";
    int ok = libevtx_record_get_event_identifier(record, &event_id, &error) == 1;
    libevtx_error_free(&error);
    int has_provider = libevtx_record_get_utf8_source_name(record, (uint8_t *)provider,
                                                           sizeof(provider), &error) == 1;
    libevtx_error_free(&error);
    if (ok && has_provider && reader_filter_wants(w->filter, provider, event_id & 0xffff)) {
        struct event ev = {.file = w->path, .recovered = recovered, .event_id = event_id & 0xffff};
        char why[256];
        if (read_wanted_record(record, &ev, why, sizeof(why)) == 0) {
            ev.provider = cs_strdup(provider);
            w->events_kept++;
            if (w->fn(&ev, w->ctx) != 0)
                w->stopped = true;
        } else {
            add_line(w->warning_count, w->warnings, why);
        }
        event_free(&ev);
    }
    libevtx_record_free(&record, &error);
    libevtx_error_free(&error);
    return 1;
}

/* ---- reading chunks -------------------------------------------------------------------- */

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
    uint64_t size = 0;
    ssize_t got = read_at(fd, data, sizeof(data), 0);
    int size_rc = platform_fd_size(fd, &size);
    platform_close(fd);
    if (got != (ssize_t)sizeof(data) || size_rc != 0 ||
        prefilter_parse_header(pf, data, &layout->header) != 0 ||
        layout->header.header_block_size != EVTX_FILE_HEADER_SIZE)
        return 0;
    layout->chunk_count = (size - EVTX_FILE_HEADER_SIZE) / EVTX_CHUNK_SIZE;
    layout->cut_chunk_bytes = (uint32_t)((size - EVTX_FILE_HEADER_SIZE) % EVTX_CHUNK_SIZE);
    return 1;
}

/* ---- the input report ------------------------------------------------------------------ */

/* A file that ends inside a chunk was cut (a copy that stopped, a full disk): whatever that
 * chunk held is lost, whatever libevtx says of the rest. */
static void warn_cut_chunk(struct input_report *report, const struct reader_layout *layout)
{
    if (layout->cut_chunk_bytes == 0)
        return;
    unsigned long long offset = EVTX_FILE_HEADER_SIZE + layout->chunk_count * EVTX_CHUNK_SIZE;
    input_report_warn(report,
                      "chunk %llu (file offset %llu): the file ends %u bytes into this %u-byte "
                      "chunk; it was cut, and the records of this chunk are lost",
                      (unsigned long long)layout->chunk_count, offset, layout->cut_chunk_bytes,
                      EVTX_CHUNK_SIZE);
}

static void warn_file_damage(struct input_report *report, const struct evtx_header *h,
                             uint32_t damage, uint64_t counted)
{
    /* Not damage, so the status stays ok (libevtx agrees), but the reader should know that the
     * header's counts were stale and that records beyond them were read from the chunks. */
    if (h->flags & EVTX_FLAG_DIRTY)
        input_report_warn(report, "file header: the log is marked dirty (copied while Windows "
                                  "had it open, not exported); every chunk in the file was read");
    if (damage & FILE_BAD_HEADER_CRC)
        input_report_warn(report, "file header: CRC mismatch");
    if (damage & FILE_CHUNKS_REVERSED)
        input_report_warn(report, "file header: first chunk number %u is above the last, %u",
                          h->first_chunk, h->last_chunk);
    if (damage & FILE_CHUNK_NUMBERS_DIFFER)
        input_report_warn(report, "file header: chunk count %u does not match chunk numbers %u-%u",
                          h->chunk_count, h->first_chunk, h->last_chunk);
    if (damage & FILE_CHUNK_COUNT_DIFFERS)
        input_report_warn(report,
                          "file header: chunk count %u, but the file holds %llu chunks in use",
                          h->chunk_count, (unsigned long long)counted);
}

static void warn_chunk_damage(struct input_report *report, const struct reader_damage *d)
{
    char what[256];
    prefilter_describe_damage(d->kinds, what, sizeof(what));
    unsigned long long offset = EVTX_FILE_HEADER_SIZE + d->chunk * EVTX_CHUNK_SIZE;
    if (d->kinds & CHUNK_COUNT_MISMATCH)
        input_report_warn(report,
                          "chunk %llu (file offset %llu): %s (%u records, numbers %llu-%llu)",
                          (unsigned long long)d->chunk, offset, what, d->records,
                          (unsigned long long)d->first_number, (unsigned long long)d->last_number);
    else
        input_report_warn(report, "chunk %llu (file offset %llu): %s", (unsigned long long)d->chunk,
                          offset, what);
}

/* "record 4711 in chunk 12, record 4712 in chunk 12, ..." */
static void warn_unreadable(struct input_report *report, bool recovered, uint64_t total,
                            const struct reader_unreadable *const *listed, size_t count)
{
    if (total == 0)
        return;
    char text[400] = "";
    size_t used = 0;
    for (size_t i = 0; i < count && used < sizeof(text); i++) {
        const struct reader_unreadable *u = listed[i];
        if (u->chunk == READER_CHUNK_UNKNOWN) /* record_id is then libevtx's list index */
            used += (size_t)snprintf(text + used, sizeof(text) - used, "%sindex %llu",
                                     i ? ", " : "", (unsigned long long)u->record_id);
        else
            used += (size_t)snprintf(
                text + used, sizeof(text) - used, "%srecord %llu in chunk %llu", i ? ", " : "",
                (unsigned long long)u->record_id, (unsigned long long)u->chunk);
    }
    input_report_warn(report, "%llu %srecords could not be parsed: %s%s", (unsigned long long)total,
                      recovered ? "recovered " : "", text, total > count ? ", ..." : "");
}

/* Damage and unreadable lists of all ranges, the first READER_MAX_LISTED of each. */
static void warn_ranges(struct input_report *report, const struct reader_range *ranges,
                        size_t count, uint64_t damaged_chunks)
{
    size_t listed = 0;
    for (size_t r = 0; r < count; r++)
        for (size_t i = 0; i < ranges[r].damage_count && listed < READER_MAX_LISTED; i++, listed++)
            warn_chunk_damage(report, &ranges[r].damage[i]);
    if (damaged_chunks > listed)
        input_report_warn(report, "%llu more damaged chunks",
                          (unsigned long long)(damaged_chunks - listed));
    for (size_t r = 0; r < count; r++)
        for (size_t i = 0; i < ranges[r].warning_count; i++)
            input_report_warn(report, "%s", ranges[r].warnings[i]);
    for (int recovered = 0; recovered < 2; recovered++) {
        const struct reader_unreadable *first[READER_MAX_LISTED];
        size_t n = 0;
        uint64_t total = 0;
        for (size_t r = 0; r < count; r++) {
            total += recovered ? ranges[r].unreadable_recovered
                               : ranges[r].unreadable_records - ranges[r].unreadable_recovered;
            for (size_t i = 0; i < ranges[r].unreadable_count; i++)
                if (ranges[r].unreadable[i].recovered == recovered && n < READER_MAX_LISTED)
                    first[n++] = &ranges[r].unreadable[i];
        }
        warn_unreadable(report, recovered, total, first, n);
    }
}

void reader_report_ranges(struct input_report *report, const struct reader_layout *layout,
                          const struct reader_range *ranges, size_t range_count)
{
    const struct evtx_header *header = &layout->header;
    struct evtx_tally tally = {0};
    uint64_t unreadable = 0;
    for (size_t i = 0; i < range_count; i++) {
        prefilter_tally_add(&tally, &ranges[i].tally);
        report->events_kept += ranges[i].events_kept;
        unreadable += ranges[i].unreadable_records;
    }
    report->records = tally.records;
    report->recovered_records = tally.recovered_records;
    report->unreadable_records = unreadable;
    uint32_t file_damage = prefilter_file_damage(header, &tally);
    warn_file_damage(report, header, file_damage, tally.counted_chunks);
    uint64_t missing = 0;
    for (size_t i = 0; i < range_count; i++)
        missing += ranges[i].missing_chunks;
    if (missing)
        input_report_warn(report, "the file ended %llu chunks early (it shrank while being read)",
                          (unsigned long long)missing);
    warn_cut_chunk(report, layout);
    warn_ranges(report, ranges, range_count, tally.damaged_chunks + tally.damaged_past_count);
    bool damaged = file_damage || tally.damaged_chunks || tally.damaged_past_count || unreadable ||
                   missing || layout->cut_chunk_bytes;
    report->status = damaged ? INPUT_DAMAGED : INPUT_OK;
}

void reader_range_free(struct reader_range *range)
{
    free(range->damage);
    free(range->unreadable);
    for (size_t i = 0; i < range->warning_count; i++)
        free(range->warnings[i]);
    free(range->warnings);
    memset(range, 0, sizeof(*range));
}

static void range_note_damage(struct reader_range *range, uint64_t chunk,
                              const struct chunk_facts *facts)
{
    if (range->damage_count == READER_MAX_LISTED)
        return;
    range->damage = cs_xrealloc(range->damage, (range->damage_count + 1) * sizeof(*range->damage));
    range->damage[range->damage_count++] = (struct reader_damage){
        chunk, facts->damage, facts->live_count, facts->first_number, facts->last_number};
}

static void range_note_unreadable(struct reader_range *range, uint64_t chunk, uint64_t record_id,
                                  bool recovered)
{
    range->unreadable_records++;
    range->unreadable_recovered += recovered;
    /* the first few of each list, so that both can be named */
    size_t same_kind = 0;
    for (size_t i = 0; i < range->unreadable_count; i++)
        same_kind += range->unreadable[i].recovered == recovered;
    if (same_kind == READER_MAX_LISTED)
        return;
    range->unreadable =
        cs_xrealloc(range->unreadable, (range->unreadable_count + 1) * sizeof(*range->unreadable));
    range->unreadable[range->unreadable_count++] =
        (struct reader_unreadable){chunk, record_id, recovered};
}

/* ---- the full path --------------------------------------------------------------------- */

/* The prefilter's view of the whole file, for the full path's warnings: it says which chunk is
 * damaged and how, and where a record libevtx could not parse lies. */
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
                range_note_damage(&s->range, index, &facts);
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

/* The identifier in the header of a record the structure located, read again from the file. */
static uint64_t located_record_id(const char *path, const struct prefilter *pf, uint64_t chunk,
                                  uint32_t position, bool in_slack)
{
    uint64_t id = 0;
    int fd = platform_open_read(path);
    uint8_t *data = cs_xmalloc(EVTX_CHUNK_SIZE);
    uint16_t *live = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(uint16_t));
    uint16_t *slack = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(uint16_t));
    if (fd >= 0 && read_at(fd, data, EVTX_CHUNK_SIZE,
                           EVTX_FILE_HEADER_SIZE + chunk * EVTX_CHUNK_SIZE) == EVTX_CHUNK_SIZE) {
        struct chunk_facts facts = {.live = live, .slack = slack};
        prefilter_check_chunk(pf, data, &facts);
        if (in_slack ? position < facts.slack_count : position < facts.live_count)
            id = prefilter_record_id(data, in_slack ? slack[position] : live[position]);
    }
    if (fd >= 0)
        platform_close(fd);
    free(data);
    free(live);
    free(slack);
    return id;
}

/* Walks one of libevtx's lists completely; unreadable records go to the structure's range. */
static void walk_all(struct walk *w, struct structure *s, const struct prefilter *pf,
                     bool recovered, struct input_report *report)
{
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
        walk_progress(w);
        if (visit_record(w, recovered, i))
            continue;
        uint64_t chunk = READER_CHUNK_UNKNOWN, id = (uint64_t)i;
        uint32_t position = 0;
        bool in_slack = false;
        if (s->valid && locate_record(s, recovered, (uint64_t)i, &chunk, &position, &in_slack))
            id = located_record_id(w->path, pf, chunk, position, in_slack);
        range_note_unreadable(&s->range, chunk, id, recovered);
    }
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
        describe_libevtx_error(error, why, sizeof(why));
        libevtx_error_free(&error);
        libevtx_file_free(&file, NULL);
        input_report_fail(report, "libevtx cannot read it%s%s", why[0] ? ": " : "", why);
        return NULL;
    }
    return file;
}

static void close_libevtx(libevtx_file_t *file)
{
    libevtx_error_t *error = NULL;
    libevtx_file_close(file, &error);
    libevtx_error_free(&error);
    libevtx_file_free(&file, &error);
    libevtx_error_free(&error);
}

/* Damage libevtx opens without a word: a file cut inside a chunk, a damaged chunk past a
 * dirty log's stale chunk count. */
static bool structure_damaged_beyond_libevtx(const struct structure *s)
{
    return s->valid && (s->layout.cut_chunk_bytes || s->range.tally.damaged_past_count);
}

/* Damage warnings from the structure, or libevtx's bare verdict when it has none. */
static void warn_structure(struct input_report *report, const struct structure *s, bool corrupted)
{
    size_t before = report->warning_count;
    if (s->valid) {
        uint32_t file_damage = prefilter_file_damage(&s->layout.header, &s->range.tally);
        warn_file_damage(report, &s->layout.header, file_damage, s->range.tally.counted_chunks);
        warn_cut_chunk(report, &s->layout);
        struct reader_range damage_only = {.damage_count = s->range.damage_count,
                                           .damage = s->range.damage};
        warn_ranges(report, &damage_only, 1,
                    s->range.tally.damaged_chunks + s->range.tally.damaged_past_count);
    }
    if (corrupted && report->warning_count == before && !s->valid &&
        s->layout.header.header_block_size != EVTX_FILE_HEADER_SIZE)
        input_report_warn(report,
                          "file header: damaged (header block size %u, not %u, and libevtx "
                          "flags the file as corrupted); read as far as possible",
                          s->layout.header.header_block_size, EVTX_FILE_HEADER_SIZE);
    else if (corrupted && report->warning_count == before)
        input_report_warn(report, "libevtx flags the file as corrupted (a dirty, unsynchronized "
                                  "or damaged log); read as far as possible");
}

static int scan_range(const char *path, const struct reader_filter *filter,
                      const struct prefilter *pf, uint64_t first_chunk, uint64_t chunk_count,
                      bool every_record, reader_event_fn fn, void *ctx, reader_progress_fn progress,
                      void *progress_ctx, struct reader_range *range, struct cs_error *err);

/* libevtx refused the file because of unreadable chunks: every record of the others. */
static int read_without_unsupported(const struct reader_filter *filter, const struct prefilter *pf,
                                    const struct structure *s, reader_event_fn fn, void *ctx,
                                    reader_progress_fn progress, void *progress_ctx,
                                    struct input_report *report)
{
    free(report->error);
    report->error = NULL;
    struct reader_range range;
    struct cs_error err = {""};
    int rc = scan_range(report->path, filter, pf, 0, s->chunks, true, fn, ctx, progress,
                        progress_ctx, &range, &err);
    if (rc == 0)
        reader_report_ranges(report, &s->layout, &range, 1);
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
static void read_all_records(libevtx_file_t *file, const char *path, struct structure *s,
                             const struct prefilter *pf, struct walk *w,
                             struct input_report *report)
{
    struct platform_file_info info;
    w->file = file;
    w->file_size = platform_file_info(path, true, &info, NULL) == 0 ? info.size : 0;
    w->records_total = count_all_records(file);
    walk_all(w, s, pf, false, report);
    walk_all(w, s, pf, true, report);
    report->events_kept += w->events_kept;
    report->unreadable_records = s->range.unreadable_records;
    struct reader_range unreadable_only = {.unreadable_count = s->range.unreadable_count,
                                           .unreadable = s->range.unreadable,
                                           .unreadable_records = s->range.unreadable_records,
                                           .unreadable_recovered = s->range.unreadable_recovered};
    warn_ranges(report, &unreadable_only, 1, 0);
}

int reader_scan_file_progress(const char *path, const struct reader_filter *filter,
                              reader_event_fn fn, void *ctx, reader_progress_fn progress,
                              void *progress_ctx, struct input_report *report)
{
    if (check_openable(path, report) != 0)
        return -1;
    struct prefilter *pf = prefilter_new(filter);
    struct structure s = {0};
    structure_scan(path, pf, &s, progress, progress_ctx);
    int rc = 0;
    libevtx_file_t *file = open_with_libevtx(path, report);
    if (file == NULL) {
        rc = s.valid && s.range.tally.unsupported
                 ? read_without_unsupported(filter, pf, &s, fn, ctx, progress, progress_ctx, report)
                 : -1;
    } else {
        libevtx_error_t *error = NULL;
        bool corrupted = libevtx_file_is_corrupted(file, &error) == 1;
        libevtx_error_free(&error);
        warn_structure(report, &s, corrupted);
        /* events borrow the report's copy of the path, which lives as long as the result */
        struct walk w = {.path = report->path,
                         .filter = filter,
                         .fn = fn,
                         .ctx = ctx,
                         .warning_count = &report->warning_count,
                         .warnings = &report->warnings,
                         .progress = progress,
                         .progress_ctx = progress_ctx};
        read_all_records(file, path, &s, pf, &w, report);
        close_libevtx(file);
        bool damaged =
            corrupted || report->unreadable_records || structure_damaged_beyond_libevtx(&s);
        report->status = damaged ? INPUT_DAMAGED : INPUT_OK;
    }
    structure_free(&s);
    prefilter_free(pf);
    return rc;
}

int reader_scan_file(const char *path, const struct reader_filter *filter, reader_event_fn fn,
                     void *ctx, struct input_report *report)
{
    return reader_scan_file_progress(path, filter, fn, ctx, NULL, NULL, report);
}

/* ---- the fast path --------------------------------------------------------------------- */

/* The chunks handed to libevtx together, with the records to parse in each. */
struct image {
    uint8_t *data; /* file header, then up to IMAGE_CHUNKS chunks */
    uint8_t header[EVTX_FILE_HEADER_SIZE];
    size_t chunks;
    size_t live_chunks; /* the first live_chunks are listed as records, the rest recovered */
    uint64_t index[IMAGE_CHUNKS];
    uint32_t live_count[IMAGE_CHUNKS], slack_count[IMAGE_CHUNKS];
    uint16_t *live_offset[IMAGE_CHUNKS], *slack_offset[IMAGE_CHUNKS];
    bool *live_wanted[IMAGE_CHUNKS], *slack_wanted[IMAGE_CHUNKS];
    bool *scratch_live, *scratch_slack; /* selection of the chunk being looked at */
};

static void image_init(struct image *im)
{
    memset(im, 0, sizeof(*im));
    im->data = cs_xmalloc(EVTX_FILE_HEADER_SIZE + (size_t)IMAGE_CHUNKS * EVTX_CHUNK_SIZE);
    im->scratch_live = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(bool));
    im->scratch_slack = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(bool));
    for (size_t i = 0; i < IMAGE_CHUNKS; i++) {
        im->live_offset[i] = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(uint16_t));
        im->slack_offset[i] = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(uint16_t));
        im->live_wanted[i] = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(bool));
        im->slack_wanted[i] = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(bool));
    }
}

static void image_free(struct image *im)
{
    free(im->data);
    free(im->scratch_live);
    free(im->scratch_slack);
    for (size_t i = 0; i < IMAGE_CHUNKS; i++) {
        free(im->live_offset[i]);
        free(im->slack_offset[i]);
        free(im->live_wanted[i]);
        free(im->slack_wanted[i]);
    }
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The real header, saying that the image's first live_chunks chunks are the ones in use. */
static void image_write_header(struct image *im, const struct prefilter *pf)
{
    uint8_t *h = im->data;
    memcpy(h, im->header, EVTX_FILE_HEADER_SIZE);
    put_le64(h + 8, 0);
    put_le64(h + 16, im->live_chunks ? im->live_chunks - 1 : 0);
    h[42] = (uint8_t)im->live_chunks;
    h[43] = (uint8_t)(im->live_chunks >> 8);
    uint32_t crc = prefilter_crc32(pf, 0, h, 120);
    for (int i = 0; i < 4; i++)
        h[124 + i] = (uint8_t)(crc >> (8 * i));
}

/* The fast path's state for one range. */
struct range_scan {
    const struct prefilter *pf;
    bool every_record; /* parse every record of every readable chunk (the full path's rescue) */
    struct evtx_header header;
    struct reader_range *range;
    struct walk walk;
    struct image image;
};

/* Parses the wanted records of one chunk list of the image: the records list (recovered
 * false) or the recovered records list. */
static void parse_image_list(struct range_scan *rs, bool recovered)
{
    struct image *im = &rs->image;
    int base = 0;
    for (size_t j = 0; j < im->chunks && !rs->walk.stopped; j++) {
        bool live = j < im->live_chunks;
        for (int slack = 0; slack < 2; slack++) {
            if (slack ? !recovered : live == recovered)
                continue;
            uint32_t n = slack ? im->slack_count[j] : im->live_count[j];
            const bool *wanted = slack ? im->slack_wanted[j] : im->live_wanted[j];
            const uint16_t *offset = slack ? im->slack_offset[j] : im->live_offset[j];
            for (uint32_t k = 0; k < n && !rs->walk.stopped; k++) {
                if (!wanted[k])
                    continue;
                rs->range->parsed_records++;
                if (visit_record(&rs->walk, recovered, base + (int)k))
                    continue;
                const uint8_t *chunk = im->data + EVTX_FILE_HEADER_SIZE + j * EVTX_CHUNK_SIZE;
                range_note_unreadable(rs->range, im->index[j],
                                      prefilter_record_id(chunk, offset[k]), recovered);
            }
            base += (int)n;
        }
    }
}

/* The image lists other records than the prefilter walked (which the tests have never seen
 * happen): the positions cannot be trusted, so every record libevtx lists is parsed. */
static void parse_image_all(struct range_scan *rs, int records, int recovered)
{
    for (int kind = 0; kind < 2; kind++)
        for (int i = 0; i < (kind ? recovered : records) && !rs->walk.stopped; i++) {
            rs->range->parsed_records++;
            if (!visit_record(&rs->walk, kind == 1, i))
                range_note_unreadable(rs->range, READER_CHUNK_UNKNOWN, (uint64_t)i, kind == 1);
        }
}

/* Hands the image to libevtx and parses its wanted records. */
static int parse_image(struct range_scan *rs, struct cs_error *err)
{
    struct image *im = &rs->image;
    if (im->chunks == 0)
        return 0;
    image_write_header(im, rs->pf);
    libbfio_handle_t *io = NULL;
    libevtx_file_t *file = NULL;
    libevtx_error_t *error = NULL;
    size_t size = EVTX_FILE_HEADER_SIZE + im->chunks * EVTX_CHUNK_SIZE;
    if (libbfio_memory_range_initialize(&io, &error) != 1 ||
        libbfio_memory_range_set(io, im->data, size, &error) != 1 ||
        libevtx_file_initialize(&file, &error) != 1 ||
        libevtx_file_open_file_io_handle(file, io, LIBEVTX_OPEN_READ, &error) != 1) {
        char why[256];
        describe_libevtx_error(error, why, sizeof(why));
        cs_error_set(err, "libevtx cannot read chunks %llu-%llu: %s",
                     (unsigned long long)im->index[0],
                     (unsigned long long)im->index[im->chunks - 1], why);
        libevtx_error_free(&error);
        if (file)
            libevtx_file_free(&file, NULL);
        libbfio_handle_free(&io, NULL);
        return -1;
    }
    /* the image must list exactly what the prefilter walked, or the positions are wrong */
    uint64_t want_records = 0, want_recovered = 0;
    for (size_t j = 0; j < im->chunks; j++) {
        *(j < im->live_chunks ? &want_records : &want_recovered) += im->live_count[j];
        want_recovered += im->slack_count[j];
    }
    int records = -1, recovered = -1;
    libevtx_file_get_number_of_records(file, &records, &error);
    libevtx_error_free(&error);
    libevtx_file_get_number_of_recovered_records(file, &recovered, &error);
    libevtx_error_free(&error);
    rs->walk.file = file;
    if ((uint64_t)records == want_records && (uint64_t)recovered == want_recovered) {
        parse_image_list(rs, false);
        parse_image_list(rs, true);
    } else {
        parse_image_all(rs, records, recovered);
    }
    rs->walk.file = NULL;
    close_libevtx(file);
    libbfio_handle_free(&io, NULL);
    im->chunks = im->live_chunks = 0;
    return 0;
}

/*
 * libevtx checks the event records CRC of every chunk it reads, with a byte-at-a-time CRC, and
 * reads each chunk twice (when it opens the image and when a record is fetched): for a chunk
 * with one wanted record that costs far more than parsing the record.  The prefilter has
 * checked that CRC already, so the copy in the image says its records area is empty: libevtx
 * uses the free space offset for nothing but that CRC (the record walk follows the last record
 * offset, the slack scan starts where the walk stops), and the header CRC is made to match.
 */
static void empty_records_crc(uint8_t *chunk, const struct prefilter *pf)
{
    static const uint8_t free_512_crc_0[8] = {0x00, 0x02, 0, 0, 0, 0, 0, 0};
    memcpy(chunk + 48, free_512_crc_0, sizeof(free_512_crc_0));
    uint32_t crc = prefilter_crc32(pf, prefilter_crc32(pf, 0, chunk, 120), chunk + 128, 384);
    for (int i = 0; i < 4; i++)
        chunk[124 + i] = (uint8_t)(crc >> (8 * i));
}

/* Adds a chunk with wanted records to the image, parsing the image first when it is full or
 * when a live chunk would follow a recovered one (the patched header cannot say that). */
static int image_add(struct range_scan *rs, uint64_t index, const uint8_t *chunk,
                     const struct chunk_facts *facts, struct cs_error *err)
{
    struct image *im = &rs->image;
    bool live = prefilter_chunk_is_live(&rs->header, index);
    if (im->chunks == IMAGE_CHUNKS || (live && im->live_chunks < im->chunks))
        if (parse_image(rs, err) != 0)
            return -1;
    size_t j = im->chunks++;
    im->live_chunks += live;
    im->index[j] = index;
    im->live_count[j] = facts->live_count;
    im->slack_count[j] = facts->slack_count;
    uint8_t *copy = im->data + EVTX_FILE_HEADER_SIZE + j * EVTX_CHUNK_SIZE;
    memcpy(copy, chunk, EVTX_CHUNK_SIZE);
    if (!(facts->damage & CHUNK_BAD_SIGNATURE))
        empty_records_crc(copy, rs->pf);
    memcpy(im->live_offset[j], facts->live, facts->live_count * sizeof(uint16_t));
    memcpy(im->slack_offset[j], facts->slack, facts->slack_count * sizeof(uint16_t));
    return 0;
}

/* One chunk: check it, tally it, and queue it for libevtx when it has wanted records.  A chunk
 * libevtx cannot read (it would refuse the whole image) is left out, and reported. */
static int scan_chunk(struct range_scan *rs, uint64_t index, const uint8_t *chunk,
                      struct chunk_facts *facts, struct cs_error *err)
{
    prefilter_check_chunk(rs->pf, chunk, facts);
    if (prefilter_tally_chunk(&rs->header, index, facts, &rs->range->tally))
        range_note_damage(rs->range, index, facts);
    if (facts->damage & (CHUNK_UNSUPPORTED | CHUNK_ZERO_FILLED))
        return 0;
    struct image *im = &rs->image;
    if (rs->every_record) {
        memset(im->scratch_live, 1, facts->live_count * sizeof(bool));
        memset(im->scratch_slack, 1, facts->slack_count * sizeof(bool));
    } else if (!prefilter_chunk_wanted(rs->pf, chunk) ||
               prefilter_select_records(rs->pf, chunk, facts, im->scratch_live,
                                        im->scratch_slack) == 0) {
        return 0;
    }
    if (image_add(rs, index, chunk, facts, err) != 0)
        return -1;
    size_t j = im->chunks - 1;
    memcpy(im->live_wanted[j], im->scratch_live, facts->live_count * sizeof(bool));
    memcpy(im->slack_wanted[j], im->scratch_slack, facts->slack_count * sizeof(bool));
    return 0;
}

/* Reads the range block by block; returns 0, or -1 on an I/O error. */
static int scan_blocks(struct range_scan *rs, int fd, uint64_t first, uint64_t count,
                       reader_progress_fn progress, void *progress_ctx, struct cs_error *err)
{
    uint8_t *buf = cs_xmalloc((size_t)READ_CHUNKS * EVTX_CHUNK_SIZE);
    uint16_t *live = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(uint16_t));
    uint16_t *slack = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(uint16_t));
    int rc = 0;
    uint64_t index = first, end = first + count;
    while (rc == 0 && index < end && !rs->walk.stopped) {
        size_t want = (size_t)(end - index < READ_CHUNKS ? end - index : READ_CHUNKS);
        ssize_t got = read_at(fd, buf, want * EVTX_CHUNK_SIZE,
                              EVTX_FILE_HEADER_SIZE + index * EVTX_CHUNK_SIZE);
        if (got < 0) {
            cs_error_set(err, "read error: %s", strerror(errno));
            rc = -1;
            break;
        }
        size_t chunks = (size_t)got / EVTX_CHUNK_SIZE;
        for (size_t k = 0; k < chunks && rc == 0 && !rs->walk.stopped; k++, index++) {
            struct chunk_facts facts = {.live = live, .slack = slack};
            rc = scan_chunk(rs, index, buf + k * EVTX_CHUNK_SIZE, &facts, err);
        }
        if (progress)
            progress((uint64_t)got, progress_ctx);
        if (chunks < want) { /* the file is shorter than it was when planned */
            rs->range->missing_chunks = end - index;
            break;
        }
    }
    free(buf);
    free(live);
    free(slack);
    return rc;
}

static int scan_range(const char *path, const struct reader_filter *filter,
                      const struct prefilter *pf, uint64_t first_chunk, uint64_t chunk_count,
                      bool every_record, reader_event_fn fn, void *ctx, reader_progress_fn progress,
                      void *progress_ctx, struct reader_range *range, struct cs_error *err)
{
    memset(range, 0, sizeof(*range));
    range->first_chunk = first_chunk;
    range->chunk_count = chunk_count;
    int fd = platform_open_read(path);
    if (fd < 0) {
        cs_error_set(err, "cannot open: %s", strerror(errno));
        return -1;
    }
    struct range_scan rs = {.pf = pf, .every_record = every_record, .range = range};
    rs.walk = (struct walk){.path = path,
                            .filter = filter,
                            .fn = fn,
                            .ctx = ctx,
                            .warning_count = &range->warning_count,
                            .warnings = &range->warnings};
    image_init(&rs.image);
    int rc = -1;
    if (read_at(fd, rs.image.header, EVTX_FILE_HEADER_SIZE, 0) != EVTX_FILE_HEADER_SIZE ||
        prefilter_parse_header(pf, rs.image.header, &rs.header) != 0) {
        cs_error_set(err, "cannot read the file header");
    } else {
#ifdef POSIX_FADV_SEQUENTIAL
        posix_fadvise(fd, (off_t)(EVTX_FILE_HEADER_SIZE + first_chunk * EVTX_CHUNK_SIZE),
                      (off_t)(chunk_count * EVTX_CHUNK_SIZE), POSIX_FADV_SEQUENTIAL);
#endif
        rc = scan_blocks(&rs, fd, first_chunk, chunk_count, progress, progress_ctx, err);
        if (rc == 0)
            rc = parse_image(&rs, err);
    }
    range->events_kept = rs.walk.events_kept;
    image_free(&rs.image);
    platform_close(fd);
    return rc;
}

int reader_scan_range(const char *path, const struct reader_filter *filter,
                      const struct prefilter *pf, uint64_t first_chunk, uint64_t chunk_count,
                      reader_event_fn fn, void *ctx, reader_progress_fn progress,
                      void *progress_ctx, struct reader_range *range, struct cs_error *err)
{
    return scan_range(path, filter, pf, first_chunk, chunk_count, false, fn, ctx, progress,
                      progress_ctx, range, err);
}
