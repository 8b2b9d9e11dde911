/*
 * test_prefilter.c - the prefilter (src/prefilter.c) against independent references:
 *   - its CRC-32 against the EVTX writer's (tests/evtxgen) on every length and alignment;
 *   - its needle search against planted provider names in random bytes, any case;
 *   - its replication of libevtx's structural rules against the real libevtx: on every fixture
 *     and on thousands of damaged copies of them (flipped bytes, zeroed or foreign chunks, bad
 *     sizes and offsets, patched file headers, truncation), the record count, the recovered
 *     record count, the corrupted flag and whether libevtx opens the file at all must be what
 *     libevtx itself says;
 *   - record selection: every record libevtx reads as a wanted provider must be selected, and
 *     the selection must actually leave other providers' records out; with crashsig's own
 *     table, every Windows Error Reporting 1001 that is a crash report is selected and none
 *     of the others (Windows Update, hangs).
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
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libevtx.h>

#include "crashsig/event_sources.h"
#include "crashsig/prefilter.h"
#include "crashsig/wer_report.h"
#include "crashsig/reader.h"
#include "evtx_writer.h"
#include "test_util.h"

static const uint32_t DOTNET_IDS[] = {1023, 1025, 1026, 1027, 1028};
static const uint32_t APP_ERROR_IDS[] = {1000};
static const struct reader_want WANTS[] = {{".NET Runtime", DOTNET_IDS, 5, NULL, 0},
                                           {"Application Error", APP_ERROR_IDS, 1, NULL, 0}};
static const struct reader_filter FILTER = {WANTS, 2};

/* xorshift64*: the damage is random but the same on every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static size_t rnd_below(size_t n)
{
    return n ? (size_t)(rnd() % n) : 0;
}

static void crc_matches_writer(enum prefilter_isa isa)
{
    struct prefilter *pf = prefilter_new_isa(&FILTER, isa);
    assert_int_equal(prefilter_crc32(pf, 0, "123456789", 9), 0xCBF43926u);
    uint8_t *buf = malloc(70000);
    for (size_t i = 0; i < 70000; i++)
        buf[i] = (uint8_t)rnd();
    for (size_t len = 0; len < 300; len++)
        for (size_t off = 0; off < 3; off++)
            assert_int_equal(prefilter_crc32(pf, 0, buf + off, len), evtx_crc32(0, buf + off, len));
    for (int i = 0; i < 200; i++) {
        size_t off = rnd_below(1000), len = rnd_below(69000 - off);
        uint32_t seed = (uint32_t)rnd();
        assert_int_equal(prefilter_crc32(pf, seed, buf + off, len),
                         evtx_crc32(seed, buf + off, len));
    }
    /* continuing a CRC over two pieces is the CRC of the whole */
    uint32_t two = prefilter_crc32(pf, prefilter_crc32(pf, 0, buf, 1000), buf + 1000, 5000);
    assert_int_equal(two, evtx_crc32(0, buf, 6000));
    free(buf);
    prefilter_free(pf);
}

static void test_crc_matches_writer(void **state)
{
    (void)state;
    for (int isa = PREFILTER_ISA_PLAIN; isa <= PREFILTER_ISA_BEST; isa++)
        crc_matches_writer((enum prefilter_isa)isa);
}

/* Writes text as UTF-16LE at p, flipping the case of ASCII letters at random. */
static void plant(uint8_t *p, const char *text, bool random_case)
{
    for (size_t i = 0; text[i]; i++) {
        char c = text[i];
        if (random_case && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) && (rnd() & 1))
            c ^= 0x20;
        p[2 * i] = (uint8_t)c;
        p[2 * i + 1] = 0;
    }
}

