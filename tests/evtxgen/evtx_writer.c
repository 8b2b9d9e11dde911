/*
 * evtx_writer.c - streaming writer for Windows XML Event Log (.evtx) test
 * fixtures.  See evtx_writer.h for the API and README.md for the layout.
 *
 * What it is for: producing files that look like the ones Windows writes, so
 * that libevtx (and crashsig on top of it) reads them exactly like real logs:
 *   - 4096-byte file header "ElfFile", version 3.1, CRC over bytes 0-119;
 *   - 64 KiB chunks "ElfChnk" with a 64-entry common string (name) table and
 *     a 32-entry template pointer table, records CRC and header CRC;
 *   - records "\x2a\x2a\0\0" whose event is a BinXML fragment holding one
 *     template instance.  The template (the <Event><System>... skeleton) is
 *     defined inline the first time it is used in a chunk and referenced by
 *     offset afterwards; the EventData section is a BinXml (0x21) value that
 *     is itself a fragment with a second, inline-once template.
 *
 * What it is not: a general BinXML library or a reader.  Provider name and
 * GUID, Channel and Computer are literal text inside the System template,
 * because that is what Windows stores in its templates (one template per
 * provider/channel/computer combination); everything that changes per event
 * is a typed substitution value, using the substitution index layout Windows
 * uses (0 Level, 1 Opcode, 2 Task, 3 EventID, 4 Qualifiers, 5 Keywords,
 * 6 TimeCreated, 7 ActivityID, 8 ProcessID, 9 ThreadID, 10 EventRecordID,
 * 11 Version, 12 UserID, 13 RelatedActivityID, 14-16 unused here,
 * 17 EventData).
 *
 * Encoding works directly in the chunk buffer.  If a record does not fit,
 * everything it added to the chunk (bytes, names, templates) is rolled back,
 * the chunk is written out and the record is encoded again in a fresh chunk.
 */
#include "evtx_writer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    FILE_HEADER_SIZE = 4096,
    FILE_HEADER_CRC_SPAN = 120,
    CHUNK_SIZE = 65536,
    CHUNK_HEADER_SIZE = 512,
    CHUNK_HEADER_CRC_SPAN = 120,
    STRING_TABLE_OFFSET = 128,
    STRING_TABLE_ENTRIES = 64,
    TEMPLATE_TABLE_OFFSET = 384,
    TEMPLATE_TABLE_ENTRIES = 32,
    RECORD_HEADER_SIZE = 24,
    RECORD_ALIGN = 8,
    /* libevtx 20181227 drops a record that ends exactly at the end of a
     * chunk, so records always stop at least this many bytes short. */
    CHUNK_SLACK = 8,
    MAX_CHUNK_NAMES = 128,
    MAX_CHUNKS = 0xffff /* the file header stores the chunk count in 16 bits */
};

/* BinXML tokens (MS-EVEN6 2.2.12).  0x40 is the "more data follows" bit. */
enum {
    TOK_EOF = 0x00,
    TOK_OPEN_START_ELEMENT = 0x01,
    TOK_CLOSE_START_ELEMENT = 0x02,
    TOK_CLOSE_EMPTY_ELEMENT = 0x03,
    TOK_END_ELEMENT = 0x04,
    TOK_VALUE = 0x05,
    TOK_ATTRIBUTE = 0x06,
    TOK_TEMPLATE_INSTANCE = 0x0c,
    TOK_OPTIONAL_SUBSTITUTION = 0x0e,
    TOK_FRAGMENT_HEADER = 0x0f,
    TOK_MORE = 0x40
};

/* BinXML value types. */
enum {
    VT_NULL = 0x00,
    VT_STRING = 0x01,
    VT_UINT8 = 0x04,
    VT_UINT16 = 0x06,
    VT_UINT32 = 0x08,
    VT_UINT64 = 0x0a,
    VT_BINARY = 0x0e,
    VT_GUID = 0x0f,
    VT_FILETIME = 0x11,
    VT_SID = 0x13,
    VT_HEXINT64 = 0x15,
    VT_BINXML = 0x21
};

/* Substitution indexes of the System template, in Windows' order. */
enum {
    SV_LEVEL = 0,
    SV_OPCODE = 1,
    SV_TASK = 2,
    SV_EVENT_ID = 3,
    SV_QUALIFIERS = 4,
    SV_KEYWORDS = 5,
    SV_TIME_CREATED = 6,
    SV_ACTIVITY_ID = 7,
    SV_PROCESS_ID = 8,
    SV_THREAD_ID = 9,
    SV_EVENT_RECORD_ID = 10,
    SV_VERSION = 11,
    SV_USER_ID = 12,
    SV_RELATED_ACTIVITY_ID = 13,
    SV_EVENT_DATA = 17,
    SV_COUNT = 18
};

static const char EVENT_NAMESPACE[] = "http://schemas.microsoft.com/win/2004/08/events/event";

/* A name (element or attribute) defined in the current chunk.  Names are
 * always string literals of this file, so the pointer identifies them. */
struct chunk_name {
    const char *name;
    uint32_t offset;
};

/* A template defined in the current chunk, identified by its key string
 * (stored in chunk.keys). */
struct chunk_template {
    uint64_t key_hash;
    size_t key_at;
    size_t key_len;
    uint32_t id;
    uint32_t offset;
};

struct chunk {
    uint8_t data[CHUNK_SIZE];
    uint32_t used;               /* free space offset: end of the last live record */
    uint32_t last_record_offset; /* start of the last live record */
    uint32_t slack_start;        /* recovered records live in [slack_start, end) */
    uint32_t n_records;
    uint32_t n_recovered;
    uint64_t first_id;
    uint64_t last_id;
    struct chunk_name names[MAX_CHUNK_NAMES];
    uint32_t n_names;
    struct chunk_template *templates;
    uint32_t n_templates;
    uint32_t cap_templates;
    char *keys; /* template keys of this chunk, back to back */
    size_t keys_len;
    size_t keys_cap;
};

