#!/usr/bin/env bash
# The main job on embedded defaults: set up, synthesize sample scenes with ground
# truth, detect throws in one of them (JSON events on stdout) and score all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
OUT=${1:-out/demo}
.venv/bin/fallwatch synth "$OUT" --scenes 4 --seed 2026 --resolution 1280x720
echo "--- events of $OUT/scene_0000.mp4:"
.venv/bin/fallwatch detect "$OUT/scene_0000.mp4" --config "$OUT/scene_0000.yaml"
echo "--- evaluation of all scenes in $OUT:"
.venv/bin/fallwatch eval "$OUT"