static void needle_search(enum prefilter_isa isa)
{
    struct prefilter *pf = prefilter_new_isa(&FILTER, isa);
    uint8_t *chunk = malloc(EVTX_CHUNK_SIZE);
    const char *names[] = {".NET Runtime", "Application Error"};
    for (int round = 0; round < 400; round++) {
        /* random bytes with the needles' own characters mixed in, so near misses are common */
        for (size_t i = 0; i < EVTX_CHUNK_SIZE; i++)
            chunk[i] = (rnd() & 1) ? (uint8_t) ".NETRuntimeApplicationError \0"[rnd_below(29)]
                                   : (uint8_t)rnd();
        const char *name = names[round & 1];
        size_t len = strlen(name) * 2;
        size_t at = round % 5 == 0 ? EVTX_CHUNK_SIZE - len : rnd_below(EVTX_CHUNK_SIZE - len);
        /* a needle with one unit wrong is not a needle */
        plant(chunk + at, name, true);
        size_t wrong = 2 * rnd_below(strlen(name));
        chunk[at + wrong + 1] = 0x01;
        bool wanted_near_miss = prefilter_chunk_wanted(pf, chunk);
        chunk[at + wrong + 1] = 0x00;
        assert_true(prefilter_chunk_wanted(pf, chunk));
        if (wanted_near_miss) {
            /* only acceptable if the random bytes hold a real needle somewhere else */
            chunk[at + wrong + 1] = 0x01;
            bool found = false;
            for (size_t i = 0; i + 24 <= EVTX_CHUNK_SIZE && !found; i++)
                for (int k = 0; k < 2 && !found; k++) {
                    size_t n = strlen(names[k]);
                    if (i + 2 * n > EVTX_CHUNK_SIZE)
                        continue;
                    bool same = true;
                    for (size_t u = 0; u < n && same; u++)
                        same = chunk[i + 2 * u + 1] == 0 &&
                               (chunk[i + 2 * u] | 0x20) == (names[k][u] | 0x20) &&
                               (((names[k][u] | 0x20) >= 'a' && (names[k][u] | 0x20) <= 'z') ||
                                chunk[i + 2 * u] == (uint8_t)names[k][u]);
                    found = same;
                }
            assert_true(found);
        }
    }
    memset(chunk, 0, EVTX_CHUNK_SIZE);
    assert_false(prefilter_chunk_wanted(pf, chunk));
    plant(chunk + 1, ".NET Runtim", false); /* cut short at the end */
    assert_false(prefilter_chunk_wanted(pf, chunk));
    plant(chunk + EVTX_CHUNK_SIZE - 22, ".NET Runtim", false); /* the 'e' would be past the end */
    assert_false(prefilter_chunk_wanted(pf, chunk));
    plant(chunk + EVTX_CHUNK_SIZE - 24, ".NET Runtime", false); /* ends exactly at the end */
    assert_true(prefilter_chunk_wanted(pf, chunk));
    free(chunk);
    prefilter_free(pf);
}

/* Every search the CPU can run (AVX-512BW, AVX2, SSE2, the plain loop) finds the same. */
static void test_needle_search(void **state)
{
    (void)state;
    for (int isa = PREFILTER_ISA_PLAIN; isa <= PREFILTER_ISA_BEST; isa++)
        needle_search((enum prefilter_isa)isa);
}

/* ---- libevtx vs the prefilter on the same bytes ----------------------------------------- */

struct view {
    bool opened;
    bool corrupted;
    uint64_t records, recovered;
};

/* libevtx's own view of the bytes, asked in a child process: libevtx 20181227 leaks memory
 * when it refuses a file, and the leak checker of the sanitizer build must not see libevtx's
 * leaks as this test's. */
static void libevtx_view_here(const char *path, struct view *v)
{
    memset(v, 0, sizeof(*v));
    libevtx_file_t *file = NULL;
    libevtx_error_t *error = NULL;
    if (libevtx_file_initialize(&file, &error) != 1)
        _exit(3);
    if (libevtx_file_open(file, path, LIBEVTX_OPEN_READ, &error) == 1) {
        int n = 0;
        v->opened = true;
        v->corrupted = libevtx_file_is_corrupted(file, &error) == 1;
        if (libevtx_file_get_number_of_records(file, &n, &error) != 1)
            _exit(3);
        v->records = (uint64_t)n;
        if (libevtx_file_get_number_of_recovered_records(file, &n, &error) != 1)
            _exit(3);
        v->recovered = (uint64_t)n;
        libevtx_file_close(file, &error);
    }
    libevtx_error_free(&error);
    libevtx_file_free(&file, NULL);
}

