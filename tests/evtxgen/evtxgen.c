/*
 * evtxgen.c - command line front end of evtx_writer: turns a JSON fixture
 * spec into an .evtx file.
 *
 *     evtxgen SPEC.json OUT.evtx
 *
 * What it is for: describing crashsig test fixtures (and benchmark logs) as
 * small readable JSON files; the format is documented in README.md.
 * What it is not: a validator of event semantics.  It checks that the spec is
 * well formed (types, ranges, known field names) and otherwise writes what
 * it is told, including damaged files when asked.
 *
 * Exit status: 0 written, 1 write error, 2 usage or spec error.  Spec errors
 * name the spec file and the record index.
 */
#include "evtx_writer.h"

#include <cJSON.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_WRITE_ERROR = 1, EXIT_SPEC_ERROR = 2 };

/* FILETIME ticks per second and days from 1601-01-01 to 1970-01-01. */
static const uint64_t TICKS_PER_SECOND = 10000000u;
static const int64_t DAYS_1601_TO_1970 = 134774;

/* Default Keywords: EventLogClassic (0x80000000000000), what Windows puts on
 * events in the Application and System channels. */
static const uint64_t DEFAULT_KEYWORDS = 0x80000000000000u;

/* Limit for "repeat_step_ticks": a century. */
static const uint64_t MAX_REPEAT_STEP = 100ull * 366 * 86400 * 10000000;

/* Where we are in the spec, for error messages. */
struct spec_ctx {
    const char *path;
    long record; /* -1: outside "records" */
};

/* The output being written, removed on a spec error so that no half-written
 * fixture is left behind (spec_error exits from deep inside the parser). */
static const char *partial_output;

static void spec_error(const struct spec_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    if (partial_output != NULL)
        remove(partial_output);
    fprintf(stderr, "evtxgen: %s: ", ctx->path);
    if (ctx->record >= 0)
        fprintf(stderr, "records[%ld]: ", ctx->record);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(EXIT_SPEC_ERROR);
}

/* ------------------------------------------------------------ reading */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t len = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    while (buf != NULL) {
        len += fread(buf + len, 1, cap - len - 1, f);
        if (len < cap - 1)
            break;
        cap *= 2;
        char *p = realloc(buf, cap);
        if (p == NULL)
            free(buf);
        buf = p;
    }
    if (buf != NULL)
        buf[len] = 0;
    if (ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

/* ------------------------------------------------------------ times */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* Reads exactly n digits. */
static int read_digits(const char **s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*s)++) {
        if (**s < '0' || **s > '9')
            return -1;
        v = v * 10 + (**s - '0');
    }
    *out = v;
    return 0;
}

static int expect_char(const char **s, char c)
{
    if (**s != c)
        return -1;
    (*s)++;
    return 0;
}

/* Fraction ".d{1,7}" as 100 ns ticks (missing digits are zeros). */
static int read_fraction(const char **s, uint64_t *ticks)
{
    *ticks = 0;
    if (**s != '.')
        return 0;
    (*s)++;
    int n = 0;
    while (**s >= '0' && **s <= '9' && n < 7) {
        *ticks = *ticks * 10 + (uint64_t)(**s - '0');
        (*s)++;
        n++;
    }
    if (n == 0 || (**s >= '0' && **s <= '9'))
        return -1;
    for (; n < 7; n++)
        *ticks *= 10;
    return 0;
}

/* "YYYY-MM-DDTHH:MM:SS[.fffffff]Z" (UTC) to FILETIME. */
static int parse_time(const char *s, uint64_t *filetime)
{
    int y, mo, d, h, mi, sec;
    uint64_t frac;
    if (read_digits(&s, 4, &y) || expect_char(&s, '-') || read_digits(&s, 2, &mo) ||
        expect_char(&s, '-') || read_digits(&s, 2, &d) || expect_char(&s, 'T') ||
        read_digits(&s, 2, &h) || expect_char(&s, ':') || read_digits(&s, 2, &mi) ||
        expect_char(&s, ':') || read_digits(&s, 2, &sec) || read_fraction(&s, &frac) ||
        expect_char(&s, 'Z') || *s != 0)
        return -1;
    if (y < 1601 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        sec > 59)
        return -1;
    int64_t days = days_from_civil(y, mo, d) + DAYS_1601_TO_1970;
    uint64_t seconds = (uint64_t)days * 86400u + (uint64_t)(h * 3600 + mi * 60 + sec);
    *filetime = seconds * TICKS_PER_SECOND + frac;
    return 0;
}

