"""What a scene writes besides its video: the camera config and the ground truth.

The config is the DESIGN.md camera contract (validated by ``edge.config.camera``);
the ground truth lists every throw (release floor/column, times, per-frame image
trajectory, per-frame visibility and whether enough of the fall was visible for the
default alarm rule) and every distractor (class, times). Floats are rounded so the
files are byte-identical for a seed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from edge.synth.backdrop import Backdrop, render_backdrop
from edge.synth.canvas import RenderContext
from edge.synth.distractors.tree_sway import TreeSway
from edge.synth.scene import SceneSpec
from edge.synth.throws import (
    OBSERVABLE_MAX_GAP_S,
    OBSERVABLE_MIN_DESCENT_FLOORS,
    VISIBLE_MAX_TREE_COVER,
    VISIBLE_MIN_CONTRAST_GREY,
)


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


def tree_cover(spec: SceneSpec, backdrop: Backdrop) -> Callable[[int, float, float], float]:
    """Tree coverage 0-1 at (x_px, y_px) of frame i, in the frame's (shaken) px.

    The same layer the renderer paints over sprites: the backdrop's trees, swayed by
    the last active tree_sway (as the SCENERY stage leaves them), moved with the shake.
    """
    layer = backdrop.trees
    sways = [d for d in spec.distractors if isinstance(d, TreeSway)]

    @functools.lru_cache(maxsize=2)
    def alpha_of(i: int) -> np.ndarray:
        assert layer is not None
        t_s, alpha = i / spec.fps, layer.alpha
        for sway in sways:
            if sway.active(t_s):
                alpha = sway.swayed(layer, t_s)[1]
        return alpha

    def cover_at(i: int, x_px: float, y_px: float) -> float:
        if layer is None:
            return 0.0
        alpha = alpha_of(i)
        dx, dy = spec.shift_px(i)
        col = round(x_px) - (layer.x0 - backdrop.pad_px + dx)
        row = round(y_px) - (layer.y0 - backdrop.pad_px + dy)
        if not (0 <= row < alpha.shape[0] and 0 <= col < alpha.shape[1]):
            return 0.0
        return float(alpha[row, col])

    return cover_at


def ground_truth(spec: SceneSpec, video_signal: Mapping[int, Mapping[int, float]] | None = None) -> dict[str, Any]:
    """The scene's ground truth. Draws the static backdrop again (deterministic from the
    spec, on its own random stream) for the throws' visibility; renders no frame.

    ``video_signal``: per throw index in ``spec.throws``, per frame index, the grey
    levels by which the throw stands out in the encoded video (edge.synth.seen). Without
    it, visibility is judged from the throws' drawn colours.
    """
    cam = spec.camera
    backdrop = render_backdrop(spec.backdrop_rng, spec.layout, cam, spec.lighting, spec.trees)
    ctx = RenderContext(cam, spec.lighting, backdrop, spec.fps, spec.duration_s)
    cover = tree_cover(spec, backdrop)
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
        "visibility_rule": {
            "min_contrast_grey": VISIBLE_MIN_CONTRAST_GREY,
            "contrast_in": "drawn colour" if video_signal is None else "encoded video",
            "max_tree_cover": VISIBLE_MAX_TREE_COVER,
            "min_descent_floors": OBSERVABLE_MIN_DESCENT_FLOORS,
            "max_gap_s": OBSERVABLE_MAX_GAP_S,
        },
        "throws": [
            {
                **t.truth(cam, spec.fps, spec.n_frames, spec.shift_px, spec.facade_name),
                **t.visibility(ctx, spec.n_frames, spec.shift_px, cover, spec.layout.floor_height_m,
                               None if video_signal is None else video_signal.get(k, {})),
            }
            for k, t in enumerate(spec.throws)
        ],
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
