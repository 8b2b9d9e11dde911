/*
 * evtxcheck.c - dumps what libevtx reads from an .evtx file, one field per
 * line, so that test_roundtrip.sh can diff it against what the spec asked
 * for.
 *
 *     evtxcheck FILE.evtx            records as libevtx sees them
 *     evtxcheck --chunks FILE.evtx   chunk headers and their lookup tables
 *
 * What it is for: checking evtx_writer output through the same library
 * crashsig uses (record identifiers, written time, EventID, Qualifiers,
 * Level, provider name and GUID, computer, and the EventData strings as
 * libevtx_record_get_number_of_strings/libevtx_record_get_utf8_string return
 * them), for live and recovered records.
 * --chunks walks what libevtx ignores but other readers use: the chunk's
 * common string table (64 hash buckets of name offsets, chained through each
 * name's "next" field, each name's stored hash must match its text) and the
 * template pointer table (32 buckets of template definition offsets; a
 * definition must sit right after its template instance header).
 * What it is not: an XML dumper (evtxexport does that) or part of crashsig.
 *
 * Strings are printed in double quotes with \\, \", \n, \r, \t and other
 * control characters escaped; UTF-8 is printed as is.  Values libevtx does
 * not have print as -.  libevtx 20181227 reports an empty string as size 0
 * and then fails to copy it; that prints as "".
 */
#include <libevtx.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*utf8_size_fn)(libevtx_record_t *, size_t *, libevtx_error_t **);
typedef int (*utf8_get_fn)(libevtx_record_t *, uint8_t *, size_t, libevtx_error_t **);

