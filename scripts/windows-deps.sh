#!/bin/sh
# windows-deps.sh - cross-build crashsig's libraries for Windows x64 from Debian's own source
# packages, into a prefix that the Windows build finds through pkg-config:
#
#   scripts/windows-deps.sh PREFIX
#
#   PREFIX/lib/libevtx.a      libevtx with the libyal libraries its source bundles (libbfio,
#                             libcerror, ...), built for x86_64-w64-mingw32 with UNICODE, so
#                             libevtx_file_open_wide reaches any path
#   PREFIX/lib/libcjson.a     cJSON with Debian's patches, CJSON_HIDE_SYMBOLS (a static library)
#   PREFIX/include/           their headers, and libbfio's public headers (see below)
#   PREFIX/lib/pkgconfig/     libevtx.pc, libbfio.pc, libcjson.pc (relocatable: ${pcfiledir})
#   PREFIX/share/licenses/    the libraries' licence texts, shipped beside crashsig.exe
#
# The source versions are those of the Linux packages installed (libevtx-dev, libbfio-dev,
# libcjson-dev), so both builds run the same library code.  Nothing is downloaded from anywhere
# but the Debian archive: `apt-get source`, with a deb-src entry added for the running release
# when the machine has none.  Called by scripts/build-windows.sh, which caches PREFIX; running it
# by hand is for debugging the recipe.  Every step is explained in docs/windows.md.
set -eu

PREFIX=${1:?usage: windows-deps.sh PREFIX}
TRIPLE=x86_64-w64-mingw32
JOBS=$(nproc 2>/dev/null || echo 2)
CC=$(command -v $TRIPLE-gcc-win32 || command -v $TRIPLE-gcc)
AR=$TRIPLE-ar

say() { echo "windows-deps: $*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# "package version" of the source package a binary package was built from.
source_of() {
    dpkg-query -W -f='${source:Package} ${source:Version}' "$1"
}

has_deb_src() {
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        grep -Eq '^[[:space:]]*deb-src[[:space:]]' && return 0
    cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
        grep -Eq '^Types:.*deb-src' && return 0
    return 1
}

# Adds deb-src twins of the deb entries for this release's Debian suites (bookworm,
# bookworm-updates, bookworm-security ...), in both the deb822 and the one-line format.
add_deb_src() {
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:?}")
    say "adding deb-src entries for $codename (/etc/apt/sources.list.d/crashsig-deb-src.*)"
    tmp=$(mktemp)
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk -v codename="$codename" '
            BEGIN { RS = ""; FS = "\n" }
            {
                types = ""; suites = ""; enabled = "yes"
                for (i = 1; i <= NF; i++) {
                    if ($i ~ /^Types:/) types = $i
                    if ($i ~ /^Suites:/) suites = $i
                    if ($i ~ /^Enabled:/) enabled = tolower($i)
                }
                if (types !~ /[: \t]deb([ \t]|$)/ || enabled ~ /no/) next
                n = split(suites, s, /[ \t]+/); ok = 0
                for (k = 2; k <= n; k++)
                    if (s[k] == codename || index(s[k], codename "-") == 1) ok = 1
                if (!ok) next
                for (i = 1; i <= NF; i++)
                    if ($i ~ /^Types:/) print "Types: deb-src"
                    else if ($i !~ /^#/) print $i
                print ""
            }' "$f"
    done >"$tmp"
    [ -s "$tmp" ] && as_root cp "$tmp" /etc/apt/sources.list.d/crashsig-deb-src.sources
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        awk -v codename="$codename" '$1 == "deb" {
            for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/ && $i ~ /:\/\//) break
            s = $(i + 1)
            if (s == codename || index(s, codename "-") == 1) { $1 = "deb-src"; print }
        }' >"$tmp"
    [ -s "$tmp" ] && as_root cp "$tmp" /etc/apt/sources.list.d/crashsig-deb-src.list
    rm -f "$tmp"
    as_root chmod 644 /etc/apt/sources.list.d/crashsig-deb-src.* 2>/dev/null || true
    as_root apt-get update -qq
}

