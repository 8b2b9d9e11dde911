/*
 * text_file.h - read a small file that a person or an earlier run wrote (the --state file, a
 * baseline) whole, with every check done before a byte is read: it must be a regular file
 * (a FIFO would block for ever, a device would never end), no larger than a bound (so a wrong
 * path costs an error, not the machine's memory), and text (a NUL byte would silently cut
 * every string cJSON reads after it).
 *
 * Not for: event logs (reader.h reads those in blocks) or writing (atomic_file.h).
 */
#ifndef CRASHSIG_TEXT_FILE_H
#define CRASHSIG_TEXT_FILE_H

#include "crashsig/common.h"

/*
 * Reads path into *text (NUL-terminated, *size bytes without the NUL; free it).  what names
 * the file in messages ("state file", "baseline").  Returns 0, 1 when nothing exists at path
 * (*text NULL, no message), or -1 with a message naming what, the path and the problem.
 */
int text_file_read(const char *path, const char *what, uint64_t max_size, char **text, size_t *size,
                   struct cs_error *err);

#endif
