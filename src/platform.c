/*
 * platform.c - the part of the platform layer (platform.h) that is the same on every system,
 * written once over the per-system primitives of platform_posix.c and platform_win32.c.
 *
 * Not for: anything that calls the operating system.
 */
#include "crashsig/platform.h"

#include <string.h>

char *platform_path_folder(const char *path, const char **base)
{
    const char *last = NULL;
    for (const char *p = path; *p; p++)
        if (platform_is_separator(*p))
            last = p;
    *base = last ? last + 1 : path;
    if (last == NULL)
        return cs_strdup(".");
    return cs_strndup(path, last == path ? 1 : (size_t)(last - path));
}