static void libevtx_view(const uint8_t *data, size_t size, struct view *v)
{
    char path[] = "/tmp/test_prefilter_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, size), (ssize_t)size);
    close(fd);
    int pipe_fds[2];
    assert_int_equal(pipe(pipe_fds), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(pipe_fds[0]);
        struct view mine;
        libevtx_view_here(path, &mine);
        _exit(write(pipe_fds[1], &mine, sizeof(mine)) == (ssize_t)sizeof(mine) ? 0 : 3);
    }
    close(pipe_fds[1]);
    assert_int_equal(read(pipe_fds[0], v, sizeof(*v)), (ssize_t)sizeof(*v));
    close(pipe_fds[0]);
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    unlink(path);
}

static void prefilter_view(const struct prefilter *pf, const uint8_t *data, size_t size,
                           struct view *v)
{
    memset(v, 0, sizeof(*v));
    struct evtx_header h;
    if (size < EVTX_FILE_HEADER_SIZE || prefilter_parse_header(pf, data, &h) != 0)
        return;
    struct evtx_tally tally = {0};
    struct chunk_facts facts = {0};
    uint64_t index = 0;
    for (size_t off = h.header_block_size; off + EVTX_CHUNK_SIZE <= size;
         off += EVTX_CHUNK_SIZE, index++) {
        prefilter_check_chunk(pf, data + off, &facts);
        prefilter_tally_chunk(&h, index, &facts, &tally);
    }
    v->opened = !tally.unsupported;
    v->corrupted = v->opened && prefilter_file_corrupted(&h, &tally);
    v->records = v->opened ? tally.records : 0;
    v->recovered = v->opened ? tally.recovered_records : 0;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

static size_t chunk_offset(size_t size)
{
    size_t chunks = size > EVTX_FILE_HEADER_SIZE ? (size - EVTX_FILE_HEADER_SIZE) / 65536 : 0;
    return EVTX_FILE_HEADER_SIZE + rnd_below(chunks ? chunks : 1) * EVTX_CHUNK_SIZE;
}

/* A record start inside the chunk at c, or some offset when none is found quickly. */
static size_t record_in_chunk(const uint8_t *data, size_t c)
{
    for (int tries = 0; tries < 64; tries++) {
        size_t off = 512 + 8 * rnd_below((EVTX_CHUNK_SIZE - 512) / 8);
        if (memcmp(data + c + off, "**\0\0", 4) == 0)
            return c + off;
    }
    return c + 512;
}

/* Makes the CRCs of the chunk at c right again, so that the damage has to be found by the
 * other rules (a log written wrongly but consistently, e.g. by a crashing writer). */
static void fix_crcs(const struct prefilter *pf, uint8_t *chunk)
{
    uint32_t free_offset = (uint32_t)chunk[48] | (uint32_t)chunk[49] << 8 |
                           (uint32_t)chunk[50] << 16 | (uint32_t)chunk[51] << 24;
    if (free_offset >= 512 && free_offset <= EVTX_CHUNK_SIZE)
        put_le32(chunk + 52, prefilter_crc32(pf, 0, chunk + 512, free_offset - 512));
    put_le32(chunk + 124,
             prefilter_crc32(pf, prefilter_crc32(pf, 0, chunk, 120), chunk + 128, 384));
}

/* A record made to end exactly at the end of its chunk, or 8 bytes before. */
static void stretch_record(uint8_t *data, size_t c)
{
    size_t r = record_in_chunk(data, c);
    uint32_t size = (uint32_t)(c + EVTX_CHUNK_SIZE - r) - (rnd() & 1 ? 0 : 8);
    put_le32(data + r + 4, size);
    put_le32(data + r + size - 4, size);
    put_le32(data + c + 44, (uint32_t)(r - c));
    put_le32(data + c + 48, (uint32_t)(r - c + size));
}

/* One kind of damage, picked at random; data has room for two extra chunks. */
static size_t damage(const struct prefilter *pf, uint8_t *data, size_t size, size_t capacity)
{
    size_t c = chunk_offset(size);
    bool has_chunk = c + EVTX_CHUNK_SIZE <= size;
    size_t kind = rnd_below(17);
    if (kind == 16 && has_chunk)
        stretch_record(data, c);
    switch (kind) {
    case 0:
        data[rnd_below(size)] ^= (uint8_t)(1 + rnd_below(255));
        break;
    case 1:
        if (has_chunk)
            data[c + rnd_below(512)] ^= (uint8_t)(1 + rnd_below(255));
        break;
    case 2:
        if (has_chunk)
            memset(data + c, 0, EVTX_CHUNK_SIZE);
        break;
    case 3:
        if (has_chunk)
            put_le32(data + c + 40, (uint32_t)rnd_below(3) * 64);
        break;
    case 4:
        if (has_chunk)
            put_le32(data + c + 48, (uint32_t)rnd_below(70000));
        break;
    case 5:
        if (has_chunk)
            put_le32(data + c + 44, (uint32_t)rnd_below(65536));
        break;
    case 6:
        if (has_chunk) {
            put_le64(data + c + 8, rnd_below(400));
            put_le64(data + c + 16, rnd_below(400));
        }
        break;
    case 7:
        if (has_chunk) {
            size_t r = record_in_chunk(data, c);
            put_le32(data + r + 4, (uint32_t)rnd_below(4) == 0 ? (uint32_t)rnd_below(70000)
                                                               : (uint32_t)rnd_below(2000));
        }
        break;
    case 8:
        if (has_chunk)
            data[record_in_chunk(data, c) + 24 + rnd_below(40)] ^= 0xff;
        break;
    case 9:
        data[42] = (uint8_t)(data[42] + 1 + rnd_below(3));
        break;
    case 10:
        put_le64(data + 8 + 8 * rnd_below(2), rnd_below(20));
        break;
    case 11:
        data[120] ^= EVTX_FLAG_DIRTY;
        break;
    case 12:
        data[124 + rnd_below(4)] ^= 0x5a;
        break;
    case 13:
        if (has_chunk && size + EVTX_CHUNK_SIZE <= capacity) { /* a stale chunk past the end */
            memcpy(data + size, data + c, EVTX_CHUNK_SIZE);
            size += EVTX_CHUNK_SIZE;
        }
        break;
    case 14:
        if (size > EVTX_FILE_HEADER_SIZE + 100)
            size = EVTX_FILE_HEADER_SIZE + rnd_below(size - EVTX_FILE_HEADER_SIZE);
        break;
    case 15:
        if (has_chunk) {
            size_t at = c + rnd_below(EVTX_CHUNK_SIZE - 256);
            for (size_t i = 0; i < 256; i++)
                data[at + i] = (uint8_t)rnd();
        }
        break;
    default:
        break;
    }
    if (has_chunk && c + EVTX_CHUNK_SIZE <= size && (rnd() & 1))
        fix_crcs(pf, data + c);
    return size;
}

/* How many damaged copies libevtx refused, flagged, or listed recovered records for: the
 * damage must exercise every outcome for the agreement to mean something. */
struct outcomes {
    int refused, corrupted, with_recovered;
};

static void compare_views(const struct prefilter *pf, const uint8_t *data, size_t size,
                          const char *what, struct outcomes *seen)
{
    struct view lib, pre;
    libevtx_view(data, size, &lib);
    prefilter_view(pf, data, size, &pre);
    seen->refused += !lib.opened;
    seen->corrupted += lib.corrupted;
    seen->with_recovered += lib.recovered > 0;
    if (lib.opened != pre.opened || lib.corrupted != pre.corrupted || lib.records != pre.records ||
        lib.recovered != pre.recovered)
        fail_msg("%s: libevtx says opened %d corrupted %d records %llu recovered %llu; "
                 "the prefilter says %d %d %llu %llu",
                 what, lib.opened, lib.corrupted, (unsigned long long)lib.records,
                 (unsigned long long)lib.recovered, pre.opened, pre.corrupted,
                 (unsigned long long)pre.records, (unsigned long long)pre.recovered);
}

static size_t list_fixtures(char paths[][600], size_t max)
{
    DIR *d = opendir(SOURCE_DIR "/fixtures");
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e = readdir(d); e && n < max; e = readdir(d)) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".evtx") == 0)
            snprintf(paths[n++], 600, "%s/fixtures/%s", SOURCE_DIR, e->d_name);
    }
    closedir(d);
    assert_true(n >= 5);
    return n;
}

