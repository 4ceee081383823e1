"""Helpers shared by the synth tests."""

from __future__ import annotations

from edge.config.camera import FacadeConfig, parse_camera_config
from edge.geometry.facade import Facade
from edge.synth.scene import SceneSpec
from edge.synth.truth import facade_corners_px


def spec_facade_config(spec: SceneSpec) -> FacadeConfig:
    """The facade of a scene spec as a validated config, unrounded (the YAML rounds)."""
    return parse_camera_config(
        {
            "camera_id": "t",
            "source": "x.mp4",
            "facades": [
                {
                    "name": "f",
                    "corners": facade_corners_px(spec),
                    "floors": spec.layout.floors,
                    "columns": spec.layout.columns,
                    "floor_height_m": spec.layout.floor_height_m,
                    "width_m": spec.layout.width_m,
                }
            ],
        }
    ).facades[0]


def spec_facade(spec: SceneSpec) -> Facade:
    return Facade(spec_facade_config(spec))