# apt-get source for "pkg=version ...", adding deb-src first when the machine has none.  When
# the archive no longer has those exact versions (the machine is behind a security update), the
# current ones are taken, with a warning: close enough, and better than no Windows build.
fetch_sources() {
    if ! has_deb_src; then
        add_deb_src
    fi
    apt-get source --download-only "$@" >apt-source.log 2>&1 && return 0
    say "apt-get source failed; refreshing the package lists once"
    as_root apt-get update -qq
    apt-get source --download-only "$@" >apt-source.log 2>&1 && return 0
    unversioned=$(for p in "$@"; do printf '%s ' "${p%%=*}"; done)
    say "warning: $* not in the archive; building the current $unversioned instead"
    # shellcheck disable=SC2086
    apt-get source --download-only $unversioned >apt-source.log 2>&1 || {
        cat apt-source.log >&2
        say "cannot download the Debian sources of $unversioned"
        exit 1
    }
}

# The .dsc apt-get source fetched for a source package.
dsc_of() {
    ls "$1"_*.dsc | head -1
}

# libcthreads includes <Synchapi.h>, <Processthreadsapi.h> and <Threadpoolapiset.h>, spelled as
# on Windows' case-insensitive disks; mingw-w64 installs them in lower case.  A folder of
# one-line forwarding headers fixes that without editing the sources.
make_header_shims() {
    mkdir -p "$1"
    for h in Synchapi Processthreadsapi Threadpoolapiset; do
        printf '#include <%s.h>\n' "$(echo "$h" | tr 'A-Z' 'a-z')" >"$1/$h.h"
    done
}

# With UNICODE, libcerror builds messages with wide printf functions.  mingw's snwprintf is C99
# (%s is a narrow string) but its _vsnwprintf is msvcrt's (%s is wide, %S narrow), so the
# "%s -> %S" rewrite that libcerror does for MSVC is needed on mingw too, or every libevtx error
# text comes out empty.  Only the rewrite and its index variable are widened: the snwprintf
# guard between them must stay MSVC-only (on mingw it would loop forever).
patch_libcerror() {
    file=$1
    awk '
        { line[NR] = $0 }
        END {
            changed = 0
            for (i = 1; i <= NR; i++) {
                if (line[i] == "#if defined( __BORLANDC__ ) || defined( _MSC_VER )" &&
                    (line[i + 1] ~ /size_t string_index/ || line[i + 1] ~ /Rewrite %s to %S/)) {
                    line[i] = "#if defined( __BORLANDC__ ) || defined( _MSC_VER ) || defined( __MINGW32__ )"
                    changed++
                }
                print line[i]
            }
            if (changed != 2) {
                print "patch_libcerror: expected 2 guards, found " changed > "/dev/stderr"
                exit 1
            }
        }' "$file" >"$file.new"
    mv "$file.new" "$file"
}

# The libraries libevtx.a needs, in build order; the tools, Python bindings, tests and the
# libraries only the tools use (libexe, libregf, libwrc, libcdirectory) are left out.
LIBEVTX_SUBDIRS="include common libcerror libcthreads libcdata libclocale libcnotify libcsplit
    libuna libcfile libcpath libbfio libfcache libfdata libfdatetime libfguid libfvalue libfwevt
    libfwnt libevtx"

# configure for mingw, with pkg-config blinded so it cannot pick up the Linux libraries.
cross_configure() {
    PKG_CONFIG_LIBDIR="$PREFIX/lib/pkgconfig" PKG_CONFIG_PATH="" \
        ./configure --host=$TRIPLE --prefix="$PREFIX" --enable-static --disable-shared \
        --enable-winapi --disable-nls --disable-python CC="$CC" \
        CPPFLAGS="-DUNICODE -D_UNICODE -I$WORK/shims" CFLAGS="-O2" >configure.log 2>&1 || {
        tail -30 configure.log >&2
        say "configure failed in $PWD"
        exit 1
    }
}

