/*
 * test_event_wire.c - the worker message format (src/event_wire.c): every message decodes to
 * what was encoded, frames are found in a stream however it is cut, and a message cut short
 * or damaged anywhere is rejected without a crash or a leak (the worker that writes it may die
 * at any byte).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "event_wire.h"

static void sample_event(struct event *ev, bool named)
{
    memset(ev, 0, sizeof(*ev));
    ev->record_id = 4711;
    ev->event_record_id = 0x1122334455667788ull;
    ev->recovered = true;
    ev->time = 134167104000000001ull;
    ev->written_time = 134167104000000002ull;
    ev->computer = cs_strdup("WEB-PROD-03");
    ev->channel = cs_strdup("");
    ev->provider = cs_strdup(".NET Runtime");
    ev->event_id = 1026;
    ev->level = 2;
    ev->data.count = 3;
    ev->data.values = cs_xcalloc(3, sizeof(char *));
    ev->data.values[0] = cs_strdup("Application: w3wp.exe\r\nline two");
    ev->data.values[1] = cs_strdup("");
    ev->data.values[2] = cs_strdup("\xc3\xa0 UTF-8");
    if (named) {
        ev->data.names = cs_xcalloc(3, sizeof(char *));
        ev->data.names[0] = cs_strdup("AppName");
        ev->data.names[2] = cs_strdup("Other"); /* names[1] stays NULL */
    }
}

static void assert_same_event(const struct event *a, const struct event *b)
{
    assert_int_equal(a->record_id, b->record_id);
    assert_int_equal(a->event_record_id, b->event_record_id);
    assert_int_equal(a->recovered, b->recovered);
    assert_int_equal(a->time, b->time);
    assert_int_equal(a->written_time, b->written_time);
    assert_string_equal(a->computer, b->computer);
    assert_string_equal(a->channel, b->channel);
    assert_string_equal(a->provider, b->provider);
    assert_int_equal(a->event_id, b->event_id);
    assert_int_equal(a->level, b->level);
    assert_int_equal(a->data.count, b->data.count);
    for (size_t i = 0; i < a->data.count; i++)
        assert_string_equal(a->data.values[i], b->data.values[i]);
    assert_int_equal(a->data.names == NULL, b->data.names == NULL);
    for (size_t i = 0; a->data.names && i < a->data.count; i++) {
        assert_int_equal(a->data.names[i] == NULL, b->data.names[i] == NULL);
        if (a->data.names[i])
            assert_string_equal(a->data.names[i], b->data.names[i]);
    }
}

/* The one frame in b; its type must be want. */
static void only_frame(const struct wire_buffer *b, uint8_t want, const uint8_t **payload,
                       size_t *size)
{
    uint8_t type = 0;
    assert_int_equal(wire_frame(b->data, b->size, &type, payload, size), 1);
    assert_int_equal(type, want);
    assert_int_equal(WIRE_FRAME_HEADER + *size, b->size);
}

static void test_event_round_trip(void **state)
{
    (void)state;
    for (int named = 0; named < 2; named++) {
        struct event ev, back;
        sample_event(&ev, named);
        struct wire_buffer b = {0};
        wire_put_event(&b, &ev);
        const uint8_t *payload;
        size_t size;
        only_frame(&b, WIRE_EVENT, &payload, &size);
        assert_int_equal(wire_get_event(payload, size, &back), 0);
        assert_null(back.file);
        assert_same_event(&ev, &back);
        event_free(&back);
        event_free(&ev);
        wire_buffer_free(&b);
    }
}

static void test_range_and_report_round_trip(void **state)
{
    (void)state;
    struct reader_range r = {.first_chunk = 256,
                             .chunk_count = 200,
                             .events_kept = 3,
                             .parsed_records = 9,
                             .unreadable_records = 2,
                             .unreadable_recovered = 1,
                             .missing_chunks = 4};
    r.tally = (struct evtx_tally){100, 7, 199, 2, true, 3};
    r.damage_count = 1;
    r.damage = cs_xcalloc(1, sizeof(*r.damage));
    r.damage[0] = (struct reader_damage){300, CHUNK_BAD_HEADER_CRC, 5, 10, 20};
    r.unreadable_count = 1;
    r.unreadable = cs_xcalloc(1, sizeof(*r.unreadable));
    r.unreadable[0] = (struct reader_unreadable){301, 99, true};
    r.warning_count = 1;
    r.warnings = cs_xcalloc(1, sizeof(char *));
    r.warnings[0] = cs_strdup("record 99: libevtx could not render its XML");
    struct wire_buffer b = {0};
    wire_put_range(&b, &r);
    const uint8_t *payload;
    size_t size;
    only_frame(&b, WIRE_RANGE, &payload, &size);
    struct reader_range back;
    assert_int_equal(wire_get_range(payload, size, &back), 0);
    assert_int_equal(back.first_chunk, 256);
    assert_int_equal(back.chunk_count, 200);
    assert_int_equal(back.tally.records, 100);
    assert_int_equal(back.tally.recovered_records, 7);
    assert_int_equal(back.tally.counted_chunks, 199);
    assert_int_equal(back.tally.damaged_chunks, 2);
    assert_true(back.tally.unsupported);
    assert_int_equal(back.tally.damaged_past_count, 3);
    assert_int_equal(back.events_kept, 3);
    assert_int_equal(back.parsed_records, 9);
    assert_int_equal(back.unreadable_records, 2);
    assert_int_equal(back.unreadable_recovered, 1);
    assert_int_equal(back.missing_chunks, 4);
    assert_int_equal(back.damage_count, 1);
    assert_memory_equal(&back.damage[0], &r.damage[0], sizeof(r.damage[0]));
    assert_int_equal(back.unreadable_count, 1);
    assert_int_equal(back.unreadable[0].record_id, 99);
    assert_true(back.unreadable[0].recovered);
    assert_int_equal(back.warning_count, 1);
    assert_string_equal(back.warnings[0], r.warnings[0]);
    reader_range_free(&back);
    reader_range_free(&r);

    struct input_report rep, rep_back;
    input_report_init(&rep, "x.evtx");
    rep.status = INPUT_DAMAGED;
    rep.records = 5, rep.recovered_records = 6, rep.unreadable_records = 7, rep.events_kept = 8;
    input_report_warn(&rep, "chunk 3 (file offset 200704): bad signature");
    b.size = 0;
    wire_put_report(&b, &rep);
    only_frame(&b, WIRE_REPORT, &payload, &size);
    input_report_init(&rep_back, "kept");
    assert_int_equal(wire_get_report(payload, size, &rep_back), 0);
    assert_string_equal(rep_back.path, "kept");
    assert_int_equal(rep_back.status, INPUT_DAMAGED);
    assert_int_equal(rep_back.records + rep_back.recovered_records, 11);
    assert_int_equal(rep_back.unreadable_records + rep_back.events_kept, 15);
    assert_int_equal(rep_back.warning_count, 1);
    assert_string_equal(rep_back.warnings[0], rep.warnings[0]);
    assert_null(rep_back.error);
    input_report_free(&rep_back);
    input_report_free(&rep);
    wire_buffer_free(&b);
}

