/*
 * result.h - the result of one run: what was read (the inputs), what crashed (incidents and
 * the findings that group them), and what the run decided about each - reported, left out as
 * already seen or held back by --state, hidden by a filter, known from the baseline, failing
 * the run or not.
 *
 * No stage owns it: the scan fills the inputs, incidents and findings (scan.h); the run
 * (run.h) narrows them and records its decisions; the report writers (report.h), the
 * baseline and the state only read it.  A writer that needs a fact about the run finds it
 * here, so writers never call into the stages or decide anything.
 *
 * Not for: producing any of it (scan.h, run.h) or formatting it (report.h).
 */
#ifndef CRASHSIG_RESULT_H
#define CRASHSIG_RESULT_H

#include "crashsig/findings.h"
#include "crashsig/input_report.h"
#include "crashsig/outage.h"

/* Incidents (and outages) the run read but does not report, by reason. */
struct run_omitted {
    size_t already_seen;         /* --state: an earlier run reported (or filtered) them */
    size_t held_back;            /* --state: .NET events that wait for their 1000 */
    size_t hidden_by_filters;    /* --since, --app, ... left them out */
    size_t outages_already_seen; /* --state: outages an earlier run reported (or filtered) */
};

struct run_result {
    size_t input_count;
    struct input_report *inputs;    /* one per file, in the order scanned */
    struct incident_list incidents; /* the reported incidents, in time order */
    struct finding_list findings;   /* findings of the reported incidents; finding.known */
    struct outage_list outages;     /* Rapid-Fail Protection outages, in time order (outage.h) */
    size_t dotnet_events;           /* .NET Runtime fatal events kept */
    size_t app_error_events;        /* Application Error 1000s kept */
    size_t unparsed_events;         /* kept records whose text could not be parsed */
    /* Names of the files that events carried over from an earlier run (--state) were read
     * from; such an event's file points here, an input's event to its input's path. */
    size_t carried_file_count;
    char **carried_files; /* owned */

    /* What the run was asked and decided. */
    uint64_t window_ms;    /* the pairing window used */
    enum severity fail_on; /* incidents at or above it fail the run; SEVERITY_NONE: never */
    bool has_state;        /* --state: omitted.already_seen / held_back mean something */
    bool has_baseline;     /* --baseline: findings are new or known */
    struct run_omitted omitted;
    /* Filters that matched none of the values this run's incidents had, one message each
     * ("--app 'Contoso' matched nothing; applications seen: w3wp.exe"), so a typo never makes
     * a silent green run (incident_filter.h); the front end prints them on stderr. */
    size_t unmatched_filter_count;
    char **unmatched_filters; /* owned */
};

/* How a run ends, and the process's exit status. */
enum run_status {
    RUN_CLEAN = 0,     /* nothing at or above fail_on (known findings do not count) */
    RUN_INCIDENTS = 1, /* a finding fails the run */
    RUN_TROUBLE = 2,   /* an input could not be read, or a state, baseline or output file
                          could not be used */
};

void run_result_free(struct run_result *result);

/* The result's own copy of a carried event's file name (one per distinct name). */
const char *run_result_carried_file(struct run_result *result, const char *file);

/* Keeps the incidents with keep[i] set (in their order), frees the others and regroups the
 * findings.  Returns how many were removed. */
size_t run_result_keep(struct run_result *result, const bool *keep);

/* The highest severity among the incidents and outages (critical), SEVERITY_NONE when there
 * are none. */
enum severity run_result_max_severity(const struct run_result *result);

/* True when some input could not be read (status "error"). */
bool run_result_has_errors(const struct run_result *result);

/* True when the finding is not known from the baseline and has an incident at or above
 * fail_on: the findings that fail a run. */
bool run_result_finding_fails(const struct run_result *result, const struct finding *finding);

/* True when the run fails on outages: there is one and --fail-on is set (outages are
 * critical). */
bool run_result_outages_fail(const struct run_result *result);

/* RUN_TROUBLE when an input could not be read, RUN_INCIDENTS when a finding or an outage
 * fails the run, else RUN_CLEAN. */
enum run_status run_result_status(const struct run_result *result);

#endif
