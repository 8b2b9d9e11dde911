/*
 * signatures.h - the catalog of crash signatures and the classification of an incident.
 *
 * Signatures are data: signatures/catalog.json, compiled into the binary at build time, read
 * with cJSON.  Each has a stable id, a title, a severity (optionally raised or lowered per
 * application), an explanation and a fix, and one or more alternative match rules.  The catalog
 * is tried in file order and the first signature that matches wins: that order is the
 * documented precedence (docs/signatures.md).  Every incident gets exactly one signature; a
 * catalog must end with signatures that match anything it can be given.
 *
 * Not for: pairing (correlator.h) or grouping and fingerprints (findings.h).
 */
#ifndef CRASHSIG_SIGNATURES_H
#define CRASHSIG_SIGNATURES_H

#include "crashsig/incident.h"

struct signature {
    char *id;
    char *title;
    char *explanation;
    char *fix;
    enum severity severity;
    /* per-application overrides and match rules are private to signatures.c */
    struct signature_rules *rules;
};

struct catalog;

/* Parses a catalog from JSON text (need not be NUL-terminated).  The error names the
 * signature and field at fault. */
int catalog_load_json(const char *json, size_t length, struct catalog **out, struct cs_error *err);
/* The catalog built into the binary. */
int catalog_load_builtin(struct catalog **out, struct cs_error *err);
void catalog_free(struct catalog *catalog);

size_t catalog_count(const struct catalog *catalog);
const struct signature *catalog_at(const struct catalog *catalog, size_t index);
const struct signature *catalog_find(const struct catalog *catalog, const char *id);

/* The severity a signature has for this application (overrides applied). */
enum severity signature_severity_for(const struct signature *sig, const char *application);

/* The per-application severity overrides, in catalog order: the application glob of the
 * index-th, its severity in *severity. */
size_t signature_override_count(const struct signature *sig);
const char *signature_override_at(const struct signature *sig, size_t index,
                                  enum severity *severity);

/* Sets incident->signature, ->severity and ->matched; returns 0, or -1 with err set when no
 * signature matched (a catalog without a catch-all). */
int catalog_classify(const struct catalog *catalog, struct incident *incident,
                     struct cs_error *err);

/*
 * Classifying many incidents: those whose classification inputs are the same - the same
 * parsed crash (by pointer: the events of one .NET text share one, dotnet_crash.h), exception
 * code, faulting module, application and IIS origin - get the first one's result without
 * matching the catalog's frame globs again; a crash loop's 100,000 incidents are a few
 * distinct crashes.  A memo borrows the incidents' strings: use it only while the incidents
 * it has seen are alive and unchanged, and with one catalog.
 */
struct classify_memo;

struct classify_memo *classify_memo_new(void);
void classify_memo_free(struct classify_memo *memo);
/* catalog_classify, remembering results in memo and reusing them. */
int catalog_classify_memo(const struct catalog *catalog, struct classify_memo *memo,
                          struct incident *incident, struct cs_error *err);

#endif
