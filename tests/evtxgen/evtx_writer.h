/*
 * evtx_writer.h - minimal streaming writer for Windows XML Event Log (.evtx)
 * files, used to build test fixtures for crashsig on machines without Windows.
 *
 * What it is for: writing files laid out the way Windows writes them (4 KiB
 * file header, 64 KiB chunks, BinXML records built from chunk-local templates
 * and a chunk-local common string table) so that libevtx parses them like
 * real logs.  It can also write deliberately damaged files (bad CRCs) and
 * "recovered" records left in chunk slack space.
 *
 * What it is not: a general BinXML encoder.  It only writes the System layout
 * used by the Application/System channels plus an EventData section made of
 * unnamed <Data> strings (classic events), named <Data Name="..."> strings
 * (manifest events) and an optional <Binary> blob.  No UserData, no SIDs, no
 * activity ids, no reading.
 *
 * Memory use is bounded: one 64 KiB chunk is built in memory at a time and
 * written to the file when it is full.
 */
#ifndef EVTX_WRITER_H
#define EVTX_WRITER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* File header flags (offset 120 of the file header). */
#define EVTX_FILE_FLAG_DIRTY 0x0001u
#define EVTX_FILE_FLAG_FULL  0x0002u

struct evtx_writer;

struct evtx_writer_options {
    /* EVTX record identifier of the first record; 0 means 1. */
    uint64_t first_record_id;
    /* Start a new chunk after this many records; 0 fills chunks by size. */
    uint32_t max_records_per_chunk;
    /* EVTX_FILE_FLAG_DIRTY and/or EVTX_FILE_FLAG_FULL. */
    uint32_t file_flags;
    /* Damage for robustness tests; a zeroed struct damages nothing. */
    int bad_file_header_crc;              /* nonzero: wrong file header CRC */
    int bad_chunk_header_crc;             /* nonzero: wrong header CRC in... */
    uint64_t bad_chunk_header_crc_index;  /* ...this chunk (0-based) */
    int bad_chunk_records_crc;            /* nonzero: wrong records CRC in... */
    uint64_t bad_chunk_records_crc_index; /* ...this chunk (0-based) */
};

/* One <Data Name="name">value</Data> element of a manifest event. */
struct evtx_named_data {
    const char *name;  /* UTF-8, required */
    const char *value; /* UTF-8, NULL is written as "" */
};

/*
 * One event.  All strings are UTF-8 and are only read during
 * evtx_writer_add().  For robustness tests, "\xc0\x80" writes a NUL inside a
 * string and a surrogate encoded as a 3-byte sequence ("\xed\xa0\x80",
 * WTF-8) writes that lone UTF-16 surrogate, as a damaged or hostile event
 * can hold them.  A zeroed struct plus provider, channel and computer is
 * a valid classic event without EventData.
 */
struct evtx_event {
    const char *provider;      /* <Provider Name=""> required */
    const char *provider_guid; /* "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" or NULL */
    uint16_t event_id;
    int has_qualifiers; /* nonzero: <EventID Qualifiers="qualifiers"> */
    uint16_t qualifiers;
    uint8_t version;
    uint8_t level;
    uint16_t task;
    uint8_t opcode;
    uint64_t keywords;           /* e.g. 0x80000000000000 (EventLogClassic) */
    uint64_t time_created;       /* FILETIME: 100 ns ticks since 1601-01-01 UTC */
    int64_t written_time_offset; /* record header written time minus time_created */
    uint64_t event_record_id;    /* <EventRecordID>; 0: the EVTX record identifier */
    uint32_t process_id;         /* <Execution ProcessID=""> */
    uint32_t thread_id;          /* <Execution ThreadID=""> */
    const char *channel;         /* required, e.g. "Application" */
    const char *computer;        /* required */
    /* EventData: unnamed strings (classic) or named strings (manifest), not
     * both.  NULL entries in data are written as "". */
    const char *const *data;
    size_t n_data;
    const struct evtx_named_data *named_data;
    size_t n_named_data;
    /* Optional <Binary> element after the strings (classic events). */
    const uint8_t *binary;
    size_t binary_size;
    /* Nonzero: do not add a live record; leave this event as a complete
     * record in the slack space of the current chunk (after the free space
     * offset), where libevtx reports it as a recovered record.  It does not
     * use up a record identifier: its EVTX record identifier is
     * event_record_id, or the next unused identifier if that is 0. */
    int recovered;
};

/* Fills opt with defaults: first record id 1, no chunk limit, no flags, no
 * damage.  A zero-initialized struct means the same. */
void evtx_writer_options_init(struct evtx_writer_options *opt);

/* Creates path and reserves room for the file header.  opt may be NULL for
 * defaults.  Returns NULL and a message in err on failure. */
struct evtx_writer *evtx_writer_open(const char *path, const struct evtx_writer_options *opt,
                                     char *err, size_t errlen);

/* Appends one event.  Returns 0 on success, -1 with a message in err on
 * failure.  After a failure the event is not in the file and, unless the
 * failure was a write error, the writer can still be used. */
int evtx_writer_add(struct evtx_writer *w, const struct evtx_event *ev, char *err, size_t errlen);

/* Writes the last chunk and the final file header (chunk count, next record
 * identifier, flags, CRC), closes the file and frees w.  Returns 0 or -1. */
int evtx_writer_close(struct evtx_writer *w, char *err, size_t errlen);

/* Identifier the next live record will get. */
uint64_t evtx_writer_next_record_id(const struct evtx_writer *w);

/* Number of chunks written or started so far. */
uint64_t evtx_writer_chunk_count(const struct evtx_writer *w);

/* CRC-32 as used by EVTX (the zlib/RFC 1952 one), continuing from crc (start
 * with 0).  Exposed for tests. */
uint32_t evtx_crc32(uint32_t crc, const void *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* EVTX_WRITER_H */
