/*
 * xml_fields.h - pull the few System values libevtx 20181227 has no getter for (TimeCreated,
 * EventRecordID, Channel) and the EventData element names out of a record's XML rendering.
 *
 * This is a scanner for the XML libevtx itself writes, not a general XML parser: it looks for
 * known tags in order and tolerates anything else.  Private to the reader.
 */
#ifndef CRASHSIG_XML_FIELDS_H
#define CRASHSIG_XML_FIELDS_H

#include "crashsig/common.h"

struct xml_fields {
    cs_filetime time_created; /* 0 when absent or unparsable */
    bool has_event_record_id;
    uint64_t event_record_id;
    char *channel;  /* owned, unescaped; NULL when absent */
    char *computer; /* owned, unescaped; NULL when absent */
    int data_count; /* <Data> elements inside <EventData>; -1 when there is no EventData */
    bool has_names; /* some <Data> has a Name attribute (manifest layout) */
    size_t name_count;
    char **names; /* owned; one per <Data>, NULL entries for unnamed ones */
};

void xml_fields_extract(const char *xml, struct xml_fields *out);

/* Counts one more <Data> element of EventData, with its Name (owned, taken) or NULL; names past
 * a cap are counted but not kept.  data_count must be 0 or more already. */
void xml_fields_add_data(struct xml_fields *fields, char *name);
void xml_fields_free(struct xml_fields *fields);

/* Replaces the five predefined XML entities and numeric character references in place. */
void xml_unescape(char *text);

#endif