build_libevtx() {
    dpkg-source -x --skip-patches "$1" libevtx >/dev/null 2>&1
    cd libevtx
    patch_libcerror libcerror/libcerror_error.c
    cross_configure
    for d in $LIBEVTX_SUBDIRS; do
        make -C "$d" -j "$JOBS" >>make.log 2>&1 || {
            tail -30 make.log >&2
            say "make failed in libevtx/$d"
            exit 1
        }
    done
    make -C include install >/dev/null
    make -C libevtx install >/dev/null
    rm -f "$PREFIX"/lib/*.la
    mkdir -p "$PREFIX/share/licenses/libevtx"
    cp COPYING "$PREFIX/share/licenses/libevtx/" # LGPL-3.0+: shipped with crashsig.exe
    cd ..
}

# Only the public headers of libbfio: crashsig passes libbfio memory-range handles to
# libevtx_file_open_file_io_handle, and on Windows the implementation is the libbfio that
# libevtx.a bundles (20180910), whose functions have the same signatures as the 20170123 headers
# Debian ships; the Linux build links Debian's libbfio in the same role.
install_libbfio_headers() {
    dpkg-source -x --skip-patches "$1" libbfio >/dev/null 2>&1
    cd libbfio
    cross_configure
    make -C include install >/dev/null
    cd ..
}

build_cjson() {
    dpkg-source -x "$1" cjson >/dev/null 2>&1 # with Debian's patches: security fixes
    cd cjson
    # __USE_MINGW_ANSI_STDIO: numbers print as with glibc (msvcrt writes 1e+015 for 1e+15)
    "$CC" -O2 -std=c89 -DCJSON_HIDE_SYMBOLS -DENABLE_LOCALES -D__USE_MINGW_ANSI_STDIO=1 \
        -c cJSON.c -o cJSON.o
    $AR rcs "$PREFIX/lib/libcjson.a" cJSON.o
    mkdir -p "$PREFIX/include/cjson" "$PREFIX/share/licenses/cjson"
    cp cJSON.h "$PREFIX/include/cjson/"
    cp LICENSE "$PREFIX/share/licenses/cjson/"
    cd ..
}

write_pc() { # name version cflags libs
    cat >"$PREFIX/lib/pkgconfig/$1.pc" <<EOF
prefix=\${pcfiledir}/../..
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: $1
Description: $1 cross-built for $TRIPLE from Debian's source package (crashsig)
Version: $2
Cflags: $3
Libs: $4
EOF
}

main() {
    mkdir -p "$PREFIX/lib/pkgconfig" "$PREFIX/include"
    PREFIX=$(cd "$PREFIX" && pwd)
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/crashsig-windows-deps.XXXXXX")
    trap 'rm -rf "$WORK"' EXIT
    cd "$WORK"
    # apt fetches as _apt when run as root; give it a folder it may write to
    if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$WORK"; fi

    # each source_of prints "package version": split into six words on purpose
    # shellcheck disable=SC2046
    set -- $(source_of libevtx-dev) $(source_of libbfio-dev) $(source_of libcjson-dev)
    evtx_pkg=$1 evtx_ver=$2 bfio_pkg=$3 bfio_ver=$4 cjson_pkg=$5 cjson_ver=$6
    say "sources: $evtx_pkg $evtx_ver, $bfio_pkg $bfio_ver, $cjson_pkg $cjson_ver"
    fetch_sources "$evtx_pkg=$evtx_ver" "$bfio_pkg=$bfio_ver" "$cjson_pkg=$cjson_ver"
    make_header_shims "$WORK/shims"

    build_libevtx "$(dsc_of "$evtx_pkg")"
    install_libbfio_headers "$(dsc_of "$bfio_pkg")"
    build_cjson "$(dsc_of "$cjson_pkg")"

    upstream() { echo "$1" | sed 's/^[0-9]*://; s/-[^-]*$//'; }
    # LIBEVTX_HAVE_BFIO: libevtx.h declares its libbfio functions only when told that libbfio is
    # there; the Linux headers say so themselves, the mingw ones only for builds with WINAPI off.
    write_pc libevtx "$(upstream "$evtx_ver")" '-I${includedir} -DLIBEVTX_HAVE_BFIO=1' \
        '-L${libdir} -levtx'
    write_pc libbfio "$(upstream "$bfio_ver")" '-I${includedir}' '-L${libdir} -levtx'
    write_pc libcjson "$(upstream "$cjson_ver")" \
        '-I${includedir} -I${includedir}/cjson -DCJSON_HIDE_SYMBOLS' '-L${libdir} -lcjson'
    say "done: $PREFIX"
}

main
