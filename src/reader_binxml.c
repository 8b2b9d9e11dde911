/*
 * reader_binxml.c - a record's EventID, TimeCreated, EventRecordID, Channel and EventData
 * names from its BinXML, and for the full read also its provider, level, computer and Data
 * texts (reader_binxml.h).
 *
 * The walk follows the token grammar of MS-EVEN6 for what Windows writes: an element is an
 * open-start token (name offset into the chunk, optional attribute list), attributes (a name,
 * then text or substitution tokens), then a close-empty token or a close-start token, content
 * and an end token.  Every read is bounded by the chunk, every loop by the bytes it consumes,
 * and the recursion by MAX_DEPTH; a shape it does not know ends the walk with false, never a
 * guess.
 *
 * The full read (reader_binxml_record) stands in for libevtx's getters, so it follows how
 * libevtx 20181227 finds each value, not just what the XML shows: the first System child of
 * the root, the first Provider, Level and Computer children of System, the Provider's
 * EventSourceName attribute before its Name, and EventData's child elements as its strings.
 * Whatever it cannot give exactly as libevtx would (a value type other than a string, text
 * outside the BMP, a Data element with children) makes it give up, and libevtx reads the
 * record.
 *
 * Not for: rendering XML, or deciding what to do when the walk gives up (evtx_record.c asks
 * libevtx then; the prefilter keeps the record).
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
/* EventData strings the full read keeps; a record with more is left to libevtx. */
#define MAX_DATA_VALUES 1024

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
    TYPE_UINT8 = 0x04,
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

/* What an element is to the full read: which of libevtx's getters would read it. */
enum role { ROLE_NONE, ROLE_SYSTEM, ROLE_PROVIDER, ROLE_LEVEL, ROLE_COMPUTER, ROLE_DATA_VALUE };

struct walk {
    const uint8_t *c; /* the chunk */
    struct xml_fields *f;
    bool has_event_id;
    uint32_t event_id;
    bool seen_time, seen_record_id, seen_channel;
    enum event_data_state event_data;
    /* the full read only (r is NULL otherwise) */
    struct binxml_record *r;
    bool r_failed;        /* something it cannot give exactly as libevtx's getters would */
    int level;            /* elements open around the one being walked (the root is 0) */
    int event_data_level; /* the level of the EventData element */
    bool in_system, seen_system, seen_provider, seen_level, seen_computer;
    bool data_after_other; /* an EventData child other than Data was seen */
    char *source_name;     /* Provider/@EventSourceName, owned */
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

/*
 * UTF-16LE text of units code units at start in UTF-8 (owned), up to the first NUL unit, as
 * libevtx's string getters give it.  NULL for a surrogate: libevtx 20181227 converts
 * characters outside the BMP wrongly, and the full read does not guess how.
 */
static char *utf8_text(const uint8_t *c, uint32_t start, uint32_t units)
{
    char *out = cs_xmalloc(3 * (size_t)units + 1);
    size_t n = 0;
    for (uint32_t i = 0; i < units; i++) {
        uint16_t u = le16(c + start + 2 * (size_t)i);
        if (u == 0)
            break;
        if (u < 0x80) {
            out[n++] = (char)u;
        } else if (u < 0x800) {
            out[n++] = (char)(0xc0 | u >> 6);
            out[n++] = (char)(0x80 | (u & 0x3f));
        } else if (u >= 0xd800 && u <= 0xdfff) {
            free(out);
            return NULL;
        } else {
            out[n++] = (char)(0xe0 | u >> 12);
            out[n++] = (char)(0x80 | (u >> 6 & 0x3f));
            out[n++] = (char)(0x80 | (u & 0x3f));
        }
    }
    out[n] = '\0';
    return out;
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

/* A string piece as libevtx's getters give it (owned), "" for a NULL substitution; NULL for
 * any other type (libevtx formats those its own way) or text it converts wrongly. */
static char *piece_utf8(const struct walk *w, const struct piece *p)
{
    if (!p->is_value && p->type == TYPE_NULL)
        return cs_strdup("");
    if (p->type != TYPE_STRING || p->size % 2 != 0)
        return NULL;
    return utf8_text(w->c, p->start, p->size / 2);
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

/* The Provider's Name or EventSourceName attribute, for the full read: the first of each. */
static void take_provider(struct walk *w, const char *name, const struct wanted *value)
{
    bool is_name = strcmp(name, "Name") == 0;
    if (!is_name && strcmp(name, "EventSourceName") != 0)
        return;
    char **slot = is_name ? &w->r->provider : &w->source_name;
    if (*slot)
        return;
    if (value->count != 1 || value->empty_optional ||
        (*slot = piece_utf8(w, &value->first)) == NULL)
        w->r_failed = true;
}

/* What an attribute of element says, when it is one of the wanted values. */
static bool take_attribute(struct walk *w, const char *element, enum role role, const char *name,
                           const struct wanted *value, char **data_name)
{
    if (role == ROLE_PROVIDER)
        take_provider(w, name, value);
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
                            int depth, const char *element, enum role role, char **data_name)
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
            !take_attribute(w, element, role, name, &value, data_name))
            return false;
    }
    return *pos < end;
}