struct evtx_writer {
    FILE *f;
    struct evtx_writer_options opt;
    uint64_t next_id;
    uint64_t n_chunks_written;
    char *key; /* scratch buffer for building template keys */
    size_t key_cap;
    struct chunk chunk; /* last: it is big */
};

/* Everything a record touches in the chunk besides its own bytes, so that a
 * record that does not fit can be undone. */
struct chunk_snapshot {
    uint8_t tables[CHUNK_HEADER_SIZE - STRING_TABLE_OFFSET];
    uint32_t n_names;
    uint32_t n_templates;
    size_t keys_len;
};

/* Encoder state for one record.  Writes past limit set full instead of
 * failing at once, so the BinXML builders stay free of error plumbing; the
 * caller checks full/bad_field/no_memory when the record is done. */
struct enc {
    uint8_t *buf; /* the chunk; all offsets are chunk relative */
    uint32_t pos;
    uint32_t limit;
    int full;
    int no_memory;
    const char *bad_field; /* first field with invalid or oversized text */
    struct chunk *chunk;   /* NULL: self-contained record (recovered) */
    struct evtx_writer *w;
};

/* ---------------------------------------------------------------- errors */

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ---------------------------------------------------------------- CRC-32 */

/* Table for the reflected polynomial 0xEDB88320 (zlib, RFC 1952). */
static uint32_t crc_table[256];
static int crc_table_ready;

static void crc_init_table(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
    crc_table_ready = 1;
}

uint32_t evtx_crc32(uint32_t crc, const void *data, size_t size)
{
    const uint8_t *p = data;
    if (!crc_table_ready)
        crc_init_table();
    crc = ~crc;
    for (size_t i = 0; i < size; i++)
        crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* ------------------------------------------------- little-endian stores */

static void store_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void store_u32(uint8_t *p, uint32_t v)
{
    store_u16(p, (uint16_t)v);
    store_u16(p + 2, (uint16_t)(v >> 16));
}

static void store_u64(uint8_t *p, uint64_t v)
{
    store_u32(p, (uint32_t)v);
    store_u32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t load_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ------------------------------------------------------ encoder basics */

/* Returns room for n bytes at the current position, or NULL (and sets
 * full) when they would cross the limit. */
static uint8_t *reserve(struct enc *e, uint32_t n)
{
    if (e->full || n > e->limit - e->pos) {
        e->full = 1;
        return NULL;
    }
    uint8_t *p = e->buf + e->pos;
    e->pos += n;
    return p;
}

static void put_u8(struct enc *e, uint8_t v)
{
    uint8_t *p = reserve(e, 1);
    if (p != NULL)
        p[0] = v;
}

static void put_u16(struct enc *e, uint16_t v)
{
    uint8_t *p = reserve(e, 2);
    if (p != NULL)
        store_u16(p, v);
}

static void put_u32(struct enc *e, uint32_t v)
{
    uint8_t *p = reserve(e, 4);
    if (p != NULL)
        store_u32(p, v);
}

static void put_u64(struct enc *e, uint64_t v)
{
    uint8_t *p = reserve(e, 8);
    if (p != NULL)
        store_u64(p, v);
}

static void put_bytes(struct enc *e, const void *data, size_t n)
{
    uint8_t *p = n > UINT32_MAX ? NULL : reserve(e, (uint32_t)n);
    if (p == NULL)
        e->full = 1;
    else if (n > 0)
        memcpy(p, data, n);
}

/* Patches a value written earlier (at is always below pos). */
static void patch_u32(struct enc *e, uint32_t at, uint32_t v)
{
    if (!e->full)
        store_u32(e->buf + at, v);
}

static void mark_bad(struct enc *e, const char *field)
{
    if (e->bad_field == NULL)
        e->bad_field = field;
}

/* ------------------------------------------------------ UTF-8 -> UTF-16 */

/* Decodes one UTF-8 sequence into *cp.  Returns its length, or 0 if it is
 * malformed (overlong, beyond U+10FFFF, truncated).  Two escapes let tests
 * write what Windows can log but UTF-8 cannot hold: "\xc0\x80" (Modified
 * UTF-8) is a NUL inside a string, and a surrogate encoded like any other
 * code point ("\xed\xa0\x80" = U+D800, WTF-8) is a lone UTF-16 surrogate. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] == 0xc0 && s[1] == 0x80) {
        *cp = 0;
        return 2;
    }
    size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
    if (len == 0 || s[0] > 0xf4)
        return 0;
    uint32_t c = s[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    static const uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min_for_len[len] || c > 0x10ffff)
        return 0;
    *cp = c;
    return len;
}

/* Writes s as UTF-16LE without terminator and returns the number of UTF-16
 * code units, or -1 (and marks field bad) for malformed UTF-8. */
static long put_utf16(struct enc *e, const char *s, const char *field)
{
    const unsigned char *p = (const unsigned char *)s;
    long units = 0;
    while (*p != 0) {
        uint32_t cp;
        size_t n = utf8_decode(p, &cp);
        if (n == 0) {
            mark_bad(e, field);
            return -1;
        }
        p += n;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            put_u16(e, (uint16_t)(0xd800 | (cp >> 10)));
            put_u16(e, (uint16_t)(0xdc00 | (cp & 0x3ff)));
            units += 2;
        } else {
            put_u16(e, (uint16_t)cp);
            units += 1;
        }
    }
    return units;
}

/* A 16-bit character count followed by the UTF-16 text (BinXML "Unicode
 * text string", used by value text tokens). */
static void put_counted_utf16(struct enc *e, const char *s, const char *field)
{
    uint32_t count_at = e->pos;
    put_u16(e, 0);
    long units = put_utf16(e, s, field);
    if (units > 0xffff)
        mark_bad(e, field);
    else if (units > 0 && !e->full)
        store_u16(e->buf + count_at, (uint16_t)units);
}

/* ------------------------------------------------------------ the chunk */

static uint8_t *string_table_slot(struct chunk *c, uint16_t hash)
{
    return c->data + STRING_TABLE_OFFSET + 4u * (hash % STRING_TABLE_ENTRIES);
}

static uint8_t *template_table_slot(struct chunk *c, uint32_t id)
{
    return c->data + TEMPLATE_TABLE_OFFSET + 4u * (id % TEMPLATE_TABLE_ENTRIES);
}

static void chunk_reset(struct chunk *c)
{
    memset(c->data, 0, sizeof c->data);
    c->used = CHUNK_HEADER_SIZE;
    c->last_record_offset = 0;
    c->slack_start = CHUNK_SIZE - CHUNK_SLACK;
    c->n_records = 0;
    c->n_recovered = 0;
    c->first_id = 0;
    c->last_id = 0;
    c->n_names = 0;
    c->n_templates = 0;
    c->keys_len = 0;
}

static void chunk_snapshot(const struct chunk *c, struct chunk_snapshot *s)
{
    memcpy(s->tables, c->data + STRING_TABLE_OFFSET, sizeof s->tables);
    s->n_names = c->n_names;
    s->n_templates = c->n_templates;
    s->keys_len = c->keys_len;
}

static void chunk_restore(struct chunk *c, const struct chunk_snapshot *s)
{
    memcpy(c->data + STRING_TABLE_OFFSET, s->tables, sizeof s->tables);
    c->n_names = s->n_names;
    c->n_templates = s->n_templates;
    c->keys_len = s->keys_len;
}

static uint32_t chunk_find_name(const struct chunk *c, const char *name)
{
    for (uint32_t i = 0; i < c->n_names; i++) {
        if (c->names[i].name == name || strcmp(c->names[i].name, name) == 0)
            return c->names[i].offset;
    }
    return 0;
}

static void chunk_add_name(struct chunk *c, const char *name, uint16_t hash, uint32_t offset)
{
    /* Newest name goes to the head of its hash bucket; the name's own
     * "next" field (written by the caller) holds the previous head. */
    store_u32(string_table_slot(c, hash), offset);
    if (c->n_names < MAX_CHUNK_NAMES) {
        c->names[c->n_names].name = name;
        c->names[c->n_names].offset = offset;
        c->n_names++;
    }
}

static struct chunk_template *chunk_find_template(struct chunk *c, const char *key, size_t len,
                                                  uint64_t hash)
{
    for (uint32_t i = 0; i < c->n_templates; i++) {
        struct chunk_template *t = &c->templates[i];
        if (t->key_hash == hash && t->key_len == len && memcmp(c->keys + t->key_at, key, len) == 0)
            return t;
    }
    return NULL;
}

/* Remembers a template defined at offset.  Returns -1 when out of memory. */
static int chunk_add_template(struct chunk *c, const char *key, size_t len, uint64_t hash,
                              uint32_t id, uint32_t offset)
{
    if (c->n_templates == c->cap_templates) {
        uint32_t cap = c->cap_templates ? 2 * c->cap_templates : 16;
        void *p = realloc(c->templates, cap * sizeof *c->templates);
        if (p == NULL)
            return -1;
        c->templates = p;
        c->cap_templates = cap;
    }
    if (c->keys_len + len > c->keys_cap) {
        size_t cap = 2 * (c->keys_len + len) + 256;
        void *p = realloc(c->keys, cap);
        if (p == NULL)
            return -1;
        c->keys = p;
        c->keys_cap = cap;
    }
    memcpy(c->keys + c->keys_len, key, len);
    struct chunk_template *t = &c->templates[c->n_templates++];
    *t = (struct chunk_template){hash, c->keys_len, len, id, offset};
    c->keys_len += len;
    store_u32(template_table_slot(c, id), offset);
    return 0;
}

/* -------------------------------------------------------- names (BinXML) */

/* NameHash from MS-EVEN6: h = h * 65599 + c over the UTF-16 characters,
 * truncated to 16 bits.  Names here are ASCII. */
static uint16_t name_hash(const char *name)
{
    uint32_t h = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p != 0; p++)
        h = h * 65599u + *p;
    return (uint16_t)h;
}

