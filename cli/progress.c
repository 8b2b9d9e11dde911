/*
 * progress.c - the progress line on stderr (progress.h).
 *
 * Not for: deciding when the scan reports progress (scan.c calls back after each file or part
 * of one).
 */
#include "progress.h"

#include <string.h>
#include <time.h>

#include "crashsig/platform.h"

#define MB (1024.0 * 1024.0)

double progress_clock(void)
{
    return platform_monotonic_seconds();
}

void progress_init(struct progress_line *line, FILE *out, enum progress_mode mode)
{
    memset(line, 0, sizeof(*line));
    line->out = out;
    line->enabled = mode == PROGRESS_ALWAYS || (mode == PROGRESS_AUTO && platform_is_terminal(out));
    line->immediate = mode == PROGRESS_ALWAYS;
    line->start = progress_clock();
}

/* "6s", "4m05s", "2h10m": short enough for the line, precise enough to plan a coffee. */
static void format_eta(char *out, size_t size, double seconds)
{
    long s = (long)(seconds + 0.5);
    if (s < 60)
        snprintf(out, size, "%lds", s);
    else if (s < 3600)
        snprintf(out, size, "%ldm%02lds", s / 60, s % 60);
    else
        snprintf(out, size, "%ldh%02ldm", s / 3600, s / 60 % 60);
}

void progress_format(char *out, size_t size, const struct scan_progress *p, double elapsed)
{
    double done = (double)p->bytes_done / MB, total = (double)p->bytes_total / MB;
    double rate = elapsed > 0 ? done / elapsed : 0;
    char eta[32] = "?";
    if (rate > 0 && p->bytes_total >= p->bytes_done)
        format_eta(eta, sizeof(eta), (total - done) / rate);
    snprintf(out, size, "crashsig: %zu/%zu files  %.1f/%.1f MB  %.1f MB/s  ETA %s", p->files_done,
             p->files_total, done, total, rate, eta);
}

void progress_update(const struct scan_progress *progress, void *ctx)
{
    struct progress_line *line = ctx;
    if (!line->enabled)
        return;
    double now = progress_clock(), elapsed = now - line->start;
    if (!line->immediate && elapsed < PROGRESS_DELAY_SECONDS)
        return;
    bool finished = progress->files_done >= progress->files_total;
    if (line->drawn_width && !finished && now - line->last_draw < 1.0 / PROGRESS_REDRAWS_PER_SECOND)
        return;
    char text[160];
    progress_format(text, sizeof(text), progress, elapsed);
    /* \r and erase-to-end: the new text replaces the old in place, whatever their lengths */
    fprintf(line->out, "\r%s\x1b[K", text);
    fflush(line->out);
    line->drawn_width = strlen(text);
    line->last_draw = now;
}

void progress_finish(struct progress_line *line)
{
    if (line->drawn_width == 0)
        return;
    fputs("\r\x1b[K", line->out);
    fflush(line->out);
    line->drawn_width = 0;
}
