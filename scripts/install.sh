#!/usr/bin/env bash
# Set up stridescope on a fresh machine: system packages (when run as root with apt),
# a virtual environment in .venv, and the package with its video extra.
#   bash scripts/install.sh          # what the demo needs
#   bash scripts/install.sh --dev    # plus the test tools (what .ci/run uses)
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: espeak-ng speaks the lesson audio, lame encodes MP3.
APT_PACKAGES=(espeak-ng lame)
# The browser test of the HTML report needs Chromium (only with --dev).
if [ "${1:-}" = "--dev" ]; then APT_PACKAGES+=(chromium fonts-dejavu-core); fi
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing system packages: ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "note: install these system packages for lesson audio: ${missing[*]}" >&2
  fi
fi

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then "$PYTHON" -m venv .venv; fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "${1:-}" = "--dev" ]; then
  .venv/bin/python -m pip install --quiet -e ".[video,dev]"
else
  .venv/bin/python -m pip install --quiet -e ".[video]"
fi
