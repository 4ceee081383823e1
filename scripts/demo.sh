#!/usr/bin/env bash
# The product on one machine: set up (see setup.sh), then `fallwatch demo`: a server,
# a demo admin with a random password, two simulated cameras streaming synthesized
# scenes with throws to two edge nodes. Open the printed URL, log in with the printed
# login; events with anonymised clips appear within a minute. Ctrl-C stops everything.
# Arguments go to `fallwatch demo` (e.g. --http 0.0.0.0:8080, --data-dir DIR, --scenes N).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/fallwatch demo "$@"
