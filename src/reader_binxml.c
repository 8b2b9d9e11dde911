/*
 * reader_binxml.c - a record's EventID, TimeCreated, EventRecordID, Channel and EventData
 * names from its BinXML (reader_binxml.h).
 *
 * The walk follows the token grammar of MS-EVEN6 for what Windows writes: an element is an
 * open-start token (name offset into the chunk, optional attribute list), attributes (a name,
 * then text or substitution tokens), then a close-empty token or a close-start token, content
 * and an end token.  Every read is bounded by the chunk, every loop by the bytes it consumes,
 * and the recursion by MAX_DEPTH; a shape it does not know ends the walk with false, never a
 * guess.
 *
 * Not for: rendering XML, EventData values, or deciding what to do when the walk gives up
 * (evtx_record.c renders the XML then; the prefilter keeps the record).
 */
#include "reader_binxml.h"

#include <stdlib.h>
#include <string.h>

#include "crashsig/prefilter.h"

/* Nesting of elements and embedded BinXML values before the walk gives up. */
#define MAX_DEPTH 24
/* Substitution values one template instance may have (Windows writes at most a few dozen). */
#define MAX_VALUES 256
/* Element and attribute names compared here are short; longer ones are kept as "". */
#define NAME_MAX_UNITS 32
/* Strings kept (Channel, Data names) are at most this long, else the walk gives up. */
#define TEXT_MAX_UNITS 256

enum {
    TOKEN_END_OF_STREAM = 0x00,
    TOKEN_OPEN_START = 0x01,
    TOKEN_CLOSE_START = 0x02,
    TOKEN_CLOSE_EMPTY = 0x03,
    TOKEN_END_ELEMENT = 0x04,
    TOKEN_VALUE = 0x05,
    TOKEN_ATTRIBUTE = 0x06,
    TOKEN_TEMPLATE_INSTANCE = 0x0c,
    TOKEN_NORMAL_SUBSTITUTION = 0x0d,
    TOKEN_OPTIONAL_SUBSTITUTION = 0x0e,
    TOKEN_FRAGMENT_HEADER = 0x0f,
    TOKEN_MORE_BITS = 0x40, /* "has attributes" on open-start, "more follow" on the others */
};

enum {
    TYPE_NULL = 0x00,
    TYPE_STRING = 0x01,
    TYPE_UINT16 = 0x06,
    TYPE_UINT32 = 0x08,
    TYPE_UINT64 = 0x0a,
    TYPE_FILETIME = 0x11,
    TYPE_BINXML = 0x21,
};

/* The substitution values of one template instance. */
struct values {
    uint32_t count;
    uint32_t start[MAX_VALUES];
    uint16_t size[MAX_VALUES];
    uint8_t type[MAX_VALUES];
};

/* One piece of text or substitution inside an element or an attribute. */
struct piece {
    bool is_value;  /* a value token (text) rather than a substitution */
    uint8_t type;   /* the value's type */
    uint32_t start; /* its bytes in the chunk */
    uint32_t size;
    bool empty_optional; /* an optional substitution without a value */
};

enum event_data_state { EVENT_DATA_NOT_SEEN, EVENT_DATA_INSIDE, EVENT_DATA_DONE };

struct walk {
    const uint8_t *c; /* the chunk */
    struct xml_fields *f;
    bool has_event_id;
    uint32_t event_id;
    bool seen_time, seen_record_id, seen_channel;
    enum event_data_state event_data;
};

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static bool in_chunk(uint64_t at, uint64_t size)
{
    return at <= EVTX_CHUNK_SIZE && size <= EVTX_CHUNK_SIZE - at;
}

/*
 * UTF-16LE text of units code units at start as a NUL-terminated ASCII string in out (room for
 * max units).  Stops at a NUL unit, as libevtx does; false for anything but printable ASCII
 * (XML escaping, control characters and non-ASCII text are left to libevtx's rendering).
 */
