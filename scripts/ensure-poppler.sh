#!/bin/sh
# Install Debian's poppler-utils (pdfinfo, pdftoppm) for the attestation tests when missing
# (CI runs as root): they read the PDF's pages and render them to pictures.
set -eu
if command -v pdftoppm >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "poppler-utils is missing: run 'sudo apt-get install -y poppler-utils'" >&2
    exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null
