/*
 * aspnet.h - parse the ASP.NET crash event of the Application log (sources
 * "ASP.NET 4.0.30319.0", "ASP.NET 2.0.50727.0"), 1325: "An unhandled exception occurred and
 * the process was terminated." then, in the same string, "Application ID:
 * /LM/W3SVC/<site>/ROOT[/app]", "Process ID: <decimal>", "Exception: <type>", "Message: ...",
 * "StackTrace:    at ..." and InnerException blocks.  Only the first line is localized; the
 * labels are English on every OS.  (1309, a failed request, is not read: event_sources.c.)
 *
 * A 1325 is turned into the .NET Framework 1026 text of the same crash and parsed by
 * dotnet_crash_parse, so the catalog's frame rules classify it as they classify a 1026.
 *
 * Not for: joining (iis.h).
 */
#ifndef CRASHSIG_ASPNET_H
#define CRASHSIG_ASPNET_H

#include "crashsig/dotnet_crash.h"
#include "crashsig/event.h"

/* Longest Application ID kept ("/LM/W3SVC/<id>/ROOT/<app>"). */
#define ASPNET_MAX_APP_PATH 1024

struct aspnet_1325 {
    char *application_id; /* owned; NULL when absent or unusable */
    bool has_site_id;
    uint32_t site_id;
    bool has_process_id;
    uint32_t process_id;
    struct dotnet_crash crash; /* application "w3wp.exe" */
};

/* Parses a 1325's text.  Returns 0 (with *warning non-empty when a field was unusable), or -1
 * with err set when the text is not a 1325 crash report at all.  out is freed with
 * aspnet_1325_free in both cases. */
int aspnet_parse_1325(const char *text, const char *provider, struct aspnet_1325 *out,
                      char *warning, size_t warning_size, struct cs_error *err);
void aspnet_1325_free(struct aspnet_1325 *event);

/* The <id> of "/LM/W3SVC/<id>/ROOT...", case-insensitive; false when path has no such id. */
bool iis_site_id_of(const char *app_path, uint32_t *site_id);

#endif
