/*
 * progress.h - the progress line the CLI shows on stderr while a long scan runs:
 *
 *     crashsig: 7/23 files  182.4/512.0 MB  61.3 MB/s  ETA 6s
 *
 * It appears only when stderr is a terminal (or when forced) and only once the scan has taken
 * longer than PROGRESS_DELAY_SECONDS, is redrawn at most PROGRESS_REDRAWS_PER_SECOND times a
 * second in place (carriage return, erase to the end of the line), and is erased before the
 * report is printed, so nothing of it stays on the screen or reaches a file or pipe.
 *
 * Not for: anything but the display; the scan reports its progress through scan_options.
 */
#ifndef CRASHSIG_PROGRESS_H
#define CRASHSIG_PROGRESS_H

#include <stdio.h>

#include "crashsig/scan.h"

#define PROGRESS_DELAY_SECONDS      1.0
#define PROGRESS_REDRAWS_PER_SECOND 10

enum progress_mode { PROGRESS_AUTO, PROGRESS_ALWAYS, PROGRESS_NEVER };

struct progress_line {
    FILE *out;
    bool enabled;   /* decided once, from the mode and whether out is a terminal */
    bool immediate; /* PROGRESS_ALWAYS: no initial delay */
    double start;   /* seconds, from progress_clock */
    double last_draw;
    size_t drawn_width; /* 0: nothing on the screen */
};

/* Seconds on a clock that only moves forward (good enough for rates and ETA). */
double progress_clock(void);

void progress_init(struct progress_line *line, FILE *out, enum progress_mode mode);

/* A scan_progress_fn: ctx is the struct progress_line. */
void progress_update(const struct scan_progress *progress, void *ctx);

/* Erases the line if it is showing. */
void progress_finish(struct progress_line *line);

/* The text of the line (without control characters) for a scan elapsed seconds in. */
void progress_format(char *out, size_t size, const struct scan_progress *progress, double elapsed);

#endif
