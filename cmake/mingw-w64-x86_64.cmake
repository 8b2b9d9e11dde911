# mingw-w64-x86_64.cmake - CMake toolchain for a Windows x64 crashsig.exe cross-built on Debian
# with mingw-w64 (packages gcc-mingw-w64-x86-64-win32, mingw-w64-x86-64-dev).
#
#   cmake -S . -B build-windows -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake \
#         -DCRASHSIG_WIN_DEPS=/path/to/prefix -DCRASHSIG_TESTS=OFF
#
# CRASHSIG_WIN_DEPS is the prefix scripts/windows-deps.sh fills with the cross-built libevtx and
# cJSON; pkg-config is pointed at it, and only at it, so the Linux libraries are never picked
# up.  scripts/build-windows.sh does all of this.  The link is static: the .exe needs no DLL
# beyond KERNEL32 and msvcrt.
#
# Not for: native Windows builds (MSVC, MSYS2), which need no toolchain file.

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

# The win32 thread model: no libwinpthread DLL to carry around.
find_program(CMAKE_C_COMPILER NAMES x86_64-w64-mingw32-gcc-win32 x86_64-w64-mingw32-gcc REQUIRED)
find_program(CMAKE_RC_COMPILER NAMES x86_64-w64-mingw32-windres)

set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

if(NOT CRASHSIG_WIN_DEPS AND DEFINED ENV{CRASHSIG_WIN_DEPS})
  set(CRASHSIG_WIN_DEPS "$ENV{CRASHSIG_WIN_DEPS}")
endif()
if(CRASHSIG_WIN_DEPS)
  # a root of its own, or find_library would look for libevtx.a under /usr/x86_64-w64-mingw32
  list(APPEND CMAKE_FIND_ROOT_PATH "${CRASHSIG_WIN_DEPS}")
  set(ENV{PKG_CONFIG_LIBDIR} "${CRASHSIG_WIN_DEPS}/lib/pkgconfig")
  set(ENV{PKG_CONFIG_PATH} "")
  # try_compile projects read this file again; hand them the prefix too
  list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES CRASHSIG_WIN_DEPS)
endif()
