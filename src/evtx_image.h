/*
 * evtx_image.h - an in-memory EVTX file of a few selected chunks, opened with libevtx through
 * a libbfio memory-range handle, in which only the selected records are visited.  Private to
 * the reader: the selected-chunk read (reader.c) adds the chunks it picked, in file order.
 *
 * Not for: reading the file, checking or choosing chunks (reader.c with the prefilter), or
 * taking values out of a record (evtx_record.c).
 */
#ifndef CRASHSIG_EVTX_IMAGE_H
#define CRASHSIG_EVTX_IMAGE_H

#include "crashsig/reader.h"
#include "evtx_record.h"

struct evtx_image;

/* One chunk for the image, and which of its records to parse. */
struct evtx_image_chunk {
    uint64_t index;      /* in the file, from 0 */
    bool live;           /* libevtx lists its records as records (prefilter_chunk_is_live) */
    const uint8_t *data; /* EVTX_CHUNK_SIZE bytes */
    const struct chunk_facts *facts; /* with the record offsets filled */
    const bool *live_wanted;         /* one per live record of facts */
    const bool *slack_wanted;        /* one per slack record of facts */
    /* Which of the wanted records count as unreadable when libevtx cannot parse them: those
     * the prefilter selects (NULL: every wanted one).  The whole-file read's rescue parses
     * every record but counts only these, as the whole-file read does (reader.c walk_all). */
    const bool *live_counted, *slack_counted;
};

/* An empty image for a file with this header (EVTX_FILE_HEADER_SIZE bytes, copied).  The
 * records it parses go through walk (walk->file is set while an image is open); what they
 * cost and which could not be parsed is counted in range. */
struct evtx_image *evtx_image_new(const struct prefilter *pf, const uint8_t *file_header,
                                  struct evtx_record_walk *walk, struct reader_range *range);
void evtx_image_free(struct evtx_image *im);

/* Adds a chunk, parsing the image first when it is full or when a live chunk would follow a
 * recovered one.  Returns 0, or -1 with a message in err when libevtx cannot open the image. */
int evtx_image_add(struct evtx_image *im, const struct evtx_image_chunk *chunk,
                   struct cs_error *err);

/* Hands the image to libevtx, parses its wanted records, and empties it.  Returns 0, or -1
 * with a message in err when libevtx cannot open it. */
int evtx_image_parse(struct evtx_image *im, struct cs_error *err);

#endif
