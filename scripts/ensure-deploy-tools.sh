#!/bin/sh
# Install Debian's nginx and docker-compose for the deployment tests when missing (CI runs as
# root): nginx is the reverse proxy the topology test runs, docker-compose validates
# compose.yaml (`docker-compose config` needs no Docker engine).
set -eu
missing=""
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx"
command -v docker-compose >/dev/null 2>&1 || missing="$missing docker-compose"
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
# The test starts nginx itself, on 127.0.0.1 ports: the package must not start its own.
DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get -o DPkg::Lock::Timeout=300 install -y -qq $missing >/dev/null
