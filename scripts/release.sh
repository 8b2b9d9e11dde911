#!/bin/sh
# release.sh - build the release artifacts into dist/:
#
#   dist/crashsig                    Linux x86-64 binary (Release, stripped; needs libevtx1,
#                                    libbfio1, libcjson1 from Debian)
#   dist/crashsig_VERSION_amd64.deb  the same as a Debian package (CPack), with the man page
#   dist/crashsig.1                  the man page
#   dist/crashsig.exe                Windows x64, static (scripts/build-windows.sh)
#   dist/licenses/                   the licences of crashsig and of the libraries in the .exe
#   dist/install-crashsig-task.ps1, crashsig-scan.xml, crashsig-alert.xml, alert.cmd,
#   dist/README-windows.md           the scheduled task for IIS hosts (contrib/windows/)
#   dist/SHA256SUMS                  sha256sum of all of the above (sha256sum -c SHA256SUMS)
#
# Usage: scripts/release.sh  (CRASHSIG_DIST=DIR to write elsewhere).  Only Debian packages are
# used; the Windows libraries come from Debian source packages (docs/windows.md).
set -eu

cd "$(dirname "$0")/.."
DIST=${CRASHSIG_DIST:-$PWD/dist}
BUILD=${CRASHSIG_RELEASE_BUILD:-$PWD/build-release}
JOBS=$(nproc 2>/dev/null || echo 2)

say() { echo "release: $*" >&2; }

./dev deps
rm -rf "$DIST"
mkdir -p "$DIST"

# Windows first: it also installs dpkg-dev, whose dpkg-shlibdeps CPack uses for the .deb's
# dependencies.
CRASHSIG_DIST="$DIST" sh scripts/build-windows.sh

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCRASHSIG_TESTS=OFF -DCRASHSIG_PACKAGE=ON \
    >/dev/null
cmake --build "$BUILD" -j "$JOBS" >/dev/null
strip -o "$DIST/crashsig" "$BUILD/crashsig"
cp docs/crashsig.1 "$DIST/"
(cd "$BUILD" && rm -f ./*.deb && cpack -G DEB >/dev/null)
cp "$BUILD"/*.deb "$DIST/"

for f in install-crashsig-task.ps1 crashsig-scan.xml crashsig-alert.xml alert.cmd; do
    cp "contrib/windows/$f" "$DIST/"
done
cp contrib/windows/README.md "$DIST/README-windows.md"

(cd "$DIST" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort |
    xargs sha256sum >SHA256SUMS)
say "artifacts in $DIST:"
(cd "$DIST" && ls -lR) >&2
