/*
 * test_reader.c - the reader (src/reader.c) against the fixtures: every wanted record of each
 * fixture's spec must come back from the real libevtx with the same time (to 100 ns),
 * computer, channel, EventRecordID, recovered flag and EventData (values and names), and
 * nothing else may come back.  Also: errors for files that are not logs.
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

#include <cJSON.h>

#include "crashsig/reader.h"
#include "test_util.h"

static const uint32_t DOTNET_IDS[] = {1023, 1025, 1026, 1027, 1028};
static const uint32_t APP_ERROR_IDS[] = {1000};
static const struct reader_want WANTS[] = {{".NET Runtime", DOTNET_IDS, 5, NULL, 0},
                                           {"Application Error", APP_ERROR_IDS, 1, NULL, 0}};
static const struct reader_filter FILTER = {WANTS, 2};

struct collected {
    size_t count;
    struct event events[4096];
    bool matched[4096];
};

static int collect(struct event *ev, void *ctx)
{
    struct collected *c = ctx;
    assert_true(c->count < 4096);
    event_move(&c->events[c->count++], ev);
    return 0;
}

/* A record field, falling back to the spec's defaults. */
static const cJSON *field(const cJSON *record, const cJSON *defaults, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(record, key);
    return v ? v : cJSON_GetObjectItem(defaults, key);
}

static void check_data(const struct event *ev, const cJSON *record, const char *where)
{
    const cJSON *data = cJSON_GetObjectItem(record, "data");
    const cJSON *named = cJSON_GetObjectItem(record, "named_data");
    const cJSON *list = data ? data : named;
    size_t want = (size_t)cJSON_GetArraySize(list);
    if (ev->data.count != want)
        fail_msg("%s: %zu EventData strings, expected %zu", where, ev->data.count, want);
    for (size_t i = 0; i < want; i++) {
        const cJSON *item = cJSON_GetArrayItem(list, (int)i);
        const char *value = named ? cJSON_GetArrayItem(item, 1)->valuestring : item->valuestring;
        if (strcmp(ev->data.values[i], value) != 0)
            fail_msg("%s: string %zu differs: '%.80s' vs '%.80s'", where, i, ev->data.values[i],
                     value);
        if (named) {
            assert_non_null(ev->data.names);
            assert_string_equal(ev->data.names[i], cJSON_GetArrayItem(item, 0)->valuestring);
        }
    }
    if (!named)
        assert_null(ev->data.names);
}

/* Finds the event for one expanded spec record and checks it. */
static void match_record(struct collected *c, const cJSON *record, const cJSON *defaults,
                         cs_filetime time, const cJSON *record_id, uint64_t step, const char *where)
{
    const char *computer = field(record, defaults, "computer")->valuestring;
    const char *channel = field(record, defaults, "channel")->valuestring;
    uint32_t event_id = (uint32_t)cJSON_GetObjectItem(record, "event_id")->valueint;
    for (size_t i = 0; i < c->count; i++) {
        struct event *ev = &c->events[i];
        if (c->matched[i] || ev->time != time || ev->event_id != event_id ||
            strcmp(ev->computer, computer) != 0)
            continue;
        if (record_id && ev->event_record_id != (uint64_t)record_id->valuedouble + step)
            continue;
        c->matched[i] = true;
        assert_string_equal(ev->channel, channel);
        assert_int_equal(ev->recovered, cJSON_IsTrue(cJSON_GetObjectItem(record, "recovered")));
        check_data(ev, record, where);
        return;
    }
    fail_msg("%s: no event read back for this record", where);
}