/* Writes the reference to an element or attribute name: the chunk offset of
 * its definition.  The first use in a chunk defines the name right here
 * (offset pointing just past itself): next-in-bucket offset, hash,
 * character count, UTF-16 characters and a terminating NUL. */
static void put_name(struct enc *e, const char *name)
{
    uint32_t known = e->chunk != NULL ? chunk_find_name(e->chunk, name) : 0;
    if (known != 0) {
        put_u32(e, known);
        return;
    }
    uint16_t hash = name_hash(name);
    uint32_t offset = e->pos + 4;
    uint32_t next = e->chunk != NULL ? load_u32(string_table_slot(e->chunk, hash)) : 0;
    put_u32(e, offset);
    put_u32(e, next);
    put_u16(e, hash);
    put_u16(e, (uint16_t)strlen(name));
    put_utf16(e, name, name);
    put_u16(e, 0);
    if (e->chunk != NULL && !e->full)
        chunk_add_name(e->chunk, name, hash, offset);
}

/* ------------------------------------------------ elements and attributes */

/* Starts "<name": token, dependency id (none), data size placeholder, name.
 * Returns the offset of the size field for finish_element(). */
static uint32_t open_element(struct enc *e, const char *name, int has_attributes)
{
    put_u8(e, has_attributes ? TOK_OPEN_START_ELEMENT | TOK_MORE : TOK_OPEN_START_ELEMENT);
    put_u16(e, 0xffff);
    uint32_t size_at = e->pos;
    put_u32(e, 0);
    put_name(e, name);
    return size_at;
}

/* The element data size counts everything after the size field up to and
 * including the end (or close-empty) token. */
static void finish_element(struct enc *e, uint32_t size_at)
{
    patch_u32(e, size_at, e->pos - (size_at + 4));
}

static uint32_t begin_attributes(struct enc *e)
{
    uint32_t size_at = e->pos;
    put_u32(e, 0);
    return size_at;
}

static void end_attributes(struct enc *e, uint32_t size_at)
{
    patch_u32(e, size_at, e->pos - (size_at + 4));
}

/* Attribute token: the 0x40 bit says another attribute follows. */
static void put_attribute(struct enc *e, const char *name, int more_follow)
{
    put_u8(e, more_follow ? TOK_ATTRIBUTE | TOK_MORE : TOK_ATTRIBUTE);
    put_name(e, name);
}

