/*
 * damaged_gen.c - see damaged_gen.h.
 *
 * EVTX layout used here (as tests/evtxgen/README.md describes it): a 4096-byte file header
 * (CRC-32 of bytes 0-119 at 124, chunk count at 42, last chunk number at 16, flags at 120),
 * then 64 KiB chunks: "ElfChnk\0", first/last record number at 8/16, first/last record id at
 * 24/32, last record offset at 44, free space offset at 48, records CRC at 52 (bytes 512 up to
 * the free space offset), flags at 120, header CRC at 124 (bytes 0-119 and 128-511); records
 * from 512: "**\0\0", size, id, written time, BinXML, size again.
 */
#include "damaged_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evtx_writer.h"

#define ALL_CHUNKS UINT64_MAX

static uint32_t load_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t load_u64(const uint8_t *p)
{
    return (uint64_t)load_u32(p) | (uint64_t)load_u32(p + 4) << 32;
}

static void store_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void store_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void store_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static size_t chunk_start(size_t index)
{
    return DAMAGED_FILE_HEADER_SIZE + index * DAMAGED_CHUNK_SIZE;
}

int evtx_layout_read(const uint8_t *bytes, size_t size, struct evtx_layout *out)
{
    memset(out, 0, sizeof(*out));
    if (size < DAMAGED_FILE_HEADER_SIZE || memcmp(bytes, "ElfFile", 8) != 0)
        return -1;
    for (size_t i = 0; i < DAMAGED_MAX_CHUNKS && chunk_start(i + 1) <= size; i++) {
        const uint8_t *c = bytes + chunk_start(i);
        if (memcmp(c, "ElfChnk", 8) != 0)
            return -1;
        out->chunks[i].first_record_id = load_u64(c + 24);
        out->chunks[i].last_record_id = load_u64(c + 32);
        out->chunks[i].free_space_offset = load_u32(c + 48);
        for (uint32_t at = 512; at + 24 <= out->chunks[i].free_space_offset &&
                                at + 24 <= DAMAGED_CHUNK_SIZE && load_u32(c + at) == 0x2a2a;) {
            uint32_t record_size = load_u32(c + at + 4);
            size_t k = out->chunks[i].record_count++;
            if (k < 4) {
                out->chunks[i].record_offsets[k] = at;
                out->chunks[i].record_sizes[k] = record_size;
            }
            if (record_size < 24 || record_size > DAMAGED_CHUNK_SIZE - at)
                break;
            at += record_size;
        }
        out->chunk_count = i + 1;
    }
    return out->chunk_count > 0 ? 0 : -1;
}

int evtx_layout_chunk_of(const struct evtx_layout *layout, uint64_t record_id)
{
    for (size_t i = 0; i < layout->chunk_count; i++) {
        if (layout->chunks[i].record_count > 0 && record_id >= layout->chunks[i].first_record_id &&
            record_id <= layout->chunks[i].last_record_id)
            return (int)i;
    }
    return -1;
}

void damaged_list_free(struct damaged_list *list)
{
    free(list->items);
    memset(list, 0, sizeof(*list));
}

/* ---- writing one case ------------------------------------------------------------------- */

struct generator {
    const uint8_t *bytes; /* the intact log */
    size_t size;
    const char *name, *dir;
    struct evtx_layout layout;
    uint8_t *work; /* scratch copy, size bytes */
    struct damaged_list *list;
    int failed;
    uint64_t prng;  /* xorshift64 state, fixed seed */
    size_t stride;  /* write every stride-th case (1: all of them) */
    size_t counter; /* cases considered so far */
};

static uint64_t next_random(struct generator *g)
{
    g->prng ^= g->prng << 13;
    g->prng ^= g->prng >> 7;
    g->prng ^= g->prng << 17;
    return g->prng;
}

/* Writes size bytes of data as the next case. */
static void emit(struct generator *g, const uint8_t *data, size_t size, const char *tag,
                 enum damaged_expect expect, uint64_t intact, bool ok_means_identical,
                 const char *what)
{
    if (g->counter++ % g->stride != 0)
        return;
    if (g->list->count == g->list->capacity) {
        g->list->capacity = g->list->capacity ? g->list->capacity * 2 : 128;
        g->list->items = realloc(g->list->items, g->list->capacity * sizeof(*g->list->items));
    }
    struct damaged_case *c = &g->list->items[g->list->count];
    memset(c, 0, sizeof(*c));
    snprintf(c->path, sizeof(c->path), "%s/%s.%s.evtx", g->dir, g->name, tag);
    snprintf(c->what, sizeof(c->what), "%s: %s", g->name, what);
    c->expect = expect;
    c->intact_chunks = intact;
    c->ok_means_identical = ok_means_identical;
    FILE *f = fopen(c->path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        g->failed = 1;
        return;
    }
    g->list->count++;
}