/* ------------------------------------------------------------ fields */

/* A field of the record, else of "defaults", else NULL. */
static const cJSON *field(const cJSON *record, const cJSON *defaults, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(record, name);
    if (item == NULL && defaults != NULL)
        item = cJSON_GetObjectItemCaseSensitive(defaults, name);
    return item;
}

static const char *get_string(const struct spec_ctx *ctx, const cJSON *item, const char *name)
{
    if (item == NULL)
        return NULL;
    if (!cJSON_IsString(item))
        spec_error(ctx, "\"%s\" must be a string", name);
    return item->valuestring;
}

static int get_bool(const struct spec_ctx *ctx, const cJSON *item, const char *name)
{
    if (item == NULL)
        return 0;
    if (!cJSON_IsBool(item))
        spec_error(ctx, "\"%s\" must be true or false", name);
    return cJSON_IsTrue(item);
}

/* Parses a decimal or 0x-prefixed hex string as uint64. */
static int parse_u64_string(const char *s, uint64_t *out)
{
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (*s == 0 || *s == '-' || *s == '+' || *s == ' ')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (errno != 0 || *end != 0)
        return -1;
    *out = v;
    return 0;
}

/* An unsigned integer up to max: a JSON number, or (for values beyond
 * what a double holds exactly) a decimal or "0x..." string. */
static uint64_t get_uint(const struct spec_ctx *ctx, const cJSON *item, const char *name,
                         uint64_t max, uint64_t fallback)
{
    uint64_t v;
    if (item == NULL)
        return fallback;
    if (cJSON_IsNumber(item)) {
        double d = item->valuedouble;
        if (d < 0 || d > 9007199254740992.0 || d != (double)(uint64_t)d)
            spec_error(ctx, "\"%s\" must be a non-negative integer", name);
        v = (uint64_t)d;
    } else if (!cJSON_IsString(item) || parse_u64_string(item->valuestring, &v) != 0) {
        spec_error(ctx, "\"%s\" must be an unsigned integer (number, \"123\" or \"0x7b\")", name);
    }
    if (v > max)
        spec_error(ctx, "\"%s\" is %" PRIu64 ", more than %" PRIu64, name, v, max);
    return v;
}

static int64_t get_int(const struct spec_ctx *ctx, const cJSON *item, const char *name,
                       int64_t fallback)
{
    if (item == NULL)
        return fallback;
    double d = cJSON_IsNumber(item) ? item->valuedouble : 0.5;
    if (d != (double)(int64_t)d || d < -9007199254740992.0 || d > 9007199254740992.0)
        spec_error(ctx, "\"%s\" must be an integer", name);
    return (int64_t)d;
}

static uint64_t get_time(const struct spec_ctx *ctx, const cJSON *item, const char *name)
{
    const char *s = get_string(ctx, item, name);
    uint64_t t;
    if (s == NULL)
        spec_error(ctx, "\"%s\" is required", name);
    if (parse_time(s, &t) != 0)
        spec_error(ctx, "\"%s\": \"%s\" is not YYYY-MM-DDTHH:MM:SS[.fffffff]Z (UTC)", name, s);
    return t;
}

/* Rejects unknown keys: a typo must not silently produce a different
 * fixture. */
static void check_keys(const struct spec_ctx *ctx, const cJSON *obj, const char *what,
                       const char *const *known)
{
    if (!cJSON_IsObject(obj))
        spec_error(ctx, "%s must be an object", what);
    for (const cJSON *item = obj->child; item != NULL; item = item->next) {
        size_t i = 0;
        while (known[i] != NULL && strcmp(known[i], item->string) != 0)
            i++;
        if (known[i] == NULL)
            spec_error(ctx, "unknown field \"%s\" in %s", item->string, what);
    }
}

static const char *const RECORD_FIELDS[] = {"provider",
                                            "guid",
                                            "event_id",
                                            "qualifiers",
                                            "version",
                                            "level",
                                            "task",
                                            "opcode",
                                            "keywords",
                                            "time",
                                            "written_time",
                                            "event_record_id",
                                            "process_id",
                                            "thread_id",
                                            "channel",
                                            "computer",
                                            "data",
                                            "named_data",
                                            "binary",
                                            "recovered",
                                            "repeat",
                                            "repeat_step_ticks",
                                            NULL};

