/*
 * prefilter.h - look at raw EVTX bytes at memory speed, without libevtx, to decide which 64 KiB
 * chunks (and which records in them) can hold an event the reader wants, and to check the file
 * the way libevtx 20181227 checks it when it opens it.
 *
 * An EVTX file is a 4 KiB file header followed by self-contained 64 KiB chunks: a record's
 * BinXML only refers to templates and names inside its own chunk.  A record whose provider is
 * ".NET Runtime" carries that name as UTF-16LE text either in its own bytes (a substitution
 * value) or in a template definition it instantiates, and both lie inside its chunk.  So:
 *
 *   - prefilter_chunk_wanted: does the chunk contain any wanted provider name at all (ASCII
 *     case-insensitive, as reader_filter_wants compares)?  Most chunks are rejected here.
 *   - prefilter_check_chunk: the structural facts libevtx derives when it opens a file - zero
 *     fill, signature, header and event-records CRC-32, the walk over record headers that
 *     gives the record count, and the slack scan that gives the recovered records - computed
 *     with the same rules, so the report can count records and flag damage exactly as the
 *     whole-file read (libevtx on the whole file) does while only a few chunks are handed to
 *     libevtx.
 *   - prefilter_select_records: inside a wanted chunk, which of the records libevtx will list
 *     can hold a wanted provider name (the name in the record's bytes or in one of the
 *     template definitions its template instances point at), have an event id the filter
 *     lists and, for an id whose sources list values (reader_want.values), a substitution
 *     value that is one of them.
 *
 * The replication of libevtx's rules is checked against the real libevtx by
 * tests/test_prefilter.c, on the fixtures and on damaged copies of them.
 *
 * Not for: parsing BinXML into values (libevtx does all of that), or reading files.
 */
#ifndef CRASHSIG_PREFILTER_H
#define CRASHSIG_PREFILTER_H

#include "crashsig/common.h"
#include "crashsig/reader_filter.h"

#define EVTX_FILE_HEADER_SIZE 4096u
#define EVTX_CHUNK_SIZE       65536u
/* The most records one chunk can list (a record is at least 24 bytes). */
#define EVTX_MAX_CHUNK_RECORDS (EVTX_CHUNK_SIZE / 24u + 1u)
/* File header flag: the log was not closed cleanly; libevtx then lists every chunk's records
 * as live, even past the header's chunk count. */
#define EVTX_FLAG_DIRTY 0x1u

struct prefilter;

/* Builds the CRC tables and the needles (the UTF-16LE provider names) for filter.  A provider
 * name that is not valid UTF-8, or empty, makes every chunk and record wanted. */
struct prefilter *prefilter_new(const struct reader_filter *filter);
void prefilter_free(struct prefilter *pf);

/* The instruction sets the prefilter may use, at most (for tests: every level must give the
 * same results).  It always checks what the CPU has. */
enum prefilter_isa {
    PREFILTER_ISA_PLAIN, /* portable C: CRC tables, byte loop */
    PREFILTER_ISA_SSE2,  /* x86-64: SSE2 search, PCLMULQDQ CRC */
    PREFILTER_ISA_AVX2,
    PREFILTER_ISA_BEST, /* AVX-512BW and VPCLMULQDQ where there are */
};

struct prefilter *prefilter_new_isa(const struct reader_filter *filter, enum prefilter_isa isa);

/* CRC-32 as zlib and EVTX compute it, continuing from crc (start with 0). */
uint32_t prefilter_crc32(const struct prefilter *pf, uint32_t crc, const void *data, size_t size);

/* The fields of the 4 KiB file header that libevtx uses, widened the way libevtx reads them. */
struct evtx_header {
    uint16_t first_chunk; /* libevtx keeps only the low 16 bits of these */
    uint16_t last_chunk;
    uint16_t header_block_size; /* where the chunks start; 4096 in every real log */
    uint16_t chunk_count;       /* chunks the header says are in use */
    uint32_t flags;             /* EVTX_FLAG_DIRTY, 0x2 full */
    bool crc_ok;                /* CRC-32 of bytes 0-119 matches the stored one */
};

/* Parses a file header (EVTX_FILE_HEADER_SIZE bytes).  Returns 0, or -1 when the signature is
 * not "ElfFile". */
int prefilter_parse_header(const struct prefilter *pf, const uint8_t *data,
                           struct evtx_header *out);

/* How a chunk is damaged; libevtx counts any of these (in a chunk inside the header's chunk
 * count) as corruption of the file. */
