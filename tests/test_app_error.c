/*
 * test_app_error.c - unit tests for the Application Error 1000 parser (src/app_error.c): the
 * classic layout with 12 to 15 strings and fewer, the named manifest layout in any order, hex
 * forms, values that do not parse, and a missing application name.
 *
 * Not for: pairing with .NET events (test_correlator.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "crashsig/app_error.h"

/* The 15 classic strings of a real w3wp.exe crash. */
static const char *const CLASSIC[15] = {
    "w3wp.exe",
    "10.0.14393.0",
    "57cf8f31",
    "KERNELBASE.dll",
    "10.0.14393.5582",
    "63ed6c7b",
    "e0434352",
    "000000000003a839",
    "df4",
    "01dabe0041952284",
    "c:\\windows\\system32\\inetsrv\\w3wp.exe",
    "C:\\Windows\\System32\\KERNELBASE.dll",
    "8b5f0a2e-7c51-4f42-9f7c-8a0f1d2e3b4c",
    "",
    "",
};

static struct event_data classic(size_t count)
{
    struct event_data d = {count, (char **)CLASSIC, NULL};
    return d;
}

static void parse_ok(const struct event_data *data, struct app_error *fault)
{
    struct cs_error err = {{0}};
    int rc = app_error_parse(data, fault, &err);
    if (rc != 0)
        fail_msg("parse failed: %s", err.message);
}

static void check_first_twelve(const struct app_error *f)
{
    assert_string_equal(f->app_name, "w3wp.exe");
    assert_string_equal(f->app_version, "10.0.14393.0");
    assert_string_equal(f->module_name, "KERNELBASE.dll");
    assert_string_equal(f->module_version, "10.0.14393.5582");
    assert_string_equal(f->faulting_offset, "000000000003a839");
    assert_true(f->has_exception_code);
    assert_int_equal(f->exception_code, APP_ERROR_CODE_CLR_EXCEPTION);
    assert_true(f->has_process_id);
    assert_int_equal(f->process_id, 0xdf4);
    assert_true(f->has_process_creation_time);
    assert_int_equal(f->process_creation_time, 0x01dabe0041952284ULL);
    assert_string_equal(f->app_path, "c:\\windows\\system32\\inetsrv\\w3wp.exe");
    assert_string_equal(f->module_path, "C:\\Windows\\System32\\KERNELBASE.dll");
}

static void test_classic_twelve(void **state)
{
    (void)state;
    struct event_data d = classic(12);
    struct app_error f;
    parse_ok(&d, &f);
    check_first_twelve(&f);
    assert_null(f.report_id);
    app_error_free(&f);
    assert_null(f.app_name);
}

static void test_classic_thirteen(void **state)
{
    (void)state;
    struct event_data d = classic(13);
    struct app_error f;
    parse_ok(&d, &f);
    check_first_twelve(&f);
    assert_string_equal(f.report_id, "8b5f0a2e-7c51-4f42-9f7c-8a0f1d2e3b4c");
    app_error_free(&f);
}

static void test_classic_fifteen(void **state)
{
    (void)state;
    struct event_data d = classic(15);
    struct app_error f;
    parse_ok(&d, &f);
    check_first_twelve(&f);
    assert_string_equal(f.report_id, "8b5f0a2e-7c51-4f42-9f7c-8a0f1d2e3b4c");
    app_error_free(&f);
}

static void test_classic_fewer_strings(void **state)
{
    (void)state;
    struct event_data d = classic(4);
    struct app_error f;
    parse_ok(&d, &f);
    assert_string_equal(f.app_name, "w3wp.exe");
    assert_string_equal(f.module_name, "KERNELBASE.dll");
    assert_null(f.module_version);
    assert_null(f.faulting_offset);
    assert_false(f.has_exception_code);
    assert_false(f.has_process_id);
    assert_false(f.has_process_creation_time);
    app_error_free(&f);
}

static void test_manifest_shuffled(void **state)
{
    (void)state;
    char *names[] = {"ProcessId",           "exceptioncode", "UnknownField",
                     "MODULENAME",          "AppName",       "FaultingOffset",
                     "ProcessCreationTime", "AppVersion",    "IntegratorReportId",
                     "ModulePath",          "AppPath"};
    char *values[] = {"0xdf4",    "0xE0434352",         "whatever",           "KERNELBASE.dll",
                      "w3wp.exe", "0x000000000003A839", "0x01dabe0041952284", "10.0.14393.0",
                      "{report}", "C:\\m.dll",          "C:\\a.exe"};
    struct event_data d = {sizeof(values) / sizeof(values[0]), values, names};
    struct app_error f;
    parse_ok(&d, &f);
    assert_string_equal(f.app_name, "w3wp.exe");
    assert_string_equal(f.app_version, "10.0.14393.0");
    assert_string_equal(f.module_name, "KERNELBASE.dll");
    assert_null(f.module_version);
    assert_string_equal(f.faulting_offset, "000000000003a839");
    assert_true(f.has_process_id);
    assert_int_equal(f.process_id, 0xdf4);
    assert_true(f.has_exception_code);
    assert_int_equal(f.exception_code, 0xe0434352u);
    assert_true(f.has_process_creation_time);
    assert_int_equal(f.process_creation_time, 0x01dabe0041952284ULL);
    assert_string_equal(f.report_id, "{report}");
    assert_string_equal(f.app_path, "C:\\a.exe");
    assert_string_equal(f.module_path, "C:\\m.dll");
    app_error_free(&f);
}