static void test_structure_matches_libevtx(void **state)
{
    (void)state;
    struct prefilter *pf = prefilter_new(&FILTER);
    static char paths[64][600];
    size_t n = list_fixtures(paths, 64);
    int damaged_cases = 0;
    struct outcomes seen = {0}, clean = {0};
    for (size_t f = 0; f < n; f++) {
        size_t size;
        uint8_t *original = (uint8_t *)read_file(paths[f], &size);
        assert_non_null(original);
        compare_views(pf, original, size, paths[f], &clean);
        size_t capacity = size + 2 * EVTX_CHUNK_SIZE;
        uint8_t *copy = malloc(capacity);
        int rounds = size > 300000 ? 60 : 150;
        for (int round = 0; round < rounds; round++) {
            memcpy(copy, original, size);
            size_t copy_size = size;
            int kinds = 1 + (int)rnd_below(3);
            for (int k = 0; k < kinds; k++)
                copy_size = damage(pf, copy, copy_size, capacity);
            char what[700];
            snprintf(what, sizeof(what), "%.600s, damaged copy %d", paths[f], round);
            compare_views(pf, copy, copy_size, what, &seen);
            damaged_cases++;
        }
        free(copy);
        free(original);
    }
    print_message("%d damaged copies agree with libevtx: %d refused, %d corrupted, %d with "
                  "recovered records\n",
                  damaged_cases, seen.refused, seen.corrupted, seen.with_recovered);
    assert_int_equal(clean.refused + clean.corrupted, 0);
    assert_true(seen.refused > damaged_cases / 50 && seen.corrupted > damaged_cases / 4 &&
                seen.with_recovered > damaged_cases / 10);
    prefilter_free(pf);
}