static void put_text(struct enc *e, const char *text, const char *field)
{
    put_u8(e, TOK_VALUE);
    put_u8(e, VT_STRING);
    put_counted_utf16(e, text, field);
}

/* Optional substitution: left out of the XML when the value is NULL. */
static void put_substitution(struct enc *e, uint16_t index, uint8_t type)
{
    put_u8(e, TOK_OPTIONAL_SUBSTITUTION);
    put_u16(e, index);
    put_u8(e, type);
}

/* <name>%index</name> */
static void put_substitution_element(struct enc *e, const char *name, uint16_t index, uint8_t type)
{
    uint32_t size_at = open_element(e, name, 0);
    put_u8(e, TOK_CLOSE_START_ELEMENT);
    put_substitution(e, index, type);
    put_u8(e, TOK_END_ELEMENT);
    finish_element(e, size_at);
}

/* <name>text</name> */
static void put_text_element(struct enc *e, const char *name, const char *text, const char *field)
{
    uint32_t size_at = open_element(e, name, 0);
    put_u8(e, TOK_CLOSE_START_ELEMENT);
    put_text(e, text, field);
    put_u8(e, TOK_END_ELEMENT);
    finish_element(e, size_at);
}

struct substitution_attribute {
    const char *name;
    uint16_t index;
    uint8_t type;
};

/* <name a1="%i1" a2="%i2"/> */
static void put_empty_element(struct enc *e, const char *name,
                              const struct substitution_attribute *attrs, size_t n)
{
    uint32_t size_at = open_element(e, name, 1);
    uint32_t attrs_at = begin_attributes(e);
    for (size_t i = 0; i < n; i++) {
        put_attribute(e, attrs[i].name, i + 1 < n);
        put_substitution(e, attrs[i].index, attrs[i].type);
    }
    end_attributes(e, attrs_at);
    put_u8(e, TOK_CLOSE_EMPTY_ELEMENT);
    finish_element(e, size_at);
}

static void put_fragment_header(struct enc *e)
{
    put_u8(e, TOK_FRAGMENT_HEADER);
    put_u8(e, 1); /* major version */
    put_u8(e, 1); /* minor version */
    put_u8(e, 0); /* flags */
}

/* ----------------------------------------------------- template keys */

/* Template keys identify a template's shape and literal text; two events
 * with equal keys share one template definition per chunk.  Keys are built
 * in the writer's scratch buffer from NUL-terminated parts. */
static void key_append(struct enc *e, size_t *len, const char *s)
{
    struct evtx_writer *w = e->w;
    size_t n = strlen(s) + 1; /* keep the NUL as a separator */
    if (*len + n > w->key_cap) {
        size_t cap = 2 * (*len + n) + 256;
        char *p = realloc(w->key, cap);
        if (p == NULL) {
            e->no_memory = 1;
            return;
        }
        w->key = p;
        w->key_cap = cap;
    }
    memcpy(w->key + *len, s, n);
    *len += n;
}

static uint64_t fnv1a64(const void *data, size_t n, uint64_t h)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    return h;
}

/* Windows derives template GUIDs from the template; any stable 128-bit
 * value works for readers, so hash the key. */
static void key_guid(const char *key, size_t len, uint8_t guid[16])
{
    uint64_t h1 = fnv1a64(key, len, 0xcbf29ce484222325u);
    uint64_t h2 = fnv1a64(key, len, h1 ^ 0x9e3779b97f4a7c15u);
    store_u64(guid, h1);
    store_u64(guid + 8, h2);
}

/* ----------------------------------------------------- templates */

enum template_kind { TEMPLATE_SYSTEM, TEMPLATE_EVENT_DATA };

static void put_system_template_body(struct enc *e, const struct evtx_event *ev);
static void put_event_data_template_body(struct enc *e, const struct evtx_event *ev);

/* Template definition: next-in-bucket offset, GUID, data size, then the
 * BinXML fragment (header, element, EOF) the size counts. */
static void put_template_definition(struct enc *e, enum template_kind kind,
                                    const struct evtx_event *ev, const uint8_t guid[16],
                                    uint32_t id)
{
    uint32_t next = e->chunk != NULL ? load_u32(template_table_slot(e->chunk, id)) : 0;
    put_u32(e, next);
    put_bytes(e, guid, 16);
    uint32_t size_at = e->pos;
    put_u32(e, 0);
    put_fragment_header(e);
    if (kind == TEMPLATE_SYSTEM)
        put_system_template_body(e, ev);
    else
        put_event_data_template_body(e, ev);
    put_u8(e, TOK_EOF);
    patch_u32(e, size_at, e->pos - (size_at + 4));
}

/* Template instance token, template id and definition offset.  The first
 * instance in a chunk carries the definition right after the offset field;
 * later ones point back to it. */
static void put_template_instance(struct enc *e, enum template_kind kind,
                                  const struct evtx_event *ev, size_t key_len)
{
    const char *key = e->w->key;
    if (e->no_memory)
        return; /* the key is incomplete; the record is dropped anyway */
    uint64_t hash = fnv1a64(key, key_len, 0xcbf29ce484222325u);
    struct chunk_template *t =
        e->chunk != NULL ? chunk_find_template(e->chunk, key, key_len, hash) : NULL;
    put_u8(e, TOK_TEMPLATE_INSTANCE);
    put_u8(e, 1);
    if (t != NULL) {
        put_u32(e, t->id);
        put_u32(e, t->offset);
        return;
    }
    uint8_t guid[16];
    key_guid(key, key_len, guid);
    uint32_t id = load_u32(guid); /* the id repeats the GUID's first field */
    uint32_t offset = e->pos + 8;
    put_u32(e, id);
    put_u32(e, offset);
    put_template_definition(e, kind, ev, guid, id);
    if (e->chunk != NULL && !e->full &&
        chunk_add_template(e->chunk, e->w->key, key_len, hash, id, offset) != 0)
        e->no_memory = 1;
}

