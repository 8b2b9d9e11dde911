/*
 * frame_names.h - what a .NET stack frame's compiler-generated names mean, and where its source
 * is: the fingerprint recipe v2's normalized method (findings.h), a readable name for people
 * ("async lambda in Contoso.Orders.InventorySync.RunAll"), the method a developer has to change,
 * and the file and line that portable or deployed PDBs add (" in C:\src\A.cs:line 41", in any
 * language of Windows).
 *
 * The C# and VB compilers name what they generate <Outer>k__N: `d` a state machine (async
 * method or iterator), `b` a lambda, `g` a local function (<Outer>g__Name|N_M), `c` a closure
 * class (<>c, <>c__DisplayClassN_M).  The numbers are ordinals that change when unrelated code
 * in the same class changes; the names between < and > are the developer's.
 *
 * Every function reads hostile log text: it never reads past the NUL, and what it returns is
 * bounded by its input.
 *
 * Not for: deciding whether a frame is user code (dotnet_crash.h) or hashing (findings.c).
 */
#ifndef CRASHSIG_FRAME_NAMES_H
#define CRASHSIG_FRAME_NAMES_H

#include "crashsig/dotnet_crash.h"

/* The method with the compiler's ordinals removed and every developer-written name kept:
 * "A+<>c__DisplayClass4_0+<<RunAll>b__0>d.MoveNext()" -> "A+<>c+<<RunAll>b>d.MoveNext()",
 * "<Process>g__Parse|3_1" -> "<Process>g__Parse".  Owned by the caller. */
char *frame_name_normalize(const char *method);

/* The method's name for people when the compiler generated it ("async lambda in
 * Contoso.Orders.InventorySync.RunAll", "local function Parse in A.Process"), else NULL (the
 * method is readable as it is).  Owned by the caller. */
char *frame_name_readable(const char *method);

/* The method a developer changes: the developer-written method that encloses a generated one
 * ("Contoso.Orders.InventorySync.RunAll"), else the method without its parameters.  Owned by
 * the caller. */
char *frame_name_owner(const char *method);

/* The source location a frame carries after its method (" in C:\src\A.cs:line 41", "dans
 * ...:ligne 41", "bei"/"in ...:Zeile 41", "en ...:línea 41", "em ...:linha 41"): *file is owned
 * by the caller.  Returns false (and NULLs) when the frame has none. */
bool frame_source_location(const struct dotnet_frame *frame, char **file, unsigned long *line);

#endif
