/*
 * evtx_image.c - hand libevtx a few selected chunks as an in-memory EVTX file, and parse only
 * the selected records in it (evtx_image.h).
 *
 * The image is a copy of the real file header, patched to describe the chunks that follow,
 * and the selected chunks, given to libevtx through a libbfio memory-range handle.  libevtx
 * lists a chunk's records as records when the chunk lies inside the header's chunk count (or
 * the log is dirty) and as recovered records otherwise, so the patched count keeps every
 * record in the list it is in for the real file.  Inside the image only the records selected
 * for it are parsed; their list positions follow from the prefilter's record walk, and
 * libevtx's own counts for the image are checked against it before use.
 *
 * Not for: reading the file or choosing the chunks and records (reader.c), or the values of a
 * record (evtx_record.c).
 */
#include "evtx_image.h"

#include <stdlib.h>
#include <string.h>

#include "reader_damage.h"

/* Chunks in one in-memory image handed to libevtx. */
#define IMAGE_CHUNKS 16

/* The chunks handed to libevtx together, with the records to parse in each. */
struct evtx_image {
    const struct prefilter *pf;
    struct evtx_record_walk *walk;
    struct reader_range *range;
    uint8_t *data; /* file header, then up to IMAGE_CHUNKS chunks */
    uint8_t header[EVTX_FILE_HEADER_SIZE];
    size_t chunks;
    size_t live_chunks; /* the first live_chunks are listed as records, the rest recovered */
    uint64_t index[IMAGE_CHUNKS];
    bool intact[IMAGE_CHUNKS]; /* no chunk_damage: its records area is as it was written */
    uint32_t live_count[IMAGE_CHUNKS], slack_count[IMAGE_CHUNKS];
    uint16_t *live_offset[IMAGE_CHUNKS], *slack_offset[IMAGE_CHUNKS];
    bool *live_wanted[IMAGE_CHUNKS], *slack_wanted[IMAGE_CHUNKS];
    bool *live_counted[IMAGE_CHUNKS], *slack_counted[IMAGE_CHUNKS]; /* evtx_image_chunk's */
};

struct evtx_image *evtx_image_new(const struct prefilter *pf, const uint8_t *file_header,
                                  struct evtx_record_walk *walk, struct reader_range *range)
{
    struct evtx_image *im = cs_xcalloc(1, sizeof(*im));
    im->pf = pf;
    im->walk = walk;
    im->range = range;
    memcpy(im->header, file_header, EVTX_FILE_HEADER_SIZE);
    im->data = cs_xmalloc(EVTX_FILE_HEADER_SIZE + (size_t)IMAGE_CHUNKS * EVTX_CHUNK_SIZE);
    for (size_t i = 0; i < IMAGE_CHUNKS; i++) {
        im->live_offset[i] = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(uint16_t));
        im->slack_offset[i] = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(uint16_t));
        im->live_wanted[i] = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(bool));
        im->slack_wanted[i] = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(bool));
        im->live_counted[i] = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(bool));
        im->slack_counted[i] = cs_xmalloc(EVTX_MAX_CHUNK_RECORDS * sizeof(bool));
    }
    return im;
}

