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
# Test workers may run two of these scripts at once, and apt takes one at a time: wait for
# the other (and for any other apt, up to five minutes) instead of failing on its lock.
exec 9>/tmp/insigne-apt.lock
flock 9
apt-get -o DPkg::Lock::Timeout=300 update -qq
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium fonts-dejavu-core >/dev/null
