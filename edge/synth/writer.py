"""Write a scene to disk: scene_NNNN.mp4, scene_NNNN.yaml (camera config), scene_NNNN.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from edge.sources.video_file import VideoFileSource
from edge.synth.encode import H264Writer
from edge.synth.render import SceneRenderer
from edge.synth.scene import SceneSpec, make_scene_spec
from edge.synth.seen import SpriteTrace
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
    trace = SpriteTrace()
    tmp = paths.video.with_suffix(".mp4.part")
    with H264Writer(tmp, spec.width, spec.height, spec.fps, spec.crf, threads=threads) as writer:
        for frame in renderer.frames(trace):
            writer.write(frame)
    tmp.replace(paths.video)
    cfg = camera_config(spec, paths.video.name, renderer.backdrop)
    paths.config.write_text(yaml.safe_dump(to_json_ready(cfg), sort_keys=False), encoding="utf-8")
    _write_truth(spec, trace, paths)
    return paths


def rewrite_truth(truth_path: str | Path) -> ScenePaths:
    """Derive a written scene's ground truth again, from its spec and its video as encoded.

    For sets synthesized before the truth measured visibility in the video. The spec is
    made again from the truth's seed, index, size, duration and rate, as `fallwatch synth`
    makes it; the video is rendered again but not encoded: the written one is decoded.
    Raises ValueError when the spec made again is not the scene's (another renderer).
    """
    path = Path(truth_path)
    paths = ScenePaths(path.with_suffix(".mp4"), path.with_suffix(".yaml"), path)
    old = json.loads(path.read_text())
    spec = make_scene_spec(int(old["seed"]), int(old["index"]), int(old["width"]), int(old["height"]),
                           float(old["duration_s"]), float(old["fps"]), distractor_only=bool(old["distractor_only"]))
    again = [t.truth(spec.camera, spec.fps, spec.n_frames, spec.shift_px, spec.facade_name) for t in spec.throws]
    if to_json_ready([t["trajectory"] for t in again]) != [t["trajectory"] for t in old["throws"]]:
        raise ValueError(f"{path}: the scene made again from its seed does not match it (another renderer?)")
    trace = SpriteTrace()
    for _ in SceneRenderer(spec).frames(trace):
        pass
    _write_truth(spec, trace, paths)
    return paths


def _write_truth(spec: SceneSpec, trace: SpriteTrace, paths: ScenePaths) -> None:
    """The truth file, its visibility measured in the encoded video at ``paths.video``."""
    source = VideoFileSource(paths.video)
    try:
        signal = trace.signals(frame.gray for frame in source)
    finally:
        source.close()
    truth = to_json_ready(ground_truth(spec, signal))
    # Whole or not at all: an evaluation may be reading the folder while it is rewritten.
    tmp = paths.truth.with_suffix(".json.part")
    tmp.write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    tmp.replace(paths.truth)


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
