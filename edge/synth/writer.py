"""Write a scene to disk: scene_NNNN.mp4, scene_NNNN.yaml (camera config), scene_NNNN.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from edge.synth.encode import H264Writer
from edge.synth.render import SceneRenderer
from edge.synth.scene import SceneSpec
from edge.synth.truth import camera_config, ground_truth, to_json_ready


@dataclass(frozen=True)
class ScenePaths:
    video: Path
    config: Path
    truth: Path


def write_scene(spec: SceneSpec, outdir: str | Path, threads: int = 0) -> ScenePaths:
    """Render, encode and describe one scene in outdir (created if missing)."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    paths = ScenePaths(out / f"{spec.scene_id}.mp4", out / f"{spec.scene_id}.yaml", out / f"{spec.scene_id}.json")
    renderer = SceneRenderer(spec)
    tmp = paths.video.with_suffix(".mp4.part")
    with H264Writer(tmp, spec.width, spec.height, spec.fps, spec.crf, threads=threads) as writer:
        for frame in renderer.frames():
            writer.write(frame)
    tmp.replace(paths.video)
    cfg = camera_config(spec, paths.video.name, renderer.backdrop)
    paths.config.write_text(yaml.safe_dump(to_json_ready(cfg), sort_keys=False), encoding="utf-8")
    truth = to_json_ready(ground_truth(spec))
    paths.truth.write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return paths


def write_index(outdir: str | Path, seed: int, specs: list[SceneSpec]) -> Path:
    """OUTDIR/index.json: the set's seed and one line per scene."""
    path = Path(outdir) / "index.json"
    index = {
        "seed": seed,
        "scenes": [
            {
                "scene_id": s.scene_id,
                "video": f"{s.scene_id}.mp4",
                "config": f"{s.scene_id}.yaml",
                "truth": f"{s.scene_id}.json",
                "lighting": s.lighting.mode,
                "distractor_only": s.distractor_only,
                "throws": len(s.throws),
                "distractors": sorted({d.cls for d in s.distractors}),
            }
            for s in specs
        ],
    }
    path.write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")
    return path