void evtx_image_free(struct evtx_image *im)
{
    if (im == NULL)
        return;
    free(im->data);
    for (size_t i = 0; i < IMAGE_CHUNKS; i++) {
        free(im->live_offset[i]);
        free(im->slack_offset[i]);
        free(im->live_wanted[i]);
        free(im->slack_wanted[i]);
        free(im->live_counted[i]);
        free(im->slack_counted[i]);
    }
    free(im);
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The real header, saying that the image's first live_chunks chunks are the ones in use, and
 * that they start at 4096 (the real header's block size may be damaged: reader_plan_file). */
static void image_write_header(struct evtx_image *im)
{
    uint8_t *h = im->data;
    memcpy(h, im->header, EVTX_FILE_HEADER_SIZE);
    h[40] = (uint8_t)(EVTX_FILE_HEADER_SIZE & 0xff);
    h[41] = (uint8_t)(EVTX_FILE_HEADER_SIZE >> 8);
    put_le64(h + 8, 0);
    put_le64(h + 16, im->live_chunks ? im->live_chunks - 1 : 0);
    h[42] = (uint8_t)im->live_chunks;
    h[43] = (uint8_t)(im->live_chunks >> 8);
    uint32_t crc = prefilter_crc32(im->pf, 0, h, 120);
    for (int i = 0; i < 4; i++)
        h[124 + i] = (uint8_t)(crc >> (8 * i));
}

/* Parses the wanted records of one chunk list of the image: the records list (recovered
 * false) or the recovered records list. */
static void parse_image_list(struct evtx_image *im, bool recovered)
{
    int base = 0;
    for (size_t j = 0; j < im->chunks && !im->walk->stopped; j++) {
        bool live = j < im->live_chunks;
        for (int slack = 0; slack < 2; slack++) {
            if (slack ? !recovered : live == recovered)
                continue;
            uint32_t n = slack ? im->slack_count[j] : im->live_count[j];
            const bool *wanted = slack ? im->slack_wanted[j] : im->live_wanted[j];
            const bool *counted = slack ? im->slack_counted[j] : im->live_counted[j];
            const uint16_t *offset = slack ? im->slack_offset[j] : im->live_offset[j];
            for (uint32_t k = 0; k < n && !im->walk->stopped; k++) {
                if (!wanted[k])
                    continue;
                im->range->parsed_records++;
                const uint8_t *chunk = im->data + EVTX_FILE_HEADER_SIZE + j * EVTX_CHUNK_SIZE;
                struct evtx_record_bytes bytes = {chunk, offset[k], !slack && im->intact[j]};
                if (evtx_record_visit(im->walk, recovered, base + (int)k, &bytes) || !counted[k])
                    continue;
                reader_range_note_unreadable(im->range, im->index[j],
                                             prefilter_record_id(chunk, offset[k]), recovered);
            }
            base += (int)n;
        }
    }
}

/* The image lists other records than the prefilter walked (which the tests have never seen
 * happen): the positions cannot be trusted, so every record libevtx lists is parsed. */
static void parse_image_all(struct evtx_image *im, int records, int recovered)
{
    for (int kind = 0; kind < 2; kind++)
        for (int i = 0; i < (kind ? recovered : records) && !im->walk->stopped; i++) {
            im->range->parsed_records++;
            if (!evtx_record_visit(im->walk, kind == 1, i, NULL))
                reader_range_note_unreadable(im->range, READER_CHUNK_UNKNOWN, (uint64_t)i,
                                             kind == 1);
        }
}

int evtx_image_parse(struct evtx_image *im, struct cs_error *err)
{
    if (im->chunks == 0)
        return 0;
    image_write_header(im);
    libbfio_handle_t *io = NULL;
    libevtx_file_t *file = NULL;
    libevtx_error_t *error = NULL;
    size_t size = EVTX_FILE_HEADER_SIZE + im->chunks * EVTX_CHUNK_SIZE;
    if (libbfio_memory_range_initialize(&io, &error) != 1 ||
        libbfio_memory_range_set(io, im->data, size, &error) != 1 ||
        libevtx_file_initialize(&file, &error) != 1 ||
        libevtx_file_open_file_io_handle(file, io, LIBEVTX_OPEN_READ, &error) != 1) {
        char why[256];
        evtx_describe_error(error, why, sizeof(why));
        cs_error_set(err, "libevtx cannot read chunks %llu-%llu: %s",
                     (unsigned long long)im->index[0],
                     (unsigned long long)im->index[im->chunks - 1], why);
        libevtx_error_free(&error);
        if (file)
            libevtx_file_free(&file, NULL);
        libbfio_handle_free(&io, NULL);
        return -1;
    }
    /* the image must list exactly what the prefilter walked, or the positions are wrong */
    uint64_t want_records = 0, want_recovered = 0;
    for (size_t j = 0; j < im->chunks; j++) {
        *(j < im->live_chunks ? &want_records : &want_recovered) += im->live_count[j];
        want_recovered += im->slack_count[j];
    }
    int records = -1, recovered = -1;
    libevtx_file_get_number_of_records(file, &records, &error);
    libevtx_error_free(&error);
    libevtx_file_get_number_of_recovered_records(file, &recovered, &error);
    libevtx_error_free(&error);
    im->walk->file = file;
    if ((uint64_t)records == want_records && (uint64_t)recovered == want_recovered) {
        parse_image_list(im, false);
        parse_image_list(im, true);
    } else {
        parse_image_all(im, records, recovered);
    }
    im->walk->file = NULL;
    evtx_close_file(file);
    libbfio_handle_free(&io, NULL);
    im->chunks = im->live_chunks = 0;
    return 0;
}

/*
 * libevtx checks the event records CRC of every chunk it reads, with a byte-at-a-time CRC, and
 * reads each chunk twice (when it opens the image and when a record is fetched): for a chunk
 * with one wanted record that costs far more than parsing the record.  The prefilter has
 * checked that CRC already, so the copy in the image says its records area is empty: libevtx
 * uses the free space offset for nothing but that CRC (the record walk follows the last record
 * offset, the slack scan starts where the walk stops), and the header CRC is made to match.
 */
static void empty_records_crc(uint8_t *chunk, const struct prefilter *pf)
{
    static const uint8_t free_512_crc_0[8] = {0x00, 0x02, 0, 0, 0, 0, 0, 0};
    memcpy(chunk + 48, free_512_crc_0, sizeof(free_512_crc_0));
    uint32_t crc = prefilter_crc32(pf, prefilter_crc32(pf, 0, chunk, 120), chunk + 128, 384);
    for (int i = 0; i < 4; i++)
        chunk[124 + i] = (uint8_t)(crc >> (8 * i));
}

/* A live chunk cannot follow a recovered one: the patched header cannot say that. */
int evtx_image_add(struct evtx_image *im, const struct evtx_image_chunk *chunk,
                   struct cs_error *err)
{
    const struct chunk_facts *facts = chunk->facts;
    if (im->chunks == IMAGE_CHUNKS || (chunk->live && im->live_chunks < im->chunks))
        if (evtx_image_parse(im, err) != 0)
            return -1;
    size_t j = im->chunks++;
    im->live_chunks += chunk->live;
    im->index[j] = chunk->index;
    im->intact[j] = facts->damage == 0;
    im->live_count[j] = facts->live_count;
    im->slack_count[j] = facts->slack_count;
    uint8_t *copy = im->data + EVTX_FILE_HEADER_SIZE + j * EVTX_CHUNK_SIZE;
    memcpy(copy, chunk->data, EVTX_CHUNK_SIZE);
    if (!(facts->damage & CHUNK_BAD_SIGNATURE))
        empty_records_crc(copy, im->pf);
    memcpy(im->live_offset[j], facts->live, facts->live_count * sizeof(uint16_t));
    memcpy(im->slack_offset[j], facts->slack, facts->slack_count * sizeof(uint16_t));
    memcpy(im->live_wanted[j], chunk->live_wanted, facts->live_count * sizeof(bool));
    memcpy(im->slack_wanted[j], chunk->slack_wanted, facts->slack_count * sizeof(bool));
    memcpy(im->live_counted[j], chunk->live_counted ? chunk->live_counted : chunk->live_wanted,
           facts->live_count * sizeof(bool));
    memcpy(im->slack_counted[j], chunk->slack_counted ? chunk->slack_counted : chunk->slack_wanted,
           facts->slack_count * sizeof(bool));
    return 0;
}
