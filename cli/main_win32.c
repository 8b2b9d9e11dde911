/*
 * platform_win32_main.c - the Windows entry point of crashsig.exe: takes the command line as
 * UTF-16 (wmain, linked with -municode), converts every argument to UTF-8 and calls the
 * portable main() in cli.c with it, so paths such as C:\Logs\Überwachung\Application.evtx
 * reach the platform layer intact whatever the ANSI code page.  It also puts stdout in binary
 * mode (reports are the same bytes as on Linux), and a console in UTF-8 with colour escapes on
 * for the run.
 *
 * Linked only into the crashsig executable, and only on Windows (CMakeLists.txt).
 *
 * Not for: option parsing (cli.c) or anything after startup (platform_win32.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#include "crashsig/platform.h"

int main(int argc, char **argv);
int wmain(int argc, wchar_t **wargv);

int wmain(int argc, wchar_t **wargv)
{
    char **argv = cs_xcalloc((size_t)argc + 1, sizeof(char *));
    for (int i = 0; i < argc; i++) {
        argv[i] = platform_wide_to_utf8(wargv[i]);
        if (argv[i] == NULL) { /* conversion failed; unpaired surrogates become U+FFFD instead */
            fprintf(stderr, "crashsig: argument %d is not valid Unicode\n", i);
            return 2;
        }
    }
    struct platform_stdio console;
    platform_init_stdio(&console);
    int status = main(argc, argv);
    fflush(stdout);
    platform_restore_stdio(&console);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
    return status;
}