/* The scratch copy, reset to the intact bytes. */
static uint8_t *fresh(struct generator *g)
{
    memcpy(g->work, g->bytes, g->size);
    return g->work;
}

static void fix_file_header_crc(uint8_t *b)
{
    store_u32(b + 124, evtx_crc32(0, b, 120));
}

static void fix_chunk_header_crc(uint8_t *chunk)
{
    uint32_t crc = evtx_crc32(0, chunk, 120);
    crc = evtx_crc32(crc, chunk + 128, 512 - 128);
    store_u32(chunk + 124, crc);
}

static uint64_t all_but(size_t chunk)
{
    return ALL_CHUNKS & ~((uint64_t)1 << chunk);
}

/* ---- damage kinds ----------------------------------------------------------------------- */

static void truncate_at(struct generator *g, size_t offset, const char *where)
{
    if (offset >= g->size)
        return;
    uint64_t intact = 0;
    for (size_t i = 0; i < g->layout.chunk_count; i++)
        if (chunk_start(i + 1) <= offset)
            intact |= (uint64_t)1 << i;
    char tag[64], what[160];
    snprintf(tag, sizeof(tag), "trunc-%07zu", offset);
    snprintf(what, sizeof(what), "truncated at byte %zu (%s)", offset, where);
    emit(g, g->bytes, offset, tag, offset < 8 ? EXPECT_ERROR : EXPECT_NOT_OK, intact, false, what);
}

static void truncations(struct generator *g)
{
    static const size_t header_offsets[] = {1, 4, 7, 8, 16, 42, 64, 119, 120, 127, 128, 2048, 4095};
    static const size_t chunk_offsets[] = {0, 1, 8, 40, 64, 119, 120, 128, 300, 511, 512};
    for (size_t i = 0; i < sizeof(header_offsets) / sizeof(header_offsets[0]); i++)
        truncate_at(g, header_offsets[i], "inside the file header");
    size_t last = g->layout.chunk_count - 1;
    size_t chunks[] = {0, last / 2, last};
    for (size_t k = 0; k < 3; k++) {
        if (k > 0 && chunks[k] == chunks[k - 1])
            continue;
        size_t base = chunk_start(chunks[k]);
        for (size_t i = 0; i < sizeof(chunk_offsets) / sizeof(chunk_offsets[0]); i++)
            truncate_at(g, base + chunk_offsets[i], "inside a chunk header");
        for (size_t r = 0; r < g->layout.chunks[chunks[k]].record_count && r < 3; r++) {
            size_t at = base + g->layout.chunks[chunks[k]].record_offsets[r];
            size_t size = g->layout.chunks[chunks[k]].record_sizes[r];
            const size_t inside[] = {1, 4, 8, 16, 24, 28, size / 2, size - 4, size - 1};
            for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++)
                if (inside[i] < size)
                    truncate_at(g, at + inside[i], "inside a record");
        }
        truncate_at(g, base + DAMAGED_CHUNK_SIZE / 2, "in the middle of a chunk");
        truncate_at(g, base + DAMAGED_CHUNK_SIZE - 1, "one byte short of a whole chunk");
    }
}

static void zeroed_chunks(struct generator *g)
{
    size_t last = g->layout.chunk_count - 1;
    size_t chunks[] = {0, last / 2, last};
    for (size_t k = 0; k < 3; k++) {
        if (k > 0 && chunks[k] == chunks[k - 1])
            continue;
        uint8_t *b = fresh(g);
        memset(b + chunk_start(chunks[k]), 0, DAMAGED_CHUNK_SIZE);
        char tag[32], what[96];
        snprintf(tag, sizeof(tag), "zero-chunk-%02zu", chunks[k]);
        snprintf(what, sizeof(what), "chunk %zu zeroed", chunks[k]);
        emit(g, b, g->size, tag, EXPECT_NOT_OK, all_but(chunks[k]), false, what);
        /* the same with only the records zeroed: the header still claims them */
        b = fresh(g);
        memset(b + chunk_start(chunks[k]) + 512, 0, DAMAGED_CHUNK_SIZE - 512);
        snprintf(tag, sizeof(tag), "zero-records-%02zu", chunks[k]);
        snprintf(what, sizeof(what), "records of chunk %zu zeroed", chunks[k]);
        emit(g, b, g->size, tag, EXPECT_NOT_OK, all_but(chunks[k]), false, what);
    }
    uint8_t *b = fresh(g);
    memset(b, 0, DAMAGED_FILE_HEADER_SIZE);
    emit(g, b, g->size, "zero-file-header", EXPECT_ERROR, 0, false, "file header zeroed");
}

