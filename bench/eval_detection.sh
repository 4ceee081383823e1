#!/usr/bin/env bash
# Detection quality on a fresh synthesized set (the issue's targets): 42 scenes
# mixing 1280x720, 1920x1080 and 2560x1440, a third of them distractor-only, with
# a seed that was never used while tuning. Prints the eval table; the JSON report
# lands next to the scenes.
#
#   bash bench/eval_detection.sh [SEED] [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
SEED=${1:-777001}
OUT=${2:-out/eval-$SEED}
FW=.venv/bin/fallwatch
n=0
for res in 1280x720 1920x1080 2560x1440; do
  if [ ! -f "$OUT/.done-$res" ]; then
    $FW synth "$OUT" --scenes 14 --first-index $n --seed "$SEED" --resolution "$res" --duration 12
    touch "$OUT/.done-$res"
  fi
  n=$((n + 14))
done
$FW eval "$OUT" --jobs "${JOBS:-1}" --json "$OUT/report.json"
