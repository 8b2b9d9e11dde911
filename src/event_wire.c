/*
 * event_wire.c - encode and decode the worker messages (event_wire.h).
 *
 * Encoding appends to a growing buffer.  Decoding reads through a cursor that turns every
 * out-of-bounds read into a sticky failure, so a decoder is a straight sequence of gets with
 * one check at the end, and whatever it allocated is freed when that check fails.
 *
 * Not for: pipes, processes, or merging results (scan.c).
 */
#include "event_wire.h"

#include <stdlib.h>
#include <string.h>

#define NULL_STRING 0xffffffffu

void wire_buffer_free(struct wire_buffer *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

static void put_bytes(struct wire_buffer *b, const void *p, size_t n)
{
    if (b->size + n > b->capacity) {
        size_t cap = b->capacity ? b->capacity : 4096;
        while (cap < b->size + n)
            cap *= 2;
        b->data = cs_xrealloc(b->data, cap);
        b->capacity = cap;
    }
    memcpy(b->data + b->size, p, n);
    b->size += n;
}

static void put_u8(struct wire_buffer *b, uint8_t v)
{
    put_bytes(b, &v, 1);
}

static void put_u32(struct wire_buffer *b, uint32_t v)
{
    uint8_t p[4];
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    put_bytes(b, p, 4);
}

static void put_u64(struct wire_buffer *b, uint64_t v)
{
    put_u32(b, (uint32_t)v);
    put_u32(b, (uint32_t)(v >> 32));
}

static void put_string(struct wire_buffer *b, const char *s)
{
    if (s == NULL) {
        put_u32(b, NULL_STRING);
        return;
    }
    size_t n = strlen(s);
    put_u32(b, (uint32_t)n);
    put_bytes(b, s, n);
}

/* Starts a frame; returns where its length goes, filled in by end_frame. */
static size_t begin_frame(struct wire_buffer *b, enum wire_type type)
{
    size_t at = b->size;
    put_u32(b, 0);
    put_u8(b, (uint8_t)type);
    return at;
}

static void end_frame(struct wire_buffer *b, size_t at)
{
    uint32_t n = (uint32_t)(b->size - at - WIRE_FRAME_HEADER);
    for (int i = 0; i < 4; i++)
        b->data[at + (size_t)i] = (uint8_t)(n >> (8 * i));
}

void wire_put_event(struct wire_buffer *b, const struct event *ev)
{
    size_t at = begin_frame(b, WIRE_EVENT);
    put_u64(b, ev->record_id);
    put_u64(b, ev->event_record_id);
    put_u8(b, ev->recovered);
    put_u64(b, ev->time);
    put_u64(b, ev->written_time);
    put_string(b, ev->computer);
    put_string(b, ev->channel);
    put_string(b, ev->provider);
    put_u32(b, ev->event_id);
    put_u8(b, ev->level);
    put_u32(b, (uint32_t)ev->data.count);
    for (size_t i = 0; i < ev->data.count; i++)
        put_string(b, ev->data.values[i]);
    put_u8(b, ev->data.names != NULL);
    for (size_t i = 0; ev->data.names && i < ev->data.count; i++)
        put_string(b, ev->data.names[i]);
    end_frame(b, at);
}

void wire_put_progress(struct wire_buffer *b, uint64_t bytes)
{
    size_t at = begin_frame(b, WIRE_PROGRESS);
    put_u64(b, bytes);
    end_frame(b, at);
}

static void put_lines(struct wire_buffer *b, size_t count, char *const *lines)
{
    put_u32(b, (uint32_t)count);
    for (size_t i = 0; i < count; i++)
        put_string(b, lines[i]);
}

void wire_put_range(struct wire_buffer *b, const struct reader_range *r)
{
    size_t at = begin_frame(b, WIRE_RANGE);
    put_u64(b, r->first_chunk);
    put_u64(b, r->chunk_count);
    put_u64(b, r->tally.records);
    put_u64(b, r->tally.recovered_records);
    put_u64(b, r->tally.counted_chunks);
    put_u64(b, r->tally.damaged_chunks);
    put_u8(b, r->tally.unsupported);
    put_u64(b, r->tally.damaged_past_count);
    put_u64(b, r->events_kept);
    put_u64(b, r->parsed_records);
    put_u64(b, r->unreadable_records);
    put_u64(b, r->unreadable_recovered);
    put_u64(b, r->missing_chunks);
    put_u32(b, (uint32_t)r->damage_count);
    for (size_t i = 0; i < r->damage_count; i++) {
        put_u64(b, r->damage[i].chunk);
        put_u32(b, r->damage[i].kinds);
        put_u32(b, r->damage[i].records);
        put_u64(b, r->damage[i].first_number);
        put_u64(b, r->damage[i].last_number);
    }
    put_u32(b, (uint32_t)r->unreadable_count);
    for (size_t i = 0; i < r->unreadable_count; i++) {
        put_u64(b, r->unreadable[i].chunk);
        put_u64(b, r->unreadable[i].record_id);
        put_u8(b, r->unreadable[i].recovered);
    }
    put_lines(b, r->warning_count, r->warnings);
    end_frame(b, at);
}

void wire_put_report(struct wire_buffer *b, const struct input_report *r)
{
    size_t at = begin_frame(b, WIRE_REPORT);
    put_u8(b, (uint8_t)r->status);
    put_u64(b, r->records);
    put_u64(b, r->recovered_records);
    put_u64(b, r->unreadable_records);
    put_u64(b, r->events_kept);
    put_lines(b, r->warning_count, r->warnings);
    put_string(b, r->error);
    end_frame(b, at);
}

void wire_put_done(struct wire_buffer *b)
{
    end_frame(b, begin_frame(b, WIRE_DONE));
}

int wire_frame(const uint8_t *data, size_t size, uint8_t *type, const uint8_t **payload,
               size_t *payload_size)
{
    if (size < WIRE_FRAME_HEADER)
        return 0;
    uint32_t n = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                 (uint32_t)data[3] << 24;
    if (n > WIRE_MAX_PAYLOAD || data[4] < WIRE_EVENT || data[4] > WIRE_DONE)
        return -1;
    if (size - WIRE_FRAME_HEADER < n)
        return 0;
    *type = data[4];
    *payload = data + WIRE_FRAME_HEADER;
    *payload_size = n;
    return 1;
}

/* ---- decoding -------------------------------------------------------------------------- */

struct cursor {
    const uint8_t *p;
    size_t left;
    bool failed;
};

static const uint8_t *take(struct cursor *c, size_t n)
{
    if (c->failed || c->left < n) {
        c->failed = true;
        return NULL;
    }
    const uint8_t *p = c->p;
    c->p += n;
    c->left -= n;
    return p;
}

static uint8_t get_u8(struct cursor *c)
{
    const uint8_t *p = take(c, 1);
    return p ? p[0] : 0;
}

static uint32_t get_u32(struct cursor *c)
{
    const uint8_t *p = take(c, 4);
    return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
             : 0;
}

static uint64_t get_u64(struct cursor *c)
{
    uint64_t lo = get_u32(c);
    return lo | (uint64_t)get_u32(c) << 32;
}

static char *get_string(struct cursor *c)
{
    uint32_t n = get_u32(c);
    if (n == NULL_STRING)
        return NULL;
    const uint8_t *p = take(c, n);
    return p ? cs_strndup((const char *)p, n) : NULL;
}

/* A count of items that each take at least min_item bytes: bounded by what is left. */
static size_t get_count(struct cursor *c, size_t min_item)
{
    uint32_t n = get_u32(c);
    if (!c->failed && (size_t)n > c->left / min_item)
        c->failed = true;
    return c->failed ? 0 : n;
}

static char **get_lines(struct cursor *c, size_t *count)
{
    *count = get_count(c, 4);
    char **lines = cs_xcalloc(*count ? *count : 1, sizeof(char *));
    for (size_t i = 0; i < *count; i++)
        lines[i] = get_string(c);
    return lines;
}

static void free_lines(char **lines, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(lines[i]);
    free(lines);
}

static bool finished(const struct cursor *c)
{
    return !c->failed && c->left == 0;
}

int wire_get_event(const uint8_t *payload, size_t size, struct event *ev)
{
    struct cursor c = {payload, size, false};
    memset(ev, 0, sizeof(*ev));
    ev->record_id = get_u64(&c);
    ev->event_record_id = get_u64(&c);
    ev->recovered = get_u8(&c) != 0;
    ev->time = get_u64(&c);
    ev->written_time = get_u64(&c);
    ev->computer = get_string(&c);
    ev->channel = get_string(&c);
    ev->provider = get_string(&c);
    ev->event_id = get_u32(&c);
    ev->level = get_u8(&c);
    ev->data.count = get_count(&c, 4);
    ev->data.values = cs_xcalloc(ev->data.count ? ev->data.count : 1, sizeof(char *));
    for (size_t i = 0; i < ev->data.count; i++)
        ev->data.values[i] = get_string(&c);
    if (get_u8(&c)) {
        ev->data.names = cs_xcalloc(ev->data.count ? ev->data.count : 1, sizeof(char *));
        for (size_t i = 0; i < ev->data.count; i++)
            ev->data.names[i] = get_string(&c);
    }
    bool values_ok = true;
    for (size_t i = 0; i < ev->data.count; i++)
        values_ok = values_ok && ev->data.values[i] != NULL;
    if (!finished(&c) || !values_ok || !ev->computer || !ev->channel || !ev->provider) {
        event_free(ev);
        memset(ev, 0, sizeof(*ev));
        return -1;
    }
    return 0;
}

int wire_get_progress(const uint8_t *payload, size_t size, uint64_t *bytes)
{
    struct cursor c = {payload, size, false};
    *bytes = get_u64(&c);
    return finished(&c) ? 0 : -1;
}

static void get_damage(struct cursor *c, struct reader_range *r)
{
    r->damage_count = get_count(c, 32);
    r->damage = cs_xcalloc(r->damage_count ? r->damage_count : 1, sizeof(*r->damage));
    for (size_t i = 0; i < r->damage_count; i++) {
        r->damage[i].chunk = get_u64(c);
        r->damage[i].kinds = get_u32(c);
        r->damage[i].records = get_u32(c);
        r->damage[i].first_number = get_u64(c);
        r->damage[i].last_number = get_u64(c);
    }
}

static void get_unreadable(struct cursor *c, struct reader_range *r)
{
    r->unreadable_count = get_count(c, 17);
    r->unreadable =
        cs_xcalloc(r->unreadable_count ? r->unreadable_count : 1, sizeof(*r->unreadable));
    for (size_t i = 0; i < r->unreadable_count; i++) {
        r->unreadable[i].chunk = get_u64(c);
        r->unreadable[i].record_id = get_u64(c);
        r->unreadable[i].recovered = get_u8(c) != 0;
    }
}

int wire_get_range(const uint8_t *payload, size_t size, struct reader_range *r)
{
    struct cursor c = {payload, size, false};
    memset(r, 0, sizeof(*r));
    r->first_chunk = get_u64(&c);
    r->chunk_count = get_u64(&c);
    r->tally.records = get_u64(&c);
    r->tally.recovered_records = get_u64(&c);
    r->tally.counted_chunks = get_u64(&c);
    r->tally.damaged_chunks = get_u64(&c);
    r->tally.unsupported = get_u8(&c) != 0;
    r->tally.damaged_past_count = get_u64(&c);
    r->events_kept = get_u64(&c);
    r->parsed_records = get_u64(&c);
    r->unreadable_records = get_u64(&c);
    r->unreadable_recovered = get_u64(&c);
    r->missing_chunks = get_u64(&c);
    get_damage(&c, r);
    get_unreadable(&c, r);
    r->warnings = get_lines(&c, &r->warning_count);
    bool lines_ok = true;
    for (size_t i = 0; i < r->warning_count; i++)
        lines_ok = lines_ok && r->warnings[i] != NULL;
    if (!finished(&c) || !lines_ok) {
        reader_range_free(r);
        return -1;
    }
    return 0;
}

int wire_get_report(const uint8_t *payload, size_t size, struct input_report *r)
{
    struct cursor c = {payload, size, false};
    uint8_t status = get_u8(&c);
    uint64_t records = get_u64(&c), recovered = get_u64(&c), unreadable = get_u64(&c);
    uint64_t kept = get_u64(&c);
    size_t count = 0;
    char **lines = get_lines(&c, &count);
    char *error = get_string(&c);
    bool lines_ok = true;
    for (size_t i = 0; i < count; i++)
        lines_ok = lines_ok && lines[i] != NULL;
    if (!finished(&c) || !lines_ok || status > INPUT_ERROR) {
        free_lines(lines, count);
        free(error);
        return -1;
    }
    r->status = (enum input_status)status;
    r->records = records;
    r->recovered_records = recovered;
    r->unreadable_records = unreadable;
    r->events_kept = kept;
    for (size_t i = 0; i < count; i++)
        input_report_warn(r, "%s", lines[i]);
    free_lines(lines, count);
    free(r->error);
    r->error = error;
    return 0;
}
