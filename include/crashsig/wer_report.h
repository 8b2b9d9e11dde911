/*
 * wer_report.h - parse a Windows Error Reporting event 1001 (provider "Windows Error
 * Reporting"), the record of the crash report and dump that Windows kept for a dead process,
 * and merge the several 1001s one report gets into what an incident shows.
 *
 * The 1001 is written as unnamed strings: %1 fault bucket, %2 bucket type, %3 event name
 * (APPCRASH, BEX, BEX64, CLR20r3, MoAppCrash, AppHangB1, and many that are not crashes),
 * %4 response (localized), %5 cab id, %6..%15 P1..P10, %16 attached files (one per line),
 * %17 the report folder, %18 analysis symbol, %19 rechecking, %20 report id, %21 report
 * status (Windows 10 adds %22 hashed bucket and %23 cab guid).  For APPCRASH, P1/P4/P7/P8 are
 * the application, module, exception code and offset of the Application Error 1000; BEX and
 * BEX64 swap P7 (offset) and P8 (code); CLR20r3 names the managed exception in P9.
 *
 * Not for: joining a 1001 to its 1000 (correlator.h) or printing it (the report writers).
 */
#ifndef CRASHSIG_WER_REPORT_H
#define CRASHSIG_WER_REPORT_H

#include "crashsig/app_error.h"
#include "crashsig/common.h"
#include "crashsig/event.h"

#define WER_REPORT_PARAMS    10 /* P1..P10 */
#define WER_REPORT_MAX_FILES 32 /* attached files kept per report: a log is hostile */

struct wer_report {
    char *bucket;     /* %1; NULL when empty (the first 1001 of a report has none) */
    char *event_name; /* %3; never NULL after a successful parse */
    char *params[WER_REPORT_PARAMS];
    size_t attached_count;
    char **attached_files; /* %16 split at line ends, trimmed, empty lines left out */
    char *report_path;     /* %17 as logged, "\\?\" kept; may be NULL */
    char *report_id;       /* %20; may be NULL */
};

/* A 1001 as the scan keeps it. */
struct wer_event {
    struct event event;
    struct wer_report report;
};

/* Parses a 1001's EventData; the caller frees out with wer_report_free even on failure.
 * Returns -1 with err set when there is no event name. */
int wer_report_parse(const struct event_data *data, struct wer_report *out, struct cs_error *err);
void wer_report_free(struct wer_report *report);
void wer_event_free(struct wer_event *ev); /* frees members and ev */

/* True for the event names of a process that crashed (APPCRASH, BEX, BEX64, CLR20r3,
 * MoAppCrash: the table's list, event_sources.c, which the prefilter and the reader use too);
 * a hang (AppHangB1) and the many other 1001s are not. */
bool wer_event_name_is_crash(const char *event_name);

/* True when a 1001 whose 1000 is gone still describes a crash on its own (APPCRASH, BEX,
 * BEX64, CLR20r3): P1 is the executable.  MoAppCrash names a package instead. */
bool wer_report_stands_alone(const struct wer_report *report);

/* What the 1001 says about the fault, in the 1000's terms (all borrowed, any may be NULL):
 * application, module, exception code and offset.  CLR20r3 has no code or offset. */
struct wer_fault_key {
    const char *app, *module, *code, *offset;
};
void wer_report_fault_key(const struct wer_report *report, struct wer_fault_key *key);

/* Fills out (app_error_free'd by the caller) with the fault as the 1001 gives it, for a 1001
 * that is an incident of its own: a CLR20r3 is a managed crash (e0434352). */
void wer_report_to_app_error(const struct wer_report *report, struct app_error *out);

/* The merged view of every 1001 of one report, as an incident shows it. */
struct wer_info {
    const char *file; /* of the 1001 the report folder came from; borrowed like event.file */
    uint64_t record_id, event_record_id;
    char *report_id, *event_name, *bucket, *report_path; /* owned, may be NULL */
    size_t attached_count;
    char **attached_files; /* de-duplicated, case-insensitively, in the order logged */
    size_t dump_count;
    char **dump_files; /* the attached files ending in .dmp, .mdmp or .hdmp */
};

/* Merges one more 1001 of the same report into info (which starts zeroed): the report folder
 * prefers ReportArchive over ReportQueue over Temp, a bucket is kept once any 1001 has one,
 * files are de-duplicated and capped at WER_REPORT_MAX_FILES. */
void wer_info_merge(struct wer_info *info, const struct event *ev, const struct wer_report *report);
void wer_info_free(struct wer_info *info); /* frees members and info */

#endif
