/*
 * event_wire.h - the messages a scan worker process sends to the scanning process over a
 * pipe: each kept event, progress, and at the end what its range of chunks (or its whole file)
 * turned out to hold.
 *
 * A message is a frame: payload length (u32), type (u8), payload.  Integers are little-endian;
 * a string is its byte length (u32) and its bytes, with 0xffffffff for NULL; a list is its
 * count (u32) and its items.  Both sides are the same build of crashsig, so there is no
 * versioning; but the reader of a frame trusts nothing, because the worker may have died in
 * the middle of writing it: every length is checked, and a frame that does not decode is an
 * error, never a crash.
 *
 * Not for: I/O (scan.c writes and reads the pipes) or deciding what the messages mean.
 */
#ifndef CRASHSIG_EVENT_WIRE_H
#define CRASHSIG_EVENT_WIRE_H

#include "crashsig/event.h"
#include "crashsig/reader.h"

enum wire_type {
    WIRE_EVENT = 1,    /* one kept event */
    WIRE_PROGRESS = 2, /* bytes of the input read since the last progress message */
    WIRE_RANGE = 3,    /* a selected-chunk read's struct reader_range, at the end of a range */
    WIRE_REPORT = 4,   /* a whole-file read's struct input_report (all but the path), at the end */
    WIRE_DONE = 5,     /* the worker finished its task; anything else means it did not */
};

#define WIRE_FRAME_HEADER 5u
/* A frame longer than this is garbage (one event is at most a few hundred KiB). */
#define WIRE_MAX_PAYLOAD (256u << 20)

struct wire_buffer {
    uint8_t *data;
    size_t size, capacity;
};

void wire_buffer_free(struct wire_buffer *b);

/* Each appends one frame to b. */
void wire_put_event(struct wire_buffer *b, const struct event *ev);
void wire_put_progress(struct wire_buffer *b, uint64_t bytes);
void wire_put_range(struct wire_buffer *b, const struct reader_range *range);
void wire_put_report(struct wire_buffer *b, const struct input_report *report);
void wire_put_done(struct wire_buffer *b);

/* Looks at the start of data: returns 1 with the frame's type and payload when a whole frame
 * is there, 0 when more bytes are needed, -1 when the bytes cannot be a frame. */
int wire_frame(const uint8_t *data, size_t size, uint8_t *type, const uint8_t **payload,
               size_t *payload_size);

/* Each decodes one payload; returns 0, or -1 (nothing allocated) when it does not decode.
 * ev->file is left NULL; report->path is left alone. */
int wire_get_event(const uint8_t *payload, size_t size, struct event *ev);
int wire_get_progress(const uint8_t *payload, size_t size, uint64_t *bytes);
int wire_get_range(const uint8_t *payload, size_t size, struct reader_range *range);
int wire_get_report(const uint8_t *payload, size_t size, struct input_report *report);

#endif
