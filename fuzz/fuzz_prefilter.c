/*
 * fuzz_prefilter.c - libFuzzer target: the chunk prefilter (prefilter.h), which reads raw EVTX
 * bytes without libevtx and so is crashsig's own binary parser of hostile input: the file
 * header, each chunk's facts (damage, record walk, slack scan), the provider-name search and
 * the record selection, and the tally of the whole file.
 *
 * Input: an EVTX file's first bytes.  Bytes 0-4095 are the file header (zero-filled when
 * shorter); each following 64 KiB is a chunk (the last one zero-filled), at most 4 chunks.
 *
 * Checked beyond "no crash, no overread": every record offset lies inside its chunk with room
 * for a record header, counts stay within EVTX_MAX_CHUNK_RECORDS, a wanted record is one the
 * facts list, and the file verdicts are consistent with the tally.  Every listed record is
 * also read from its BinXML (reader_binxml.h), and a full read must agree with the fields
 * read of the same record and give one string per Data element.
 *
 * Not for: agreement with libevtx's counts (tests/test_prefilter.c checks that).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

#include "crashsig/prefilter.h"
#include "crashsig/reader.h"
#include "reader_binxml.h"

#define MAX_CHUNKS 4

static const uint32_t DOTNET_IDS[] = {1023, 1025, 1026, 1027, 1028};
static const uint32_t APP_ERROR_IDS[] = {1000};

static const struct prefilter *fuzz_prefilter(void)
{
    static struct prefilter *pf; /* harness-only state; reachable, so not a leak */
    static const struct reader_want wants[] = {
        {".NET Runtime", DOTNET_IDS, 5, NULL, 0},
        {"Application Error", APP_ERROR_IDS, 1, NULL, 0},
    };
    static const struct reader_filter filter = {wants, 2};
    if (pf == NULL)
        pf = prefilter_new(&filter);
    return pf;
}

/* The BinXML reads of one listed record agree with each other. */
static void check_binxml(const uint8_t *chunk, uint16_t offset)
{
    uint32_t id_only = 0, id = 0;
    bool has_id = reader_binxml_fields(chunk, offset, &id_only, NULL);
    struct xml_fields fields;
    bool read = reader_binxml_fields(chunk, offset, &id, &fields);
    struct binxml_record whole;
    if (reader_binxml_record(chunk, offset, &whole)) {
        FUZZ_CHECK(read && has_id && whole.event_id == id && id == id_only,
                   "a full read is also a fields read, with the same event id");
        FUZZ_CHECK(whole.fields.time_created == fields.time_created &&
                       whole.fields.event_record_id == fields.event_record_id &&
                       whole.fields.data_count == fields.data_count,
                   "the full read's fields are the fields read's");
        FUZZ_CHECK(whole.fields.data_count >= 0 &&
                       (size_t)whole.fields.data_count == whole.value_count,
                   "one string per Data element");
        FUZZ_CHECK(whole.provider != NULL && whole.fields.computer != NULL,
                   "a full read has a provider and a computer");
        binxml_record_free(&whole);
    }
    if (read)
        xml_fields_free(&fields);
}

static void check_chunk(const struct prefilter *pf, const struct evtx_header *header,
                        uint64_t index, const uint8_t *chunk, struct evtx_tally *tally)
{
    static uint16_t live[EVTX_MAX_CHUNK_RECORDS], slack[EVTX_MAX_CHUNK_RECORDS];
    static bool live_wanted[EVTX_MAX_CHUNK_RECORDS], slack_wanted[EVTX_MAX_CHUNK_RECORDS];
    struct chunk_facts facts = {.live = live, .slack = slack};
    prefilter_check_chunk(pf, chunk, &facts);
    FUZZ_CHECK(facts.live_count <= EVTX_MAX_CHUNK_RECORDS, "live records are capped");
    FUZZ_CHECK(facts.slack_count <= EVTX_MAX_CHUNK_RECORDS, "slack records are capped");
    for (uint32_t i = 0; i < facts.live_count; i++) {
        FUZZ_CHECK(live[i] + 24u <= EVTX_CHUNK_SIZE, "a live record's header is inside");
        (void)prefilter_record_id(chunk, live[i]);
        check_binxml(chunk, live[i]);
    }
    for (uint32_t i = 0; i < facts.slack_count; i++) {
        FUZZ_CHECK(slack[i] + 24u <= EVTX_CHUNK_SIZE, "a slack record's header is inside");
        (void)prefilter_record_id(chunk, slack[i]);
        check_binxml(chunk, slack[i]);
    }
    char text[256];
    prefilter_describe_damage(facts.damage, text, sizeof(text));
    FUZZ_CHECK(strlen(text) < sizeof(text), "damage text fits");
    if (prefilter_chunk_wanted(pf, chunk)) {
        memset(live_wanted, 0, sizeof(live_wanted));
        memset(slack_wanted, 0, sizeof(slack_wanted));
        size_t wanted = prefilter_select_records(pf, chunk, &facts, live_wanted, slack_wanted);
        FUZZ_CHECK(wanted <= (size_t)facts.live_count + facts.slack_count, "wanted <= listed");
    }
    (void)prefilter_chunk_is_live(header, index);
    (void)prefilter_tally_chunk(header, index, &facts, tally);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct prefilter *pf = fuzz_prefilter();
    uint8_t *block = cs_xcalloc(1, EVTX_CHUNK_SIZE); /* exact size: overreads are caught */
    memcpy(block, data, size < EVTX_FILE_HEADER_SIZE ? size : EVTX_FILE_HEADER_SIZE);
    uint8_t *header_bytes = cs_xmalloc(EVTX_FILE_HEADER_SIZE);
    memcpy(header_bytes, block, EVTX_FILE_HEADER_SIZE);
    struct evtx_header header;
    int parsed = prefilter_parse_header(pf, header_bytes, &header);
    free(header_bytes);
    if (parsed != 0)
        memset(&header, 0, sizeof(header)); /* the chunks are still checked */
    struct evtx_tally tally = {0};
    for (size_t c = 0; c < MAX_CHUNKS; c++) {
        size_t at = EVTX_FILE_HEADER_SIZE + c * EVTX_CHUNK_SIZE;
        if (at >= size)
            break;
        size_t n = size - at < EVTX_CHUNK_SIZE ? size - at : EVTX_CHUNK_SIZE;
        memset(block, 0, EVTX_CHUNK_SIZE);
        memcpy(block, data + at, n);
        check_chunk(pf, &header, c, block, &tally);
    }
    FUZZ_CHECK(tally.damaged_chunks <= MAX_CHUNKS && tally.counted_chunks <= MAX_CHUNKS,
               "the tally counts chunks once");
    (void)prefilter_file_damage(&header, &tally);
    (void)prefilter_file_corrupted(&header, &tally);
    free(block);
    return 0;
}
