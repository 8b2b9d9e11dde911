/*
 * reader_damage.c - what a read found wrong with a file, in a struct reader_range and in the
 * input report's warnings (reader_damage.h, and reader_range_free / reader_report_ranges of
 * reader.h).
 *
 * The warnings name the place (file header, chunk index and file offset, record) and the kind
 * of damage, the same in both read modes: the whole-file read takes the damaged chunks from
 * the prefilter's view of the file, and the selected-chunk read from its ranges.
 *
 * Not for: finding damage (prefilter.c checks chunks as libevtx does) or reading files.
 */
#include "reader_damage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the lists of a range -------------------------------------------------------------- */

void reader_range_free(struct reader_range *range)
{
    free(range->damage);
    free(range->unreadable);
    for (size_t i = 0; i < range->warning_count; i++)
        free(range->warnings[i]);
    free(range->warnings);
    memset(range, 0, sizeof(*range));
}

void reader_range_note_damage(struct reader_range *range, uint64_t chunk,
                              const struct chunk_facts *facts)
{
    if (range->damage_count == READER_MAX_LISTED)
        return;
    range->damage = cs_xrealloc(range->damage, (range->damage_count + 1) * sizeof(*range->damage));
    range->damage[range->damage_count++] = (struct reader_damage){
        chunk, facts->damage, facts->live_count, facts->first_number, facts->last_number};
}

void reader_range_note_unreadable(struct reader_range *range, uint64_t chunk, uint64_t record_id,
                                  bool recovered)
{
    range->unreadable_records++;
    range->unreadable_recovered += recovered;
    /* the first few of each list, so that both can be named */
    size_t same_kind = 0;
    for (size_t i = 0; i < range->unreadable_count; i++)
        same_kind += range->unreadable[i].recovered == recovered;
    if (same_kind == READER_MAX_LISTED)
        return;
    range->unreadable =
        cs_xrealloc(range->unreadable, (range->unreadable_count + 1) * sizeof(*range->unreadable));
    range->unreadable[range->unreadable_count++] =
        (struct reader_unreadable){chunk, record_id, recovered};
}

/* ---- warnings -------------------------------------------------------------------------- */

/* A file that ends inside a chunk was cut (a copy that stopped, a full disk): whatever that
 * chunk held is lost, whatever libevtx says of the rest. */
static void warn_cut_chunk(struct input_report *report, const struct reader_layout *layout)
{
    if (layout->cut_chunk_bytes == 0)
        return;
    unsigned long long offset = EVTX_FILE_HEADER_SIZE + layout->chunk_count * EVTX_CHUNK_SIZE;
    input_report_warn(report,
                      "chunk %llu (file offset %llu): the file ends %u bytes into this %u-byte "
                      "chunk; it was cut, and the records of this chunk are lost",
                      (unsigned long long)layout->chunk_count, offset, layout->cut_chunk_bytes,
                      EVTX_CHUNK_SIZE);
}

static void warn_file_damage(struct input_report *report, const struct evtx_header *h,
                             uint32_t damage, uint64_t counted)
{
    /* Not damage, so the status stays ok (libevtx agrees), but the reader should know that the
     * header's counts were stale and that records beyond them were read from the chunks. */
    if (h->flags & EVTX_FLAG_DIRTY)
        input_report_warn(report, "file header: the log is marked dirty (copied while Windows "
                                  "had it open, not exported); every chunk in the file was read");
    if (damage & FILE_BAD_HEADER_CRC)
        input_report_warn(report, "file header: CRC mismatch");
    if (h->header_block_size != EVTX_FILE_HEADER_SIZE)
        input_report_warn(report,
                          "file header: header block size %u, not %u (damaged); the chunks were "
                          "read from offset %u, where every EVTX version puts them",
                          h->header_block_size, EVTX_FILE_HEADER_SIZE, EVTX_FILE_HEADER_SIZE);
    if (damage & FILE_CHUNKS_REVERSED)
        input_report_warn(report, "file header: first chunk number %u is above the last, %u",
                          h->first_chunk, h->last_chunk);
    if (damage & FILE_CHUNK_NUMBERS_DIFFER)
        input_report_warn(report, "file header: chunk count %u does not match chunk numbers %u-%u",
                          h->chunk_count, h->first_chunk, h->last_chunk);
    if (damage & FILE_CHUNK_COUNT_DIFFERS)
        input_report_warn(report,
                          "file header: chunk count %u, but the file holds %llu chunks in use",
                          h->chunk_count, (unsigned long long)counted);
}

static void warn_chunk_damage(struct input_report *report, const struct reader_damage *d)
{
    char what[256];
    prefilter_describe_damage(d->kinds, what, sizeof(what));
    unsigned long long offset = EVTX_FILE_HEADER_SIZE + d->chunk * EVTX_CHUNK_SIZE;
    if (d->kinds & CHUNK_COUNT_MISMATCH)
        input_report_warn(report,
                          "chunk %llu (file offset %llu): %s (%u records, numbers %llu-%llu)",
                          (unsigned long long)d->chunk, offset, what, d->records,
                          (unsigned long long)d->first_number, (unsigned long long)d->last_number);
    else
        input_report_warn(report, "chunk %llu (file offset %llu): %s", (unsigned long long)d->chunk,
                          offset, what);
}