static bool ascii_text(const uint8_t *c, uint32_t start, uint32_t units, char *out, size_t max)
{
    size_t n = 0;
    for (uint32_t i = 0; i < units; i++) {
        uint16_t u = le16(c + start + 2 * (size_t)i);
        if (u == 0)
            break;
        if (u < 0x20 || u > 0x7e || n + 1 >= max)
            return false;
        out[n++] = (char)u;
    }
    out[n] = '\0';
    return true;
}

/* The name at name_offset (a chunk name-table entry: next, hash, length, UTF-16, NUL) in out;
 * *pos moves past it when it is defined right there.  False when it does not fit the chunk. */
static bool read_name(const uint8_t *c, uint32_t name_offset, uint32_t *pos, char *out)
{
    if (!in_chunk(name_offset, 8))
        return false;
    uint32_t units = le16(c + name_offset + 6);
    if (!in_chunk(name_offset + 8, 2 * (uint64_t)units + 2))
        return false;
    if (name_offset == *pos)
        *pos += 8 + 2 * units + 2;
    if (!ascii_text(c, name_offset + 8, units, out, NAME_MAX_UNITS + 1))
        out[0] = '\0'; /* not a name compared here */
    return true;
}

static bool walk_instance(struct walk *w, uint32_t pos, uint32_t end, int depth);

/* A piece as an unsigned number (text in decimal, or an integer value). */
static bool piece_number(const struct walk *w, const struct piece *p, uint64_t *out)
{
    const uint8_t *b = w->c + p->start;
    if (p->is_value) {
        char text[24];
        if (p->type != TYPE_STRING || !ascii_text(w->c, p->start, p->size / 2, text, sizeof(text)))
            return false;
        char *end;
        *out = strtoull(text, &end, 10);
        return end != text && *end == '\0' && text[0] >= '0' && text[0] <= '9';
    }
    if (p->type == TYPE_UINT16 && p->size == 2)
        *out = le16(b);
    else if (p->type == TYPE_UINT32 && p->size == 4)
        *out = le32(b);
    else if (p->type == TYPE_UINT64 && p->size == 8)
        *out = le64(b);
    else
        return false;
    return true;
}

/* A string piece in out (room for TEXT_MAX_UNITS); a NULL substitution is "". */
static bool piece_text(const struct walk *w, const struct piece *p, char *out)
{
    if (!p->is_value && p->type == TYPE_NULL) {
        out[0] = '\0';
        return true;
    }
    return p->type == TYPE_STRING &&
           ascii_text(w->c, p->start, p->size / 2, out, TEXT_MAX_UNITS + 1);
}

/*
 * Reads one text or substitution token at *pos (value tokens: type, then for a string its
 * length and UTF-16 units).  Returns 1 with piece filled, 0 when the token at *pos is not one,
 * -1 when the shape is not understood.  An embedded BinXML substitution is walked right away
 * (it holds EventData in Windows' templates) and reported as no piece (type TYPE_BINXML).
 */
