#!/usr/bin/env bash
# Set up (see setup.sh) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
FALLWATCH_EXTRAS=${FALLWATCH_EXTRAS:-test,server} bash scripts/setup.sh
.venv/bin/ruff check edge server fallwatch tests bench
exec .venv/bin/python -m pytest -q "$@"