static void check_fixture(const char *spec_path, const char *evtx_path)
{
    char *text = read_file(spec_path, NULL);
    cJSON *spec = cJSON_Parse(text);
    assert_non_null(spec);
    const cJSON *defaults = cJSON_GetObjectItem(spec, "defaults");
    struct collected *c = calloc(1, sizeof(*c));
    struct input_report report;
    input_report_init(&report, evtx_path);
    struct reader_request request = {
        .path = evtx_path, .filter = &FILTER, .on_event = collect, .ctx = c};
    assert_int_equal(reader_read_whole_file(&request, &report), 0);

    size_t expected = 0;
    int index = 0;
    const cJSON *record;
    cJSON_ArrayForEach(record, cJSON_GetObjectItem(spec, "records"))
    {
        const char *provider = field(record, defaults, "provider")->valuestring;
        uint32_t event_id = (uint32_t)cJSON_GetObjectItem(record, "event_id")->valueint;
        char where[700];
        snprintf(where, sizeof(where), "%s records[%d]", spec_path, index++);
        if (!reader_filter_wants(&FILTER, provider, event_id))
            continue;
        const cJSON *repeat = cJSON_GetObjectItem(record, "repeat");
        const cJSON *step = cJSON_GetObjectItem(record, "repeat_step_ticks");
        int times = repeat ? repeat->valueint : 1;
        cs_filetime t;
        assert_int_equal(cs_time_parse_iso(cJSON_GetObjectItem(record, "time")->valuestring, &t),
                         0);
        for (int k = 0; k < times; k++) {
            uint64_t offset = (uint64_t)k * (step ? (uint64_t)step->valuedouble : 10000000ULL);
            match_record(c, record, defaults, t + offset,
                         cJSON_GetObjectItem(record, "event_record_id"), (uint64_t)k, where);
            expected++;
        }
    }
    if (c->count != expected)
        fail_msg("%s: reader returned %zu events, the spec has %zu", evtx_path, c->count, expected);
    assert_int_equal(report.events_kept, expected);
    for (size_t i = 0; i < c->count; i++)
        event_free(&c->events[i]);
    free(c);
    input_report_free(&report);
    cJSON_Delete(spec);
    free(text);
}

/* Specs that ask for damage are checked by the CLI tests instead: libevtx may drop records. */
static bool spec_is_damaged(const char *spec_path)
{
    char *text = read_file(spec_path, NULL);
    bool damaged = text && (strstr(text, "\"bad_") != NULL);
    free(text);
    return damaged;
}

static void test_every_fixture_round_trips(void **state)
{
    (void)state;
    DIR *d = opendir(SOURCE_DIR "/fixtures");
    assert_non_null(d);
    int checked = 0;
    for (struct dirent *e = readdir(d); e; e = readdir(d)) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        char spec[600], evtx[600];
        snprintf(spec, sizeof(spec), "%s/fixtures/%s", SOURCE_DIR, e->d_name);
        snprintf(evtx, sizeof(evtx), "%s/fixtures/%.*s.evtx", SOURCE_DIR, (int)(len - 5),
                 e->d_name);
        if (spec_is_damaged(spec))
            continue;
        check_fixture(spec, evtx);
        checked++;
    }
    closedir(d);
    assert_true(checked >= 5);
}

static int never_called(struct event *ev, void *ctx)
{
    (void)ev;
    (void)ctx;
    fail_msg("no event expected");
    return 0;
}

static void test_not_a_log_is_an_error(void **state)
{
    (void)state;
    const char *paths[] = {SOURCE_DIR "/README.md", SOURCE_DIR "/fixtures",
                           SOURCE_DIR "/no-such-file.evtx"};
    const char *why[] = {"ElfFile", "directory", "No such file"};
    for (int i = 0; i < 3; i++) {
        struct input_report report;
        input_report_init(&report, paths[i]);
        struct reader_request request = {
            .path = paths[i], .filter = &FILTER, .on_event = never_called};
        assert_int_equal(reader_read_whole_file(&request, &report), -1);
        assert_int_equal(report.status, INPUT_ERROR);
        assert_non_null(report.error);
        if (strstr(report.error, why[i]) == NULL)
            fail_msg("%s: error '%s' does not say '%s'", paths[i], report.error, why[i]);
        input_report_free(&report);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_fixture_round_trips),
        cmocka_unit_test(test_not_a_log_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
