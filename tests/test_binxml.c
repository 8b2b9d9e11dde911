/*
 * test_binxml.c - src/reader_binxml.c against libevtx's XML rendering, on every record of every
 * fixture and of every real Windows log of the corpus (when present): whenever the BinXML read
 * says it read a record, its EventID, TimeCreated, EventRecordID, Channel, EventData count and
 * Data names must be exactly what xml_fields_extract finds in libevtx's XML of that record.
 * Also checks that it reads most fixture records (else the speed-up would be lost silently), and
 * that
 * hostile bytes never make it read outside the chunk (the sanitizer build runs this too).
 *
 * Not for: the reader's results as a whole (test_reader, test_paths compare the read modes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libevtx.h>

#include "corpus.h"
#include "crashsig/event_sources.h"
#include "crashsig/prefilter.h"
#include "reader_binxml.h"
#include "test_util.h"
#include "xml_fields.h"

struct tally {
    size_t records, read, mismatches;
};

/* One record: the BinXML read, if it succeeds, says what the XML says. */
static void compare_record(const char *path, int index, libevtx_record_t *record,
                           const uint8_t *chunk, uint16_t offset, struct tally *t)
{
    libevtx_error_t *error = NULL;
    size_t size = 0;
    t->records++;
    if (libevtx_record_get_utf8_xml_string_size(record, &size, &error) != 1 || size == 0) {
        libevtx_error_free(&error);
        return;
    }
    char *xml_text = malloc(size + 1);
    assert_non_null(xml_text);
    assert_int_equal(libevtx_record_get_utf8_xml_string(record, (uint8_t *)xml_text, size, &error),
                     1);
    xml_text[size] = '\0';
    struct xml_fields want, got;
    xml_fields_extract(xml_text, &want);
    uint32_t libevtx_id = 0, binxml_id = 0, id_only = 0;
    bool has_libevtx_id = libevtx_record_get_event_identifier(record, &libevtx_id, &error) == 1;
    libevtx_error_free(&error);
    bool has_id_only = reader_binxml_fields(chunk, offset, &id_only, NULL);
    if (has_id_only && (!has_libevtx_id || (id_only & 0xffff) != (libevtx_id & 0xffff))) {
        t->mismatches++;
        print_message("%s record %d: event id %u, libevtx %u\n", path, index, id_only, libevtx_id);
    }
    if (reader_binxml_fields(chunk, offset, &binxml_id, &got)) {
        t->read++;
        const char *wc = want.channel ? want.channel : "", *gc = got.channel ? got.channel : "";
        bool same = got.time_created == want.time_created &&
                    got.has_event_record_id == want.has_event_record_id &&
                    got.event_record_id == want.event_record_id && strcmp(wc, gc) == 0 &&
                    got.data_count == want.data_count && got.has_names == want.has_names &&
                    got.name_count == want.name_count && binxml_id == id_only;
        for (size_t i = 0; same && i < got.name_count; i++)
            same = (got.names[i] == NULL) == (want.names[i] == NULL) &&
                   (got.names[i] == NULL || strcmp(got.names[i], want.names[i]) == 0);
        if (!same) {
            t->mismatches++;
            print_message("%s record %d: the BinXML read differs from the XML:\n%.2000s\n", path,
                          index, xml_text);
        }
        xml_fields_free(&got);
    }
    xml_fields_free(&want);
    free(xml_text);
}

