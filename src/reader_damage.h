/*
 * reader_damage.h - what a read found wrong with a file, and how the input report says it:
 * the damaged chunks and unreadable records a struct reader_range lists, and the warnings made
 * from them and from the file header.  Private to the reader (reader.c, evtx_image.c); the
 * public half, reader_range_free and reader_report_ranges, is in reader.h.
 *
 * Not for: finding the damage (the prefilter checks the chunks, libevtx the records) or
 * deciding a whole-file read's status (reader.c).
 */
#ifndef CRASHSIG_READER_DAMAGE_H
#define CRASHSIG_READER_DAMAGE_H

#include "crashsig/reader.h"

/* Lists a damaged chunk (the first READER_MAX_LISTED of a range are kept). */
void reader_range_note_damage(struct reader_range *range, uint64_t chunk,
                              const struct chunk_facts *facts);

/* Counts a record libevtx could not parse, and lists the first READER_MAX_LISTED records and
 * recovered records. */
void reader_range_note_unreadable(struct reader_range *range, uint64_t chunk, uint64_t record_id,
                                  bool recovered);

/*
 * The whole-file read's damage warnings, from the prefilter's view of the file (layout, and
 * range: the tally and the damaged chunks of all chunks; structure_valid false when the file
 * could not be looked at chunk by chunk), or libevtx's bare verdict (corrupted) when that view
 * has none.
 */
void reader_warn_structure(struct input_report *report, bool structure_valid,
                           const struct reader_layout *layout, const struct reader_range *range,
                           bool corrupted);

/* The whole-file read's "N records could not be parsed" warnings, from range's unreadable
 * records. */
void reader_warn_unreadable(struct input_report *report, const struct reader_range *range);

#endif
