/*
 * json_write.h - print a cJSON tree to a stream: the last step of every JSON file crashsig
 * writes (the JSON and SARIF reports, the baseline, the state file).  Private to src/.
 *
 * Not for: building the tree (report_util.h has the shared pieces) or JSON Lines, which
 * prints each incident unformatted on one line (report_jsonl.c).
 */
#ifndef CRASHSIG_JSON_WRITE_H
#define CRASHSIG_JSON_WRITE_H

#include <stdio.h>

#include <cJSON.h>

/* Prints root, formatted, and a newline to out, and frees root (always, even on failure).
 * Returns 0, or -1 when the text could not be made or written. */
int cs_json_write(FILE *out, cJSON *root);

#endif