/* A stream of every kind of frame, fed to wire_frame in pieces of every size. */
static void test_stream_in_pieces(void **state)
{
    (void)state;
    struct wire_buffer b = {0};
    struct event ev;
    sample_event(&ev, true);
    wire_put_progress(&b, 1u << 20);
    wire_put_event(&b, &ev);
    wire_put_event(&b, &ev);
    wire_put_done(&b);
    event_free(&ev);
    for (size_t piece = 1; piece < 64; piece += 7) {
        uint8_t *stream = malloc(b.size);
        size_t have = 0, fed = 0, frames = 0;
        uint8_t types[4];
        while (fed < b.size || have > 0) {
            size_t n = b.size - fed < piece ? b.size - fed : piece;
            memcpy(stream + have, b.data + fed, n);
            have += n, fed += n;
            uint8_t type;
            const uint8_t *payload;
            size_t size;
            int rc;
            while ((rc = wire_frame(stream, have, &type, &payload, &size)) == 1) {
                types[frames++] = type;
                size_t used = WIRE_FRAME_HEADER + size;
                memmove(stream, stream + used, have - used);
                have -= used;
            }
            assert_int_equal(rc, 0);
            if (fed == b.size)
                break;
        }
        assert_int_equal(have, 0);
        assert_int_equal(frames, 4);
        assert_int_equal(types[0], WIRE_PROGRESS);
        assert_int_equal(types[1], WIRE_EVENT);
        assert_int_equal(types[3], WIRE_DONE);
        free(stream);
    }
    wire_buffer_free(&b);
}

/* Every cut of an event's payload, and every single-byte change, decodes or is rejected - and
 * a cut never decodes. */
static void test_damaged_payloads(void **state)
{
    (void)state;
    struct event ev, back;
    sample_event(&ev, true);
    struct wire_buffer b = {0};
    wire_put_event(&b, &ev);
    event_free(&ev);
    const uint8_t *payload;
    size_t size;
    only_frame(&b, WIRE_EVENT, &payload, &size);
    for (size_t cut = 0; cut < size; cut++)
        assert_int_equal(wire_get_event(payload, cut, &back), -1);
    uint8_t *copy = malloc(size);
    int rejected = 0;
    for (size_t at = 0; at < size; at++) {
        memcpy(copy, payload, size);
        copy[at] ^= 0xff;
        if (wire_get_event(copy, size, &back) == 0)
            event_free(&back);
        else
            rejected++;
        struct reader_range r;
        if (wire_get_range(copy, size, &r) == 0)
            reader_range_free(&r);
        struct input_report rep;
        input_report_init(&rep, "p");
        wire_get_report(copy, size, &rep);
        input_report_free(&rep);
    }
    assert_true(rejected > 0);
    free(copy);
    /* frames that cannot be frames */
    uint8_t bad[5] = {0xff, 0xff, 0xff, 0x7f, WIRE_EVENT};
    uint8_t type;
    assert_int_equal(wire_frame(bad, sizeof(bad), &type, &payload, &size), -1);
    uint8_t unknown[5] = {0, 0, 0, 0, 99};
    assert_int_equal(wire_frame(unknown, sizeof(unknown), &type, &payload, &size), -1);
    uint64_t bytes;
    assert_int_equal(wire_get_progress(unknown, 3, &bytes), -1);
    wire_buffer_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_round_trip),
        cmocka_unit_test(test_range_and_report_round_trip),
        cmocka_unit_test(test_stream_in_pieces),
        cmocka_unit_test(test_damaged_payloads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
