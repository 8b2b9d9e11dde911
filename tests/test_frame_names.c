/*
 * test_frame_names.c - compiler-generated .NET names (src/frame_names.c): the fingerprint
 * recipe v2's normalization vectors (the same as docs/signatures.md), readable names, the
 * method to fix, and source locations in the languages Windows writes them in.
 *
 * Not for: hashing or grouping (test_findings.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "crashsig/frame_names.h"

static void expect_normalized(const char *method, const char *expected)
{
    char *got = frame_name_normalize(method);
    if (strcmp(got, expected) != 0)
        fail_msg("normalize(%s) = %s, expected %s", method, got, expected);
    free(got);
}

/* docs/signatures.md, "Recipe 2": each vector there is here. */
static void test_normalize_vectors(void **unused)
{
    (void)unused;
    expect_normalized("MyApp.Sync+<>c__DisplayClass4_0+<<RunAll>b__0>d.MoveNext()",
                      "MyApp.Sync+<>c+<<RunAll>b>d.MoveNext()");
    expect_normalized("MyApp.Sync+<>c__DisplayClass5_0+<<RunAll>b__1>d.MoveNext()",
                      "MyApp.Sync+<>c+<<RunAll>b>d.MoveNext()");
    expect_normalized("Contoso.Program+<Main>d__4.MoveNext()",
                      "Contoso.Program+<Main>d.MoveNext()");
    expect_normalized("Contoso.Sync+<>c.<RunAll>b__4_0(System.Object)",
                      "Contoso.Sync+<>c.<RunAll>b(System.Object)");
    expect_normalized("Contoso.Parser.<Process>g__Local|3_0(System.String)",
                      "Contoso.Parser.<Process>g__Local(System.String)");
    expect_normalized("Contoso.Parser.<Process>g__Parse|3_1(System.String)",
                      "Contoso.Parser.<Process>g__Parse(System.String)");
    expect_normalized("Contoso.Parser+<<Process>g__Local|3_0>d.MoveNext()",
                      "Contoso.Parser+<<Process>g__Local>d.MoveNext()");
    expect_normalized("Contoso.Sync+<>c__DisplayClass4.<Run>b__2()", "Contoso.Sync+<>c.<Run>b()");
    /* the developer's names and digits stay */
    expect_normalized("Contoso.Generic`1.Run2(Int32[])", "Contoso.Generic`1.Run2(Int32[])");
    expect_normalized("<>f__AnonymousType0`2.get_Id()", "<>f__AnonymousType0`2.get_Id()");
    expect_normalized("", "");
    expect_normalized("a>d__", "a>d__");
    expect_normalized("a|", "a|");
}

static void expect_readable(const char *method, const char *readable, const char *owner)
{
    char *got = frame_name_readable(method);
    if (readable == NULL ? got != NULL : got == NULL || strcmp(got, readable) != 0)
        fail_msg("readable(%s) = %s, expected %s", method, got ? got : "NULL",
                 readable ? readable : "NULL");
    free(got);
    got = frame_name_owner(method);
    if (strcmp(got, owner) != 0)
        fail_msg("owner(%s) = %s, expected %s", method, got, owner);
    free(got);
}

static void test_readable_names(void **unused)
{
    (void)unused;
    expect_readable("Contoso.Orders.InventorySync+<>c__DisplayClass4_0+<<RunAll>b__0>d.MoveNext()",
                    "async lambda in Contoso.Orders.InventorySync.RunAll",
                    "Contoso.Orders.InventorySync.RunAll");
    expect_readable("Contoso.Sync+<>c.<RunAll>b__4_0(System.Object)",
                    "lambda in Contoso.Sync.RunAll", "Contoso.Sync.RunAll");
    expect_readable("Contoso.Program+<Main>d__4.MoveNext()",
                    "async method or iterator Contoso.Program.Main", "Contoso.Program.Main");
    expect_readable("Contoso.Parser.<Process>g__Parse|3_1(System.String)",
                    "local function Parse in Contoso.Parser.Process", "Contoso.Parser.Process");
    expect_readable("Contoso.Parser+<<Process>g__Local|3_0>d.MoveNext()",
                    "async local function Local in Contoso.Parser.Process",
                    "Contoso.Parser.Process");
    expect_readable("Contoso.Jobs.Mailer.SendQueued(System.Object)", NULL,
                    "Contoso.Jobs.Mailer.SendQueued");
    expect_readable("<<<", "compiler-generated code in ", "");
}

static void expect_source(const char *text, const char *method, const char *file,
                          unsigned long line)
{
    struct dotnet_frame frame = {.text = (char *)text, .method = (char *)method};
    char *got;
    unsigned long got_line;
    bool found = frame_source_location(&frame, &got, &got_line);
    if (file == NULL) {
        assert_false(found);
        assert_null(got);
        return;
    }
    assert_true(found);
    assert_string_equal(got, file);
    assert_int_equal(got_line, line);
    free(got);
}

static void test_source_locations(void **unused)
{
    (void)unused;
    expect_source("A.B() in C:\\src\\A.cs:line 41", "A.B()", "C:\\src\\A.cs", 41);
    expect_source("A.B() in C:\\Quellen\\A.cs:Zeile 7", "A.B()", "C:\\Quellen\\A.cs", 7);
    expect_source("A.B() dans C:\\src\\A.cs:ligne 12", "A.B()", "C:\\src\\A.cs", 12);
    expect_source("A.B() en C:\\src\\A.cs:l\xc3\xad"
                  "nea 3",
                  "A.B()", "C:\\src\\A.cs", 3);
    expect_source("A.B() em C:\\src\\A.cs:linha 99\r", "A.B()", "C:\\src\\A.cs", 99);
    expect_source("A.B() in /_/src/A.cs:line 5", "A.B()", "/_/src/A.cs", 5);
    expect_source("A.B()", "A.B()", NULL, 0);
    expect_source("A.B() in C:\\src\\A.cs:line ", "A.B()", NULL, 0);
    expect_source("A.B() in :line 4", "A.B()", NULL, 0);
    expect_source("A.B() in C:\\a.cs:line 12345678901", "A.B()", NULL, 0);
    expect_source("X.Y() in C:\\a.cs:line 1", "A.B()", NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize_vectors),
        cmocka_unit_test(test_readable_names),
        cmocka_unit_test(test_source_locations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
