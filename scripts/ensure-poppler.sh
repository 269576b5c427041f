#!/bin/sh
# Install what the attestation tests need from Debian when missing (CI runs as root):
# poppler-utils (pdfinfo, pdftoppm) reads the PDF's pages and renders them to pictures, and
# libharfbuzz-subset0 is the font subsetter WeasyPrint asks for (without it, it warns on
# import, and the suite turns warnings into errors).
set -eu
missing=""
if ! command -v pdftoppm >/dev/null 2>&1 || ! command -v pdfinfo >/dev/null 2>&1; then
    missing="poppler-utils"
fi
if ! ldconfig -p | grep -q 'libharfbuzz-subset\.so\.0'; then
    missing="$missing libharfbuzz-subset0"
fi
if [ -z "$missing" ]; then
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "missing:$missing: run 'sudo apt-get install -y$missing'" >&2
    exit 1
fi
# Test workers may run two of these scripts at once, and apt takes one at a time: wait for
# the other (and for any other apt, up to five minutes) instead of failing on its lock.
exec 9>/tmp/insigne-apt.lock
flock 9
apt-get -o DPkg::Lock::Timeout=300 update -qq
# shellcheck disable=SC2086 # one word per package
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq $missing >/dev/null
