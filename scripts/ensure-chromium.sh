#!/bin/sh
# Install Debian's Chromium for the page tests when it is missing (CI runs as root).
# Playwright drives it with executable_path=/usr/bin/chromium: no browser download.
set -eu
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "chromium is missing: run 'sudo apt-get install -y chromium'" >&2
    exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
