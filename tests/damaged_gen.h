/*
 * damaged_gen.h - the damaged-log suite's generator: from an intact .evtx (a fixture), write
 * deterministic damaged copies and say, for each, what crashsig must still do with it.
 *
 * Damage kinds: truncation at every interesting offset (inside the file header, inside a chunk
 * header, inside the first records), zeroed chunks, flipped bits in the file header, in chunk
 * headers and in records' BinXML, wrong CRCs, chunk counts and record ranges that lie (with
 * and without a CRC that matches the lie), free-space and last-record offsets out of range,
 * and random bytes behind a valid file header or chunk magic.  The same fixture always gives
 * the same files: no clock, a fixed-seed PRNG.
 *
 * Not for: running crashsig (tests/test_damaged.c does that) or inputs that are not derived
 * from one intact log (empty files, directories, files that change while read: also there).
 */
#ifndef CRASHSIG_TESTS_DAMAGED_GEN_H
#define CRASHSIG_TESTS_DAMAGED_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DAMAGED_FILE_HEADER_SIZE 4096
#define DAMAGED_CHUNK_SIZE       65536
#define DAMAGED_MAX_CHUNKS       64

/* What the input report's status may be. */
enum damaged_expect {
    EXPECT_ANY = 0, /* ok, damaged or error: the damage may be invisible to libevtx */
    EXPECT_NOT_OK,  /* damaged or error: the damage is in bytes a CRC covers, or data is gone */
    EXPECT_DAMAGED, /* read, but flagged: nothing is lost, every incident must be reported */
    EXPECT_ERROR,   /* not an EVTX log at all */
};

/* Where an intact log's chunks are and which records each holds. */
struct evtx_layout {
    size_t chunk_count; /* complete chunks present in the file */
    struct {
        uint64_t first_record_id, last_record_id;
        uint32_t free_space_offset;
        size_t record_count;
        uint32_t record_offsets[4]; /* the first few records' offsets in the chunk */
        uint32_t record_sizes[4];
    } chunks[DAMAGED_MAX_CHUNKS];
};

/* One damaged copy. */
struct damaged_case {
    char path[1024];
    char what[160]; /* what was done, for messages */
    enum damaged_expect expect;
    uint64_t intact_chunks;  /* bit i: chunk i untouched, its incidents must be found */
    bool ok_means_identical; /* if crashsig says "ok", the result must be the intact one's */
};

struct damaged_list {
    size_t count, capacity;
    struct damaged_case *items;
};

/* Reads the chunk layout of an intact log.  Returns 0, or -1 when it is not one. */
int evtx_layout_read(const uint8_t *bytes, size_t size, struct evtx_layout *out);

/* Writes the damaged copies of the log (bytes, size; its file name without .evtx in name)
 * into dir and appends them to list: every one with stride 1, every stride-th otherwise (the
 * same ones each time).  Returns 0, or -1 when the log's layout cannot be read or a file
 * cannot be written. */
int damaged_generate(const uint8_t *bytes, size_t size, const char *name, const char *dir,
                     size_t stride, struct damaged_list *list);

void damaged_list_free(struct damaged_list *list);

/* Which chunk (0-based) holds the live record with this EVTX record id, or -1. */
int evtx_layout_chunk_of(const struct evtx_layout *layout, uint64_t record_id);

#endif