static void print_quoted(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p != 0; p++) {
        if (*p == '\\')
            fputs("\\\\", stdout);
        else if (*p == '"')
            fputs("\\\"", stdout);
        else if (*p == '\n')
            fputs("\\n", stdout);
        else if (*p == '\r')
            fputs("\\r", stdout);
        else if (*p == '\t')
            fputs("\\t", stdout);
        else if (*p < 0x20 || *p == 0x7f)
            printf("\\x%02x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

/* Prints "label: value" for one of libevtx's get_utf8_X / _size pairs. */
static void print_string(libevtx_record_t *r, const char *label, utf8_size_fn size_fn,
                         utf8_get_fn get_fn)
{
    size_t size = 0;
    printf(" %s: ", label);
    if (size_fn(r, &size, NULL) != 1) {
        fputs("-", stdout);
    } else if (size <= 1) {
        fputs("\"\"", stdout);
    } else {
        char *buf = malloc(size);
        if (buf != NULL && get_fn(r, (uint8_t *)buf, size, NULL) == 1)
            print_quoted(buf);
        else
            fputs("<error>", stdout);
        free(buf);
    }
    putchar('\n');
}

static void print_strings(libevtx_record_t *r)
{
    int n = 0;
    if (libevtx_record_get_number_of_strings(r, &n, NULL) != 1) {
        printf(" strings: <error>\n");
        return;
    }
    printf(" strings: %d\n", n);
    for (int i = 0; i < n; i++) {
        size_t size = 0;
        printf(" string[%d]: ", i);
        if (libevtx_record_get_utf8_string_size(r, i, &size, NULL) != 1) {
            fputs("-", stdout);
        } else if (size <= 1) {
            fputs("\"\"", stdout);
        } else {
            char *buf = malloc(size);
            if (buf != NULL &&
                libevtx_record_get_utf8_string(r, i, (uint8_t *)buf, size, NULL) == 1)
                print_quoted(buf);
            else
                fputs("<error>", stdout);
            free(buf);
        }
        putchar('\n');
    }
}

static void print_record(libevtx_record_t *r, const char *kind, int index)
{
    uint64_t id = 0, written = 0;
    uint32_t event_id = 0, qualifiers = 0;
    uint8_t level = 0;
    printf("%s %d\n", kind, index);
    if (libevtx_record_get_identifier(r, &id, NULL) == 1)
        printf(" id: %" PRIu64 "\n", id);
    if (libevtx_record_get_written_time(r, &written, NULL) == 1)
        printf(" written: %" PRIu64 "\n", written);
    if (libevtx_record_get_event_identifier(r, &event_id, NULL) == 1)
        printf(" event_id: %" PRIu32 "\n", event_id);
    if (libevtx_record_get_event_identifier_qualifiers(r, &qualifiers, NULL) == 1)
        printf(" qualifiers: %" PRIu32 "\n", qualifiers);
    else
        printf(" qualifiers: -\n");
    if (libevtx_record_get_event_level(r, &level, NULL) == 1)
        printf(" level: %u\n", level);
    /* GUID before source name: in libevtx 20181227 the provider identifier
     * getters fail once libevtx_record_get_utf8_source_name_size has run on
     * the record. */
    print_string(r, "guid", libevtx_record_get_utf8_provider_identifier_size,
                 libevtx_record_get_utf8_provider_identifier);
    print_string(r, "source", libevtx_record_get_utf8_source_name_size,
                 libevtx_record_get_utf8_source_name);
    print_string(r, "computer", libevtx_record_get_utf8_computer_name_size,
                 libevtx_record_get_utf8_computer_name);
    print_strings(r);
}

typedef int (*count_fn)(libevtx_file_t *, int *, libevtx_error_t **);
typedef int (*get_record_fn)(libevtx_file_t *, int, libevtx_record_t **, libevtx_error_t **);

static int print_records(libevtx_file_t *f, const char *kind, count_fn count, get_record_fn get)
{
    int n = 0;
    if (count(f, &n, NULL) != 1)
        return -1;
    for (int i = 0; i < n; i++) {
        libevtx_record_t *r = NULL;
        if (get(f, i, &r, NULL) != 1) {
            printf("%s %d: <unreadable>\n", kind, i);
            continue;
        }
        print_record(r, kind, i);
        libevtx_record_free(&r, NULL);
    }
    return 0;
}

/* ---------------------------------------------------------- --chunks */

enum { FILE_HEADER_SIZE = 4096, CHUNK_SIZE = 65536, MAX_CHAIN = 4096 };

static uint32_t rd16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p)
{
    return rd16(p) | rd16(p + 2) << 16;
}

static uint64_t rd64(const uint8_t *p)
{
    return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Checks one name definition at off; returns its size or 0 if it is bad. */
static uint32_t check_name(const uint8_t *c, uint32_t off, uint32_t slot)
{
    if (off < 512 || off + 8 > CHUNK_SIZE)
        return 0;
    uint32_t n = rd16(c + off + 6), hash = 0;
    if (off + 8 + 2 * (n + 1) > CHUNK_SIZE)
        return 0;
    for (uint32_t i = 0; i < n; i++)
        hash = hash * 65599u + rd16(c + off + 8 + 2 * i);
    if ((hash & 0xffff) != rd16(c + off + 4) || (hash & 0xffff) % 64 != slot)
        return 0;
    return 8 + 2 * (n + 1);
}

static int count_names(const uint8_t *c, int *errors)
{
    int count = 0;
    for (uint32_t slot = 0; slot < 64; slot++) {
        uint32_t off = rd32(c + 128 + 4 * slot);
        for (int steps = 0; off != 0 && steps < MAX_CHAIN; steps++) {
            if (check_name(c, off, slot) == 0) {
                (*errors)++;
                break;
            }
            count++;
            off = rd32(c + off);
        }
    }
    return count;
}

/* A template definition at off follows "0c 01 <id> <off>" and its bucket
 * is id % 32. */
static int check_template(const uint8_t *c, uint32_t off, uint32_t slot)
{
    if (off < 512 + 10 || off + 24 > CHUNK_SIZE)
        return 0;
    return c[off - 10] == 0x0c && rd32(c + off - 4) == off && rd32(c + off - 8) % 32 == slot &&
           rd32(c + off - 8) == rd32(c + off + 4) /* id = GUID's first field */;
}

static int count_templates(const uint8_t *c, int *errors)
{
    int count = 0;
    for (uint32_t slot = 0; slot < 32; slot++) {
        uint32_t off = rd32(c + 384 + 4 * slot);
        for (int steps = 0; off != 0 && steps < MAX_CHAIN; steps++) {
            if (!check_template(c, off, slot)) {
                (*errors)++;
                break;
            }
            count++;
            off = rd32(c + off);
        }
    }
    return count;
}

static void print_chunk(uint64_t index, const uint8_t *c)
{
    int errors = 0;
    int names = count_names(c, &errors);
    int templates = count_templates(c, &errors);
    printf("chunk %" PRIu64 ": signature %s records %" PRIu64 "-%" PRIu64 " ids %" PRIu64
           "-%" PRIu64 " last_record %" PRIu32 " free %" PRIu32
           " names %d templates %d table_errors %d\n",
           index, memcmp(c, "ElfChnk", 8) == 0 ? "ok" : "bad", rd64(c + 8), rd64(c + 16),
           rd64(c + 24), rd64(c + 32), rd32(c + 44), rd32(c + 48), names, templates, errors);
}

static int dump_chunks(const char *path)
{
    static uint8_t buf[CHUNK_SIZE];
    FILE *f = fopen(path, "rb");
    if (f == NULL || fread(buf, 1, FILE_HEADER_SIZE, f) != FILE_HEADER_SIZE) {
        fprintf(stderr, "evtxcheck: cannot read %s\n", path);
        return 1;
    }
    uint32_t n = rd16(buf + 42);
    printf("file: signature %s chunks %" PRIu32 " first %" PRIu64 " last %" PRIu64
           " next_record_id %" PRIu64 " version %" PRIu32 ".%" PRIu32 " flags 0x%" PRIx32 "\n",
           memcmp(buf, "ElfFile", 8) == 0 ? "ok" : "bad", n, rd64(buf + 8), rd64(buf + 16),
           rd64(buf + 24), rd16(buf + 38), rd16(buf + 36), rd32(buf + 120));
    for (uint64_t i = 0; fread(buf, 1, CHUNK_SIZE, f) == CHUNK_SIZE; i++)
        print_chunk(i, buf);
    fclose(f);
    return 0;
}

/* ---------------------------------------------------------- main */

int main(int argc, char **argv)
{
    libevtx_file_t *f = NULL;
    libevtx_error_t *error = NULL;
    int n_records = 0, n_recovered = 0;
    if (argc == 3 && strcmp(argv[1], "--chunks") == 0)
        return dump_chunks(argv[2]);
    if (argc != 2) {
        fprintf(stderr, "usage: evtxcheck [--chunks] FILE.evtx\n");
        return 2;
    }
    if (libevtx_file_initialize(&f, &error) != 1 ||
        libevtx_file_open(f, argv[1], LIBEVTX_OPEN_READ, &error) != 1) {
        libevtx_error_fprint(error, stderr);
        libevtx_error_free(&error);
        return 1;
    }
    libevtx_file_get_number_of_records(f, &n_records, NULL);
    libevtx_file_get_number_of_recovered_records(f, &n_recovered, NULL);
    printf("records: %d\nrecovered: %d\ncorrupted: %d\n", n_records, n_recovered,
           libevtx_file_is_corrupted(f, NULL));
    print_records(f, "record", libevtx_file_get_number_of_records,
                  libevtx_file_get_record_by_index);
    print_records(f, "recovered", libevtx_file_get_number_of_recovered_records,
                  libevtx_file_get_recovered_record_by_index);
    libevtx_file_close(f, NULL);
    libevtx_file_free(&f, NULL);
    return 0;
}
