"""What a scene writes besides its video: the camera config and the ground truth.

The config is the DESIGN.md camera contract (validated by ``edge.config.camera``);
the ground truth lists every throw (release floor/column, times, per-frame image
trajectory) and every distractor (class, times). Floats are rounded so the files are
byte-identical for a seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from edge.synth.backdrop import Backdrop
from edge.synth.scene import SceneSpec


def facade_corners_px(spec: SceneSpec) -> list[list[float]]:
    """TL, TR, BR, BL image px of the facade rectangle, rounded to 0.1 px."""
    w, h = spec.layout.width_m, spec.layout.height_m
    px, _ = spec.camera.project([[0, h, 0], [w, h, 0], [w, 0, 0], [0, 0, 0]])
    return [[round(float(x), 1), round(float(y), 1)] for x, y in px]


def camera_config(spec: SceneSpec, video_name: str, backdrop: Backdrop) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "camera_id": spec.camera_id,
        "source": video_name,
        "facades": [
            {
                "name": spec.facade_name,
                "corners": facade_corners_px(spec),
                "floors": spec.layout.floors,
                "columns": spec.layout.columns,
                "floor_height_m": round(spec.layout.floor_height_m, 3),
                "width_m": round(spec.layout.width_m, 3),
            }
        ],
    }
    masks = [[[round(float(x), 1), round(float(y), 1)] for x, y in poly] for poly in backdrop.tree_masks_px]
    if masks:
        cfg["masks"] = masks
    return cfg


def ground_truth(spec: SceneSpec) -> dict[str, Any]:
    cam = spec.camera
    return {
        "scene_id": spec.scene_id,
        "seed": spec.seed,
        "index": spec.index,
        "width": spec.width,
        "height": spec.height,
        "fps": spec.fps,
        "n_frames": spec.n_frames,
        "duration_s": spec.duration_s,
        "lighting": spec.lighting.mode,
        "distractor_only": spec.distractor_only,
        "camera": {
            "distance_m": round(cam.distance_m, 3),
            "height_m": round(cam.height_m, 3),
            "x_m": round(cam.x_m, 3),
            "pitch_deg": round(cam.pitch_deg, 3),
            "yaw_deg": round(cam.yaw_deg, 3),
            "roll_deg": round(cam.roll_deg, 3),
            "focal_px": round(cam.focal_px, 2),
        },
        "facades": [
            {
                "name": spec.facade_name,
                "floors": spec.layout.floors,
                "columns": spec.layout.columns,
                "floor_height_m": round(spec.layout.floor_height_m, 3),
                "width_m": round(spec.layout.width_m, 3),
            }
        ],
        "exposure_s": round(spec.lighting.exposure_s, 5),
        "throws": [t.truth(cam, spec.fps, spec.n_frames, spec.shift_px, spec.facade_name) for t in spec.throws],
        "distractors": [d.truth() for d in spec.distractors],
    }


def to_json_ready(obj: Any) -> Any:
    """Numpy scalars to Python numbers, recursively (json cannot write numpy types)."""
    if isinstance(obj, dict):
        return {k: to_json_ready(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_json_ready(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj
