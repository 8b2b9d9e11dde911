/*
 * corpus.h - where the real-log corpus is, and what a test does when it is not there.
 *
 * The corpus (23 real Windows logs) lives beside the repository in
 * ../shared/corpus/evtx-samples/ and is never copied into it.  It is not on every machine:
 * the developers' machines and CI get shared/ only when it fits the workplace's limits.  So a
 * corpus test skips, visibly, when the folder is absent, and fails instead when
 * CRASHSIG_REQUIRE_CORPUS=1 says the corpus must be there.  CRASHSIG_CORPUS_DIR points the
 * tests at another copy.
 *
 * Not for: listing or reading the files (each test does that its own way).
 */
#ifndef CRASHSIG_TESTS_CORPUS_H
#define CRASHSIG_TESTS_CORPUS_H

#include <stdbool.h>

/* The corpus folder: $CRASHSIG_CORPUS_DIR, else the one configured at build time. */
const char *corpus_dir(void);

/* True when CRASHSIG_REQUIRE_CORPUS is set to anything but "" or "0". */
bool corpus_required(void);

/* Inside a cmocka test, for a corpus that holds no .evtx: fails the test when the corpus is
 * required, otherwise prints where it was looked for and skips the test.  Never returns. */
void corpus_missing(void);

#endif
