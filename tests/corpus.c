/*
 * corpus.c - where the real-log corpus is; see corpus.h.
 */
#include "corpus.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

const char *corpus_dir(void)
{
    const char *dir = getenv("CRASHSIG_CORPUS_DIR");
    return dir && *dir ? dir : CORPUS_DIR;
}

bool corpus_required(void)
{
    const char *v = getenv("CRASHSIG_REQUIRE_CORPUS");
    return v && *v && strcmp(v, "0") != 0;
}

void corpus_missing(void)
{
    if (corpus_required())
        fail_msg("CRASHSIG_REQUIRE_CORPUS is set but %s holds no .evtx file", corpus_dir());
    print_message("SKIPPED: the real-log corpus is not on this machine (no .evtx in %s); "
                  "set CRASHSIG_CORPUS_DIR to a copy, or CRASHSIG_REQUIRE_CORPUS=1 to fail "
                  "instead\n",
                  corpus_dir());
    skip();
}
