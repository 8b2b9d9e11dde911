/*
 * evtx_record.c - take the wanted values out of one libevtx record (evtx_record.h).
 *
 * Per record only the cheap System values (event id, provider) are asked for first; the
 * expensive ones - EventData strings and the XML rendering that holds TimeCreated,
 * EventRecordID, Channel and the Data names - are fetched only for records the filter keeps.
 * Values are copied out at once and the record freed: libevtx 20181227 caches and reuses
 * record handles, so a handle kept across further reads can show another record's values.
 *
 * Not for: which records of a file are visited (reader.c, evtx_image.c), what a .NET Runtime
 * or Application Error event means (event parsers), or damage (reader_damage.c).
 */
#include "evtx_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/prefilter.h"
#include "reader_binxml.h"
#include "xml_fields.h"

/* Provider names longer than this are not any provider crashsig wants. */
#define PROVIDER_NAME_MAX 256

static void add_line(size_t *count, char ***lines, const char *line)
{
    *lines = cs_xrealloc(*lines, (*count + 1) * sizeof(**lines));
    (*lines)[(*count)++] = cs_strdup(line);
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

/* TimeCreated and EventRecordID as the record's XML says them, else the record header's written
 * time and identifier (ev->written_time and ev->record_id, set before). */
static void take_system_values(struct event *ev, const struct xml_fields *xml)
{
    ev->time = xml->time_created ? xml->time_created : ev->written_time;
    ev->event_record_id = xml->has_event_record_id ? xml->event_record_id : ev->record_id;
}

/* The Data names of the first count EventData values, moved out of xml; NULL for the classic
 * layout (no Data has a Name). */
static char **take_data_names(struct xml_fields *xml, size_t count)
{
    if (!xml->has_names)
        return NULL;
    char **names = cs_xcalloc(count, sizeof(char *));
    for (size_t i = 0; i < count && i < xml->name_count; i++) {
        names[i] = xml->names[i];
        xml->names[i] = NULL;
    }
    return names;
}

/* Gives a kept event to the walk's consumer, which may ask the walk to stop. */
static void hand_over(struct evtx_record_walk *w, struct event *ev)
{
    w->events_kept++;
    if (w->on_event(ev, w->ctx) != 0)
        w->stopped = true;
}

/* EventData: the values come from libevtx's string list (exact text, no XML escaping), the
 * names and the count from the XML, because libevtx also counts a <Binary> element as a
 * string. */
static void read_event_data(libevtx_record_t *record, struct xml_fields *xml,
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
    data->names = take_data_names(xml, data->count);
}

/* The record's System values and Data names: from its BinXML when bytes are given and it has
 * the shape Windows writes, else from libevtx's XML rendering (*xml_text, owned).  False when
 * the XML cannot be rendered. */
static bool record_fields(libevtx_record_t *record, const struct evtx_record_bytes *bytes,
                          struct xml_fields *xml, char **xml_text)
{
    uint32_t event_id;
    *xml_text = NULL;
    if (bytes && reader_binxml_fields(bytes->chunk, bytes->offset, &event_id, xml))
        return true;
    *xml_text = copy_utf8(record, libevtx_record_get_utf8_xml_string_size,
                          libevtx_record_get_utf8_xml_string);
    if (*xml_text == NULL)
        return false;
    xml_fields_extract(*xml_text, xml);
    return true;
}

/* Fills ev from a record the filter wants.  Returns 0, or -1 when the record's XML (needed
 * for the event time) cannot be rendered. */
static int read_wanted_record(libevtx_record_t *record, const struct evtx_record_bytes *bytes,
                              struct event *ev, char *why, size_t size)
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

    struct xml_fields xml;
    char *xml_text;
    if (!record_fields(record, bytes, &xml, &xml_text)) {
        snprintf(why, size, "record %llu: libevtx could not render its XML",
                 (unsigned long long)identifier);
        return -1;
    }
    take_system_values(ev, &xml);
    ev->channel = cs_strdup(xml.channel ? xml.channel : "");
    ev->computer = copy_utf8(record, libevtx_record_get_utf8_computer_name_size,
                             libevtx_record_get_utf8_computer_name);
    if (ev->computer == NULL && xml_text == NULL) { /* the BinXML read leaves it to libevtx */
        xml_fields_free(&xml);
        record_fields(record, NULL, &xml, &xml_text);
    }
    if (ev->computer == NULL)
        ev->computer = cs_strdup(xml.computer ? xml.computer : "");
    read_event_data(record, &xml, &ev->data);
    xml_fields_free(&xml);
    free(xml_text);
    return 0;
}