/* <Provider Name="..." Guid="..."/> with literal values. */
static void put_provider_element(struct enc *e, const struct evtx_event *ev)
{
    int has_guid = ev->provider_guid != NULL;
    uint32_t size_at = open_element(e, "Provider", 1);
    uint32_t attrs_at = begin_attributes(e);
    put_attribute(e, "Name", has_guid);
    put_text(e, ev->provider, "provider");
    if (has_guid) {
        put_attribute(e, "Guid", 0);
        put_text(e, ev->provider_guid, "provider_guid");
    }
    end_attributes(e, attrs_at);
    put_u8(e, TOK_CLOSE_EMPTY_ELEMENT);
    finish_element(e, size_at);
}

/* <EventID Qualifiers="%4">%3</EventID>; manifest events pass a NULL
 * qualifiers value, which drops the attribute. */
static void put_event_id_element(struct enc *e)
{
    uint32_t size_at = open_element(e, "EventID", 1);
    uint32_t attrs_at = begin_attributes(e);
    put_attribute(e, "Qualifiers", 0);
    put_substitution(e, SV_QUALIFIERS, VT_UINT16);
    end_attributes(e, attrs_at);
    put_u8(e, TOK_CLOSE_START_ELEMENT);
    put_substitution(e, SV_EVENT_ID, VT_UINT16);
    put_u8(e, TOK_END_ELEMENT);
    finish_element(e, size_at);
}

static void put_system_element(struct enc *e, const struct evtx_event *ev)
{
    static const struct substitution_attribute time_created[] = {
        {"SystemTime", SV_TIME_CREATED, VT_FILETIME}};
    static const struct substitution_attribute correlation[] = {
        {"ActivityID", SV_ACTIVITY_ID, VT_GUID},
        {"RelatedActivityID", SV_RELATED_ACTIVITY_ID, VT_GUID}};
    static const struct substitution_attribute execution[] = {
        {"ProcessID", SV_PROCESS_ID, VT_UINT32}, {"ThreadID", SV_THREAD_ID, VT_UINT32}};
    static const struct substitution_attribute security[] = {{"UserID", SV_USER_ID, VT_SID}};

    uint32_t size_at = open_element(e, "System", 0);
    put_u8(e, TOK_CLOSE_START_ELEMENT);
    put_provider_element(e, ev);
    put_event_id_element(e);
    put_substitution_element(e, "Version", SV_VERSION, VT_UINT8);
    put_substitution_element(e, "Level", SV_LEVEL, VT_UINT8);
    put_substitution_element(e, "Task", SV_TASK, VT_UINT16);
    put_substitution_element(e, "Opcode", SV_OPCODE, VT_UINT8);
    put_substitution_element(e, "Keywords", SV_KEYWORDS, VT_HEXINT64);
    put_empty_element(e, "TimeCreated", time_created, 1);
    put_substitution_element(e, "EventRecordID", SV_EVENT_RECORD_ID, VT_UINT64);
    put_empty_element(e, "Correlation", correlation, 2);
    put_empty_element(e, "Execution", execution, 2);
    put_text_element(e, "Channel", ev->channel, "channel");
    put_text_element(e, "Computer", ev->computer, "computer");
    put_empty_element(e, "Security", security, 1);
    put_u8(e, TOK_END_ELEMENT);
    finish_element(e, size_at);
}

/* <Event xmlns="..."><System>...</System>%17</Event> */
static void put_system_template_body(struct enc *e, const struct evtx_event *ev)
{
    uint32_t size_at = open_element(e, "Event", 1);
    uint32_t attrs_at = begin_attributes(e);
    put_attribute(e, "xmlns", 0);
    put_text(e, EVENT_NAMESPACE, "xmlns");
    end_attributes(e, attrs_at);
    put_u8(e, TOK_CLOSE_START_ELEMENT);
    put_system_element(e, ev);
    put_substitution(e, SV_EVENT_DATA, VT_BINXML);
    put_u8(e, TOK_END_ELEMENT);
    finish_element(e, size_at);
}

/* <Data Name="name">%index</Data> */
static void put_named_data_element(struct enc *e, const char *name, uint16_t index)
{
    uint32_t size_at = open_element(e, "Data", 1);
    uint32_t attrs_at = begin_attributes(e);
    put_attribute(e, "Name", 0);
    put_text(e, name, "named_data name");
    end_attributes(e, attrs_at);
    put_u8(e, TOK_CLOSE_START_ELEMENT);
    put_substitution(e, index, VT_STRING);
    put_u8(e, TOK_END_ELEMENT);
    finish_element(e, size_at);
}

/* <EventData><Data>%0</Data>...<Binary>%n</Binary></EventData> or the
 * same with <Data Name="...">. */
static void put_event_data_template_body(struct enc *e, const struct evtx_event *ev)
{
    uint16_t index = 0;
    uint32_t size_at = open_element(e, "EventData", 0);
    put_u8(e, TOK_CLOSE_START_ELEMENT);
    for (size_t i = 0; i < ev->n_data; i++)
        put_substitution_element(e, "Data", index++, VT_STRING);
    for (size_t i = 0; i < ev->n_named_data; i++)
        put_named_data_element(e, ev->named_data[i].name, index++);
    if (ev->binary != NULL)
        put_substitution_element(e, "Binary", index, VT_BINARY);
    put_u8(e, TOK_END_ELEMENT);
    finish_element(e, size_at);
}

static size_t system_template_key(struct enc *e, const struct evtx_event *ev)
{
    size_t len = 0;
    key_append(e, &len, "System");
    key_append(e, &len, ev->provider);
    key_append(e, &len, ev->provider_guid != NULL ? ev->provider_guid : "");
    key_append(e, &len, ev->channel);
    key_append(e, &len, ev->computer);
    return len;
}

static size_t event_data_template_key(struct enc *e, const struct evtx_event *ev)
{
    char shape[64];
    size_t len = 0;
    snprintf(shape, sizeof shape, "EventData %zu %zu %d", ev->n_data, ev->n_named_data,
             ev->binary != NULL);
    key_append(e, &len, shape);
    for (size_t i = 0; i < ev->n_named_data; i++)
        key_append(e, &len, ev->named_data[i].name);
    return len;
}

