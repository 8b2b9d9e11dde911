/*
 * common.h - the few types every crashsig stage shares: error messages and times.
 *
 * Errors travel as return values (0 = ok, -1 = failed) with a human-readable message in a
 * caller-owned struct cs_error; nothing in the library prints or exits.  Times are Windows
 * FILETIME ticks (100 ns since 1601-01-01 UTC), the precision Windows records them with, so
 * nothing is lost between the log and the report.
 *
 * Not for: anything stage specific.
 */
#ifndef CRASHSIG_COMMON_H
#define CRASHSIG_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRASHSIG_VERSION "0.1.0"

/* printf-style format checking.  The Windows build uses mingw-w64's C99 printf
 * (__USE_MINGW_ANSI_STDIO), so formats are checked as GNU ones there too: plain "printf" means
 * Microsoft's format rules to a mingw compiler, which know no %zu. */
#if defined(__MINGW32__)
#define CS_PRINTF_FORMAT(fmt, first) __attribute__((format(gnu_printf, fmt, first)))
#else
#define CS_PRINTF_FORMAT(fmt, first) __attribute__((format(printf, fmt, first)))
#endif

struct cs_error {
    char message[512];
};

/* printf-style; always NUL-terminates; a NULL err is allowed and ignored. */
void cs_error_set(struct cs_error *err, const char *fmt, ...) CS_PRINTF_FORMAT(2, 3);

/* 100 ns ticks since 1601-01-01T00:00:00Z. 0 means "unknown". */
typedef uint64_t cs_filetime;

#define CS_TICKS_PER_MS     10000ULL
#define CS_TICKS_PER_SECOND 10000000ULL

/* "2026-03-01T10:00:00.1234567Z": always 7 fractional digits, the FILETIME precision. */
#define CS_ISO_TIME_SIZE 32
void cs_time_format_iso(cs_filetime t, char out[CS_ISO_TIME_SIZE]);

/* Parses "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (up to 7 fraction digits), a real calendar date
 * (no February 30th).  Returns 0 on success. */
int cs_time_parse_iso(const char *text, cs_filetime *out);

/* The latest time an ISO 8601 date with a four-digit year can say, 9999-12-31T23:59:59.9999999Z:
 * later FILETIMEs (a hostile log can hold times up to the year 60056) are written as this. */
#define CS_TIME_LATEST_ISO 2650467743999999999ULL

/* Days in month (1-12) of year, proleptic Gregorian; 0 for a month out of range. */
unsigned cs_days_in_month(unsigned year, unsigned month);

/* Allocation helpers that never return NULL for a non-NULL input: they abort the process on
 * out-of-memory, the one failure crashsig does not try to report gracefully. */
char *cs_strdup(const char *s);
char *cs_strndup(const char *s, size_t n);
void *cs_xmalloc(size_t n);
void *cs_xcalloc(size_t count, size_t size);
void *cs_xrealloc(void *p, size_t n);

/* ASCII case-insensitive comparison, for application, provider and computer names. */
int cs_strcasecmp(const char *a, const char *b);

/* True when a and b are the same text, or both NULL. */
bool cs_same_text(const char *a, const char *b);

/* Shell-style glob: '*' matches any run, '?' one byte; everything else literal. */
bool cs_glob_match(const char *pattern, const char *text, bool ignore_case);

#endif
