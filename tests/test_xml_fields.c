/*
 * test_xml_fields.c - extraction of TimeCreated, EventRecordID, Channel, Computer and the
 * EventData names from libevtx's XML rendering (src/xml_fields.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "xml_fields.h"

/* As evtxexport -f xml prints a manifest-layout Application Error 1000. */
static const char MANIFEST_XML[] =
    "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\n"
    "  <System>\n"
    "    <Provider Name=\"Application Error\" "
    "Guid=\"{a0e9b465-b939-57d7-b27d-95d8e925ff57}\"/>\n"
    "    <EventID>1000</EventID>\n"
    "    <TimeCreated SystemTime=\"2026-03-01T10:00:00.300000000Z\"/>\n"
    "    <EventRecordID>4711</EventRecordID>\n"
    "    <Channel>Application</Channel>\n"
    "    <Computer>WEB01.contoso.local</Computer>\n"
    "  </System>\n"
    "  <EventData>\n"
    "    <Data Name=\"AppName\">w3wp.exe</Data>\n"
    "    <Data Name=\"ExceptionCode\">e0434352</Data>\n"
    "    <Data Name=\"PackageFullName\"></Data>\n"
    "  </EventData>\n"
    "</Event>\n";

static void test_manifest_fields(void **state)
{
    (void)state;
    struct xml_fields f;
    xml_fields_extract(MANIFEST_XML, &f);
    char iso[CS_ISO_TIME_SIZE];
    cs_time_format_iso(f.time_created, iso);
    assert_string_equal(iso, "2026-03-01T10:00:00.3000000Z");
    assert_true(f.has_event_record_id);
    assert_int_equal(f.event_record_id, 4711);
    assert_string_equal(f.channel, "Application");
    assert_string_equal(f.computer, "WEB01.contoso.local");
    assert_int_equal(f.data_count, 3);
    assert_true(f.has_names);
    assert_string_equal(f.names[0], "AppName");
    assert_string_equal(f.names[2], "PackageFullName");
    xml_fields_free(&f);
}

static void test_classic_data_and_binary(void **state)
{
    (void)state;
    const char *xml = "<Event><System><EventRecordID>7</EventRecordID></System>"
                      "<EventData><Data>one</Data><Data>two &lt;x&gt;</Data>"
                      "<Binary>DEADBEEF</Binary></EventData></Event>";
    struct xml_fields f;
    xml_fields_extract(xml, &f);
    assert_int_equal(f.data_count, 2); /* <Binary> is not a Data element */
    assert_false(f.has_names);
    assert_int_equal(f.time_created, 0);
    xml_fields_free(&f);
}

static void test_missing_everything(void **state)
{
    (void)state;
    struct xml_fields f;
    xml_fields_extract("", &f);
    assert_int_equal(f.data_count, -1);
    assert_false(f.has_event_record_id);
    assert_null(f.channel);
    xml_fields_free(&f);
    xml_fields_extract("<EventRecordID>12x</EventRecordID><TimeCreated SystemTime=\"bad\"/>"
                       "<Channel>unterminated",
                       &f);
    assert_false(f.has_event_record_id);
    assert_int_equal(f.time_created, 0);
    assert_null(f.channel);
    xml_fields_free(&f);
}

static void test_unescape(void **state)
{
    (void)state;
    char text[] = "&lt;&lt;RunAll&gt;b__0&gt;d &amp; &quot;x&quot; &apos; &#65;&#x42; &#0; &bogus;";
    xml_unescape(text);
    assert_string_equal(text, "<<RunAll>b__0>d & \"x\" ' AB &#0; &bogus;");
    char umlaut[] = "&#xDC;berwachung";
    xml_unescape(umlaut);
    assert_string_equal(umlaut, "\xc3\x9c"
                                "berwachung");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_fields),
        cmocka_unit_test(test_classic_data_and_binary),
        cmocka_unit_test(test_missing_everything),
        cmocka_unit_test(test_unescape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
