/*
 * fuzz_dotnet_crash.c - libFuzzer target: the .NET Runtime fatal-error message parser
 * (dotnet_crash_parse), then everything downstream of it on the parsed crash: correlation,
 * classification with the built-in catalog, fingerprint, grouping and every report writer.
 *
 * Input: bits 0-2 of byte 0 pick the event id (1023, 1025, 1026, 1027, 1028, 0 or 1000), bit 7
 * has the reports rendered; the rest is the event text, up to its first NUL, as the reader
 * hands it over.
 *
 * Checked beyond "no crash, no leak, no undefined behaviour": the parser's documented caps
 * (DOTNET_MAX_* in src/dotnet_crash.c) and non-NULL promises hold, a failure carries a message,
 * and the reports keep their promises (fuzz_check.h).
 *
 * Not for: reading events out of .evtx files (fuzz_scan.c does that).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

#include "crashsig/dotnet_crash.h"

/* The caps src/dotnet_crash.c documents; a change there must be a deliberate change here. */
#define MAX_FRAMES     1000
#define MAX_EXCEPTIONS 64
#define MAX_MESSAGE    65536

static const uint32_t EVENT_IDS[] = {1026, 1025, 1027, 1023, 1028, 0, 1000, 1026};

static void check_frames(const struct dotnet_frame *frames, size_t count)
{
    FUZZ_CHECK(count <= MAX_FRAMES, "frames per list are capped");
    for (size_t i = 0; i < count; i++) {
        FUZZ_CHECK(frames[i].text != NULL && frames[i].method != NULL, "frame has text");
        FUZZ_CHECK(strlen(frames[i].method) <= strlen(frames[i].text), "method is a prefix");
        (void)dotnet_frame_is_framework(&frames[i]);
    }
}

static void check_crash(const struct dotnet_crash *crash)
{
    FUZZ_CHECK(crash->application != NULL, "application is never NULL");
    FUZZ_CHECK(crash->exception_count <= MAX_EXCEPTIONS, "exceptions are capped");
    for (size_t i = 0; i < crash->exception_count; i++) {
        const struct dotnet_exception *e = &crash->exceptions[i];
        FUZZ_CHECK(e->type != NULL, "exception type is never NULL");
        FUZZ_CHECK(e->message == NULL || strlen(e->message) <= MAX_MESSAGE, "message is capped");
        check_frames(e->frames, e->frame_count);
    }
    check_frames(crash->stack_frames, crash->stack_frame_count);
    FUZZ_CHECK(crash->failfast_message == NULL || strlen(crash->failfast_message) <= MAX_MESSAGE,
               "FailFast message is capped");
    FUZZ_CHECK(strcmp(dotnet_crash_kind_name(crash->kind), "") != 0, "kind has a name");
    size_t count;
    const struct dotnet_frame *frames = dotnet_crash_thread_frames(crash, &count);
    FUZZ_CHECK(count == 0 || frames != NULL, "thread frames");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint32_t event_id = EVENT_IDS[data[0] % (sizeof(EVENT_IDS) / sizeof(EVENT_IDS[0]))];
    char *text = cs_strndup((const char *)data + 1, size - 1);

    struct dotnet_event *de = dotnet_event_new();
    struct cs_error err = {{0}};
    int rc = dotnet_crash_parse(text, event_id, de->crash, &err);
    free(text);
    check_crash(de->crash);
    if (rc != 0) {
        FUZZ_CHECK(err.message[0] != '\0', "a failure has a message");
        dotnet_event_free(de);
        return 0;
    }
    de->event.file = "fuzz.evtx";
    de->event.computer = cs_strdup("FUZZ01");
    de->event.channel = cs_strdup("Application");
    de->event.provider = cs_strdup(".NET Runtime");
    de->event.event_id = event_id;
    de->event.time = 133000000000000000ULL;
    de->event.record_id = de->event.event_record_id = 1;
    fuzz_pipeline(de, NULL, data[0] & 0x80);
    return 0;
}