/* Flips one bit at offset.  covered: the byte is under a CRC, so libevtx must notice. */
static void flip(struct generator *g, size_t offset, unsigned bit, bool covered, uint64_t intact,
                 const char *where)
{
    if (offset >= g->size)
        return;
    uint8_t *b = fresh(g);
    b[offset] ^= (uint8_t)(1u << bit);
    char tag[48], what[160];
    snprintf(tag, sizeof(tag), "flip-%07zu-%u", offset, bit);
    snprintf(what, sizeof(what), "bit %u of byte %zu flipped (%s)", bit, offset, where);
    emit(g, b, g->size, tag, covered ? EXPECT_NOT_OK : EXPECT_ANY, intact, true, what);
}

static void bit_flips(struct generator *g)
{
    /* file header: every field, then a few bytes of its unused tail (not under the CRC) */
    static const size_t header[] = {0, 7, 8, 16, 24, 32, 36, 38, 40, 42, 43, 60, 119};
    for (size_t i = 0; i < sizeof(header) / sizeof(header[0]); i++)
        flip(g, header[i], (unsigned)(i * 3) % 8, true, 0, "file header");
    flip(g, 120, 0, false, 0, "file header flags: dirty");
    flip(g, 120, 2, false, 0, "file header flags: unknown bit");
    flip(g, 124, 5, true, 0, "file header CRC");
    flip(g, 1000, 1, false, ALL_CHUNKS, "unused part of the file header");

    /* chunk headers: every field, the string and template tables */
    static const size_t chunk[] = {0,  8,  16,  24,  32,  40,  44,  45,  48,  49,
                                   52, 60, 128, 130, 200, 383, 384, 390, 450, 511};
    size_t last = g->layout.chunk_count - 1;
    size_t chunks[] = {0, last};
    for (size_t k = 0; k < 2; k++) {
        if (k == 1 && last == 0)
            break;
        size_t base = chunk_start(chunks[k]);
        for (size_t i = 0; i < sizeof(chunk) / sizeof(chunk[0]); i++)
            flip(g, base + chunk[i], (unsigned)(i * 5) % 8, true, all_but(chunks[k]),
                 "chunk header");
        flip(g, base + 120, 0, false, all_but(chunks[k]), "chunk header flags");
        flip(g, base + 124, 3, true, all_but(chunks[k]), "chunk header CRC");
    }

    /* BinXML of the first records of the first chunk: fragment header, template instance,
     * names, substitution values, EventData */
    for (size_t r = 0; r < g->layout.chunks[0].record_count && r < 3; r++) {
        size_t at = chunk_start(0) + g->layout.chunks[0].record_offsets[r];
        size_t size = g->layout.chunks[0].record_sizes[r];
        const size_t inside[] = {4,  8,  16,  24,  25,  26,  28,  29,       33,        40,      48,
                                 64, 80, 100, 130, 160, 200, 300, size / 2, size - 12, size - 4};
        for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++)
            if (inside[i] < size)
                flip(g, at + inside[i], (unsigned)(i * 7 + r) % 8, true, all_but(0),
                     "record BinXML");
    }
}

static void wrong_crcs(struct generator *g)
{
    uint8_t *b = fresh(g);
    store_u32(b + 124, load_u32(b + 124) + 1);
    emit(g, b, g->size, "crc-file-header", EXPECT_DAMAGED, ALL_CHUNKS, false,
         "wrong file header CRC");
    size_t last = g->layout.chunk_count - 1;
    size_t chunks[] = {0, last};
    for (size_t k = 0; k < 2; k++) {
        if (k == 1 && last == 0)
            break;
        uint8_t *c = fresh(g) + chunk_start(chunks[k]);
        store_u32(c + 124, load_u32(c + 124) ^ 0x10000);
        char tag[48], what[96];
        snprintf(tag, sizeof(tag), "crc-chunk-header-%02zu", chunks[k]);
        snprintf(what, sizeof(what), "wrong header CRC in chunk %zu", chunks[k]);
        emit(g, g->work, g->size, tag, EXPECT_DAMAGED, ALL_CHUNKS, false, what);
        c = fresh(g) + chunk_start(chunks[k]);
        store_u32(c + 52, load_u32(c + 52) ^ 0x1);
        snprintf(tag, sizeof(tag), "crc-chunk-records-%02zu", chunks[k]);
        snprintf(what, sizeof(what), "wrong records CRC in chunk %zu", chunks[k]);
        emit(g, g->work, g->size, tag, EXPECT_DAMAGED, ALL_CHUNKS, false, what);
    }
}

/* Header fields that lie, written with a CRC that matches the lie (the damage no CRC check
 * can see) and, for the file header, also without. */