enum chunk_damage {
    CHUNK_ZERO_FILLED = 1u << 0,      /* every byte is 0 */
    CHUNK_BAD_SIGNATURE = 1u << 1,    /* no "ElfChnk" */
    CHUNK_BAD_HEADER_CRC = 1u << 2,   /* CRC-32 of bytes 0-119 and 128-511 */
    CHUNK_BAD_RECORDS_CRC = 1u << 3,  /* CRC-32 of bytes 512 up to the free space offset */
    CHUNK_NUMBERS_REVERSED = 1u << 4, /* first record number above the last */
    CHUNK_COUNT_MISMATCH = 1u << 5,   /* records walked != last - first + 1 */
    CHUNK_UNSUPPORTED = 1u << 6,      /* header size not 128 or free space offset out of
                                         bounds: libevtx refuses to open the whole file (so
                                         crashsig leaves this chunk out and reads the rest) */
};

/* Describes damage bits as text ("bad signature, event records CRC mismatch"). */
void prefilter_describe_damage(uint32_t damage, char *out, size_t size);

/* What libevtx will see in one chunk. */
struct chunk_facts {
    uint32_t damage;       /* enum chunk_damage bits */
    uint64_t first_number; /* the header's first and last event record numbers */
    uint64_t last_number;
    uint32_t live_count;  /* record headers libevtx walks from offset 512 */
    uint32_t slack_count; /* records libevtx recovers from the rest of the chunk */
    /* Offsets of those records inside the chunk, in libevtx's order; filled when the caller
     * passes arrays of EVTX_MAX_CHUNK_RECORDS entries, else NULL. */
    uint16_t *live;
    uint16_t *slack;
};

/* Computes the facts of one EVTX_CHUNK_SIZE chunk (live/slack may point at arrays to fill). */
void prefilter_check_chunk(const struct prefilter *pf, const uint8_t *chunk,
                           struct chunk_facts *facts);

/* The identifier stored in the header of the record at offset (from chunk facts). */
uint64_t prefilter_record_id(const uint8_t *chunk, uint16_t offset);

/*
 * libevtx's view of a whole file, added up chunk by chunk (chunks may be tallied in ranges and
 * the tallies summed).  Chunk indexes are the chunk's position in the file, from 0.
 */
struct evtx_tally {
    uint64_t records;            /* what libevtx_file_get_number_of_records will say */
    uint64_t recovered_records;  /* what libevtx_file_get_number_of_recovered_records will say */
    uint64_t counted_chunks;     /* chunks libevtx counts against the header's chunk count */
    uint64_t damaged_chunks;     /* chunks whose damage makes libevtx flag the file corrupted,
                                    and unsupported chunks */
    bool unsupported;            /* a chunk libevtx cannot read at all: it refuses the file,
                                    and crashsig reads the other chunks without it */
    uint64_t damaged_past_count; /* damaged chunks past the header's chunk count whose records
                                    a dirty log lists as live: libevtx does not flag these, but
                                    their records may be lost, so crashsig does */
};

/* True when libevtx lists the records of chunk index as records, false when as recovered
 * records (a chunk past the header's chunk count in a log that was closed cleanly). */
bool prefilter_chunk_is_live(const struct evtx_header *header, uint64_t index);

/* Adds one chunk to the tally.  Returns true when its damage counts as file corruption, or as
 * damage crashsig reports though libevtx does not (damaged_past_count). */
bool prefilter_tally_chunk(const struct evtx_header *header, uint64_t index,
                           const struct chunk_facts *facts, struct evtx_tally *tally);

void prefilter_tally_add(struct evtx_tally *sum, const struct evtx_tally *part);

/* What is wrong with the file as a whole once every chunk is tallied. */
enum file_damage {
    FILE_BAD_HEADER_CRC = 1u << 0,       /* CRC-32 of the header's bytes 0-119 */
    FILE_CHUNKS_REVERSED = 1u << 1,      /* first chunk number above the last */
    FILE_CHUNK_NUMBERS_DIFFER = 1u << 2, /* chunk count != last - first + 1 */
    FILE_CHUNK_COUNT_DIFFERS = 1u << 3,  /* chunk count != chunks libevtx counts */
};

uint32_t prefilter_file_damage(const struct evtx_header *header, const struct evtx_tally *tally);

/* True when libevtx 20181227 flags the file corrupted (libevtx_file_is_corrupted). */
bool prefilter_file_corrupted(const struct evtx_header *header, const struct evtx_tally *tally);

/* True when a wanted provider name occurs anywhere in the chunk. */
bool prefilter_chunk_wanted(const struct prefilter *pf, const uint8_t *chunk);

/* For each live and slack record of facts (offsets filled), sets live_wanted[i] /
 * slack_wanted[i] when the record may be one the filter wants (provider, event id, values).  A
 * record whose BinXML does not have the expected shape is always wanted; so is every record
 * the reader's filter would keep.  Returns the number of wanted records. */
size_t prefilter_select_records(const struct prefilter *pf, const uint8_t *chunk,
                                const struct chunk_facts *facts, bool *live_wanted,
                                bool *slack_wanted);

#endif
