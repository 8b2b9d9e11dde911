/*
 * live_export.h - `crashsig scan --live CHANNEL`: copy a channel of the running Windows event
 * log (Application, System or ForwardedEvents) into a temporary .evtx file that the normal scan
 * then reads, so a scheduled task on an IIS host needs no PowerShell or wevtutil step.
 *
 * On Windows the copy is made by the Event Log service through EvtExportLog (wevtapi.dll,
 * loaded from System32 when needed, so crashsig.exe starts and scans files even where the API
 * is missing).  Only the events of the providers the scan reads are exported (an XPath query on
 * the provider name), which keeps the copy small on a large Application log.  The file goes
 * into a new folder of the account's temporary folder and is removed, with the folder, by
 * live_export_cleanup.  Elsewhere live_export_run fails with a message saying that --live is
 * Windows-only.
 *
 * Verified under Wine only up to the EvtExportLog call, which Wine 8 implements as a stub
 * (error 120); the export itself is verified on Windows only (docs/windows.md).
 *
 * Not for: reading the exported file (reader.h, scan.h) or remembering what was reported
 * (--state).
 */
#ifndef CRASHSIG_LIVE_EXPORT_H
#define CRASHSIG_LIVE_EXPORT_H

#include "crashsig/common.h"

/* Longest query live_export_query builds; more providers than fit are an error. */
#define LIVE_EXPORT_QUERY_MAX 2048

/* The canonical spelling of a channel --live accepts ("Application", "System",
 * "ForwardedEvents"), matched case-insensitively; NULL for any other name. */
const char *live_export_channel_name(const char *name);

/* The channels --live accepts, for messages: "Application, System or ForwardedEvents". */
const char *live_export_channel_list(void);

/*
 * The XPath query that selects the events of these providers:
 *     *[System[Provider[@Name='.NET Runtime' or @Name='Application Error']]]
 * or "*" (everything) when count is 0.  Returns 0, or -1 with err set when a name cannot be
 * quoted in XPath (it holds a quote) or the query would not fit in size bytes.
 */
int live_export_query(const char *const *providers, size_t count, char *out, size_t size,
                      struct cs_error *err);

/* Where an export is: both NULL before live_export_run succeeds and after cleanup. */
struct live_export {
    char *directory; /* the private temporary folder */
    char *path;      /* the exported .evtx in it, named after the channel */
};

/*
 * Exports the events of providers (all events when count is 0) from channel, a name
 * live_export_channel_name accepts, into a new .evtx file.  Returns 0 and fills out, or -1
 * with err set (a message naming the channel, the Windows error and what to do about it);
 * nothing is left behind on failure.  Always -1 on systems other than Windows.
 */
int live_export_run(const char *channel, const char *const *providers, size_t count,
                    struct live_export *out, struct cs_error *err);

/* Removes the exported file and its folder.  Safe to call on a zeroed struct, and twice. */
void live_export_cleanup(struct live_export *exported);

#endif
