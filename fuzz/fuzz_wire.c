/*
 * fuzz_wire.c - libFuzzer target: the decoder of what a scan worker process sends back
 * (event_wire.h).  A worker may die in the middle of writing a frame, or, reading a hostile
 * log, be made to write anything; the scanning process must turn any bytes into decoded
 * messages or a clean refusal.
 *
 * Input: the bytes of a worker's pipe.  Frames are split off with wire_frame and each payload
 * decoded as its type says; every decoded message is freed, and every event re-encoded must
 * decode to the same thing (the format round-trips).
 *
 * Not for: the worker pool (tests/test_workers.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

#include "event_wire.h"

static void check_event_round_trip(const struct event *ev)
{
    struct wire_buffer b = {0};
    wire_put_event(&b, ev);
    uint8_t type;
    const uint8_t *payload;
    size_t size;
    FUZZ_CHECK(wire_frame(b.data, b.size, &type, &payload, &size) == 1 && type == WIRE_EVENT,
               "an encoded event is one whole frame");
    struct event again;
    memset(&again, 0, sizeof(again));
    FUZZ_CHECK(wire_get_event(payload, size, &again) == 0, "an encoded event decodes");
    FUZZ_CHECK(again.event_id == ev->event_id && again.record_id == ev->record_id &&
                   again.time == ev->time && again.data.count == ev->data.count,
               "an event round-trips");
    for (size_t i = 0; i < ev->data.count; i++) {
        const char *x = again.data.values[i], *y = ev->data.values[i];
        FUZZ_CHECK((x == NULL) == (y == NULL) && (x == NULL || strcmp(x, y) == 0),
                   "data round-trips");
    }
    event_free(&again);
    wire_buffer_free(&b);
}

static void decode(uint8_t type, const uint8_t *payload, size_t size)
{
    switch (type) {
    case WIRE_EVENT: {
        struct event ev;
        memset(&ev, 0, sizeof(ev));
        if (wire_get_event(payload, size, &ev) == 0) {
            check_event_round_trip(&ev);
            event_free(&ev);
        }
        break;
    }
    case WIRE_PROGRESS: {
        uint64_t bytes;
        (void)wire_get_progress(payload, size, &bytes);
        break;
    }
    case WIRE_RANGE: {
        struct reader_range range;
        if (wire_get_range(payload, size, &range) == 0)
            reader_range_free(&range);
        break;
    }
    case WIRE_REPORT: {
        struct input_report report;
        input_report_init(&report, "fuzz.evtx");
        (void)wire_get_report(payload, size, &report);
        input_report_free(&report);
        break;
    }
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy, so a read past the pipe's bytes is caught */
    uint8_t *bytes = cs_xmalloc(size ? size : 1);
    memcpy(bytes, data, size);
    for (size_t at = 0; at < size;) {
        uint8_t type;
        const uint8_t *payload;
        size_t payload_size;
        int rc = wire_frame(bytes + at, size - at, &type, &payload, &payload_size);
        if (rc != 1)
            break;
        FUZZ_CHECK(payload >= bytes + at && payload + payload_size <= bytes + size,
                   "a payload lies inside the bytes");
        decode(type, payload, payload_size);
        at = (size_t)(payload + payload_size - bytes);
    }
    free(bytes);
    return 0;
}
