/*
 * platform_evtx.c - opening an .evtx file with libevtx from a UTF-8 path (platform.h).
 *
 * On Windows, libevtx_file_open would pass the bytes to the ANSI file functions, where a
 * non-ASCII folder name (C:\Logs\Überwachung) is mangled by the code page; the UTF-16 path and
 * libevtx_file_open_wide reach the file whatever its name.  libevtx is built with UNICODE for
 * that (scripts/build-windows.sh).
 *
 * Not for: reading records (reader.c, evtx_record.c) or other file functions (platform_posix.c,
 * platform_win32.c).
 */
#include "crashsig/platform.h"

#include <stdlib.h>

#if defined(_WIN32)

/* libevtx (libcpath) makes a relative path absolute and prefixes it with \\?\, after which
 * Windows no longer turns '/' into '\' or resolves "..": fixtures/demo.evtx would fail.  The
 * full path from platform_full_path_wide has neither. */
int platform_evtx_open(libevtx_file_t *file, const char *path, libevtx_error_t **error)
{
    wchar_t *wide = platform_full_path_wide(path);
    if (wide == NULL) /* not UTF-8: let libevtx say what it makes of the bytes */
        return libevtx_file_open(file, path, LIBEVTX_OPEN_READ, error);
    int rc = libevtx_file_open_wide(file, wide, LIBEVTX_OPEN_READ, error);
    free(wide);
    return rc;
}

#else

int platform_evtx_open(libevtx_file_t *file, const char *path, libevtx_error_t **error)
{
    return libevtx_file_open(file, path, LIBEVTX_OPEN_READ, error);
}

#endif