/* ---- record selection ------------------------------------------------------------------- */

/* 2 when the filter wants the record, 1 when it is of a wanted provider with an event id the
 * filter does not list, 0 otherwise. */
static int wanted_record(libevtx_record_t *record)
{
    char provider[256] = "";
    uint32_t event_id = 0;
    libevtx_error_t *error = NULL;
    bool ok = libevtx_record_get_utf8_source_name(record, (uint8_t *)provider, sizeof(provider),
                                                  &error) == 1;
    libevtx_error_free(&error);
    ok = ok && libevtx_record_get_event_identifier(record, &event_id, &error) == 1;
    libevtx_error_free(&error);
    if (!ok || (strcasecmp(provider, ".NET Runtime") != 0 &&
                strcasecmp(provider, "Application Error") != 0))
        return 0;
    return reader_filter_wants(&FILTER, provider, event_id & 0xffff) ? 2 : 1;
}

/* Records of a wanted provider with an unwanted event id, and how many of them were selected
 * (the prefilter reads the id from the BinXML and leaves them out). */
static size_t other_id_total, other_id_selected;

/* Looks at one record libevtx lists and whether the prefilter selected it. */
typedef void (*record_check_fn)(libevtx_record_t *record, bool selected, const char *path,
                                uint64_t id, void *ctx);

