#!/usr/bin/env bash
# Set up everything fallwatch needs on a fresh Debian machine: system packages,
# a virtual environment in .venv and the project with its extras. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v ffmpeg >/dev/null 2>&1 || true  # PyAV wheels bundle FFmpeg; nothing to install
if [ "${FALLWATCH_SKIP_APT:-0}" != "1" ] && command -v apt-get >/dev/null 2>&1; then
  for pkg in ${FALLWATCH_APT_PACKAGES:-postgresql chromium}; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
  done
  if [ ${#need_apt[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
  fi
fi

PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for cand in python3.11 python3.12 python3.13 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      PY=$cand; break
    fi
  done
fi
[ -n "$PY" ] || { echo "setup: Python >= 3.11 is required" >&2; exit 1; }
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
# Playwright drives Debian's Chromium (apt above); it must never download a browser.
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 .venv/bin/python -m pip install -q -e ".[${FALLWATCH_EXTRAS:-test,server}]"
