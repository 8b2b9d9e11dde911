/*
 * iis_evidence.h - what IIS said about an incident: the application pool and site of the
 * w3wp.exe that died, and the WAS, ASP.NET and ANCM records that say so.  The IIS stage
 * (iis.h) fills it; an incident without IIS evidence has none (incident.iis is NULL).
 *
 * The references are copies of the record's identity (the file name is borrowed from the
 * result, like an event's), so the evidence never owns the events it names - but for an
 * incident that only IIS saw, which owns the one event it was made from.
 *
 * Not for: joining (iis.h), parsing (was.h, aspnet.h, ancm.h) or printing (report_*.c).
 */
#ifndef CRASHSIG_IIS_EVIDENCE_H
#define CRASHSIG_IIS_EVIDENCE_H

#include "crashsig/event.h"

/* Why an incident exists when no .NET Runtime event and no 1000 do: what IIS alone saw.  The
 * catalog's "iis" match condition names these (docs/signatures.md). */
enum iis_origin {
    IIS_ORIGIN_NONE = 0,        /* the incident has Application-log evidence */
    IIS_ORIGIN_WORKER_DIED,     /* WAS 5009 or 5011: "worker-died" */
    IIS_ORIGIN_WORKER_HANG,     /* WAS 5010, killed for not answering pings: "worker-hang" */
    IIS_ORIGIN_STARTUP_FAILURE, /* ANCM 1007 or 1031: "startup-failure" */
    IIS_ORIGIN_ANCM_EXIT,       /* ANCM 1011 or 1035, the app left Program.Main: "ancm-exit" */
    IIS_ORIGIN_ANCM_EXCEPTION,  /* ANCM 1018, an unexpected managed exception: "ancm-exception" */
};

/* "worker-died", ...; "" for IIS_ORIGIN_NONE. */
const char *iis_origin_name(enum iis_origin origin);
int iis_origin_from_name(const char *name, enum iis_origin *out);

/* One record that IIS evidence comes from. */
struct iis_record {
    bool present;
    const char *file; /* borrowed, like event.file */
    uint64_t record_id;
    uint64_t event_record_id;
    uint32_t event_id;
    cs_filetime time;
    bool has_process_id;
    uint32_t process_id;
};

struct incident_iis {
    char *app_pool; /* owned, may be NULL (no WAS event named it) */
    bool has_site_id;
    uint32_t site_id;         /* the <id> of /LM/W3SVC/<id>/ROOT */
    char *app_path;           /* "/LM/W3SVC/2/ROOT/orders"; owned, may be NULL */
    char *physical_path;      /* ANCM's physical root; owned, may be NULL */
    struct iis_record was;    /* 5009/5010/5011/5013 */
    struct iis_record aspnet; /* 1325 */
    struct iis_record ancm;   /* 1005/1007/1011/1018/1031/1035 */
    char *ancm_text;          /* the ANCM message, for the report; owned, may be NULL */
    enum iis_origin origin;
    struct event *event; /* an IIS-only incident's own record; owned, else NULL */
};

void incident_iis_free(struct incident_iis *iis); /* frees members and iis */

#endif