/* Runs check on every record of a fixture, with the prefilter's selection for it. */
static void check_selection(const struct prefilter *pf, const char *path, record_check_fn check,
                            void *ctx)
{
    size_t size;
    uint8_t *data = (uint8_t *)read_file(path, &size);
    assert_non_null(data);
    libevtx_file_t *file = NULL;
    libevtx_error_t *error = NULL;
    assert_int_equal(libevtx_file_initialize(&file, &error), 1);
    assert_int_equal(libevtx_file_open(file, path, LIBEVTX_OPEN_READ, &error), 1);
    struct evtx_header h;
    assert_int_equal(prefilter_parse_header(pf, data, &h), 0);
    static uint16_t live[EVTX_MAX_CHUNK_RECORDS], slack[EVTX_MAX_CHUNK_RECORDS];
    static bool live_wanted[EVTX_MAX_CHUNK_RECORDS], slack_wanted[EVTX_MAX_CHUNK_RECORDS];
    int live_index = 0, recovered_index = 0;
    for (size_t off = EVTX_FILE_HEADER_SIZE, c = 0; off + EVTX_CHUNK_SIZE <= size;
         off += EVTX_CHUNK_SIZE, c++) {
        struct chunk_facts facts = {.live = live, .slack = slack};
        prefilter_check_chunk(pf, data + off, &facts);
        assert_true(prefilter_chunk_is_live(&h, c)); /* the fixtures are clean */
        prefilter_select_records(pf, data + off, &facts, live_wanted, slack_wanted);
        for (int kind = 0; kind < 2; kind++) {
            uint32_t count = kind ? facts.slack_count : facts.live_count;
            for (uint32_t i = 0; i < count; i++) {
                libevtx_record_t *record = NULL;
                int rc =
                    kind ? libevtx_file_get_recovered_record_by_index(file, recovered_index++,
                                                                      &record, &error)
                         : libevtx_file_get_record_by_index(file, live_index++, &record, &error);
                assert_int_equal(rc, 1);
                uint64_t id = 0;
                assert_int_equal(libevtx_record_get_identifier(record, &id, &error), 1);
                uint16_t at = kind ? slack[i] : live[i];
                assert_int_equal(id, prefilter_record_id(data + off, at));
                check(record, kind ? slack_wanted[i] : live_wanted[i], path, id, ctx);
                libevtx_record_free(&record, &error);
            }
        }
    }
    libevtx_file_close(file, &error);
    libevtx_file_free(&file, &error);
    libevtx_error_free(&error);
    free(data);
}

struct selection_counts {
    size_t selected, total;
};

/* Every wanted record selected; records of wanted providers with other ids counted. */
static void check_wanted_selected(libevtx_record_t *record, bool selected, const char *path,
                                  uint64_t id, void *ctx)
{
    struct selection_counts *counts = ctx;
    int wanted = wanted_record(record);
    if (wanted == 2 && !selected)
        fail_msg("%s: record %llu is wanted but was not selected", path, (unsigned long long)id);
    other_id_total += wanted == 1;
    other_id_selected += wanted == 1 && selected;
    counts->selected += selected;
    counts->total++;
}

static void test_record_selection(void **state)
{
    (void)state;
    struct prefilter *pf = prefilter_new(&FILTER);
    static char paths[64][600];
    size_t n = list_fixtures(paths, 64);
    struct selection_counts all = {0}, noise = {0};
    for (size_t f = 0; f < n; f++) {
        struct selection_counts here = {0};
        check_selection(pf, paths[f], check_wanted_selected, &here);
        all.selected += here.selected;
        all.total += here.total;
        if (strstr(paths[f], "multichunk") || strstr(paths[f], "noise_only")) {
            noise.selected += here.selected;
            noise.total += here.total;
        }
    }
    print_message("selected %zu of %zu records; %zu of %zu in the noisy fixtures\n", all.selected,
                  all.total, noise.selected, noise.total);
    assert_true(noise.selected * 4 < noise.total);
    print_message("records of a wanted provider with another event id: %zu, %zu selected\n",
                  other_id_total, other_id_selected);
    assert_true(other_id_total > 0);
    assert_int_equal(other_id_selected, 0); /* the fixtures' records are all readable */
    prefilter_free(pf);
}

/* Windows Error Reporting 1001s seen with crashsig's own table, by kind. */
struct wer_counts {
    size_t crash, crash_selected, other, other_selected, wanted_missed;
};

