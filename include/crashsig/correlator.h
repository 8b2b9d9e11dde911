/*
 * correlator.h - pair each .NET Runtime fatal event with the Application Error 1000 of the
 * same process death.
 *
 * Two events belong together when they come from the same computer and the same application
 * (case-insensitive) and lie within the window of each other; pairing is 1:1 and nearest in
 * time first, so several w3wp.exe processes dying in the same second each get their own 1000.
 * Logs are circular and forwarded logs arrive in batches, so events are collected first and
 * paired at the end by event time, never by record order.  Duplicates (a recovered copy of a
 * record that is also live, or the same log given twice) are dropped.
 *
 * Before pairing, the 1000s of one process death (same computer, process id and process
 * creation time and application, within the window: Windows may log c0000005 and then
 * c000041d for one crash) become one, the
 * first, with the others as its secondary codes; and each 1000 gets the Windows Error
 * Reporting 1001s of its report (by Report Id, else by computer, application, module, code
 * and offset within a minute).  A crash report left without a 1000 becomes a 1000-like
 * event of its own, so it pairs with a .NET event like a 1000 would.  Computers are the same
 * when their names agree up to the first dot, ignoring case.
 *
 * Not for: deciding what a crash means (signatures.h).
 */
#ifndef CRASHSIG_CORRELATOR_H
#define CRASHSIG_CORRELATOR_H

#include "crashsig/incident.h"

#define CORRELATOR_DEFAULT_WINDOW_MS 10000

/* The window in FILETIME ticks for a --window of window_ms (0: the default).  A window beyond
 * the FILETIME range means "any gap" and never wraps to a small one.  The correlator and the
 * state (which must hold a .NET event back exactly as long as it can still pair) both use it. */
uint64_t correlator_window_ticks(uint64_t window_ms);

struct correlator;

struct correlator *correlator_new(uint64_t window_ms); /* correlator_window_ticks(window_ms) */
void correlator_free(struct correlator *c);

/* Takes ownership of ev. */
void correlator_add_dotnet(struct correlator *c, struct dotnet_event *ev);
void correlator_add_app_error(struct correlator *c, struct app_error_event *ev);
/* A crash report 1001 (wer_event_name_is_crash); the correlator gives it to its 1000. */
void correlator_add_wer(struct correlator *c, struct wer_event *ev);

/* Pairs everything added so far and appends the incidents to out in time order (ties broken
 * by computer, application and record id, so the order never depends on input order).  The
 * correlator is empty afterwards. */
void correlator_finish(struct correlator *c, struct incident_list *out);

#endif