/* Every record libevtx lists of an undamaged file, located in its chunk by the prefilter. */
static void compare_file(const char *path, struct tally *t)
{
    size_t size = 0;
    uint8_t *data = (uint8_t *)read_file(path, &size);
    assert_non_null(data);
    struct prefilter *pf = prefilter_new(event_sources_filter());
    struct evtx_header header;
    libevtx_file_t *file = NULL;
    libevtx_error_t *error = NULL;
    assert_int_equal(libevtx_file_initialize(&file, &error), 1);
    if (size < EVTX_FILE_HEADER_SIZE || prefilter_parse_header(pf, data, &header) != 0 ||
        libevtx_file_open(file, path, LIBEVTX_OPEN_READ, &error) != 1) {
        libevtx_error_free(&error);
        libevtx_file_free(&file, NULL);
        prefilter_free(pf);
        free(data);
        return;
    }
    uint16_t *live = malloc(EVTX_MAX_CHUNK_RECORDS * sizeof(uint16_t));
    int count = 0, index = 0;
    libevtx_file_get_number_of_records(file, &count, &error);
    uint64_t chunks = (size - EVTX_FILE_HEADER_SIZE) / EVTX_CHUNK_SIZE;
    for (uint64_t c = 0; c < chunks && index < count; c++) {
        const uint8_t *chunk = data + EVTX_FILE_HEADER_SIZE + c * EVTX_CHUNK_SIZE;
        struct chunk_facts facts = {.live = live};
        prefilter_check_chunk(pf, chunk, &facts);
        if (facts.damage || !prefilter_chunk_is_live(&header, c))
            break; /* the positions past this are not worth working out here */
        for (uint32_t k = 0; k < facts.live_count && index < count; k++, index++) {
            libevtx_record_t *record = NULL;
            if (libevtx_file_get_record_by_index(file, index, &record, &error) != 1) {
                libevtx_error_free(&error);
                continue;
            }
            compare_record(path, index, record, chunk, live[k], t);
            libevtx_record_free(&record, NULL);
        }
    }
    free(live);
    libevtx_file_close(file, NULL);
    libevtx_file_free(&file, NULL);
    prefilter_free(pf);
    free(data);
}

static void compare_folder(const char *dir, struct tally *t)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 5, ".evtx") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        compare_file(path, t);
    }
    closedir(d);
}

static void test_fixtures(void **state)
{
    (void)state;
    struct tally t = {0};
    compare_folder(SOURCE_DIR "/fixtures", &t);
    print_message("fixtures: %zu records, %zu read from BinXML, %zu mismatches\n", t.records,
                  t.read, t.mismatches);
    assert_int_equal(t.mismatches, 0);
    assert_true(t.records > 1000);
    assert_int_equal(t.read, t.records); /* the writer writes what Windows writes */
}

static void test_corpus(void **state)
{
    (void)state;
    struct tally t = {0};
    compare_folder(corpus_dir(), &t);
    if (t.records == 0) {
        corpus_missing();
        return;
    }
    print_message("corpus: %zu records, %zu read from BinXML, %zu mismatches\n", t.records, t.read,
                  t.mismatches);
    assert_int_equal(t.mismatches, 0);
    /* Real logs use shapes the read leaves to libevtx more often (non-ASCII text, empty
     * optional values in EventData, string arrays): about one record in five is read. */
    assert_true(t.read > 0);
}

/* Every byte of a record flipped in turn, and the record's size stretched: never a read outside
 * the chunk (the sanitizer build), and never a wrong event id claimed for the intact record. */
static void test_hostile_bytes(void **state)
{
    (void)state;
    size_t size = 0;
    uint8_t *data = (uint8_t *)read_file(SOURCE_DIR "/fixtures/demo.evtx", &size);
    assert_non_null(data);
    uint8_t *chunk = malloc(EVTX_CHUNK_SIZE);
    memcpy(chunk, data + EVTX_FILE_HEADER_SIZE, EVTX_CHUNK_SIZE);
    uint32_t id = 0;
    assert_true(reader_binxml_fields(chunk, 512, &id, NULL));
    uint32_t record_size = chunk[516] | chunk[517] << 8;
    for (uint32_t at = 512; at < 512 + record_size + 2048 && at < EVTX_CHUNK_SIZE; at++) {
        for (int bit = 0; bit < 8; bit += 3) {
            chunk[at] ^= (uint8_t)(1u << bit);
            struct xml_fields f;
            if (reader_binxml_fields(chunk, 512, &id, &f))
                xml_fields_free(&f);
            reader_binxml_fields(chunk, 512, &id, NULL);
            chunk[at] ^= (uint8_t)(1u << bit);
        }
    }
    memset(chunk + 516, 0xff, 4); /* a size past the chunk */
    assert_false(reader_binxml_fields(chunk, 512, &id, NULL));
    assert_false(reader_binxml_fields(chunk, EVTX_CHUNK_SIZE - 8, &id, NULL));
    free(chunk);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_hostile_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
