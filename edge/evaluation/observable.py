"""Which throws the detector could have caught: visible to the camera and watched.

The synth's truth marks, frame by frame, where a throw is visible (in the image, not
behind a tree, standing out in the encoded video). The camera config decides what is
watched: the facade polygons minus the masks (installers mask the tree crowns). A throw
counts as observable when, within one stretch of visible and watched sightings (gaps up
to the rule's ``max_gap_s``), it descends the alarm rule's distance.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from edge.config.camera import CameraConfig
from edge.geometry.facade import Facade
from edge.motion.region import watched_region
from edge.synth.seen import seen_descent


def mark_observable(throws: list[dict[str, Any]], config: CameraConfig, width_px: int, height_px: int,
                    rule: dict[str, Any], fps: float) -> None:
    """Set each throw's ``observable`` (in place) from its ``visible`` flags, the config
    and the truth's visibility rule (truths older than ``max_gap_s`` allow any gap)."""
    max_gap_s = rule.get("max_gap_s")
    max_gap_frames = round(float(max_gap_s) * fps) if max_gap_s is not None else 1 << 30
    region = watched_region(config, width_px, height_px).mask
    facades = {f.name: Facade(f) for f in config.facades}
    for throw in throws:
        if "visible" not in throw:
            continue
        traj = np.asarray(throw["trajectory"], np.float64).reshape(-1, 3)
        xi, yi = np.round(traj[:, 1]).astype(int), np.round(traj[:, 2]).astype(int)
        inside = (xi >= 0) & (xi < width_px) & (yi >= 0) & (yi < height_px)
        watched = np.zeros(len(traj), bool)
        watched[inside] = region[yi[inside], xi[inside]] > 0
        seen = watched & np.asarray(throw["visible"], bool)
        facade = facades.get(throw.get("facade", ""), next(iter(facades.values())))
        floors = seen_descent(facade.to_metres(traj[:, 1:3])[:, 1], seen, max_gap_frames) / facade.floor_height_m
        throw["watched_descent_floors"] = round(floors, 3)
        throw["observable"] = bool(floors >= rule["min_descent_floors"])
