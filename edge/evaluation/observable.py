"""Which throws the detector could have caught: visible to the camera and watched.

The synth's truth marks, frame by frame, where a throw is visible (in the image, not
behind a tree, with some contrast). The camera config decides what is watched: the
facade polygons minus the masks (installers mask the tree crowns). A throw counts as
observable when its visible and watched sightings span the alarm rule's descent.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from edge.config.camera import CameraConfig
from edge.geometry.facade import Facade
from edge.motion.region import watched_region


def mark_observable(throws: list[dict[str, Any]], config: CameraConfig, width_px: int, height_px: int,
                    min_descent_floors: float) -> None:
    """Set each throw's ``observable`` (in place) from its ``visible`` flags and the config."""
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
        floors = 0.0
        if seen.any():
            y_m = facade.to_metres(traj[seen, 1:3])[:, 1]
            floors = float(np.ptp(y_m)) / facade.floor_height_m
        throw["watched_descent_floors"] = round(floors, 3)
        throw["observable"] = bool(floors >= min_descent_floors)
