/*
 * reader.c - read one .evtx file with libevtx and emit the records the filter wants as
 * struct event (reader.h).
 *
 * Per record the reader asks libevtx only for the cheap System values (event id, provider)
 * first; the expensive ones - EventData strings and the XML rendering that holds TimeCreated,
 * EventRecordID, Channel and the Data names - are fetched only for records the filter keeps.
 * Values are copied out at once and the record freed: libevtx 20181227 caches and reuses
 * record handles, so a handle kept across further reads can show another record's values.
 *
 * Not for: knowing what a .NET Runtime or Application Error event means.
 */
#include "crashsig/reader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libevtx.h>

#include "xml_fields.h"

/* Provider names longer than this are not any provider crashsig wants. */
#define PROVIDER_NAME_MAX 256
/* Warnings listing record indexes stop after this many, so a shredded file cannot flood the
 * report; the counts stay exact. */
#define MAX_LISTED_FAILURES 5

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

void input_report_warn(struct input_report *report, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    report->warnings =
        cs_xrealloc(report->warnings, (report->warning_count + 1) * sizeof(*report->warnings));
    report->warnings[report->warning_count++] = cs_strdup(line);
}

static void set_error(struct input_report *report, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_error(struct input_report *report, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    free(report->error);
    report->error = cs_strdup(line);
    report->status = INPUT_ERROR;
}

/* The last line of libevtx's error chain: the most specific description it has. */
static void describe_libevtx_error(libevtx_error_t *error, char *out, size_t size)
{
    char text[2048] = "";
    out[0] = '\0';
    if (error == NULL || libevtx_error_sprint(error, text, sizeof(text)) < 0)
        return;
    text[sizeof(text) - 1] = '\0';
    char *line = text;
    for (char *p = text; *p; p++)
        if (*p == '\n' && p[1] != '\0')
            line = p + 1;
    size_t len = strcspn(line, "\n");
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

struct walk {
    libevtx_file_t *file;
    const char *path;
    const struct reader_filter *filter;
    reader_event_fn fn;
    void *ctx;
    struct input_report *report;
    bool stopped;
};

typedef int (*get_record_fn)(libevtx_file_t *, int, libevtx_record_t **, libevtx_error_t **);

/* Returns 1 when the record was examined, 0 when libevtx could not read it. */
static int visit_record(struct walk *w, get_record_fn get, int index, bool recovered)
{
    libevtx_error_t *error = NULL;
    libevtx_record_t *record = NULL;
    if (get(w->file, index, &record, &error) != 1 || record == NULL) {
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
            w->report->events_kept++;
            if (w->fn(&ev, w->ctx) != 0)
                w->stopped = true;
        } else {
            input_report_warn(w->report, "%s", why);
        }
        event_free(&ev);
    }
    libevtx_record_free(&record, &error);
    libevtx_error_free(&error);
    return 1;
}

static void walk_records(struct walk *w, bool recovered)
{
    libevtx_error_t *error = NULL;
    int count = 0;
    int rc = recovered ? libevtx_file_get_number_of_recovered_records(w->file, &count, &error)
                       : libevtx_file_get_number_of_records(w->file, &count, &error);
    if (rc != 1 || count < 0) {
        libevtx_error_free(&error);
        input_report_warn(w->report, "libevtx could not count the %s records",
                          recovered ? "recovered" : "");
        return;
    }
    if (recovered)
        w->report->recovered_records = (uint64_t)count;
    else
        w->report->records = (uint64_t)count;

    get_record_fn get =
        recovered ? libevtx_file_get_recovered_record_by_index : libevtx_file_get_record_by_index;
    uint64_t failed = 0;
    char listed[128] = "";
    for (int i = 0; i < count && !w->stopped; i++) {
        if (visit_record(w, get, i, recovered))
            continue;
        if (failed++ < MAX_LISTED_FAILURES) {
            size_t used = strlen(listed);
            snprintf(listed + used, sizeof(listed) - used, "%s%d", used ? ", " : "", i);
        }
    }
    if (failed) {
        w->report->unreadable_records += failed;
        input_report_warn(w->report, "%llu of %d %srecords could not be parsed (index %s%s)",
                          (unsigned long long)failed, count, recovered ? "recovered " : "", listed,
                          failed > MAX_LISTED_FAILURES ? ", ..." : "");
    }
}

/* Rejects what libevtx should never be asked to open, with a message a person can act on. */
static int check_openable(const char *path, struct input_report *report)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        set_error(report, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        set_error(report, "is a directory, not an .evtx file");
        return -1;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        set_error(report, "cannot open: %s", strerror(errno));
        return -1;
    }
    char magic[8] = {0};
    size_t got = fread(magic, 1, sizeof(magic), f);
    fclose(f);
    if (got < sizeof(magic) || memcmp(magic, "ElfFile", 8) != 0) {
        set_error(report, got == 0 ? "empty file, not an EVTX log"
                                   : "not an EVTX log (no ElfFile signature)");
        return -1;
    }
    return 0;
}

int reader_scan_file(const char *path, const struct reader_filter *filter, reader_event_fn fn,
                     void *ctx, struct input_report *report)
{
    if (check_openable(path, report) != 0)
        return -1;
    libevtx_error_t *error = NULL;
    libevtx_file_t *file = NULL;
    if (libevtx_file_initialize(&file, &error) != 1) {
        libevtx_error_free(&error);
        set_error(report, "libevtx could not be initialised");
        return -1;
    }
    if (libevtx_file_open(file, path, LIBEVTX_OPEN_READ, &error) != 1) {
        char why[256];
        describe_libevtx_error(error, why, sizeof(why));
        libevtx_error_free(&error);
        libevtx_file_free(&file, NULL);
        set_error(report, "libevtx cannot read it%s%s", why[0] ? ": " : "", why);
        return -1;
    }
    int corrupted = libevtx_file_is_corrupted(file, &error);
    libevtx_error_free(&error);
    if (corrupted == 1)
        input_report_warn(report, "libevtx flags the file as corrupted (a dirty, unsynchronized "
                                  "or damaged log); read as far as possible");

    /* events borrow the report's copy of the path, which lives as long as the scan result */
    struct walk w = {.file = file,
                     .path = report->path,
                     .filter = filter,
                     .fn = fn,
                     .ctx = ctx,
                     .report = report};
    walk_records(&w, false);
    walk_records(&w, true);

    libevtx_file_close(file, &error);
    libevtx_error_free(&error);
    libevtx_file_free(&file, &error);
    libevtx_error_free(&error);
    report->status = (corrupted == 1 || report->unreadable_records) ? INPUT_DAMAGED : INPUT_OK;
    return 0;
}