/* "record 4711 in chunk 12, record 4712 in chunk 12, ..." */
static void warn_unreadable(struct input_report *report, bool recovered, uint64_t total,
                            const struct reader_unreadable *const *listed, size_t count)
{
    if (total == 0)
        return;
    char text[400] = "";
    size_t used = 0;
    for (size_t i = 0; i < count && used < sizeof(text); i++) {
        const struct reader_unreadable *u = listed[i];
        if (u->chunk == READER_CHUNK_UNKNOWN) /* record_id is then libevtx's list index */
            used += (size_t)snprintf(text + used, sizeof(text) - used, "%sindex %llu",
                                     i ? ", " : "", (unsigned long long)u->record_id);
        else
            used += (size_t)snprintf(
                text + used, sizeof(text) - used, "%srecord %llu in chunk %llu", i ? ", " : "",
                (unsigned long long)u->record_id, (unsigned long long)u->chunk);
    }
    input_report_warn(report, "%llu %srecord%s could not be parsed: %s%s",
                      (unsigned long long)total, recovered ? "recovered " : "",
                      total == 1 ? "" : "s", text, total > count ? ", ..." : "");
}

/* Damage and unreadable lists of all ranges, the first READER_MAX_LISTED of each. */
static void warn_ranges(struct input_report *report, const struct reader_range *ranges,
                        size_t count, uint64_t damaged_chunks)
{
    size_t listed = 0;
    for (size_t r = 0; r < count; r++)
        for (size_t i = 0; i < ranges[r].damage_count && listed < READER_MAX_LISTED; i++, listed++)
            warn_chunk_damage(report, &ranges[r].damage[i]);
    if (damaged_chunks > listed)
        input_report_warn(report, "%llu more damaged chunks",
                          (unsigned long long)(damaged_chunks - listed));
    for (size_t r = 0; r < count; r++)
        for (size_t i = 0; i < ranges[r].warning_count; i++)
            input_report_warn(report, "%s", ranges[r].warnings[i]);
    for (int recovered = 0; recovered < 2; recovered++) {
        const struct reader_unreadable *first[READER_MAX_LISTED];
        size_t n = 0;
        uint64_t total = 0;
        for (size_t r = 0; r < count; r++) {
            total += recovered ? ranges[r].unreadable_recovered
                               : ranges[r].unreadable_records - ranges[r].unreadable_recovered;
            for (size_t i = 0; i < ranges[r].unreadable_count; i++)
                if (ranges[r].unreadable[i].recovered == recovered && n < READER_MAX_LISTED)
                    first[n++] = &ranges[r].unreadable[i];
        }
        warn_unreadable(report, recovered, total, first, n);
    }
}

void reader_report_ranges(struct input_report *report, const struct reader_layout *layout,
                          const struct reader_range *ranges, size_t range_count)
{
    const struct evtx_header *header = &layout->header;
    struct evtx_tally tally = {0};
    uint64_t unreadable = 0;
    for (size_t i = 0; i < range_count; i++) {
        prefilter_tally_add(&tally, &ranges[i].tally);
        report->events_kept += ranges[i].events_kept;
        unreadable += ranges[i].unreadable_records;
    }
    report->records = tally.records;
    report->recovered_records = tally.recovered_records;
    report->unreadable_records = unreadable;
    uint32_t file_damage = prefilter_file_damage(header, &tally);
    warn_file_damage(report, header, file_damage, tally.counted_chunks);
    uint64_t missing = 0;
    for (size_t i = 0; i < range_count; i++)
        missing += ranges[i].missing_chunks;
    if (missing)
        input_report_warn(report, "the file ended %llu chunks early (it shrank while being read)",
                          (unsigned long long)missing);
    warn_cut_chunk(report, layout);
    warn_ranges(report, ranges, range_count, tally.damaged_chunks + tally.damaged_past_count);
    bool damaged = file_damage || tally.damaged_chunks || tally.damaged_past_count || unreadable ||
                   missing || layout->cut_chunk_bytes ||
                   header->header_block_size != EVTX_FILE_HEADER_SIZE;
    report->status = damaged ? INPUT_DAMAGED : INPUT_OK;
}

void reader_warn_structure(struct input_report *report, bool structure_valid,
                           const struct reader_layout *layout, const struct reader_range *range,
                           bool corrupted)
{
    size_t before = report->warning_count;
    if (structure_valid) {
        uint32_t file_damage = prefilter_file_damage(&layout->header, &range->tally);
        warn_file_damage(report, &layout->header, file_damage, range->tally.counted_chunks);
        warn_cut_chunk(report, layout);
        struct reader_range damage_only = {.damage_count = range->damage_count,
                                           .damage = range->damage};
        warn_ranges(report, &damage_only, 1,
                    range->tally.damaged_chunks + range->tally.damaged_past_count);
    }
    if (corrupted && report->warning_count == before)
        input_report_warn(report, "libevtx flags the file as corrupted (a dirty, unsynchronized "
                                  "or damaged log); read as far as possible");
}

void reader_warn_unreadable(struct input_report *report, const struct reader_range *range)
{
    struct reader_range unreadable_only = {.unreadable_count = range->unreadable_count,
                                           .unreadable = range->unreadable,
                                           .unreadable_records = range->unreadable_records,
                                           .unreadable_recovered = range->unreadable_recovered};
    warn_ranges(report, &unreadable_only, 1, 0);
}