static int read_piece(struct walk *w, const struct values *v, uint32_t *pos, uint32_t end,
                      int depth, struct piece *piece)
{
    const uint8_t *c = w->c;
    uint8_t token = c[*pos] & (uint8_t)~TOKEN_MORE_BITS;
    if (token == TOKEN_VALUE) {
        if (*pos + 4 > end || c[*pos + 1] != TYPE_STRING)
            return -1;
        uint32_t units = le16(c + *pos + 2);
        if ((uint64_t)*pos + 4 + 2 * (uint64_t)units > end)
            return -1;
        *piece = (struct piece){true, TYPE_STRING, *pos + 4, 2 * units, false};
        *pos += 4 + 2 * units;
        return 1;
    }
    if (token != TOKEN_NORMAL_SUBSTITUTION && token != TOKEN_OPTIONAL_SUBSTITUTION)
        return 0;
    if (*pos + 4 > end)
        return -1;
    uint16_t index = le16(c + *pos + 1);
    bool optional = token == TOKEN_OPTIONAL_SUBSTITUTION;
    *pos += 4;
    if (index >= v->count) { /* libevtx refuses such a record */
        return -1;
    }
    *piece = (struct piece){false, v->type[index], v->start[index], v->size[index], false};
    /* libevtx leaves out an attribute or element whose optional substitution is empty (a
     * classic event's <Data> without strings): the caller gives up where that matters */
    piece->empty_optional = optional && piece->type == TYPE_NULL;
    if (piece->empty_optional)
        return 1;
    if (piece->type == TYPE_BINXML && piece->size > 0) {
        if (!walk_instance(w, piece->start, piece->start + piece->size, depth + 1))
            return -1;
    } else if ((piece->type != TYPE_NULL && piece->type != TYPE_STRING && piece->size == 0) ||
               (piece->type & 0x80)) {
        return -1; /* how libevtx renders empty values and arrays is left to it */
    }
    return 1;
}

/* One piece of an element or attribute that the walk keeps, when there is one. */
struct wanted {
    int count;
    struct piece first;
    bool empty_optional; /* some piece was an empty optional substitution */
};

/* Reads the text and substitution tokens at *pos (an attribute's value or an element's text);
 * false when the shape is not understood. */
static bool read_pieces(struct walk *w, const struct values *v, uint32_t *pos, uint32_t end,
                        int depth, struct wanted *out)
{
    for (;;) {
        if (*pos >= end)
            return false;
        struct piece piece;
        int rc = read_piece(w, v, pos, end, depth, &piece);
        if (rc < 0)
            return false;
        if (rc == 0)
            return true;
        out->empty_optional |= piece.empty_optional;
        if (piece.type == TYPE_BINXML || piece.empty_optional)
            continue;
        if (out->count++ == 0)
            out->first = piece;
    }
}

static bool walk_element(struct walk *w, const struct values *v, uint32_t *pos, uint32_t end,
                         int depth);

/* What an attribute of element says, when it is one of the wanted values. */
static bool take_attribute(struct walk *w, const char *element, const char *name,
                           const struct wanted *value, char **data_name)
{
    if (value->empty_optional &&
        ((strcmp(element, "TimeCreated") == 0 && strcmp(name, "SystemTime") == 0) ||
         (strcmp(element, "Data") == 0 && w->event_data == EVENT_DATA_INSIDE)))
        return false;
    if (value->count > 1)
        return !(strcmp(element, "TimeCreated") == 0 || strcmp(element, "Data") == 0);
    if (value->count == 0)
        return true;
    if (strcmp(element, "TimeCreated") == 0 && strcmp(name, "SystemTime") == 0 && !w->seen_time) {
        const struct piece *p = &value->first;
        if (p->is_value || p->type != TYPE_FILETIME || p->size != 8)
            return false;
        w->seen_time = true;
        if (w->f)
            w->f->time_created = le64(w->c + p->start);
    } else if (strcmp(element, "Data") == 0 && strcmp(name, "Name") == 0 &&
               w->event_data == EVENT_DATA_INSIDE) {
        char text[TEXT_MAX_UNITS + 1];
        if (!piece_text(w, &value->first, text))
            return false;
        free(*data_name);
        *data_name = cs_strdup(text);
    }
    return true;
}

/* The attributes after an open-start token with the attribute-list bit. */
static bool walk_attributes(struct walk *w, const struct values *v, uint32_t *pos, uint32_t end,
                            int depth, const char *element, char **data_name)
{
    const uint8_t *c = w->c;
    while (*pos < end && (c[*pos] & (uint8_t)~TOKEN_MORE_BITS) == TOKEN_ATTRIBUTE) {
        if (*pos + 5 > end)
            return false;
        uint32_t name_offset = le32(c + *pos + 1);
        *pos += 5;
        char name[NAME_MAX_UNITS + 1];
        struct wanted value = {0};
        if (!read_name(c, name_offset, pos, name) || !read_pieces(w, v, pos, end, depth, &value) ||
            !take_attribute(w, element, name, &value, data_name))
            return false;
    }
    return *pos < end;
}