/* ------------------------------------------------------------ records */

/* Memory owned by one record conversion. */
struct record_buffers {
    const char **data;
    struct evtx_named_data *named;
    uint8_t *binary;
};

static void free_record_buffers(struct record_buffers *b)
{
    free(b->data);
    free(b->named);
    free(b->binary);
    memset(b, 0, sizeof *b);
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (p == NULL) {
        fprintf(stderr, "evtxgen: out of memory\n");
        exit(EXIT_WRITE_ERROR);
    }
    return p;
}

static void convert_data(const struct spec_ctx *ctx, const cJSON *item, struct evtx_event *ev,
                         struct record_buffers *b)
{
    if (item == NULL)
        return;
    if (!cJSON_IsArray(item))
        spec_error(ctx, "\"data\" must be an array of strings");
    size_t n = (size_t)cJSON_GetArraySize(item), i = 0;
    b->data = xcalloc(n, sizeof *b->data);
    for (const cJSON *s = item->child; s != NULL; s = s->next, i++) {
        if (!cJSON_IsString(s))
            spec_error(ctx, "\"data\"[%zu] must be a string", i);
        b->data[i] = s->valuestring;
    }
    ev->data = b->data;
    ev->n_data = n;
}

static void convert_named_data(const struct spec_ctx *ctx, const cJSON *item, struct evtx_event *ev,
                               struct record_buffers *b)
{
    if (item == NULL)
        return;
    if (!cJSON_IsArray(item))
        spec_error(ctx, "\"named_data\" must be an array of [name, value] pairs");
    size_t n = (size_t)cJSON_GetArraySize(item), i = 0;
    b->named = xcalloc(n, sizeof *b->named);
    for (const cJSON *pair = item->child; pair != NULL; pair = pair->next, i++) {
        const cJSON *name = cJSON_GetArrayItem(pair, 0);
        const cJSON *value = cJSON_GetArrayItem(pair, 1);
        if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2 || !cJSON_IsString(name) ||
            !cJSON_IsString(value) || name->valuestring[0] == 0)
            spec_error(ctx, "\"named_data\"[%zu] must be [\"name\", \"value\"]", i);
        b->named[i].name = name->valuestring;
        b->named[i].value = value->valuestring;
    }
    ev->named_data = b->named;
    ev->n_named_data = n;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void convert_binary(const struct spec_ctx *ctx, const cJSON *item, struct evtx_event *ev,
                           struct record_buffers *b)
{
    const char *hex = get_string(ctx, item, "binary");
    if (hex == NULL)
        return;
    size_t len = strlen(hex);
    if (len % 2 != 0)
        spec_error(ctx, "\"binary\" must have an even number of hex digits");
    b->binary = xcalloc(len / 2, 1);
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            spec_error(ctx, "\"binary\" is not a hex string");
        b->binary[i] = (uint8_t)(hi << 4 | lo);
    }
    ev->binary = b->binary;
    ev->binary_size = len / 2;
}

static const char *required_string(const struct spec_ctx *ctx, const cJSON *rec,
                                   const cJSON *defaults, const char *name)
{
    const char *s = get_string(ctx, field(rec, defaults, name), name);
    if (s == NULL)
        spec_error(ctx, "\"%s\" is required (in the record or in \"defaults\")", name);
    return s;
}

