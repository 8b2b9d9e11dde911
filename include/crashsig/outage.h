/*
 * outage.h - a Rapid-Fail Protection outage: WAS disabled an application pool (event 5002)
 * after a series of failures, and every request got HTTP 503 until the pool showed a sign of
 * life again, or until the log ends.  The IIS stage (iis.h) makes them; the result holds them
 * (result.h) so that the report writers only format them.
 *
 * Every outage is critical: it counts for --fail-on whatever its failures were.
 *
 * Not for: finding the 5002s or the failures (iis.c), or printing (report_*.c).
 */
#ifndef CRASHSIG_OUTAGE_H
#define CRASHSIG_OUTAGE_H

#include "crashsig/iis_evidence.h"
#include "crashsig/incident.h"

/* How far before a 5002 its failures are looked for: Rapid-Fail Protection's default
 * interval (5 failures within 5 minutes). */
#define OUTAGE_FAILURE_WINDOW_MS (5 * 60 * 1000)

/* One failure that tripped it: an incident of the pool in the window before the 5002. */
struct outage_failure {
    cs_filetime time;
    bool has_process_id;
    uint32_t process_id;
    const struct signature *signature; /* the catalog's; NULL when not classified */
    char fingerprint[INCIDENT_FINGERPRINT_SIZE];
};

struct outage {
    /* The 5002's computer and channel as logged (owned): --state keeps its memory per log and
     * finds the outage's log by them (state.h), so they are never renamed. */
    char *computer;
    char *channel;
    char *app_pool;          /* owned */
    cs_filetime disabled_at; /* the 5002's time */
    struct iis_record was;   /* the 5002 */
    bool ended;              /* a sign of life of the pool came after it */
    cs_filetime ended_at;    /* that sign's time, when ended */
    struct iis_record end_evidence;
    /* until ended_at, or, while still disabled, until the last record crashsig read from that
     * computer (so "at least") */
    int64_t duration_ms;
    size_t failure_count;            /* "crashes_before" */
    struct outage_failure *failures; /* time order; owned */
    /* --state: an earlier run reported this outage while the pool was still disabled, and this
     * run reports it once more because it has ended (docs/ci-and-scheduled-tasks.md). */
    bool reported_before;
};

struct outage_list {
    size_t count;
    struct outage *items;
};

void outage_list_free(struct outage_list *list);
/* Frees what the outages own, not the array itself. */
void outage_list_free_items(struct outage_list *list);

#endif
