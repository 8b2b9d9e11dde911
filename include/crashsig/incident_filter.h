/*
 * incident_filter.h - narrow a scan result to the incidents someone asked about (--since,
 * --until, --app, --computer, --signature, --min-severity) and regroup the findings, so every
 * report and the exit status describe only what is shown.
 *
 * Filters apply to incidents after the scan, never to events before pairing: a 1000 just
 * inside --since must still pair with its .NET event just outside it.
 *
 * A filter that matches nothing is most often a typo (--app Contoso without the '*'), and in CI
 * it would make the run green without a word: each such glob is reported with what it could
 * have matched (result.h, unmatched_filters).
 *
 * Not for: deciding what was already reported (state.h) or known (baseline.h).
 */
#ifndef CRASHSIG_INCIDENT_FILTER_H
#define CRASHSIG_INCIDENT_FILTER_H

#include "crashsig/result.h"

struct incident_filter {
    cs_filetime since; /* incident time >= since; 0: no lower bound */
    cs_filetime until; /* incident time < until; 0: no upper bound */
    /* Shell globs, case-insensitive; an incident passes when it matches any of the list (an
     * empty list passes everything). */
    size_t app_count;
    const char *const *apps; /* the application, e.g. "w3wp.exe", "Contoso*" */
    size_t computer_count;
    const char *const *computers;
    size_t pool_count;
    const char *const *pools; /* IIS application pools; an incident without one never passes */
    size_t signature_count;
    const char *const *signatures; /* signature ids; globs allowed */
    enum severity min_severity;    /* SEVERITY_NONE: any */
};

bool incident_filter_is_empty(const struct incident_filter *filter);
bool incident_filter_match(const struct incident_filter *filter, const struct incident *incident);

/* Applies filter to result; returns how many incidents it hid.  Each --app, --computer or
 * --signature glob that matched none of the incidents' values first adds a message to
 * result->unmatched_filters naming the values that were there (at most
 * FILTER_MAX_VALUES_NAMED of them). */
#define FILTER_MAX_VALUES_NAMED 10
size_t incident_filter_apply(const struct incident_filter *filter, struct run_result *result);

#endif