/* System fields of one record. */
static void convert_system(const struct spec_ctx *ctx, const cJSON *rec, const cJSON *defaults,
                           struct evtx_event *ev)
{
    ev->provider = required_string(ctx, rec, defaults, "provider");
    ev->provider_guid = get_string(ctx, field(rec, defaults, "guid"), "guid");
    const cJSON *event_id = field(rec, defaults, "event_id");
    if (event_id == NULL)
        spec_error(ctx, "\"event_id\" is required");
    ev->event_id = (uint16_t)get_uint(ctx, event_id, "event_id", 0xffff, 0);
    const cJSON *qualifiers = field(rec, defaults, "qualifiers");
    ev->has_qualifiers = qualifiers != NULL && !cJSON_IsNull(qualifiers);
    if (ev->has_qualifiers)
        ev->qualifiers = (uint16_t)get_uint(ctx, qualifiers, "qualifiers", 0xffff, 0);
    ev->version = (uint8_t)get_uint(ctx, field(rec, defaults, "version"), "version", 0xff, 0);
    ev->level = (uint8_t)get_uint(ctx, field(rec, defaults, "level"), "level", 0xff, 0);
    ev->task = (uint16_t)get_uint(ctx, field(rec, defaults, "task"), "task", 0xffff, 0);
    ev->opcode = (uint8_t)get_uint(ctx, field(rec, defaults, "opcode"), "opcode", 0xff, 0);
    ev->keywords =
        get_uint(ctx, field(rec, defaults, "keywords"), "keywords", UINT64_MAX, DEFAULT_KEYWORDS);
    ev->event_record_id =
        get_uint(ctx, field(rec, defaults, "event_record_id"), "event_record_id", UINT64_MAX, 0);
    ev->process_id =
        (uint32_t)get_uint(ctx, field(rec, defaults, "process_id"), "process_id", UINT32_MAX, 0);
    ev->thread_id =
        (uint32_t)get_uint(ctx, field(rec, defaults, "thread_id"), "thread_id", UINT32_MAX, 0);
    ev->channel = required_string(ctx, rec, defaults, "channel");
    ev->computer = required_string(ctx, rec, defaults, "computer");
}

static void convert_times(const struct spec_ctx *ctx, const cJSON *rec, const cJSON *defaults,
                          struct evtx_event *ev)
{
    ev->time_created = get_time(ctx, field(rec, defaults, "time"), "time");
    const cJSON *written = field(rec, defaults, "written_time");
    if (written != NULL)
        ev->written_time_offset =
            (int64_t)(get_time(ctx, written, "written_time") - ev->time_created);
}

/* Writes one record (repeated "repeat" times, "repeat_step_ticks" apart). */
static void write_record(const struct spec_ctx *ctx, struct evtx_writer *w, const cJSON *rec,
                         const cJSON *defaults)
{
    struct evtx_event ev = {0};
    struct record_buffers b = {0};
    char err[256];
    check_keys(ctx, rec, "the record", RECORD_FIELDS);
    convert_system(ctx, rec, defaults, &ev);
    convert_times(ctx, rec, defaults, &ev);
    convert_data(ctx, field(rec, defaults, "data"), &ev, &b);
    convert_named_data(ctx, field(rec, defaults, "named_data"), &ev, &b);
    convert_binary(ctx, field(rec, defaults, "binary"), &ev, &b);
    if (ev.n_data > 0 && ev.n_named_data > 0)
        spec_error(ctx, "use either \"data\" or \"named_data\", not both");
    ev.recovered = get_bool(ctx, field(rec, defaults, "recovered"), "recovered");
    int64_t repeat = get_int(ctx, field(rec, defaults, "repeat"), "repeat", 1);
    uint64_t step = get_uint(ctx, field(rec, defaults, "repeat_step_ticks"), "repeat_step_ticks",
                             MAX_REPEAT_STEP, TICKS_PER_SECOND);
    if (repeat < 1)
        spec_error(ctx, "\"repeat\" must be at least 1");
    for (int64_t i = 0; i < repeat; i++) {
        if (evtx_writer_add(w, &ev, err, sizeof err) != 0) {
            free_record_buffers(&b);
            spec_error(ctx, "%s", err);
        }
        ev.time_created += step;
        if (ev.event_record_id != 0)
            ev.event_record_id++;
    }
    free_record_buffers(&b);
}

/* ------------------------------------------------------------ file */

/* "bad_chunk_..._crc": N damages chunk index N; absent, null or -1: none. */
static void damaged_chunk(const struct spec_ctx *ctx, const cJSON *item, const char *name,
                          int *enabled, uint64_t *index)
{
    if (item == NULL || cJSON_IsNull(item) || (cJSON_IsNumber(item) && item->valuedouble == -1))
        return;
    *enabled = 1;
    *index = get_uint(ctx, item, name, UINT16_MAX, 0);
}

