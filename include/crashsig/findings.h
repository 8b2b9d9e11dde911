/*
 * findings.h - group classified incidents into findings.
 *
 * Incidents with the same computer-independent fingerprint (signature id, application,
 * exception type, first frame of user code without the compiler's ordinals; for a crash without
 * a .NET event: signature id, application, exception code, faulting module) form one finding
 * with a count, first and last time and the computers it happened on.  The fingerprint is the
 * 16 hex digits of the FNV-1a 64-bit hash of those fields, so it stays stable across runs,
 * hosts, rebuilds of the application and versions of crashsig, and a finding can be tracked
 * (baselines, tickets).
 *
 * Not for: classifying (signatures.h) or printing (report.h).
 */
#ifndef CRASHSIG_FINDINGS_H
#define CRASHSIG_FINDINGS_H

#include "crashsig/incident.h"

struct finding {
    char fingerprint[INCIDENT_FINGERPRINT_SIZE];
    const struct signature *signature;
    enum severity severity;  /* the highest of its incidents */
    const char *application; /* borrowed from the first incident */
    char *exception;         /* exception type or code; owned, may be NULL */
    const char *user_frame;  /* first user-code frame; borrowed, may be NULL */
    /* The user frame for people: "async lambda in Contoso.Orders.InventorySync.RunAll" when
     * the compiler generated it, else the method as written; owned, NULL without a user frame */
    char *user_frame_readable;
    /* The method a developer changes ("Contoso.Orders.InventorySync.RunAll"): the one that
     * encloses the first user-code frame among those that identified the signature, else the
     * user frame's; owned, NULL when the crash names no user code */
    char *fix_in;
    const struct dotnet_frame *fix_frame; /* the frame fix_in encloses; borrowed, may be NULL */
    size_t count;
    cs_filetime first, last;
    size_t computer_count;
    const char **computers; /* sorted, case-insensitively unique; array owned */
    size_t *incidents;      /* indexes into the incident list, time order; owned */
    /* The IIS application pools and site ids its incidents ran in (iis_evidence.h), sorted
     * and unique (pools case-insensitively); borrowed names, owned arrays.  Empty when IIS
     * said nothing. */
    size_t app_pool_count;
    const char **app_pools;
    size_t site_id_count;
    uint32_t *site_ids;
    bool known; /* in the baseline (set by the run: baseline_mark) */
};

struct finding_list {
    size_t count;
    struct finding *items;
};

/* The first user-code frame of an incident's crash, or NULL. */
const struct dotnet_frame *incident_user_frame(const struct incident *incident);

/* The user frame's method for people (frame_name_readable, else the method as written), or NULL
 * when the incident has no user frame.  Owned by the caller. */
char *incident_user_frame_readable(const struct incident *incident);

/* The fingerprint recipe incident_fingerprint uses; baselines record it (baseline.h). */
#define FINGERPRINT_RECIPE 2

/* Fills incident->fingerprint from a classified incident (recipe FINGERPRINT_RECIPE). */
void incident_fingerprint(struct incident *incident);

/* The fingerprint recipe 1 gave, for matching baselines written before recipe 2. */
void incident_fingerprint_v1(const struct incident *incident, char out[INCIDENT_FINGERPRINT_SIZE]);

/* Groups the (classified, fingerprinted) incidents; findings are ordered most severe first,
 * then most frequent, then most recent. */
void findings_group(const struct incident_list *incidents, struct finding_list *out);
void finding_list_free(struct finding_list *list);

#endif