/* Names that are partly NULL: the known ones are still used by name, never by position; a
 * repeated name keeps its first value. */
static void test_manifest_with_null_names(void **state)
{
    (void)state;
    char *names[] = {NULL, "AppName", NULL};
    char *values[] = {"ignored.exe", "real.exe", "e0434352"};
    struct event_data d = {3, values, names};
    struct app_error f;
    parse_ok(&d, &f);
    assert_string_equal(f.app_name, "real.exe");
    assert_false(f.has_exception_code);
    app_error_free(&f);

    char *twice[] = {"AppName", "appname"};
    char *apps[] = {"first.exe", "second.exe"};
    struct event_data dup = {2, apps, twice};
    parse_ok(&dup, &f);
    assert_string_equal(f.app_name, "first.exe");
    app_error_free(&f);
}

static void test_bad_hex_is_not_guessed(void **state)
{
    (void)state;
    char *values[] = {"app.exe", "1.0", "x",         "mod.dll",           "1.0", "x",
                      "zz12",    "0x",  "123456789", "11dabe00419522841", "",    ""};
    struct event_data d = {12, values, NULL};
    struct app_error f;
    parse_ok(&d, &f);
    assert_false(f.has_exception_code);
    assert_null(f.faulting_offset);
    assert_false(f.has_process_id); /* nine hex digits do not fit a process id */
    assert_false(f.has_process_creation_time);
    assert_null(f.app_path);
    app_error_free(&f);

    char *more[] = {"app.exe",
                    "1.0",
                    "x",
                    "mod.dll",
                    "1.0",
                    "x",
                    "e0434352 trailing",
                    "-5",
                    "0xg1",
                    "2024-05-01T10:00:00Z",
                    "",
                    ""};
    d.values = more;
    parse_ok(&d, &f);
    assert_false(f.has_exception_code);
    assert_null(f.faulting_offset);
    assert_false(f.has_process_id);
    assert_false(f.has_process_creation_time);
    app_error_free(&f);
}

static void test_missing_app_name(void **state)
{
    (void)state;
    struct cs_error err = {{0}};
    struct app_error f;
    char *blank[] = {"  ", "1.0", "x", "mod.dll"};
    struct event_data d = {4, blank, NULL};
    assert_int_equal(app_error_parse(&d, &f, &err), -1);
    assert_non_null(strstr(err.message, "application name"));
    app_error_free(&f);

    char *names[] = {"ModuleName", "ExceptionCode"};
    char *values[] = {"mod.dll", "e0434352"};
    struct event_data named = {2, values, names};
    err.message[0] = '\0';
    assert_int_equal(app_error_parse(&named, &f, &err), -1);
    assert_true(strlen(err.message) > 0);
    app_error_free(&f);

    struct event_data empty = {0, NULL, NULL};
    assert_int_equal(app_error_parse(&empty, &f, NULL), -1);
    app_error_free(&f);
    assert_int_equal(app_error_parse(NULL, &f, NULL), -1);
    app_error_free(&f);
}

static void test_uppercase_code(void **state)
{
    (void)state;
    char *values[] = {"App.exe",  "1.0",      "5c1b4e6b",           "clr.dll", "4.8",
                      "5c1b4e6b", "E0434352", "0x00000000000A1B2C", "0X1F58",  "01D46EE94BEE457A",
                      "",         ""};
    struct event_data d = {12, values, NULL};
    struct app_error f;
    parse_ok(&d, &f);
    assert_true(f.has_exception_code);
    assert_int_equal(f.exception_code, APP_ERROR_CODE_CLR_EXCEPTION);
    assert_string_equal(f.faulting_offset, "00000000000a1b2c");
    assert_int_equal(f.process_id, 0x1f58);
    assert_int_equal(f.process_creation_time, 0x01d46ee94bee457aULL);
    char code[9];
    app_error_format_code(f.exception_code, code);
    assert_string_equal(code, "e0434352");
    app_error_free(&f);
}

static void test_format_code(void **state)
{
    (void)state;
    char code[9];
    app_error_format_code(0x5, code);
    assert_string_equal(code, "00000005");
    app_error_format_code(0xc0000005u, code);
    assert_string_equal(code, "c0000005");
    app_error_format_code(UINT32_MAX, code);
    assert_string_equal(code, "ffffffff");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classic_twelve),
        cmocka_unit_test(test_classic_thirteen),
        cmocka_unit_test(test_classic_fifteen),
        cmocka_unit_test(test_classic_fewer_strings),
        cmocka_unit_test(test_manifest_shuffled),
        cmocka_unit_test(test_manifest_with_null_names),
        cmocka_unit_test(test_bad_hex_is_not_guessed),
        cmocka_unit_test(test_missing_app_name),
        cmocka_unit_test(test_uppercase_code),
        cmocka_unit_test(test_format_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
