/*
 * test_common.c - FILETIME <-> ISO 8601, glob matching and string helpers (src/common.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "crashsig/common.h"

static void test_time_round_trip_keeps_100ns(void **state)
{
    (void)state;
    cs_filetime t;
    assert_int_equal(cs_time_parse_iso("2026-03-01T10:00:00.1234567Z", &t), 0);
    char out[CS_ISO_TIME_SIZE];
    cs_time_format_iso(t, out);
    assert_string_equal(out, "2026-03-01T10:00:00.1234567Z");
    assert_int_equal(t % CS_TICKS_PER_SECOND, 1234567);
}

static void test_time_known_values(void **state)
{
    (void)state;
    cs_filetime t;
    /* the Unix epoch is 11644473600 s after the FILETIME epoch */
    assert_int_equal(cs_time_parse_iso("1970-01-01T00:00:00Z", &t), 0);
    assert_true(t == 11644473600ULL * CS_TICKS_PER_SECOND);
    assert_int_equal(cs_time_parse_iso("1601-01-01T00:00:00.0000001Z", &t), 0);
    assert_true(t == 1);
    char out[CS_ISO_TIME_SIZE];
    /* a real ProcessCreationTime; checked against Python datetime */
    cs_time_format_iso(0x01dabe0041952284ULL, out);
    assert_string_equal(out, "2024-06-14T02:12:07.0421124Z");
    /* leap day */
    assert_int_equal(cs_time_parse_iso("2024-02-29T23:59:59.9999999Z", &t), 0);
    cs_time_format_iso(t, out);
    assert_string_equal(out, "2024-02-29T23:59:59.9999999Z");
}

static void test_time_fraction_lengths(void **state)
{
    (void)state;
    cs_filetime a, b;
    assert_int_equal(cs_time_parse_iso("2026-03-01T10:00:00.5Z", &a), 0);
    assert_int_equal(cs_time_parse_iso("2026-03-01T10:00:00.500000000Z", &b), 0);
    assert_true(a == b);
    assert_int_equal(a % CS_TICKS_PER_SECOND, 5000000);
}

static void test_time_rejects_garbage(void **state)
{
    (void)state;
    cs_filetime t;
    const char *bad[] = {"",
                         "2026",
                         "2026-13-01T00:00:00Z",
                         "2026-03-01T10:00:00",
                         "2026-03-01T10:00:00.Z",
                         "2026-03-01T24:00:00Z",
                         "1600-01-01T00:00:00Z",
                         "2026-03-01T10:00:00Zjunk",
                         "x026-03-01T10:00:00Z"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(cs_time_parse_iso(bad[i], &t), -1);
}

static void test_glob(void **state)
{
    (void)state;
    assert_true(cs_glob_match("*<<*>b__*>d*.MoveNext()",
                              "MyApp.Sync+<>c__DisplayClass4_0+<<RunAll>b__0>d.MoveNext()", false));
    assert_false(cs_glob_match("*<<*>b__*>d*.MoveNext()", "MyApp.Sync.RunAll()", false));
    assert_true(cs_glob_match("w3wp.exe", "W3WP.EXE", true));
    assert_false(cs_glob_match("w3wp.exe", "W3WP.EXE", false));
    assert_true(cs_glob_match("*", "", false));
    assert_true(cs_glob_match("a?c", "abc", false));
    assert_false(cs_glob_match("a?c", "ac", false));
    assert_false(cs_glob_match("abc", "abcd", false));
}

static void test_glob_is_not_exponential(void **state)
{
    (void)state;
    /* a pattern of many stars against a long non-matching text finishes at once */
    size_t n = 20000;
    char *text = malloc(n + 1);
    memset(text, 'a', n);
    text[n] = '\0';
    assert_false(cs_glob_match("*a*a*a*a*a*a*a*a*a*a*b", text, false));
    free(text);
}

static void test_strcasecmp_and_strndup(void **state)
{
    (void)state;
    assert_int_equal(cs_strcasecmp(".NET Runtime", ".net runtime"), 0);
    assert_true(cs_strcasecmp("a", "b") < 0);
    char *s = cs_strndup("abcdef", 3);
    assert_string_equal(s, "abc");
    free(s);
    assert_null(cs_strdup(NULL));
}

static void test_error_set_truncates(void **state)
{
    (void)state;
    struct cs_error err;
    char long_text[2000];
    memset(long_text, 'x', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    cs_error_set(&err, "%s", long_text);
    assert_int_equal(strlen(err.message), sizeof(err.message) - 1);
    cs_error_set(NULL, "ignored %d", 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_round_trip_keeps_100ns),
        cmocka_unit_test(test_time_known_values),
        cmocka_unit_test(test_time_fraction_lengths),
        cmocka_unit_test(test_time_rejects_garbage),
        cmocka_unit_test(test_glob),
        cmocka_unit_test(test_glob_is_not_exponential),
        cmocka_unit_test(test_strcasecmp_and_strndup),
        cmocka_unit_test(test_error_set_truncates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
