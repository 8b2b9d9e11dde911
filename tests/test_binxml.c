/*
 * test_binxml.c - src/reader_binxml.c against libevtx, on every record of every fixture and of
 * every real Windows log of the corpus (when present): whenever the BinXML read says it read a
 * record, its EventID, TimeCreated, EventRecordID, Channel, EventData count and Data names must
 * be exactly what xml_fields_extract finds in libevtx's XML of that record; whenever the full
 * read (reader_binxml_record) says it read one, also its record identifier, written time,
 * level, provider, computer and every EventData string must be exactly what libevtx's getters
 * give.  Also checks that both read every fixture record (else the speed-up would be lost
 * silently), and that hostile bytes never make them read outside the chunk (the sanitizer
 * build runs this too).
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
    size_t records, read, whole, mismatches;
};

static bool same_fields(const struct xml_fields *got, const struct xml_fields *want)
{
    const char *wc = want->channel ? want->channel : "", *gc = got->channel ? got->channel : "";
    bool same = got->time_created == want->time_created &&
                got->has_event_record_id == want->has_event_record_id &&
                got->event_record_id == want->event_record_id && strcmp(wc, gc) == 0 &&
                got->data_count == want->data_count && got->has_names == want->has_names &&
                got->name_count == want->name_count;
    for (size_t i = 0; same && i < got->name_count; i++)
        same = (got->names[i] == NULL) == (want->names[i] == NULL) &&
               (got->names[i] == NULL || strcmp(got->names[i], want->names[i]) == 0);
    return same;
}

typedef int (*utf8_size_fn)(libevtx_record_t *, size_t *, libevtx_error_t **);
typedef int (*utf8_get_fn)(libevtx_record_t *, uint8_t *, size_t, libevtx_error_t **);

/* A UTF-8 value through a libevtx getter pair, "" when it has none (as evtx_record.c reads). */
static char *libevtx_text(libevtx_record_t *record, utf8_size_fn size_fn, utf8_get_fn get_fn)
{
    libevtx_error_t *error = NULL;
    size_t size = 0;
    char *text = NULL;
    if (size_fn(record, &size, &error) == 1 && size > 0) {
        text = calloc(1, size + 1);
        if (get_fn(record, (uint8_t *)text, size, &error) != 1)
            text[0] = '\0';
    }
    libevtx_error_free(&error);
    return text ? text : strdup("");
}

static char *libevtx_string(libevtx_record_t *record, int index)
{
    libevtx_error_t *error = NULL;
    size_t size = 0;
    char *text = NULL;
    if (libevtx_record_get_utf8_string_size(record, index, &size, &error) == 1 && size > 0) {
        text = calloc(1, size + 1);
        if (libevtx_record_get_utf8_string(record, index, (uint8_t *)text, size, &error) != 1)
            text[0] = '\0';
    }
    libevtx_error_free(&error);
    return text ? text : strdup("");
}

static bool same_text(const char *what, char *libevtx, const char *got)
{
    bool same = strcmp(libevtx, got) == 0;
    if (!same)
        print_message("%s: libevtx \"%.200s\", BinXML \"%.200s\"\n", what, libevtx, got);
    free(libevtx);
    return same;
}

/* The full read, when it succeeds, gives what libevtx's getters give. */
static bool same_as_getters(libevtx_record_t *record, const struct binxml_record *r,
                            const struct xml_fields *want)
{
    libevtx_error_t *error = NULL;
    uint64_t identifier = 0, written = 0;
    uint32_t event_id = 0;
    uint8_t level = 0;
    int strings = 0;
    bool same = libevtx_record_get_identifier(record, &identifier, &error) == 1 &&
                libevtx_record_get_written_time(record, &written, &error) == 1 &&
                libevtx_record_get_event_identifier(record, &event_id, &error) == 1 &&
                libevtx_record_get_event_level(record, &level, &error) == 1 &&
                libevtx_record_get_number_of_strings(record, &strings, &error) == 1;
    libevtx_error_free(&error);
    same = same && identifier == r->identifier && written == r->written_time &&
           (event_id & 0xffff) == (r->event_id & 0xffff) && level == r->level &&
           (size_t)strings >= r->value_count && same_fields(&r->fields, want);
    same = same && same_text("provider",
                             libevtx_text(record, libevtx_record_get_utf8_source_name_size,
                                          libevtx_record_get_utf8_source_name),
                             r->provider);
    same = same && same_text("computer",
                             libevtx_text(record, libevtx_record_get_utf8_computer_name_size,
                                          libevtx_record_get_utf8_computer_name),
                             r->fields.computer);
    for (size_t i = 0; same && i < r->value_count; i++)
        same = same_text("string", libevtx_string(record, (int)i), r->values[i]);
    return same;
}

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
        if (!same_fields(&got, &want) || binxml_id != id_only) {
            t->mismatches++;
            print_message("%s record %d: the BinXML read differs from the XML:\n%.2000s\n", path,
                          index, xml_text);
        }
        xml_fields_free(&got);
    }
    struct binxml_record whole;
    if (reader_binxml_record(chunk, offset, &whole)) {
        t->whole++;
        if (!same_as_getters(record, &whole, &want)) {
            t->mismatches++;
            print_message("%s record %d: the full BinXML read differs from libevtx:\n%.2000s\n",
                          path, index, xml_text);
        }
        binxml_record_free(&whole);
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
    print_message("fixtures: %zu records, %zu read from BinXML, %zu whole, %zu mismatches\n",
                  t.records, t.read, t.whole, t.mismatches);
    assert_int_equal(t.mismatches, 0);
    assert_true(t.records > 1000);
    assert_int_equal(t.read, t.records); /* the writer writes what Windows writes */
    assert_int_equal(t.whole, t.records);
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
    print_message("corpus: %zu records, %zu read from BinXML, %zu whole, %zu mismatches\n",
                  t.records, t.read, t.whole, t.mismatches);
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
            struct binxml_record whole;
            if (reader_binxml_record(chunk, 512, &whole))
                binxml_record_free(&whole);
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
