/*
 * fuzz_app_error.c - libFuzzer target: the Application Error 1000 parser (app_error_parse) on
 * EventData built from the input, then correlation with a .NET event, classification with the
 * built-in catalog, fingerprint, grouping and every report writer.
 *
 * Input: byte 0 holds flags (bit 0: manifest layout with names, bit 1: add a .NET Runtime 1026
 * of w3wp.exe at the same time, to pair with, bit 7: render the reports); the rest is split at NUL
 * bytes into strings, at most 64.  Classic layout: every string is a value.  Manifest layout:
 * strings alternate name, value; an empty name stands for a Data element without a Name (NULL).
 *
 * Not for: reading events out of .evtx files (fuzz_scan.c does that).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

#include "crashsig/app_error.h"

#define MAX_STRINGS 64

static const char DOTNET_TEXT[] = "Application: w3wp.exe\nFramework Version: v4.0.30319\n"
                                  "Description: The process was terminated due to an unhandled "
                                  "exception.\nException Info: System.InvalidOperationException\n"
                                  "   at MyApp.Sync+<>c.<Run>b__0_0(System.Object)\n"
                                  "   at System.Threading.ThreadPoolWorkQueue.Dispatch()\n";

static void event_init(struct event *ev, const char *provider, uint32_t event_id, uint64_t id)
{
    ev->file = "fuzz.evtx";
    ev->computer = cs_strdup("FUZZ01");
    ev->channel = cs_strdup("Application");
    ev->provider = cs_strdup(provider);
    ev->event_id = event_id;
    ev->time = 133000000000000000ULL + id * 1000;
    ev->record_id = ev->event_record_id = id;
}

/* Splits data at NUL bytes into data->values (and names, for the manifest layout). */
static void build_event_data(const uint8_t *data, size_t size, bool named, struct event_data *out)
{
    char *strings[MAX_STRINGS];
    size_t n = 0;
    for (size_t at = 0; at <= size && n < MAX_STRINGS;) {
        const uint8_t *nul = memchr(data + at, 0, size - at);
        size_t len = nul ? (size_t)(nul - (data + at)) : size - at;
        strings[n++] = cs_strndup((const char *)data + at, len);
        at += len + 1;
    }
    out->count = named ? n / 2 : n;
    out->values = cs_xcalloc(out->count, sizeof(char *));
    out->names = named ? cs_xcalloc(out->count, sizeof(char *)) : NULL;
    for (size_t i = 0; i < out->count; i++) {
        if (named) {
            out->names[i] = strings[2 * i][0] ? strings[2 * i] : NULL;
            if (out->names[i] == NULL)
                free(strings[2 * i]);
            out->values[i] = strings[2 * i + 1];
        } else {
            out->values[i] = strings[i];
        }
    }
    for (size_t i = named ? 2 * out->count : out->count; i < n; i++)
        free(strings[i]);
}

static void check_fault(const struct app_error *fault)
{
    FUZZ_CHECK(fault->app_name != NULL && fault->app_name[0] != '\0', "app name is set");
    for (const char *p = fault->faulting_offset; p && *p; p++)
        FUZZ_CHECK((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'), "offset is lower hex");
    char code[9];
    app_error_format_code(fault->exception_code, code);
    FUZZ_CHECK(strlen(code) == 8, "code is 8 hex digits");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    struct app_error_event *ae = cs_xcalloc(1, sizeof(*ae));
    build_event_data(data + 1, size - 1, data[0] & 1, &ae->event.data);
    struct cs_error err = {{0}};
    if (app_error_parse(&ae->event.data, &ae->fault, &err) != 0) {
        FUZZ_CHECK(err.message[0] != '\0', "a failure has a message");
        app_error_event_free(ae);
        return 0;
    }
    check_fault(&ae->fault);
    event_init(&ae->event, "Application Error", 1000, 2);

    struct dotnet_event *de = NULL;
    if (data[0] & 2) {
        de = dotnet_event_new();
        FUZZ_CHECK(dotnet_crash_parse(DOTNET_TEXT, 1026, de->crash, &err) == 0, "fixed text");
        event_init(&de->event, ".NET Runtime", 1026, 1);
    }
    fuzz_pipeline(de, ae, data[0] & 0x80);
    return 0;
}