static char *record_string(libevtx_record_t *record, int index)
{
    libevtx_error_t *error = NULL;
    size_t size = 0;
    if (libevtx_record_get_utf8_string_size(record, index, &size, &error) != 1 || size == 0) {
        libevtx_error_free(&error);
        return NULL;
    }
    char *text = calloc(1, size + 1);
    assert_int_equal(libevtx_record_get_utf8_string(record, index, (uint8_t *)text, size, &error),
                     1);
    return text;
}

/* A 1001 is a crash report when its Event Name (%3) is one (wer_report.h); every record the
 * table's filter wants, values included, must be selected. */
static void check_wer_selected(libevtx_record_t *record, bool selected, const char *path,
                               uint64_t id, void *ctx)
{
    struct wer_counts *counts = ctx;
    char provider[256] = "";
    uint32_t event_id = 0;
    libevtx_error_t *error = NULL;
    if (libevtx_record_get_utf8_source_name(record, (uint8_t *)provider, sizeof(provider),
                                            &error) != 1 ||
        libevtx_record_get_event_identifier(record, &event_id, &error) != 1) {
        libevtx_error_free(&error);
        return;
    }
    const struct reader_want *want =
        reader_filter_find(event_sources_filter(), provider, event_id & 0xffff);
    int strings = 0;
    assert_int_equal(libevtx_record_get_number_of_strings(record, &strings, &error), 1);
    char *values[64] = {0};
    for (int i = 0; i < strings && i < 64; i++)
        values[i] = record_string(record, i);
    if (want &&
        reader_want_strings_match(want, (const char *const *)values,
                                  (size_t)(strings < 64 ? strings : 64)) &&
        !selected) {
        print_message("%s: record %llu is wanted but was not selected\n", path,
                      (unsigned long long)id);
        counts->wanted_missed++;
    }
    if (want == event_source_want(EVENT_SOURCE_WER)) {
        bool crash = strings > 2 && wer_event_name_is_crash(values[2]);
        counts->crash += crash;
        counts->crash_selected += crash && selected;
        counts->other += !crash;
        counts->other_selected += !crash && selected;
        if (!crash && selected)
            print_message("%s: record %llu (%s) is not a crash report but was selected\n", path,
                          (unsigned long long)id, strings > 2 && values[2] ? values[2] : "");
    }
    for (int i = 0; i < strings && i < 64; i++)
        free(values[i]);
}

/* The table's values rule (event_sources.c): of the Windows Error Reporting 1001s, exactly the
 * crash reports are selected, and nothing the reader wants is left out. */
static void test_crash_reports_selected(void **state)
{
    (void)state;
    for (int isa = PREFILTER_ISA_PLAIN; isa <= PREFILTER_ISA_BEST; isa++) {
        struct prefilter *pf = prefilter_new_isa(event_sources_filter(), (enum prefilter_isa)isa);
        static char paths[64][600];
        size_t n = list_fixtures(paths, 64);
        struct wer_counts counts = {0};
        for (size_t f = 0; f < n; f++)
            check_selection(pf, paths[f], check_wer_selected, &counts);
        print_message("1001 crash reports %zu, %zu selected; other 1001s %zu, %zu selected\n",
                      counts.crash, counts.crash_selected, counts.other, counts.other_selected);
        assert_int_equal(counts.wanted_missed, 0);
        assert_true(counts.crash > 0 && counts.other > 0); /* wer and noise_only have both */
        assert_int_equal(counts.crash_selected, counts.crash);
        assert_int_equal(counts.other_selected, 0);
        prefilter_free(pf);
    }
}

static void test_describe_damage(void **state)
{
    (void)state;
    char text[256];
    prefilter_describe_damage(CHUNK_BAD_SIGNATURE | CHUNK_BAD_RECORDS_CRC, text, sizeof(text));
    assert_string_equal(text, "bad signature, event records CRC mismatch");
    prefilter_describe_damage(0, text, sizeof(text));
    assert_string_equal(text, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc_matches_writer),        cmocka_unit_test(test_needle_search),
        cmocka_unit_test(test_structure_matches_libevtx), cmocka_unit_test(test_record_selection),
        cmocka_unit_test(test_crash_reports_selected),    cmocka_unit_test(test_describe_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