/* True when the record is wanted by want's values (reader_filter.h): one of its strings is one
 * of them, or want lists none.  Checked before the XML rendering, which costs the most; the
 * prefilter leaves the same records out of the selected-chunk read. */
static bool record_strings_match(libevtx_record_t *record, const struct reader_want *want)
{
    if (want->value_count == 0)
        return true;
    libevtx_error_t *error = NULL;
    int count = 0;
    if (libevtx_record_get_number_of_strings(record, &count, &error) != 1) {
        libevtx_error_free(&error);
        count = 0;
    }
    bool match = false;
    for (int i = 0; i < count && !match; i++) {
        char *value = copy_string(record, i);
        match = reader_want_value_is_one(want, value);
        free(value);
    }
    return match;
}

/* Hands on a record read whole from its BinXML (reader_binxml_record) when the filter keeps
 * it, as read_wanted_record would have filled it from libevtx. */
static void visit_binxml_record(struct evtx_record_walk *w, bool recovered, struct binxml_record *r)
{
    uint32_t event_id = r->event_id & 0xffff;
    const struct reader_want *want = strlen(r->provider) < PROVIDER_NAME_MAX
                                         ? reader_filter_find(w->filter, r->provider, event_id)
                                         : NULL;
    bool match = want && want->value_count == 0;
    for (size_t i = 0; want && !match && i < r->value_count; i++)
        match = reader_want_value_is_one(want, r->values[i]);
    if (!match)
        return;
    struct xml_fields *xml = &r->fields;
    struct event ev = {
        .file = w->path,
        .recovered = recovered,
        .event_id = event_id,
        .record_id = r->identifier,
        .written_time = r->written_time,
        .level = r->level,
        .channel = xml->channel ? xml->channel : cs_strdup(""),
        .computer = xml->computer,
        .provider = r->provider,
        .data = {.count = r->value_count, .values = r->values},
    };
    xml->channel = xml->computer = r->provider = NULL;
    r->values = NULL;
    r->value_count = 0;
    take_system_values(&ev, xml);
    ev.data.names = take_data_names(xml, ev.data.count);
    hand_over(w, &ev);
    event_free(&ev);
}

int evtx_record_visit(struct evtx_record_walk *w, bool recovered, int index,
                      const struct evtx_record_bytes *bytes)
{
    /* Only bytes the chunk's CRCs vouch for: a record of a damaged chunk or of slack space
     * may be one libevtx refuses (its checks are finer than the BinXML walk's), and then it
     * must be reported unreadable as the whole-file read reports it. */
    struct binxml_record whole;
    if (bytes && bytes->checked && reader_binxml_record(bytes->chunk, bytes->offset, &whole)) {
        visit_binxml_record(w, recovered, &whole);
        binxml_record_free(&whole);
        return 1;
    }
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
    const struct reader_want *want =
        ok && has_provider ? reader_filter_find(w->filter, provider, event_id & 0xffff) : NULL;
    if (want && record_strings_match(record, want)) {
        struct event ev = {.file = w->path, .recovered = recovered, .event_id = event_id & 0xffff};
        char why[256];
        int read = read_wanted_record(record, bytes, &ev, why, sizeof(why));
        if (read != 0 && bytes == NULL && w->locate) {
            /* libevtx cannot render it: read its BinXML, as the selected-chunk read does */
            uint8_t *chunk = cs_xmalloc(EVTX_CHUNK_SIZE);
            struct evtx_record_bytes located = {chunk, 0, false};
            if (w->locate(w->locate_ctx, recovered, index, chunk, &located.offset)) {
                event_free(&ev);
                ev = (struct event){
                    .file = w->path, .recovered = recovered, .event_id = ev.event_id};
                read = read_wanted_record(record, &located, &ev, why, sizeof(why));
            }
            free(chunk);
        }
        if (read == 0) {
            ev.provider = cs_strdup(provider);
            hand_over(w, &ev);
        } else {
            add_line(w->warning_count, w->warnings, why);
        }
        event_free(&ev);
    }
    libevtx_record_free(&record, &error);
    libevtx_error_free(&error);
    return 1;
}

/* ---- libevtx files --------------------------------------------------------------------- */

/* The first line of libevtx's error backtrace: the innermost function, which says what was
 * actually wrong ("unsupported header size"), where the last only says "unable to open file". */
void evtx_describe_error(libevtx_error_t *error, char *out, size_t size)
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

void evtx_close_file(libevtx_file_t *file)
{
    libevtx_error_t *error = NULL;
    libevtx_file_close(file, &error);
    libevtx_error_free(&error);
    libevtx_file_free(&file, &error);
    libevtx_error_free(&error);
}