static void convert_file_options(const struct spec_ctx *ctx, const cJSON *file,
                                 struct evtx_writer_options *opt)
{
    static const char *const known[] = {"dirty",
                                        "full",
                                        "max_records_per_chunk",
                                        "first_record_id",
                                        "bad_file_header_crc",
                                        "bad_chunk_header_crc",
                                        "bad_chunk_records_crc",
                                        NULL};
    evtx_writer_options_init(opt);
    if (file == NULL)
        return;
    check_keys(ctx, file, "\"file\"", known);
    if (get_bool(ctx, cJSON_GetObjectItemCaseSensitive(file, "dirty"), "dirty"))
        opt->file_flags |= EVTX_FILE_FLAG_DIRTY;
    if (get_bool(ctx, cJSON_GetObjectItemCaseSensitive(file, "full"), "full"))
        opt->file_flags |= EVTX_FILE_FLAG_FULL;
    opt->max_records_per_chunk =
        (uint32_t)get_uint(ctx, cJSON_GetObjectItemCaseSensitive(file, "max_records_per_chunk"),
                           "max_records_per_chunk", UINT32_MAX, 0);
    opt->first_record_id = get_uint(ctx, cJSON_GetObjectItemCaseSensitive(file, "first_record_id"),
                                    "first_record_id", UINT64_MAX, 1);
    opt->bad_file_header_crc = get_bool(
        ctx, cJSON_GetObjectItemCaseSensitive(file, "bad_file_header_crc"), "bad_file_header_crc");
    damaged_chunk(ctx, cJSON_GetObjectItemCaseSensitive(file, "bad_chunk_header_crc"),
                  "bad_chunk_header_crc", &opt->bad_chunk_header_crc,
                  &opt->bad_chunk_header_crc_index);
    damaged_chunk(ctx, cJSON_GetObjectItemCaseSensitive(file, "bad_chunk_records_crc"),
                  "bad_chunk_records_crc", &opt->bad_chunk_records_crc,
                  &opt->bad_chunk_records_crc_index);
}

static void check_top_level(const struct spec_ctx *ctx, const cJSON *spec)
{
    /* "expect" holds what crashsig must report for the fixture: tests/test_cli.c reads it. */
    static const char *const known[] = {"description", "file",   "defaults",
                                        "records",     "expect", NULL};
    check_keys(ctx, spec, "the spec", known);
    if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(spec, "records")))
        spec_error(ctx, "\"records\" must be an array");
    const cJSON *defaults = cJSON_GetObjectItemCaseSensitive(spec, "defaults");
    if (defaults != NULL)
        check_keys(ctx, defaults, "\"defaults\"", RECORD_FIELDS);
}

static int write_spec(const char *spec_path, const cJSON *spec, const char *out_path)
{
    struct spec_ctx ctx = {spec_path, -1};
    struct evtx_writer_options opt;
    char err[256];
    check_top_level(&ctx, spec);
    convert_file_options(&ctx, cJSON_GetObjectItemCaseSensitive(spec, "file"), &opt);
    const cJSON *defaults = cJSON_GetObjectItemCaseSensitive(spec, "defaults");
    struct evtx_writer *w = evtx_writer_open(out_path, &opt, err, sizeof err);
    if (w == NULL) {
        fprintf(stderr, "evtxgen: %s\n", err);
        return EXIT_WRITE_ERROR;
    }
    partial_output = out_path;
    const cJSON *rec;
    ctx.record = 0;
    cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(spec, "records"))
    {
        write_record(&ctx, w, rec, defaults);
        ctx.record++;
    }
    partial_output = NULL;
    if (evtx_writer_close(w, err, sizeof err) != 0) {
        fprintf(stderr, "evtxgen: %s: %s\n", out_path, err);
        return EXIT_WRITE_ERROR;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: evtxgen SPEC.json OUT.evtx\n");
        return EXIT_SPEC_ERROR;
    }
    char *text = read_file(argv[1]);
    if (text == NULL) {
        fprintf(stderr, "evtxgen: cannot read %s: %s\n", argv[1], strerror(errno));
        return EXIT_SPEC_ERROR;
    }
    cJSON *spec = cJSON_Parse(text);
    if (spec == NULL) {
        const char *at = cJSON_GetErrorPtr();
        fprintf(stderr, "evtxgen: %s: invalid JSON near \"%.40s\"\n", argv[1], at ? at : "");
        free(text);
        return EXIT_SPEC_ERROR;
    }
    int rc = write_spec(argv[1], spec, argv[2]);
    cJSON_Delete(spec);
    free(text);
    return rc;
}
