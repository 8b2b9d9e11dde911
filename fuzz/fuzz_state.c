/*
 * fuzz_state.c - libFuzzer target: the --state file loader (state_load), a file a person may
 * edit by hand or a crash may leave half-written, and everything a loaded state feeds: its
 * pending .NET events go through scan_run as carried events (parsers, correlator, catalog,
 * every report writer), and state_record_run updates the state from the result.
 *
 * Input: the state file's bytes.
 *
 * Checked beyond "no crash, no leak": a failure has a message naming the file; a loaded state
 * writes back as well-formed UTF-8 JSON of schema crashsig.state/1 that loads again and writes
 * the same text (the file round-trips); and the reports keep their promises (fuzz_check.h).
 *
 * Not for: the rules of what a state hides (tests/test_state.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_check.h"

#include "crashsig/scan.h"
#include "crashsig/state.h"

/* Two temporary files per process (the input, and the state written back); removed at exit. */
static char temp_paths[2][256];

static void remove_temps(void)
{
    for (int i = 0; i < 2; i++)
        if (temp_paths[i][0])
            unlink(temp_paths[i]);
}

static const char *temp_file(int which)
{
    if (temp_paths[which][0])
        return temp_paths[which];
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    snprintf(temp_paths[which], sizeof(temp_paths[which]), "%s/crashsig-fuzz-state-XXXXXX",
             dir ? dir : "/tmp");
    int fd = mkstemp(temp_paths[which]);
    FUZZ_CHECK(fd >= 0, "cannot create a temporary file");
    close(fd);
    if (which == 0)
        atexit(remove_temps);
    return temp_paths[which];
}

static void write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL, "cannot write a temporary file");
    FUZZ_CHECK(fwrite(data, 1, size, f) == size && fclose(f) == 0, "short write");
}

/* The state as the file text state_write gives (caller frees). */
static char *state_text(const struct state *state, size_t *n)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    FUZZ_CHECK(f != NULL, "open_memstream");
    FUZZ_CHECK(state_write(state, f) == 0, "state_write fails on a memory stream");
    FUZZ_CHECK(fclose(f) == 0, "fclose");
    *n = size;
    return text;
}

/* Writes the loaded state, loads that, writes again: the same text both times.  The file is
 * well-formed UTF-8 whenever the input was (a hand-edited file's raw bytes are kept as they
 * are, not made worse). */
static void check_round_trip(const struct state *state, bool input_utf8)
{
    size_t n1, n2;
    char *first = state_text(state, &n1);
    FUZZ_CHECK(!input_utf8 || fuzz_utf8_valid(first, n1),
               "the state file is not well-formed UTF-8");
    cJSON *doc = cJSON_ParseWithLength(first, n1);
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(doc, "schema");
    FUZZ_CHECK(cJSON_IsString(schema) && strcmp(schema->valuestring, STATE_SCHEMA) == 0,
               "the state file written has the schema");
    cJSON_Delete(doc);
    write_file(temp_file(1), first, n1);
    struct state *again = NULL;
    struct cs_error err = {{0}};
    FUZZ_CHECK(state_load(temp_file(1), &again, &err) == 0, "a written state loads again");
    char *second = state_text(again, &n2);
    FUZZ_CHECK(n1 == n2 && memcmp(first, second, n1) == 0, "the state file round-trips");
    free(first);
    free(second);
    state_free(again);
}

/* A run with nothing but the carried events, as a scheduled scan of an empty log would be. */
static void run_with(struct state *state)
{
    struct scan_options options = {.catalog = fuzz_builtin_catalog(), .jobs = 1};
    options.carried_events = state_carried_events(state, &options.carried_event_count);
    struct run_result result = {.fail_on = SEVERITY_LOW};
    struct cs_error err = {{0}};
    FUZZ_CHECK(scan_run(&options, NULL, 0, &result, &err) == 0, "scan of carried events");
    fuzz_check_reports(&result, NULL);
    bool *keep = cs_xcalloc(result.incidents.count, sizeof(bool));
    enum state_outage_verdict *verdicts = cs_xcalloc(result.outages.count + 1, sizeof(*verdicts));
    struct state_outcome outcome;
    state_record_run(state, &result, keep, verdicts, &outcome);
    FUZZ_CHECK(outcome.reported + outcome.already_seen <= result.incidents.count,
               "each incident is reported or seen at most once");
    FUZZ_CHECK(outcome.outages_reported + outcome.outages_ended + outcome.outages_already_seen ==
                   result.outages.count,
               "each outage is judged once");
    free(keep);
    free(verdicts);
    run_result_free(&result);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = temp_file(0);
    write_file(path, data, size);
    struct state *state = NULL;
    struct cs_error err = {{0}};
    if (state_load(path, &state, &err) != 0) {
        FUZZ_CHECK(state == NULL, "a failed load returns no state");
        FUZZ_CHECK(strstr(err.message, path) != NULL, "the error names the file");
        return 0;
    }
    bool input_utf8 = fuzz_utf8_valid((const char *)data, size);
    check_round_trip(state, input_utf8);
    run_with(state);
    check_round_trip(state, input_utf8);
    state_free(state);
    return 0;
}