/* ------------------------------------------------------- values */

/* The value array: count, then (size, type) descriptors, then the values.
 * Descriptors start zeroed, which reads as a NULL value. */
static uint32_t begin_values(struct enc *e, uint32_t count)
{
    put_u32(e, count);
    uint32_t descriptors_at = e->pos;
    for (uint32_t i = 0; i < count; i++)
        put_u32(e, 0);
    return descriptors_at;
}

static void set_descriptor(struct enc *e, uint32_t descriptors_at, uint32_t index, uint8_t type,
                           uint32_t size, const char *field)
{
    if (size > 0xffff) {
        mark_bad(e, field);
        return;
    }
    if (e->full)
        return;
    uint8_t *d = e->buf + descriptors_at + 4 * index;
    store_u16(d, (uint16_t)size);
    d[2] = type;
    d[3] = 0;
}

static void put_int_value(struct enc *e, uint32_t descriptors_at, uint32_t index, uint8_t type,
                          uint64_t v, uint32_t width)
{
    uint8_t *p = reserve(e, width);
    if (p == NULL)
        return;
    for (uint32_t i = 0; i < width; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    set_descriptor(e, descriptors_at, index, type, width, "value");
}

static void put_string_value(struct enc *e, uint32_t descriptors_at, uint32_t index, const char *s,
                             const char *field)
{
    uint32_t start = e->pos;
    put_utf16(e, s != NULL ? s : "", field);
    set_descriptor(e, descriptors_at, index, VT_STRING, e->pos - start, field);
}

static void put_event_data_values(struct enc *e, const struct evtx_event *ev)
{
    uint32_t count = (uint32_t)(ev->n_data + ev->n_named_data + (ev->binary != NULL));
    uint32_t d = begin_values(e, count);
    uint32_t index = 0;
    for (size_t i = 0; i < ev->n_data; i++)
        put_string_value(e, d, index++, ev->data[i], "data");
    for (size_t i = 0; i < ev->n_named_data; i++)
        put_string_value(e, d, index++, ev->named_data[i].value, "named_data value");
    if (ev->binary != NULL) {
        uint32_t start = e->pos;
        put_bytes(e, ev->binary, ev->binary_size);
        set_descriptor(e, d, index, VT_BINARY, e->pos - start, "binary");
    }
}

/* The EventData value (type BinXml): a fragment holding a template
 * instance of its own, ended by EOF. */
static void put_event_data_fragment(struct enc *e, const struct evtx_event *ev)
{
    put_fragment_header(e);
    size_t key_len = event_data_template_key(e, ev);
    put_template_instance(e, TEMPLATE_EVENT_DATA, ev, key_len);
    put_event_data_values(e, ev);
    put_u8(e, TOK_EOF);
}

static int has_event_data(const struct evtx_event *ev)
{
    return ev->n_data > 0 || ev->n_named_data > 0 || ev->binary != NULL;
}

/* Values of the System template, in index order (NULL ones stay zero). */
static void put_system_values(struct enc *e, const struct evtx_event *ev, uint64_t record_id)
{
    uint32_t d = begin_values(e, SV_COUNT);
    put_int_value(e, d, SV_LEVEL, VT_UINT8, ev->level, 1);
    put_int_value(e, d, SV_OPCODE, VT_UINT8, ev->opcode, 1);
    put_int_value(e, d, SV_TASK, VT_UINT16, ev->task, 2);
    put_int_value(e, d, SV_EVENT_ID, VT_UINT16, ev->event_id, 2);
    if (ev->has_qualifiers)
        put_int_value(e, d, SV_QUALIFIERS, VT_UINT16, ev->qualifiers, 2);
    put_int_value(e, d, SV_KEYWORDS, VT_HEXINT64, ev->keywords, 8);
    put_int_value(e, d, SV_TIME_CREATED, VT_FILETIME, ev->time_created, 8);
    put_int_value(e, d, SV_PROCESS_ID, VT_UINT32, ev->process_id, 4);
    put_int_value(e, d, SV_THREAD_ID, VT_UINT32, ev->thread_id, 4);
    uint64_t event_record_id = ev->event_record_id != 0 ? ev->event_record_id : record_id;
    put_int_value(e, d, SV_EVENT_RECORD_ID, VT_UINT64, event_record_id, 8);
    put_int_value(e, d, SV_VERSION, VT_UINT8, ev->version, 1);
    if (has_event_data(ev)) {
        uint32_t start = e->pos;
        put_event_data_fragment(e, ev);
        set_descriptor(e, d, SV_EVENT_DATA, VT_BINXML, e->pos - start, "EventData");
    }
}

/* ------------------------------------------------------- records */

/* Record: signature, size, identifier, written FILETIME, BinXML event,
 * zero padding to 8 bytes, copy of the size. */
static void put_record(struct enc *e, const struct evtx_event *ev, uint64_t record_id)
{
    uint32_t start = e->pos;
    put_bytes(e, "\x2a\x2a\0\0", 4);
    uint32_t size_at = e->pos;
    put_u32(e, 0);
    put_u64(e, record_id);
    put_u64(e, ev->time_created + (uint64_t)ev->written_time_offset);
    put_fragment_header(e);
    size_t key_len = system_template_key(e, ev);
    put_template_instance(e, TEMPLATE_SYSTEM, ev, key_len);
    put_system_values(e, ev, record_id);
    put_u8(e, TOK_EOF);
    while ((e->pos - start + 4) % RECORD_ALIGN != 0 && !e->full)
        put_u8(e, 0);
    uint32_t size = e->pos - start + 4;
    put_u32(e, size);
    patch_u32(e, size_at, size);
}

enum encode_result { ENCODE_OK, ENCODE_FULL, ENCODE_BAD, ENCODE_NO_MEMORY };

/* Encodes one record at offset `at`, not past `limit`.  chunk NULL makes a
 * self-contained record (names and templates all inline, nothing shared).
 * On failure the bytes written are zeroed again; *end gets the end offset
 * on success. */
static enum encode_result encode_at(struct evtx_writer *w, struct chunk *shared, uint32_t at,
                                    uint32_t limit, const struct evtx_event *ev, uint64_t record_id,
                                    uint32_t *end, const char **bad_field)
{
    struct enc e = {w->chunk.data, at, limit, 0, 0, NULL, shared, w};
    put_record(&e, ev, record_id);
    if (!e.full && !e.no_memory && e.bad_field == NULL) {
        *end = e.pos;
        return ENCODE_OK;
    }
    memset(w->chunk.data + at, 0, e.pos - at);
    *bad_field = e.bad_field;
    if (e.bad_field != NULL)
        return ENCODE_BAD;
    return e.no_memory ? ENCODE_NO_MEMORY : ENCODE_FULL;
}

/* Encodes a live record at the end of the current chunk, sharing names and
 * templates; rolls the chunk tables back if it fails. */
static enum encode_result encode_live(struct evtx_writer *w, const struct evtx_event *ev,
                                      const char **bad_field)
{
    struct chunk *c = &w->chunk;
    struct chunk_snapshot snap;
    uint32_t end = 0;
    chunk_snapshot(c, &snap);
    enum encode_result r =
        encode_at(w, c, c->used, c->slack_start, ev, w->next_id, &end, bad_field);
    if (r != ENCODE_OK) {
        chunk_restore(c, &snap);
        return r;
    }
    if (c->n_records == 0)
        c->first_id = w->next_id;
    c->last_id = w->next_id;
    c->n_records++;
    c->last_record_offset = c->used;
    c->used = end;
    w->next_id++;
    return ENCODE_OK;
}

/* Places a self-contained record at the top of the chunk's unused space,
 * below earlier recovered ones.  Its size does not depend on where it goes,
 * so a first pass measures it and a second one writes it in place. */
static enum encode_result encode_recovered(struct evtx_writer *w, const struct evtx_event *ev,
                                           const char **bad_field)
{
    struct chunk *c = &w->chunk;
    uint64_t id = ev->event_record_id != 0 ? ev->event_record_id : w->next_id;
    uint32_t end = 0;
    enum encode_result r = encode_at(w, NULL, c->used, c->slack_start, ev, id, &end, bad_field);
    if (r != ENCODE_OK)
        return r;
    uint32_t size = end - c->used;
    memset(c->data + c->used, 0, size);
    uint32_t at = (c->slack_start - size) / RECORD_ALIGN * RECORD_ALIGN;
    if (at < c->used)
        return ENCODE_FULL;
    r = encode_at(w, NULL, at, c->slack_start, ev, id, &end, bad_field);
    if (r == ENCODE_OK) {
        c->slack_start = at;
        c->n_recovered++;
    }
    return r;
}

/* ------------------------------------------------------- chunk output */

static void finish_chunk_header(struct evtx_writer *w, uint64_t chunk_index)
{
    struct chunk *c = &w->chunk;
    uint8_t *h = c->data;
    memcpy(h, "ElfChnk", 8);
    store_u64(h + 8, c->first_id);  /* first event record number */
    store_u64(h + 16, c->last_id);  /* last event record number */
    store_u64(h + 24, c->first_id); /* first event record identifier */
    store_u64(h + 32, c->last_id);  /* last event record identifier */
    store_u32(h + 40, 128);         /* header size */
    store_u32(h + 44, c->last_record_offset);
    store_u32(h + 48, c->used); /* free space offset */
    uint32_t records_crc = evtx_crc32(0, h + CHUNK_HEADER_SIZE, c->used - CHUNK_HEADER_SIZE);
    if (w->opt.bad_chunk_records_crc && chunk_index == w->opt.bad_chunk_records_crc_index)
        records_crc = ~records_crc;
    store_u32(h + 52, records_crc);
    uint32_t crc = evtx_crc32(0, h, CHUNK_HEADER_CRC_SPAN);
    crc = evtx_crc32(crc, h + 128, CHUNK_HEADER_SIZE - 128);
    if (w->opt.bad_chunk_header_crc && chunk_index == w->opt.bad_chunk_header_crc_index)
        crc = ~crc;
    store_u32(h + 124, crc);
}

/* Writes the current chunk and starts a new one.  An empty chunk is only
 * written when keep_empty is set (a file without records still gets one
 * chunk, as Windows preallocates one).  A chunk without live records keeps
 * record numbers and identifiers 0 and last record offset 0: libevtx
 * accepts that without flagging corruption, while first > last would be
 * flagged. */
static int flush_chunk(struct evtx_writer *w, int keep_empty, char *err, size_t errlen)
{
    struct chunk *c = &w->chunk;
    uint64_t index = w->n_chunks_written;
    if (c->n_records == 0 && c->n_recovered == 0 && !keep_empty)
        return 0;
    if (index >= MAX_CHUNKS)
        return fail(err, errlen, "too many chunks (the file header allows %d)", MAX_CHUNKS);
    finish_chunk_header(w, index);
    if (fwrite(c->data, 1, CHUNK_SIZE, w->f) != CHUNK_SIZE)
        return fail(err, errlen, "writing chunk %llu failed", (unsigned long long)index);
    w->n_chunks_written++;
    chunk_reset(c);
    return 0;
}

/* ------------------------------------------------------- public API */

void evtx_writer_options_init(struct evtx_writer_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->first_record_id = 1;
}

struct evtx_writer *evtx_writer_open(const char *path, const struct evtx_writer_options *opt,
                                     char *err, size_t errlen)
{
    static const uint8_t zero_header[FILE_HEADER_SIZE];
    struct evtx_writer *w = calloc(1, sizeof *w);
    if (w == NULL) {
        fail(err, errlen, "out of memory");
        return NULL;
    }
    if (opt != NULL)
        w->opt = *opt;
    else
        evtx_writer_options_init(&w->opt);
    w->next_id = w->opt.first_record_id != 0 ? w->opt.first_record_id : 1;
    chunk_reset(&w->chunk);
    w->f = fopen(path, "wb");
    if (w->f == NULL) {
        fail(err, errlen, "cannot create %s", path);
        free(w);
        return NULL;
    }
    /* Placeholder; the real header is written by evtx_writer_close(). */
    if (fwrite(zero_header, 1, sizeof zero_header, w->f) != sizeof zero_header) {
        fail(err, errlen, "cannot write %s", path);
        fclose(w->f);
        free(w);
        return NULL;
    }
    return w;
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" */
static int is_guid_string(const char *s)
{
    static const char pattern[] = "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}";
    if (strlen(s) != sizeof pattern - 1)
        return 0;
    for (size_t i = 0; pattern[i] != 0; i++) {
        if (pattern[i] == 'x' ? !is_hex(s[i]) : s[i] != pattern[i])
            return 0;
    }
    return 1;
}

static int check_event(const struct evtx_event *ev, char *err, size_t errlen)
{
    if (ev->provider == NULL || ev->provider[0] == 0)
        return fail(err, errlen, "provider is required");
    if (ev->channel == NULL || ev->computer == NULL)
        return fail(err, errlen, "channel and computer are required");
    if (ev->provider_guid != NULL && !is_guid_string(ev->provider_guid))
        return fail(err, errlen,
                    "provider GUID \"%s\" is not {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}",
                    ev->provider_guid);
    if (ev->n_data > 0 && ev->n_named_data > 0)
        return fail(err, errlen, "use either unnamed data or named data, not both");
    if ((ev->n_data > 0 && ev->data == NULL) || (ev->n_named_data > 0 && ev->named_data == NULL))
        return fail(err, errlen, "data count given without data");
    if (ev->n_data + ev->n_named_data + 1 > 0xffff)
        return fail(err, errlen, "too many data items");
    for (size_t i = 0; i < ev->n_named_data; i++) {
        if (ev->named_data[i].name == NULL || ev->named_data[i].name[0] == 0)
            return fail(err, errlen, "named data item %zu has no name", i);
    }
    return 0;
}

static int report_encode_error(enum encode_result r, const char *bad_field, char *err,
                               size_t errlen)
{
    if (r == ENCODE_BAD)
        return fail(err, errlen, "%s: invalid UTF-8 or longer than a BinXML value allows",
                    bad_field);
    if (r == ENCODE_NO_MEMORY)
        return fail(err, errlen, "out of memory");
    return fail(err, errlen, "event does not fit into one %d byte chunk", CHUNK_SIZE);
}

static int add_recovered(struct evtx_writer *w, const struct evtx_event *ev, char *err,
                         size_t errlen)
{
    const char *bad_field = NULL;
    enum encode_result r = encode_recovered(w, ev, &bad_field);
    if (r == ENCODE_FULL && (w->chunk.n_records > 0 || w->chunk.n_recovered > 0)) {
        if (flush_chunk(w, 0, err, errlen) != 0)
            return -1;
        r = encode_recovered(w, ev, &bad_field);
    }
    return r == ENCODE_OK ? 0 : report_encode_error(r, bad_field, err, errlen);
}

int evtx_writer_add(struct evtx_writer *w, const struct evtx_event *ev, char *err, size_t errlen)
{
    if (check_event(ev, err, errlen) != 0)
        return -1;
    if (ev->recovered)
        return add_recovered(w, ev, err, errlen);
    uint32_t max = w->opt.max_records_per_chunk;
    if (max != 0 && w->chunk.n_records >= max && flush_chunk(w, 0, err, errlen) != 0)
        return -1;
    const char *bad_field = NULL;
    enum encode_result r = encode_live(w, ev, &bad_field);
    if (r == ENCODE_FULL && (w->chunk.n_records > 0 || w->chunk.n_recovered > 0)) {
        if (flush_chunk(w, 0, err, errlen) != 0)
            return -1;
        r = encode_live(w, ev, &bad_field);
    }
    return r == ENCODE_OK ? 0 : report_encode_error(r, bad_field, err, errlen);
}

static void build_file_header(const struct evtx_writer *w, uint8_t *h)
{
    uint64_t n = w->n_chunks_written;
    memset(h, 0, FILE_HEADER_SIZE);
    memcpy(h, "ElfFile", 8);
    store_u64(h + 8, 0);                  /* first chunk number */
    store_u64(h + 16, n > 0 ? n - 1 : 0); /* last chunk number */
    store_u64(h + 24, w->next_id);        /* next record identifier */
    store_u32(h + 32, 128);               /* header size */
    store_u16(h + 36, 1);                 /* minor version */
    store_u16(h + 38, 3);                 /* major version */
    store_u16(h + 40, FILE_HEADER_SIZE);  /* header block size */
    store_u16(h + 42, (uint16_t)n);
    store_u32(h + 120, w->opt.file_flags);
    uint32_t crc = evtx_crc32(0, h, FILE_HEADER_CRC_SPAN);
    store_u32(h + 124, w->opt.bad_file_header_crc ? ~crc : crc);
}

static void free_writer(struct evtx_writer *w)
{
    free(w->chunk.templates);
    free(w->chunk.keys);
    free(w->key);
    free(w);
}

int evtx_writer_close(struct evtx_writer *w, char *err, size_t errlen)
{
    static uint8_t header[FILE_HEADER_SIZE];
    if (w == NULL)
        return 0;
    int rc = flush_chunk(w, w->n_chunks_written == 0, err, errlen);
    if (rc == 0) {
        build_file_header(w, header);
        if (fseek(w->f, 0, SEEK_SET) != 0 ||
            fwrite(header, 1, sizeof header, w->f) != sizeof header)
            rc = fail(err, errlen, "writing the file header failed");
    }
    if (fclose(w->f) != 0 && rc == 0)
        rc = fail(err, errlen, "closing the file failed");
    free_writer(w);
    return rc;
}

uint64_t evtx_writer_next_record_id(const struct evtx_writer *w)
{
    return w->next_id;
}

uint64_t evtx_writer_chunk_count(const struct evtx_writer *w)
{
    return w->n_chunks_written + (w->chunk.n_records > 0 || w->chunk.n_recovered > 0);
}
