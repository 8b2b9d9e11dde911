/*
 * baseline.h - the findings a team has already seen and accepted, by fingerprint, so that a
 * CI job fails only on new ones (--baseline FILE, --write-baseline FILE).
 *
 * A baseline is JSON, schema "crashsig.baseline/2" with "fingerprint_recipe": 2: a list of
 * findings, each with its fingerprint (findings.h: stable across runs, hosts, rebuilds and
 * crashsig versions) and, for the people who review the file in a pull request, its signature,
 * application, exception, first user frame and when it was seen.  Only the fingerprint counts
 * when the file is read.  A "crashsig.baseline/1" file (recipe 1, written before crashsig
 * normalized compiler ordinals) is still read: its findings are matched by the recipe-1
 * fingerprint of each incident, so upgrading crashsig does not turn known crashes into new
 * ones; --write-baseline rewrites it as recipe 2.
 *
 * Not for: remembering which incidents were reported (state.h): a baseline is about defects,
 * not occurrences.
 */
#ifndef CRASHSIG_BASELINE_H
#define CRASHSIG_BASELINE_H

#include <stdio.h>

#include "crashsig/result.h"

#define BASELINE_SCHEMA    "crashsig.baseline/2"
#define BASELINE_SCHEMA_V1 "crashsig.baseline/1"

struct baseline {
    int recipe; /* the fingerprint recipe its fingerprints were made by: 1 or 2 */
    size_t count;
    char (*fingerprints)[INCIDENT_FINGERPRINT_SIZE]; /* sorted, unique */
};

/* Reads path; a missing file, invalid JSON, another schema or a malformed fingerprint is an
 * error naming the file. */
int baseline_load(const char *path, struct baseline *out, struct cs_error *err);
void baseline_free(struct baseline *baseline);

bool baseline_contains(const struct baseline *baseline, const char *fingerprint);

/* Sets known on each finding of result that is in the baseline (none for a NULL baseline),
 * and result->has_baseline.  With a recipe-1 baseline, a finding is known when the recipe-1
 * fingerprint of any of its incidents is in it. */
void baseline_mark(const struct baseline *baseline, struct run_result *result);

/* Writes the findings of result as a baseline, ordered by fingerprint so that the file diffs
 * well between runs. */
int baseline_write(FILE *out, const struct run_result *result);

#endif
