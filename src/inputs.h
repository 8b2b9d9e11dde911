/*
 * inputs.h - input discovery, the scan's first step: the paths a user named (files, or
 * directories searched recursively for *.evtx, each directory's names sorted so the order is
 * reproducible) become the list of files to read.  A path that cannot be expanded (a folder
 * that cannot be listed, one without logs) becomes an input of the result with status
 * "error" and its reason.  Private to the scan (src/scan*.c).
 *
 * Not for: reading the files (reader.h).
 */
#ifndef CRASHSIG_INPUTS_H
#define CRASHSIG_INPUTS_H

#include "crashsig/result.h"

struct path_list {
    size_t count, capacity;
    char **items; /* owned */
};

void path_list_free(struct path_list *list);

/* Appends an input report for path to result and returns it (reports move when the array
 * grows: add every input before keeping pointers to them). */
struct input_report *inputs_add(struct run_result *result, const char *path);

/* Expands paths into files (appended); what cannot be expanded is reported in result. */
void inputs_expand(const char *const *paths, size_t path_count, struct path_list *files,
                   struct run_result *result);

#endif
