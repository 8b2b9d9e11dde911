/*
 * timeutil.h - the times a front end deals with besides the log's own: the wall clock, file
 * modification times, the local time zone, and the times people type on a command line
 * (--since 24h, --until 2026-03-01T12:00, --window 500ms).
 *
 * Everything inside crashsig stays cs_filetime (100 ns ticks since 1601, UTC); these helpers
 * only convert at the edges, with the C library's time zone rules (TZ) for local time.
 *
 * Not for: times inside events (common.h's cs_time_parse_iso reads those).
 */
#ifndef CRASHSIG_TIMEUTIL_H
#define CRASHSIG_TIMEUTIL_H

#include "crashsig/common.h"

/* Seconds from 1601-01-01 to 1970-01-01. */
#define CS_UNIX_EPOCH_SECONDS 11644473600LL

cs_filetime cs_time_from_unix(int64_t seconds, long nanoseconds);
/* The wall clock, UTC. */
cs_filetime cs_time_now(void);

/* "2026-03-01T11:00:00.1234567+01:00": t in the local time zone, with its UTC offset. */
#define CS_LOCAL_TIME_SIZE 48
void cs_time_format_local(cs_filetime t, char out[CS_LOCAL_TIME_SIZE]);

/*
 * A duration such as "500ms", "10s", "2m", "1h", "7d" or "2w" (units ms, s, m, h, d, w;
 * decimals allowed).  A bare number is seconds when bare_is_seconds is set and an error
 * otherwise.  Zero and more than ten years are errors.  Returns 0 and sets *out_ms.
 */
int cs_duration_parse_ms(const char *text, bool bare_is_seconds, uint64_t *out_ms);

/*
 * A point in time as a person types it: a duration back from now ("24h", "7d"), or an ISO
 * 8601 date or date-time: "2026-03-01", "2026-03-01T10:00", "2026-03-01 10:00:00.5", with "Z"
 * or an offset ("+02:00", "-0500").  Without a zone it is local time when local is set, UTC
 * otherwise.  Returns 0, or -1 when the text is neither.
 */
int cs_time_parse_user(const char *text, cs_filetime now, bool local, cs_filetime *out);

#endif