/* The text of an element that is one of the wanted values. */
static bool take_content(struct walk *w, const char *element, const struct wanted *content)
{
    bool event_id = strcmp(element, "EventID") == 0 && !w->has_event_id;
    bool record_id = strcmp(element, "EventRecordID") == 0 && !w->seen_record_id;
    bool channel = strcmp(element, "Channel") == 0 && !w->seen_channel;
    bool data = strcmp(element, "Data") == 0 && w->event_data == EVENT_DATA_INSIDE;
    if (content->empty_optional && (event_id || record_id || channel || data))
        return false; /* libevtx may leave the element out */
    if (!event_id && !record_id && !channel)
        return true;
    if (content->count > 1)
        return false;
    uint64_t number = 0;
    if (event_id) {
        if (content->count == 1 && piece_number(w, &content->first, &number)) {
            w->has_event_id = true;
            w->event_id = (uint32_t)number;
        }
        return true; /* without it the prefilter keeps the record, and libevtx decides */
    }
    if (w->f == NULL)
        return true;
    if (record_id) {
        w->seen_record_id = true;
        if (content->count == 0)
            return true;
        if (!piece_number(w, &content->first, &number))
            return false;
        w->f->has_event_record_id = true;
        w->f->event_record_id = number;
        return true;
    }
    w->seen_channel = true;
    char text[TEXT_MAX_UNITS + 1] = "";
    if (content->count == 1 && !piece_text(w, &content->first, text))
        return false;
    w->f->channel = cs_strdup(text);
    return true;
}

/* A <Data> element inside the first <EventData>: counted, with its name (or NULL). */
static void count_data(struct walk *w, char *name)
{
    if (w->f)
        xml_fields_add_data(w->f, name);
    else
        free(name);
}

/* The content of an element, up to and including its end token. */
static bool walk_content(struct walk *w, const struct values *v, uint32_t *pos, uint32_t end,
                         int depth, const char *element)
{
    const uint8_t *c = w->c;
    struct wanted content = {0};
    for (;;) {
        if (*pos >= end)
            return false;
        uint8_t token = c[*pos] & (uint8_t)~TOKEN_MORE_BITS;
        if (token == TOKEN_END_ELEMENT) {
            *pos += 1;
            return take_content(w, element, &content);
        }
        if (token == TOKEN_OPEN_START) {
            if (!walk_element(w, v, pos, end, depth + 1))
                return false;
            continue;
        }
        struct piece piece;
        int rc = read_piece(w, v, pos, end, depth, &piece);
        if (rc <= 0)
            return false; /* CDATA, references, processing instructions: left to libevtx */
        content.empty_optional |= piece.empty_optional;
        if (piece.type != TYPE_BINXML && !piece.empty_optional && content.count++ == 0)
            content.first = piece;
    }
}

