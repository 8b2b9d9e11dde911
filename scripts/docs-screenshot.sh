#!/bin/sh
# scripts/docs-screenshot.sh - the picture of the HTML report that README.md shows:
# docs/demo-report.png, the demo logs' report (fixtures/demo-System.evtx and demo.evtx) as
# headless Chromium draws it at 1200 x 1500 pixels.  Run it after a change to the HTML report and commit the PNG with
# the change; nobody edits the picture by hand.
#
#   scripts/docs-screenshot.sh [BUILD-DIR]   (default build/, configured and built if needed)
#
# Needs the Debian package chromium (./dev deps installs it).  Not for: tests
# (tests/test_report_html.c renders the demo and checks what it shows).
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$repo/build}
command -v chromium >/dev/null || {
    echo "docs-screenshot.sh: chromium is missing (Debian package chromium; ./dev deps)" >&2
    exit 2
}
[ -x "$build/crashsig" ] || {
    cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build" --target crashsig >/dev/null
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# exit status 1 means crashes were found, which the demo has
"$build/crashsig" scan --format html -o "$work/demo.html" "$repo/fixtures/demo-System.evtx" \
    "$repo/fixtures/demo.evtx" || [ $? -eq 1 ]
mkdir "$work/profile"
chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$work/profile" --window-size=1200,1500 \
    --screenshot="$repo/docs/demo-report.png" "file://$work/demo.html" 2>/dev/null
echo "wrote docs/demo-report.png"
