#!/bin/sh
# build-windows.sh - cross-build crashsig.exe for Windows x64 (Server 2016 and later) on Debian:
# one statically linked file that imports only KERNEL32.dll and msvcrt.dll.
#
#   scripts/build-windows.sh            -> dist/crashsig.exe, dist/licenses/ (and build-windows/,
#                                          the CMake build)
#
# It installs what is missing (mingw-w64, dpkg-dev; with sudo when not root), cross-builds
# libevtx and cJSON from Debian's source packages once (scripts/windows-deps.sh, about 1.5-3
# minutes) and caches them, then builds crashsig with cmake/mingw-w64-x86_64.cmake.
#
# Environment:
#   CRASHSIG_DEPS_CACHE  where the cross-built libraries are kept (default
#                        ${XDG_CACHE_HOME:-$HOME/.cache}/crashsig); one folder per set of
#                        source versions, compiler and recipe, so a change rebuilds them
#   CRASHSIG_DIST        output folder (default dist/)
#   CRASHSIG_WIN_BUILD   CMake build folder (default build-windows/)
#
# Only Debian packages and Debian source packages are used; nothing else is downloaded.
# docs/windows.md explains every step.
set -eu

cd "$(dirname "$0")/.."
ROOT=$PWD
TRIPLE=x86_64-w64-mingw32
JOBS=$(nproc 2>/dev/null || echo 2)
DIST=${CRASHSIG_DIST:-$ROOT/dist}
BUILD=${CRASHSIG_WIN_BUILD:-$ROOT/build-windows}
CACHE=${CRASHSIG_DEPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/crashsig}
# The Linux -dev packages are here for their versions: the Windows libraries are built from the
# same Debian sources.
PACKAGES="gcc-mingw-w64-x86-64-win32 mingw-w64-x86-64-dev binutils-mingw-w64-x86-64 dpkg-dev
    make cmake pkg-config libevtx-dev libbfio-dev libcjson-dev"
# A static crashsig.exe may import these and nothing else: both ship with every Windows.
ALLOWED_DLLS="KERNEL32.dll msvcrt.dll"

say() { echo "build-windows: $*" >&2; }

install_missing() {
    missing=""
    for p in $PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
            missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    say "installing$missing"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        $missing >&2
}

# Everything the cross-built libraries depend on, in one short name.
deps_key() {
    {
        dpkg-query -W -f='${source:Package}=${source:Version}\n' libevtx-dev libbfio-dev \
            libcjson-dev gcc-mingw-w64-x86-64-win32 mingw-w64-x86-64-dev
        cat scripts/windows-deps.sh
    } | sha256sum | cut -c1-16
}

# The cached prefix for this key, built (under a lock, then renamed into place) when missing.
deps_prefix() {
    key=$(deps_key)
    prefix="$CACHE/windows-deps-$key"
    if [ ! -f "$prefix/.complete" ]; then
        mkdir -p "$CACHE"
        (
            flock 9
            if [ ! -f "$prefix/.complete" ]; then
                say "building the Windows libraries (cached in $prefix)"
                rm -rf "$prefix.tmp"
                start=$(date +%s)
                sh scripts/windows-deps.sh "$prefix.tmp" >&2
                rm -rf "$prefix"
                mv "$prefix.tmp" "$prefix"
                touch "$prefix/.complete"
                say "libraries built in $(($(date +%s) - start)) s"
            fi
        ) 9>"$CACHE/.windows-deps.lock"
    fi
    echo "$prefix"
}

check_imports() {
    dlls=$($TRIPLE-objdump -p "$1" | sed -n 's/^[[:space:]]*DLL Name: //p' | sort -u)
    for dll in $dlls; do
        case " $ALLOWED_DLLS " in
        *" $dll "*) ;;
        *)
            say "$1 imports $dll; only $ALLOWED_DLLS are allowed"
            exit 1
            ;;
        esac
    done
    say "imports: $(echo $dlls)"
}

main() {
    install_missing
    prefix=$(deps_prefix)
    start=$(date +%s)
    # pkg-config results are cached: a build folder made with other libraries starts over
    if [ -f "$BUILD/CMakeCache.txt" ] && ! grep -qxF "CRASHSIG_WIN_DEPS:PATH=$prefix" \
        "$BUILD/CMakeCache.txt"; then
        rm -rf "$BUILD"
    fi
    cmake -S . -B "$BUILD" -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/mingw-w64-x86_64.cmake" \
        -DCRASHSIG_WIN_DEPS:PATH="$prefix" -DCMAKE_BUILD_TYPE=Release -DCRASHSIG_TESTS=OFF \
        >/dev/null
    cmake --build "$BUILD" -j "$JOBS" >/dev/null
    mkdir -p "$DIST"
    $TRIPLE-strip -o "$DIST/crashsig.exe" "$BUILD/crashsig.exe"
    check_imports "$DIST/crashsig.exe"
    # what the .exe contains, and under which licences (docs/windows.md)
    mkdir -p "$DIST/licenses"
    cp LICENSE "$DIST/licenses/crashsig-LICENSE"
    cp "$prefix/share/licenses/libevtx/COPYING" "$DIST/licenses/libevtx-COPYING"
    cp "$prefix/share/licenses/cjson/LICENSE" "$DIST/licenses/cjson-LICENSE"
    say "built $DIST/crashsig.exe in $(($(date +%s) - start)) s"
}

main "$@"
