/*
 * classic_event.h - one classic Application-log event (level Error, the classic keywords,
 * with qualifiers) added to a log being written with the fixture writer (tests/evtxgen), for
 * the tests that build their hostile or many-crash logs in code rather than from a spec.
 *
 * Not for: logs a spec describes (the JSON specs in fixtures/ and tests/evtxgen/evtxgen), or events
 * of other channels and layouts (a test fills struct evtx_event itself for those).
 */
#ifndef CRASHSIG_TESTS_CLASSIC_EVENT_H
#define CRASHSIG_TESTS_CLASSIC_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "evtx_writer.h"

/* Adds the event with data[0..n) as its strings; fails the test when the writer refuses it. */
void add_classic_event(struct evtx_writer *w, const char *provider, uint16_t id,
                       const char *computer, uint64_t time, const char *const *data, size_t n);

#endif
