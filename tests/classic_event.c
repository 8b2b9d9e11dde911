/*
 * classic_event.c - one classic Application-log event for a test's log (classic_event.h).
 */
#include "classic_event.h"

#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

void add_classic_event(struct evtx_writer *w, const char *provider, uint16_t id,
                       const char *computer, uint64_t time, const char *const *data, size_t n)
{
    struct evtx_event ev = {.provider = provider,
                            .event_id = id,
                            .has_qualifiers = 1,
                            .level = 2,
                            .keywords = 0x80000000000000ULL,
                            .time_created = time,
                            .channel = "Application",
                            .computer = computer,
                            .data = data,
                            .n_data = n};
    char err[256];
    if (evtx_writer_add(w, &ev, err, sizeof(err)) != 0)
        fail_msg("evtx_writer_add: %s", err);
}
