/*
 * fuzz_catalog.c - libFuzzer target: the signature-catalog JSON loader (catalog_load_json),
 * the same strict loader a user-supplied rules file would go through; and, when the input
 * loads, classification of a few fixed incidents with it, so hostile globs, codes and
 * "bottom" counts reach the matcher.
 *
 * Input: the JSON text, any bytes (the loader takes a length; it need not be NUL-terminated).
 *
 * Not for: the built-in catalog's content (tests/test_signatures.c checks that).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

#include "crashsig/signatures.h"

static const char *const TEXTS[] = {
    "Application: w3wp.exe\nFramework Version: v4.0.30319\nDescription: The process was "
    "terminated due to an unhandled exception.\nException Info: System.InvalidOperationException\n"
    "   at MyApp.Sync+<>c__DisplayClass4_0+<<RunAll>b__0>d.MoveNext()\n"
    "   at System.Threading.ThreadPoolWorkQueue.Dispatch()\n",
    "Application: svc.exe\nCoreCLR Version: 6.0.2222.6701\n.NET Version: 6.0.22\nDescription: "
    "The application requested process termination through System.Environment.FailFast.\n"
    "Message: boom\nStack:\n   at System.Environment.FailFast(System.String)\n   at A.B()\n",
};

/* Classifies a .NET-only incident for each text, and a 1000-only incident, with catalog; a
 * catalog without catch-alls may fail, but must fail with a message. */
static void classify_with(const struct catalog *catalog)
{
    for (size_t i = 0; i <= sizeof(TEXTS) / sizeof(TEXTS[0]); i++) {
        struct incident incident = {0};
        struct dotnet_crash crash = {0};
        struct dotnet_event de = {.crash = &crash};
        struct app_error_event ae = {0};
        char *values[] = {"w3wp.exe", "10.0", "0", "KERNELBASE.dll", "10.0", "0", "e0434352"};
        if (i < sizeof(TEXTS) / sizeof(TEXTS[0])) {
            FUZZ_CHECK(dotnet_crash_parse(TEXTS[i], 1026, &crash, NULL) == 0, "fixed text");
            incident.dotnet = &de;
        } else {
            struct event_data data = {7, values, NULL};
            FUZZ_CHECK(app_error_parse(&data, &ae.fault, NULL) == 0, "fixed 1000");
            incident.app_error = &ae;
        }
        struct cs_error err = {{0}};
        if (catalog_classify(catalog, &incident, &err) == 0) {
            FUZZ_CHECK(incident.signature != NULL, "a match names its signature");
            FUZZ_CHECK(incident.matched_count <= INCIDENT_MAX_MATCHED_FRAMES, "matched cap");
            incident_fingerprint(&incident);
        } else {
            FUZZ_CHECK(err.message[0] != '\0', "a failure has a message");
        }
        dotnet_crash_free(&crash);
        app_error_free(&ae.fault);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size heap copy, so a read past the length is caught */
    char *json = cs_xmalloc(size ? size : 1);
    memcpy(json, data, size);
    struct catalog *catalog = NULL;
    struct cs_error err = {{0}};
    int rc = catalog_load_json(json, size, &catalog, &err);
    free(json);
    if (rc != 0) {
        FUZZ_CHECK(catalog == NULL, "a failed load returns no catalog");
        FUZZ_CHECK(err.message[0] != '\0', "a failure has a message");
        return 0;
    }
    FUZZ_CHECK(catalog_count(catalog) > 0, "a loaded catalog has signatures");
    for (size_t i = 0; i < catalog_count(catalog); i++) {
        const struct signature *sig = catalog_at(catalog, i);
        FUZZ_CHECK(sig->id && sig->title && sig->explanation && sig->fix, "text fields set");
        FUZZ_CHECK(catalog_find(catalog, sig->id) == sig, "ids are unique");
        (void)signature_severity_for(sig, "w3wp.exe");
    }
    classify_with(catalog);
    catalog_free(catalog);
    return 0;
}
