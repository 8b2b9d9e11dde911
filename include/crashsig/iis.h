/*
 * iis.h - the IIS stage: after the correlator has paired .NET events and 1000s into
 * incidents, join what IIS wrote about the same worker processes, make the incidents only
 * IIS saw, and find the Rapid-Fail Protection outages.
 *
 * Rules (docs/report-format.md, "IIS"):
 *  - Computers are one when their names are equal up to the first dot, case-insensitively
 *    (WEB01 and WEB01.contoso.local).
 *  - An ASP.NET 1325, then an ANCM event, then a WAS 5009/5010/5011/5013 joins the incident
 *    of the same computer whose process id matches (the 1000's hex pid, or one an earlier IIS
 *    record gave), nearest in time within the window.  When the incident side carries no pid
 *    (a 1026 without its 1000), the record joins by time only when exactly one w3wp.exe
 *    incident of that computer without a pid is within the window.  A 1325 or ANCM record
 *    without a usable pid of its own joins by time only, when exactly one w3wp.exe incident
 *    without such a record is within the window; a WAS record without one joins nothing.
 *  - What does not join: a 1325 becomes an incident classified from its own stack; an ANCM
 *    1007/1031/1011/1035/1018 one of origin startup-failure / ancm-exit / ancm-exception; a
 *    WAS 5009/5011 worker-died, a 5010 worker-hang.  A 5013 or an ANCM 1005 is context only.
 *    Once an incident exists for a pid, later records of that pid join it: one incident per
 *    process death.
 *  - Each 5002 is an outage (outage.h): the incidents of its pool in the 5 minutes before it,
 *    and its end at the first sign of life of the pool after it (a WAS record naming the
 *    pool, or a 1325 or ANCM record joined to an incident of the pool, from a process id not
 *    seen for the pool at or before the 5002).
 *
 * Not for: pairing .NET events with 1000s (correlator.h) or classifying (signatures.h).
 */
#ifndef CRASHSIG_IIS_H
#define CRASHSIG_IIS_H

#include "crashsig/ancm.h"
#include "crashsig/aspnet.h"
#include "crashsig/incident.h"
#include "crashsig/outage.h"
#include "crashsig/was.h"

struct iis_stage;

struct iis_stage *iis_stage_new(uint64_t window_ms); /* correlator_window_ticks(window_ms) */
void iis_stage_free(struct iis_stage *stage);

/* Each takes ev's contents (event_move) and the parsed fields (left zeroed). */
void iis_stage_add_was(struct iis_stage *stage, struct event *ev, struct was_fields *fields);
void iis_stage_add_1325(struct iis_stage *stage, struct event *ev, struct aspnet_1325 *parsed);
void iis_stage_add_ancm(struct iis_stage *stage, struct event *ev, struct ancm_fields *fields);

/* Joins everything added to incidents, appends the incidents only IIS saw and puts the list
 * back in the correlator's order.  Run before classification. */
void iis_stage_join(struct iis_stage *stage, struct incident_list *incidents);

/* The outages, from the classified incidents (their signatures and fingerprints are copied).
 * Run after classification; out starts empty. */
void iis_stage_outages(struct iis_stage *stage, const struct incident_list *incidents,
                       struct outage_list *out);

/* Equal up to the first dot, case-insensitively. */
bool iis_same_computer(const char *a, const char *b);

#endif
