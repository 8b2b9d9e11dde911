/*
 * incident.h - one crash: a .NET Runtime fatal event and/or the Application Error 1000 that
 * Windows wrote for the same process death, as the correlator paired them.
 *
 * An incident owns its events.  The classification fields (signature, severity, matched
 * frames, fingerprint) are empty when the correlator produces it and are filled by
 * catalog_classify (signatures.h) and incident_fingerprint (findings.h).
 *
 * Not for: pairing logic (correlator.h) or grouping (findings.h).
 */
#ifndef CRASHSIG_INCIDENT_H
#define CRASHSIG_INCIDENT_H

#include "crashsig/app_error.h"
#include "crashsig/dotnet_crash.h"
#include "crashsig/event.h"
#include "crashsig/wer_report.h"
#include "crashsig/iis_evidence.h"

struct dotnet_event {
    struct event event;
    /* The parsed crash.  When shared is set it is &shared->crash and event.data borrows
     * shared->text: the event holds a reference instead of a parse of its own, and a pointer
     * instead of a copy of the crash's header (a crash loop holds 100,000 of these events).
     * shared is NULL when crash is owned (an ASP.NET 1325's stack; dotnet_event_new). */
    struct dotnet_crash *crash;
    struct dotnet_crash_shared *shared;
};

/* A .NET event that owns an empty crash of its own (filled by the caller). */
struct dotnet_event *dotnet_event_new(void);

/* Another 1000 of the same process death (same computer, process id and creation time): a
 * crash that Windows logged twice, c0000005 then c000041d. */
struct app_error_secondary {
    bool has_exception_code;
    uint32_t exception_code;
    uint64_t record_id, event_record_id;
    cs_filetime time;
};

struct app_error_event {
    struct event event; /* the first 1000 of the death (or the 1001, when it is all there is) */
    struct app_error fault;
    size_t secondary_count;
    struct app_error_secondary *secondary; /* owned; the death's later 1000s, in time order */
    struct wer_info *wer; /* owned; the merged 1001s of its report, NULL when none was found */
    /* fault's names, versions, offset and paths are shared strings (event.h), as a crash loop
     * writes them thousands of times; its report id stays owned (each crash has its own). */
    bool fault_shared;
};

/* Makes ev's strings (its event's and its fault's but the report id) the pool's. */
void app_error_event_share_strings(struct app_error_event *ev, struct string_pool *pool);

enum severity {
    SEVERITY_NONE = 0,
    SEVERITY_LOW,
    SEVERITY_MEDIUM,
    SEVERITY_HIGH,
    SEVERITY_CRITICAL,
};

const char *severity_name(enum severity severity); /* "low" ... "critical" */
int severity_from_name(const char *name, enum severity *out);

struct signature; /* signatures.h */

#define INCIDENT_MAX_MATCHED_FRAMES 8
#define INCIDENT_FINGERPRINT_SIZE   17 /* 16 hex digits and a NUL */

/* A frame of a crash: block is the index of its exception, or exception_count for the
 * "Stack:" frames; index is its place in that block (both are capped far below 65,536,
 * src/dotnet_crash.c). */
struct incident_frame_place {
    uint16_t block, index;
};

struct incident {
    struct dotnet_event *dotnet;       /* owned; NULL when no .NET event was found */
    struct app_error_event *app_error; /* owned; NULL when no 1000 was found */
    int64_t gap_ms; /* app_error time minus dotnet time, when paired (normally >= 0) */
    /* What IIS said about it (iis_evidence.h), joined by the IIS stage (iis.h); owned, NULL
     * without IIS evidence.  An incident only IIS saw has neither side above. */
    struct incident_iis *iis;
    /* The machine's canonical name when the log wrote another form of it ("WEB01" of
     * "WEB01.contoso.local"; computer_names.h); owned, NULL when the logged name is it. */
    char *computer;

    /* Classification, filled after correlation. */
    const struct signature *signature;
    /* The frames the catalog matched, by place in the .NET event's crash rather than by
     * pointer (incident_matched_frame): a crash loop holds 100,000 incidents, and eight
     * pointers each were 64 bytes of them. */
    struct incident_frame_place matched[INCIDENT_MAX_MATCHED_FRAMES];
    enum severity severity;
    uint8_t matched_count;
    bool paired; /* both sides present */
    char fingerprint[INCIDENT_FINGERPRINT_SIZE];
};

struct incident_list {
    size_t count;
    size_t capacity;
    struct incident *items;
};

/* The computer an incident is reported under: its canonical name (computer_names.h). */
const char *incident_computer(const struct incident *incident);
/* True when the catalog matched this frame of the incident's stack (it identifies the
 * signature; the reports mark it). */
bool incident_frame_matched(const struct incident *incident, const struct dotnet_frame *frame);
/* The i-th matched frame (i < matched_count), top of stack first. */
const struct dotnet_frame *incident_matched_frame(const struct incident *incident, size_t i);
/* The computer as the incident's first event wrote it. */
const char *incident_logged_computer(const struct incident *incident);
const char *incident_application(const struct incident *incident);
/* The file name of the 1000's application path ("svchost.exe" for a service-tagged
 * "svchost.exe_AppXSvc"), or NULL when the 1000 names no path. */
const char *incident_app_file_name(const struct incident *incident);
/* The .NET event's time when present (it is written first), else the 1000's (else the IIS
 * record's, for an incident only IIS saw). */
cs_filetime incident_time(const struct incident *incident);
/* The record that stands for the incident: the .NET event, else the 1000, else IIS's own. */
const struct event *incident_event(const struct incident *incident);
/* The process that died: the 1000's pid, else one an IIS record gave.  False when unknown. */
bool incident_process_id(const struct incident *incident, uint32_t *pid);

/* Appends a copy of *incident (taking ownership of its events); returns the stored item. */
struct incident *incident_list_push(struct incident_list *list, const struct incident *incident);
void incident_list_free(struct incident_list *list);
/* Frees what one incident owns (its events, its canonical computer name). */
void incident_free_members(struct incident *incident);

void dotnet_event_free(struct dotnet_event *ev); /* frees members and ev */
void app_error_event_free(struct app_error_event *ev);

#endif
