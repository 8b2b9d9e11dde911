/*
 * report_util.h - what the report writers share: UTF-8 checks, JSON strings that are always
 * valid, an incident as JSON, times in UTC or local time, and which incidents are known.
 * Private to src/report_*.c and the other writers of JSON in src/.
 *
 * Not for: anything outside the writers; the interface is include/crashsig/report.h.
 */
#ifndef CRASHSIG_REPORT_UTIL_H
#define CRASHSIG_REPORT_UTIL_H

#include <cJSON.h>

#include "report_writers.h"
#include "crashsig/timeutil.h"

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when it is not one (overlong forms,
 * surrogates and code points above U+10FFFF are not valid). */
size_t report_utf8_sequence(const unsigned char *p);

/* A JSON string from log text: invalid UTF-8 (damaged records) becomes U+FFFD, so the
 * document stays valid JSON whatever the log held.  NULL gives "". */
cJSON *report_json_text(const char *text);

/* An array of log strings, each as report_json_text makes it. */
cJSON *report_json_texts(const char *const *texts, size_t count);

/* A finding's IIS application pools and site ids: "app_pools" and "site_ids" of obj. */
void report_json_add_pools(cJSON *obj, const struct finding *finding);

/* One incident as in the JSON report's "incidents" array (docs/report-format.md). */
cJSON *report_json_incident(const struct incident *incident);

/* "2026-03-01T10:00:00.1234567Z", or the local time with its offset; "(unknown time)" for 0. */
void report_format_time(cs_filetime t, bool local, char out[CS_LOCAL_TIME_SIZE]);

/* For each incident of result: its finding is known.  Owned by the caller. */
bool *report_incidents_known(const struct run_result *result);

/* The text report's block for one finding (evidence, stack, why and fix), without colour; the
 * JUnit writer puts it in the failure. */
int report_text_finding(FILE *out, const struct run_result *result, size_t finding,
                        const struct report_options *options);

/* The text report's sentence for one outage, without colour or line end. */
int report_text_outage(FILE *out, const struct outage *outage,
                       const struct report_options *options);

/* What write prints, as a string (owned by the caller). */
char *report_capture(int (*write)(FILE *out, const void *ctx), const void *ctx);

/* The outage's sentence as a string (owned by the caller). */
char *report_outage_sentence(const struct outage *outage, const struct report_options *options);

/* "w3wp.exe crashed 3 times: System.InvalidOperationException at MyApp.Sync.Run()" */
char *report_finding_summary(const struct finding *finding);

/* What died, in words, when the .NET event names no exception ("stack overflow"). */
const char *report_crash_kind_label(enum dotnet_crash_kind kind);

/* Which of a stack's count frames a report shows within max_frames: the frames before *head
 * and those from *tail_start on - the top says where it failed, the bottom on which thread.
 * *head == *tail_start when every frame fits. */
void report_stack_window(size_t count, size_t max_frames, size_t *head, size_t *tail_start);

#endif
