/*
 * reader_binxml.h - the few values crashsig needs from a record (EventID, TimeCreated,
 * EventRecordID, Channel, the EventData element count and Data names) read straight from the
 * record's BinXML: its template definition says which substitution value each one is, and the
 * record's substitution array holds the values.  Private to the reader.
 *
 * Why: libevtx 20181227 has no getter for TimeCreated, EventRecordID, Channel or the Data
 * names, and rendering the whole record to XML to learn them cost more than half of the time
 * of every kept record (docs/performance.md); the prefilter also reads the event id here to
 * leave out, before libevtx parses them, the records of a wanted provider with an event id
 * nobody wants.
 *
 * This reads only what Windows writes: a fragment, one template instance (its definition in
 * the chunk), element names in the chunk's name table, substitutions; embedded BinXML values
 * (EventData) are followed.  Anything else - another token, a string that is not plain ASCII,
 * a value of an unexpected type, a bound crossed - makes it give up (returns false), and the
 * caller renders the record's XML with libevtx as before, so the values are always exactly
 * what the XML says (tests/test_binxml.c compares both on every record of the fixtures and
 * the real-log corpus).
 *
 * Not for: any record libevtx has not checked (the caller only passes records of chunks the
 * prefilter walked).
 */
#ifndef CRASHSIG_READER_BINXML_H
#define CRASHSIG_READER_BINXML_H

#include "crashsig/common.h"
#include "xml_fields.h"

/*
 * Reads the record at offset in a 65536-byte chunk.  With fields NULL only the event id is
 * wanted: returns true and sets *event_id when the record's EventID was read.  With fields,
 * returns true only when every value of struct xml_fields but computer was read exactly as
 * xml_fields_extract would read it from the record's XML (fields filled, owned: free with
 * xml_fields_free), and sets *event_id too; false leaves fields empty.
 */
bool reader_binxml_fields(const uint8_t *chunk, uint32_t offset, uint32_t *event_id,
                          struct xml_fields *fields);

/*
 * The full read: everything evtx_record.c would otherwise ask libevtx for, so that a kept
 * record costs no libevtx parse (about 30 µs, most of a crash loop's time).  Each value is what
 * libevtx 20181227's getter gives (tests/test_binxml.c compares them on every record of the
 * fixtures and the corpus); a record with any value it cannot give exactly that way is left to
 * libevtx (returns false, out empty).
 */
struct binxml_record {
    struct xml_fields fields; /* as reader_binxml_fields reads them, and computer */
    uint32_t event_id;
    uint64_t identifier;      /* the record header's identifier */
    cs_filetime written_time; /* the record header's written time */
    uint8_t level;
    char *provider; /* owned: Provider/@EventSourceName, else @Name, as libevtx's source name */
    size_t value_count;
    char **values; /* owned: the texts of EventData's <Data> children, in order */
};

bool reader_binxml_record(const uint8_t *chunk, uint32_t offset, struct binxml_record *out);
void binxml_record_free(struct binxml_record *r);

#endif