static bool walk_element(struct walk *w, const struct values *v, uint32_t *pos, uint32_t end,
                         int depth)
{
    const uint8_t *c = w->c;
    if (w->f == NULL && w->has_event_id)
        return false; /* all that was wanted: stop here (the caller looks at has_event_id) */
    if (depth > MAX_DEPTH || *pos + 11 > end)
        return false;
    bool has_attributes = c[*pos] & TOKEN_MORE_BITS;
    uint32_t name_offset = le32(c + *pos + 7);
    *pos += 11;
    char element[NAME_MAX_UNITS + 1];
    if (!read_name(c, name_offset, pos, element))
        return false;
    bool is_event_data = strcmp(element, "EventData") == 0 && w->event_data == EVENT_DATA_NOT_SEEN;
    bool is_data = strcmp(element, "Data") == 0 && w->event_data == EVENT_DATA_INSIDE;
    if (is_event_data) {
        w->event_data = EVENT_DATA_INSIDE;
        if (w->f)
            w->f->data_count = 0;
    }
    char *data_name = NULL;
    if (has_attributes) {
        *pos += 4; /* the attribute list's size */
        if (!walk_attributes(w, v, pos, end, depth, element, &data_name)) {
            free(data_name);
            return false;
        }
    }
    if (is_data)
        count_data(w, data_name);
    else
        free(data_name);
    if (*pos >= end)
        return false;
    bool ok;
    if (c[*pos] == TOKEN_CLOSE_EMPTY) {
        *pos += 1;
        ok = true;
    } else if (c[*pos] == TOKEN_CLOSE_START) {
        *pos += 1;
        ok = walk_content(w, v, pos, end, depth, element);
    } else {
        ok = false;
    }
    if (is_event_data)
        w->event_data = EVENT_DATA_DONE;
    return ok;
}

/*
 * A fragment holding one template instance, at pos (bytes up to end): the instance's
 * definition (inline, or earlier in the chunk), then its substitution array and values.
 */
static bool walk_instance(struct walk *w, uint32_t pos, uint32_t end, int depth)
{
    const uint8_t *c = w->c;
    if (depth > MAX_DEPTH || !in_chunk(pos, 14) || pos + 14 > end ||
        memcmp(c + pos, "\x0f\x01\x01\x00", 4) != 0 || c[pos + 4] != TOKEN_TEMPLATE_INSTANCE)
        return false;
    uint32_t def = le32(c + pos + 10);
    pos += 14;
    if (!in_chunk(def, 24))
        return false;
    uint64_t def_size = le32(c + def + 20);
    if (!in_chunk(def + 24, def_size))
        return false;
    uint32_t def_end = def + 24 + (uint32_t)def_size;
    if (def == pos)
        pos = def_end; /* defined inline, right here */
    if ((uint64_t)pos + 4 > end)
        return false;
    struct values *v = malloc(sizeof(*v));
    if (v == NULL)
        return false;
    v->count = le32(c + pos);
    pos += 4;
    bool ok = v->count <= MAX_VALUES && (uint64_t)v->count * 4 <= end - pos;
    uint32_t value_pos = pos + v->count * 4;
    for (uint32_t i = 0; ok && i < v->count; i++) {
        const uint8_t *d = c + pos + 4 * i;
        v->size[i] = le16(d);
        v->type[i] = d[2];
        v->start[i] = value_pos;
        value_pos += v->size[i];
        ok = value_pos <= end;
    }
    /* the definition: a fragment header, then the root element */
    uint32_t at = def + 24;
    ok = ok && at + 4 <= def_end && c[at] == TOKEN_FRAGMENT_HEADER;
    at += 4;
    ok = ok && at < def_end && (c[at] & (uint8_t)~TOKEN_MORE_BITS) == TOKEN_OPEN_START &&
         walk_element(w, v, &at, def_end, depth);
    free(v);
    return ok;
}

bool reader_binxml_fields(const uint8_t *chunk, uint32_t offset, uint32_t *event_id,
                          struct xml_fields *fields)
{
    if (fields) {
        memset(fields, 0, sizeof(*fields));
        fields->data_count = -1;
    }
    if (!in_chunk(offset, 28) || memcmp(chunk + offset, "\x2a\x2a\x00\x00", 4) != 0)
        return false;
    uint32_t size = le32(chunk + offset + 4);
    if (size < 28 || !in_chunk(offset, size))
        return false;
    struct walk w = {.c = chunk, .f = fields};
    bool ok = walk_instance(&w, offset + 24, offset + size - 4, 0);
    if (w.has_event_id)
        *event_id = w.event_id;
    if (fields == NULL)
        return w.has_event_id;
    if (!ok || !w.has_event_id) {
        xml_fields_free(fields);
        fields->data_count = -1;
        return false;
    }
    return true;
}
