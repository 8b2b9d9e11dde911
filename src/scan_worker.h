/*
 * scan_worker.h - the worker side of a scan for systems where a worker is a new process, not a
 * fork (Windows: workers_win32.c starts `crashsig __worker DESCRIPTION`): run one task from its
 * one-line description and write its frames (event_wire.h) to a file descriptor.
 *
 * Internal to crashsig (scan_worker.c and cli/main.c), not part of the library's interface: the
 * description is whatever this very build of scan_worker.c wrote, and may change with it.
 *
 * Not for: starting or watching workers (workers.h), or the scan itself (scan.h).
 */
#ifndef CRASHSIG_SCAN_WORKER_H
#define CRASHSIG_SCAN_WORKER_H

#include "crashsig/scan.h"

/* Runs the task described ("file IDENTITY PATH" or "chunks FIRST COUNT
 * IDENTITY PATH", IDENTITY "= DEVICE INODE SIZE MODIFIED" or "-") as a forked worker would,
 * writing its frames to fd (hooks: the test hooks, as in scan_options).  Returns the worker's exit
 * status (0, or 1 when fd failed), or -1 when the description is not one. */
int scan_run_worker_task(const char *description, int fd, const struct scan_hooks *hooks);

#endif