/* Appends one EventData string of the full read (taken), or gives the full read up. */
static void add_value(struct walk *w, char *text)
{
    struct binxml_record *r = w->r;
    if (text == NULL || r->value_count == MAX_DATA_VALUES) {
        free(text);
        w->r_failed = true;
        return;
    }
    r->values = cs_xrealloc(r->values, (r->value_count + 1) * sizeof(char *));
    r->values[r->value_count++] = text;
}

/* The text of a Level, Computer or Data element, for the full read: one piece of the types
 * libevtx's getters give as they are, else the full read gives up. */
static void take_full_content(struct walk *w, enum role role, const struct wanted *content)
{
    if (content->empty_optional || content->count > 1 ||
        (content->count == 0 && role != ROLE_DATA_VALUE)) {
        w->r_failed = true;
        return;
    }
    const struct piece *p = &content->first;
    if (role == ROLE_LEVEL) {
        if (p->is_value || p->type != TYPE_UINT8 || p->size != 1)
            w->r_failed = true;
        else
            w->r->level = w->c[p->start];
    } else if (role == ROLE_COMPUTER) {
        free(w->r->fields.computer);
        if ((w->r->fields.computer = piece_utf8(w, p)) == NULL)
            w->r_failed = true;
    } else if (role == ROLE_DATA_VALUE) {
        add_value(w, content->count == 0 ? cs_strdup("") : piece_utf8(w, p));
    }
}