static void lying_counts(struct generator *g)
{
    size_t n = g->layout.chunk_count;
    const uint16_t counts[] = {0, 1, (uint16_t)(n + 1), (uint16_t)(n + 100), 0xffff};
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        if (counts[i] == n)
            continue;
        for (int fixed = 0; fixed < 2; fixed++) {
            uint8_t *b = fresh(g);
            store_u16(b + 42, counts[i]);
            store_u64(b + 16, counts[i] ? counts[i] - 1u : 0);
            if (fixed)
                fix_file_header_crc(b);
            char tag[48], what[128];
            snprintf(tag, sizeof(tag), "chunk-count-%05u%s", counts[i], fixed ? "-crc" : "");
            snprintf(what, sizeof(what), "file header says %u chunks, %zu present%s", counts[i], n,
                     fixed ? ", with a matching CRC" : "");
            emit(g, b, g->size, tag, fixed ? EXPECT_ANY : EXPECT_NOT_OK, fixed ? 0 : ALL_CHUNKS,
                 true, what);
        }
    }
    /* chunk 0's record numbers, ids and offsets, with matching header CRCs */
    struct {
        size_t offset, width;
        uint64_t value;
        const char *what;
    } lies[] = {
        {8, 8, UINT64_MAX, "first record number 2^64-1"},
        {16, 8, 1000000000, "last record number 10^9"},
        {8, 8, 1000, "first record number after the last"},
        {24, 8, UINT64_MAX - 5, "first record id near 2^64"},
        {32, 8, 0, "last record id 0"},
        {44, 4, 0xffffffff, "last record offset 2^32-1"},
        {44, 4, 65530, "last record offset at the chunk's end"},
        {48, 4, 0, "free space offset 0"},
        {48, 4, 100, "free space offset inside the header"},
        {48, 4, 65536, "free space offset at the chunk's end"},
        {48, 4, 0xffffffff, "free space offset 2^32-1"},
        {40, 4, 0xffffffff, "header size 2^32-1"},
    };
    for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
        uint8_t *c = fresh(g) + chunk_start(0);
        if (lies[i].width == 8)
            store_u64(c + lies[i].offset, lies[i].value);
        else
            store_u32(c + lies[i].offset, (uint32_t)lies[i].value);
        fix_chunk_header_crc(c);
        char tag[48], what[128];
        snprintf(tag, sizeof(tag), "chunk0-lie-%02zu", i);
        snprintf(what, sizeof(what), "chunk 0: %s, with a matching header CRC", lies[i].what);
        emit(g, g->work, g->size, tag, EXPECT_ANY, all_but(0), true, what);
    }
}

/* Random bytes behind real structure: the shapes most likely to reach libevtx's parsers. */
static void random_bytes(struct generator *g)
{
    static const size_t sizes[] = {8, 100, 4096, 4096 + 65536, 4096 + 2 * 65536};
    uint8_t *b = malloc(4096 + 2 * 65536);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        for (size_t k = 0; k < sizes[i]; k++)
            b[k] = (uint8_t)next_random(g);
        memcpy(b, "ElfFile", 8);
        char tag[48], what[96];
        snprintf(tag, sizeof(tag), "random-%06zu", sizes[i]);
        snprintf(what, sizeof(what), "%zu random bytes after an ElfFile magic", sizes[i]);
        emit(g, b, sizes[i], tag, EXPECT_NOT_OK, 0, false, what);
    }
    size_t size = g->size < chunk_start(2) ? g->size : chunk_start(2);
    for (int variant = 0; variant < 6; variant++) {
        memcpy(b, g->bytes, size);
        /* 0-2: random chunks behind the intact file header; 3-5: random records behind the
         * intact chunk headers */
        size_t keep = variant < 3 ? 8 : 512;
        for (size_t c = 0; chunk_start(c + 1) <= size; c++)
            for (size_t k = keep; k < DAMAGED_CHUNK_SIZE; k++)
                b[chunk_start(c) + k] = (uint8_t)next_random(g);
        char tag[48];
        snprintf(tag, sizeof(tag), "random-%s-%d", variant < 3 ? "chunks" : "records", variant);
        emit(g, b, size, tag, EXPECT_NOT_OK, 0, false,
             variant < 3 ? "random chunk bodies after valid ElfChnk magics"
                         : "random records after valid chunk headers");
    }
    free(b);
}

int damaged_generate(const uint8_t *bytes, size_t size, const char *name, const char *dir,
                     size_t stride, struct damaged_list *list)
{
    struct generator g = {
        bytes, size, name, dir, {0}, NULL, list, 0, 0x9e3779b97f4a7c15ULL, stride ? stride : 1, 0};
    if (evtx_layout_read(bytes, size, &g.layout) != 0)
        return -1;
    g.work = malloc(size);
    truncations(&g);
    zeroed_chunks(&g);
    bit_flips(&g);
    wrong_crcs(&g);
    lying_counts(&g);
    random_bytes(&g);
    free(g.work);
    return g.failed ? -1 : 0;
}
