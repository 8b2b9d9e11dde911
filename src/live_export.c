/*
 * live_export.c - export a channel of the running Windows event log to a temporary .evtx
 * (live_export.h).  The channel names and the query are portable and tested everywhere; the
 * export itself is the Windows half at the end of the file, and its stand-in elsewhere says
 * that --live is Windows-only.
 *
 * Not for: scanning the exported file (scan.c) or deciding what was already reported (--state).
 */
#include "crashsig/live_export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/platform.h"

/* The channels a scheduled task on an IIS host has reason to read: .NET crashes are written to
 * Application; ForwardedEvents is where a collector gathers other servers' Application logs;
 * System is accepted for completeness (the scope), though crashes rarely land there. */
static const char *const CHANNELS[] = {"Application", "System", "ForwardedEvents"};

const char *live_export_channel_name(const char *name)
{
    for (size_t i = 0; i < sizeof(CHANNELS) / sizeof(CHANNELS[0]); i++)
        if (cs_strcasecmp(name, CHANNELS[i]) == 0)
            return CHANNELS[i];
    return NULL;
}

const char *live_export_channel_list(void)
{
    return "Application, System or ForwardedEvents";
}

/* Appends text at *used, or fails when it would not fit with its terminating NUL. */
static int append(char *out, size_t size, size_t *used, const char *text)
{
    size_t len = strlen(text);
    if (*used + len + 1 > size)
        return -1;
    memcpy(out + *used, text, len + 1);
    *used += len;
    return 0;
}

int live_export_query(const char *const *providers, size_t count, char *out, size_t size,
                      struct cs_error *err)
{
    size_t used = 0;
    if (size > 0)
        out[0] = '\0';
    int rc = append(out, size, &used, count ? "*[System[Provider[" : "*");
    for (size_t i = 0; i < count && rc == 0; i++) {
        /* XPath 1.0 has no escape inside a literal: a name with a quote cannot be asked for */
        if (strchr(providers[i], '\'') || strchr(providers[i], '"')) {
            cs_error_set(err, "provider name %s holds a quote; it cannot be put in a query",
                         providers[i]);
            out[0] = '\0';
            return -1;
        }
        rc = append(out, size, &used, i ? " or @Name='" : "@Name='");
        rc = rc ? rc : append(out, size, &used, providers[i]);
        rc = rc ? rc : append(out, size, &used, "'");
    }
    if (count)
        rc = rc ? rc : append(out, size, &used, "]]]");
    if (rc != 0) {
        cs_error_set(err, "the event query for %zu providers is longer than %zu bytes", count,
                     size);
        if (size > 0)
            out[0] = '\0';
    }
    return rc;
}

void live_export_cleanup(struct live_export *exported)
{
    if (exported->path)
        platform_remove(exported->path);
    if (exported->directory)
        platform_remove_directory(exported->directory);
    free(exported->path);
    free(exported->directory);
    exported->path = NULL;
    exported->directory = NULL;
}

#if defined(_WIN32)

#include <windows.h>
#include <winevt.h>

/* EvtExportLog's signature; the function is looked up at run time (see export_function). */
typedef BOOL(WINAPI *export_log_fn)(EVT_HANDLE session, LPCWSTR path, LPCWSTR query, LPCWSTR target,
                                    DWORD flags);

/* Loads wevtapi.dll from System32 only (never from the current or the program's folder, where
 * a planted copy could run as the task's account) and finds EvtExportLog in it. */
static export_log_fn export_function(struct cs_error *err)
{
    HMODULE wevtapi = LoadLibraryExW(L"wevtapi.dll", NULL, LOAD_LIBRARY_SEARCH_SYSTEM32);
    FARPROC fn = wevtapi ? GetProcAddress(wevtapi, "EvtExportLog") : NULL;
    if (fn == NULL) {
        char text[256];
        platform_windows_error_text(GetLastError(), text, sizeof(text));
        cs_error_set(err,
                     "the Windows Event Log API (wevtapi.dll, EvtExportLog) is not "
                     "available: %s",
                     text);
        return NULL;
    }
    /* through void (*)(void), the cast GCC accepts between unrelated function types */
    return (export_log_fn)(void (*)(void))fn;
}

/* What an administrator can do about the errors a scheduled task meets. */
static const char *export_hint(DWORD code)
{
    switch (code) {
    case ERROR_ACCESS_DENIED:
        return "; the account may not read this log: make it a member of the Event Log Readers "
               "group (docs/scheduled-task.md), and check that it can write to its temporary "
               "folder";
    case ERROR_EVT_CHANNEL_NOT_FOUND:
        return "; this computer has no such log";
    case ERROR_CALL_NOT_IMPLEMENTED:
        return "; this system does not implement EvtExportLog (Wine has only a stub): export "
               "the log with 'wevtutil epl' and scan the file instead";
    default:
        return "";
    }
}

static int call_export(export_log_fn export_log, const char *channel, const char *query,
                       const char *target, struct cs_error *err)
{
    wchar_t *wchannel = platform_utf8_to_wide(channel);
    wchar_t *wquery = platform_utf8_to_wide(query);
    wchar_t *wtarget = platform_utf8_to_wide(target);
    BOOL ok = wchannel && wquery && wtarget &&
              export_log(NULL, wchannel, wquery, wtarget, EvtExportLogChannelPath);
    DWORD code = ok ? 0 : GetLastError();
    free(wchannel);
    free(wquery);
    free(wtarget);
    if (ok)
        return 0;
    char text[256];
    platform_windows_error_text(code, text, sizeof(text));
    cs_error_set(err, "cannot export the %s log: %s%s", channel, text, export_hint(code));
    return -1;
}

int live_export_run(const char *channel, const char *const *providers, size_t count,
                    struct live_export *out, struct cs_error *err)
{
    memset(out, 0, sizeof(*out));
    const char *name = live_export_channel_name(channel);
    if (name == NULL) {
        cs_error_set(err, "--live takes %s, not '%s'", live_export_channel_list(), channel);
        return -1;
    }
    char query[LIVE_EXPORT_QUERY_MAX];
    if (live_export_query(providers, count, query, sizeof(query), err) != 0)
        return -1;
    export_log_fn export_log = export_function(err);
    if (export_log == NULL)
        return -1;
    /* EvtExportLog wants an absolute path that does not exist yet: a fresh folder gives one */
    out->directory = platform_temp_directory("crashsig-live", err);
    if (out->directory == NULL)
        return -1;
    char file_name[64];
    snprintf(file_name, sizeof(file_name), "%s.evtx", name);
    out->path = platform_path_join(out->directory, file_name);
    if (call_export(export_log, name, query, out->path, err) != 0) {
        live_export_cleanup(out);
        return -1;
    }
    return 0;
}

#else

int live_export_run(const char *channel, const char *const *providers, size_t count,
                    struct live_export *out, struct cs_error *err)
{
    (void)providers;
    (void)count;
    memset(out, 0, sizeof(*out));
    const char *name = live_export_channel_name(channel);
    cs_error_set(err,
                 "--live %s is Windows-only: it reads the running Windows event log.  Here, "
                 "scan an exported file instead (on the Windows host: wevtutil epl %s %s.evtx)",
                 name ? name : channel, name ? name : "Application", name ? name : "Application");
    return -1;
}

#endif