/* The text of an element that is one of the wanted values. */
static bool take_content(struct walk *w, const char *element, enum role role,
                         const struct wanted *content)
{
    if (w->r && role != ROLE_NONE && role != ROLE_PROVIDER && role != ROLE_SYSTEM)
        take_full_content(w, role, content);
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
                         int depth, const char *element, enum role role)
{
    const uint8_t *c = w->c;
    struct wanted content = {0};
    for (;;) {
        if (*pos >= end)
            return false;
        uint8_t token = c[*pos] & (uint8_t)~TOKEN_MORE_BITS;
        if (token == TOKEN_END_ELEMENT) {
            *pos += 1;
            return take_content(w, element, role, &content);
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

/* Which of libevtx's getters would read the element at level (its parents, the root being 0),
 * for the full read; also notes EventData shapes libevtx would read otherwise. */
static enum role full_read_role(struct walk *w, const char *element, int level)
{
    if (w->event_data == EVENT_DATA_INSIDE && level > w->event_data_level) {
        if (level > w->event_data_level + 1) {
            w->r_failed = true; /* libevtx would take the leaves of a nested element */
            return ROLE_NONE;
        }
        if (strcmp(element, "Data") != 0) {
            w->data_after_other = true; /* <Binary>: a string to libevtx, not to crashsig */
            return ROLE_NONE;
        }
        if (w->data_after_other)
            w->r_failed = true; /* libevtx's strings would not line up with the Data */
        return ROLE_DATA_VALUE;
    }
    if (level == 1 && !w->seen_system && strcmp(element, "System") == 0) {
        w->seen_system = true;
        return ROLE_SYSTEM;
    }
    if (!w->in_system || level != 2)
        return ROLE_NONE;
    if (!w->seen_provider && strcmp(element, "Provider") == 0) {
        w->seen_provider = true;
        return ROLE_PROVIDER;
    }
    if (!w->seen_level && strcmp(element, "Level") == 0) {
        w->seen_level = true;
        return ROLE_LEVEL;
    }
    if (!w->seen_computer && strcmp(element, "Computer") == 0) {
        w->seen_computer = true;
        return ROLE_COMPUTER;
    }
    return ROLE_NONE;
}

/* The element's attributes, then its content or its close-empty token. */
static bool walk_element_body(struct walk *w, const struct values *v, uint32_t *pos, uint32_t end,
                              int depth, const char *element, enum role role, bool has_attributes,
                              bool is_data)
{
    const uint8_t *c = w->c;
    char *data_name = NULL;
    if (has_attributes) {
        *pos += 4; /* the attribute list's size */
        if (!walk_attributes(w, v, pos, end, depth, element, role, &data_name)) {
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
    if (c[*pos] == TOKEN_CLOSE_EMPTY) {
        *pos += 1;
        if (role == ROLE_DATA_VALUE)
            add_value(w, cs_strdup(""));
        else if (role == ROLE_LEVEL || role == ROLE_COMPUTER)
            w->r_failed = true;
        return true;
    }
    if (c[*pos] == TOKEN_CLOSE_START) {
        *pos += 1;
        return walk_content(w, v, pos, end, depth, element, role);
    }
    return false;
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
    int level = w->level;
    enum role role = w->r ? full_read_role(w, element, level) : ROLE_NONE;
    bool is_event_data = strcmp(element, "EventData") == 0 && w->event_data == EVENT_DATA_NOT_SEEN;
    bool is_data = strcmp(element, "Data") == 0 && w->event_data == EVENT_DATA_INSIDE;
    if (is_event_data) {
        w->event_data = EVENT_DATA_INSIDE;
        w->event_data_level = level;
        if (level != 1)
            w->r_failed = true; /* libevtx looks for EventData under the root only */
        if (w->f)
            w->f->data_count = 0;
    }
    if (role == ROLE_SYSTEM)
        w->in_system = true;
    w->level++;
    bool ok = walk_element_body(w, v, pos, end, depth, element, role, has_attributes, is_data);
    w->level--;
    if (role == ROLE_SYSTEM)
        w->in_system = false;
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

/* The walk over the record at offset in the chunk, with its record header checked. */
static bool walk_record(struct walk *w, uint32_t offset)
{
    const uint8_t *chunk = w->c;
    if (!in_chunk(offset, 28) || memcmp(chunk + offset, "\x2a\x2a\x00\x00", 4) != 0)
        return false;
    uint32_t size = le32(chunk + offset + 4);
    if (size < 28 || !in_chunk(offset, size))
        return false;
    return walk_instance(w, offset + 24, offset + size - 4, 0);
}

bool reader_binxml_fields(const uint8_t *chunk, uint32_t offset, uint32_t *event_id,
                          struct xml_fields *fields)
{
    if (fields) {
        memset(fields, 0, sizeof(*fields));
        fields->data_count = -1;
    }
    struct walk w = {.c = chunk, .f = fields};
    bool ok = walk_record(&w, offset);
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

bool reader_binxml_record(const uint8_t *chunk, uint32_t offset, struct binxml_record *out)
{
    memset(out, 0, sizeof(*out));
    out->fields.data_count = -1;
    struct walk w = {.c = chunk, .f = &out->fields, .r = out};
    bool ok = walk_record(&w, offset) && w.has_event_id && !w.r_failed && w.seen_level &&
              out->fields.computer && out->provider && out->fields.data_count >= 0 &&
              (size_t)out->fields.data_count == out->value_count;
    if (w.source_name) { /* libevtx's source name: EventSourceName when there is one */
        free(out->provider);
        out->provider = w.source_name;
    }
    if (!ok) {
        binxml_record_free(out);
        return false;
    }
    out->event_id = w.event_id;
    out->identifier = le64(chunk + offset + 8);
    out->written_time = le64(chunk + offset + 16);
    return true;
}

void binxml_record_free(struct binxml_record *r)
{
    xml_fields_free(&r->fields);
    r->fields.data_count = -1;
    for (size_t i = 0; i < r->value_count; i++)
        free(r->values[i]);
    free(r->values);
    free(r->provider);
    r->values = NULL;
    r->value_count = 0;
    r->provider = NULL;
}
