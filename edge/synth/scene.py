"""A scene specification: everything random about a scene, drawn once from its seed.

``make_scene_spec(seed, index, ...)`` is deterministic: the same arguments give the
same scene. Each part draws from its own named stream (see ``edge.synth.rng``), so an
override of one part (say ``distractors=["bird"]``) leaves the rest unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from edge.synth.camera import PinholeCamera, place_camera
from edge.synth.distractors import SAMPLERS, WEIGHTS, Distractor, DistractorUnavailable, SceneFacts
from edge.synth.facade_layout import FacadeLayout, sample_facade_layout
from edge.synth.lighting import Lighting, sample_lighting
from edge.synth.objects import KINDS
from edge.synth.rng import stream
from edge.synth.throws import Throw, ThrowPlanError, ThrowRequest, plan_throw
from edge.synth.trees import TreeSpec, sample_trees

FIRST_RELEASE_S = 1.5  # no throw before this
END_MARGIN_S = 0.5  # every throw is over this long before the video ends
THROW_GAP_S = 0.3  # between one throw's end and the next release
MIN_DURATION_S = 3.0
MAX_SHAKE_PX = 6

OVERRIDES = {
    "lighting": "'day', 'dusk' or 'night_ir'",
    "n_throws": "number of throws (0-3; 0 only makes sense with distractor_only)",
    "throw_kind": "'compact' or 'light' for every throw",
    "throw_class": "one object class for every throw, e.g. 'bottle'",
    "throw_size_px": "target projected size at release, px",
    "min_size_px": "smallest projected size at release, px (default 1)",
    "throw_floor": "release floor (>= 3)",
    "throw_column": "release column",
    "distractors": "exact list of distractor classes, e.g. ['bird']",
    "n_distractors": "number of randomly chosen distractors",
    "floors": "facade storeys",
    "columns": "facade window columns",
    "distance_m": "camera distance from the facade",
    "trees": "True/False: trees at the foot",
    "crf": "H.264 constant rate factor (18-35)",
    "noise_sigma": "luma noise before compression, grey levels (0-20; default by lighting)",
}


class SceneSpecError(ValueError):
    """Scene parameters that cannot make a scene; the message says which and why."""


@dataclass(frozen=True)
class SceneSpec:
    seed: int
    index: int
    width: int
    height: int
    fps: float
    duration_s: float
    distractor_only: bool
    lighting: Lighting
    layout: FacadeLayout
    camera: PinholeCamera
    trees: tuple[TreeSpec, ...]
    throws: tuple[Throw, ...]
    distractors: tuple[Distractor, ...]
    crf: int
    facade_name: str = "facade"

    @property
    def scene_id(self) -> str:
        return f"scene_{self.index:04d}"

    @property
    def camera_id(self) -> str:
        return f"synth-{self.index:04d}"

    @property
    def n_frames(self) -> int:
        return round(self.duration_s * self.fps)

    @property
    def noise_rng(self) -> np.random.Generator:
        return stream(self.seed, self.index, "noise")

    @property
    def backdrop_rng(self) -> np.random.Generator:
        return stream(self.seed, self.index, "backdrop")

    def without_throws(self) -> SceneSpec:
        """The same scene, frame for frame, with nothing thrown."""
        return replace(self, throws=())

    def shift_px(self, frame_index: int) -> tuple[int, int]:
        """Camera shake of a frame: where image content has moved, px."""
        dx = dy = 0
        for d in self.distractors:
            sx, sy = d.shift_px(frame_index)
            dx, dy = dx + sx, dy + sy
        # Overlapping shakes must still fit inside the backdrop's margin.
        return max(-MAX_SHAKE_PX, min(MAX_SHAKE_PX, dx)), max(-MAX_SHAKE_PX, min(MAX_SHAKE_PX, dy))

    def facts(self) -> SceneFacts:
        return SceneFacts(self.camera, self.layout, self.lighting, self.trees, self.duration_s, self.fps)


def _check_basics(width: int, height: int, duration_s: float, fps: float) -> None:
    if width < 64 or height < 64 or width % 2 or height % 2:
        raise SceneSpecError(f"resolution {width}x{height}: width and height must be even and >= 64 px")
    if not 1.0 <= fps <= 120.0:
        raise SceneSpecError(f"fps {fps}: must be between 1 and 120")
    if not MIN_DURATION_S <= duration_s <= 600.0:
        raise SceneSpecError(f"duration {duration_s} s: must be between {MIN_DURATION_S} and 600 s")


def make_scene_spec(
    seed: int,
    index: int,
    width: int,
    height: int,
    duration_s: float,
    fps: float,
    distractor_only: bool = False,
    **overrides: object,
) -> SceneSpec:
    """Draw scene ``index`` of the set made with ``seed``. See OVERRIDES for the keywords."""
    unknown = sorted(set(overrides) - set(OVERRIDES))
    if unknown:
        raise SceneSpecError(f"unknown scene override(s): {', '.join(unknown)}; known: {', '.join(sorted(OVERRIDES))}")
    _check_basics(width, height, duration_s, fps)
    o = overrides
    lighting = sample_lighting(stream(seed, index, "lighting"), o.get("lighting"))  # type: ignore[arg-type]
    if o.get("noise_sigma") is not None:
        sigma = float(o["noise_sigma"])  # type: ignore[arg-type]
        if not 0.0 <= sigma <= 20.0:
            raise SceneSpecError(f"noise_sigma {sigma}: must be between 0 and 20 grey levels")
        lighting = replace(lighting, noise_sigma=sigma)
    try:
        layout = sample_facade_layout(stream(seed, index, "layout"), o.get("floors"), o.get("columns"))  # type: ignore[arg-type]
    except ValueError as exc:
        raise SceneSpecError(str(exc)) from None
    distance = o.get("distance_m")
    if distance is not None and not 5.0 <= float(distance) <= 200.0:  # type: ignore[arg-type]
        raise SceneSpecError(f"distance_m {distance}: must be between 5 and 200 m")
    camera = place_camera(stream(seed, index, "camera"), layout.width_m, layout.height_m, width, height, distance)  # type: ignore[arg-type]
    trees = sample_trees(stream(seed, index, "trees"), layout.width_m, camera, o.get("trees"))  # type: ignore[arg-type]
    if "tree_sway" in (o.get("distractors") or ()) and not trees:
        trees = sample_trees(stream(seed, index, "trees"), layout.width_m, camera, True)
    crf = int(o.get("crf", 26))  # type: ignore[call-overload]
    if not 18 <= crf <= 35:
        raise SceneSpecError(f"crf {crf}: must be between 18 and 35")
    spec = SceneSpec(
        seed,
        index,
        width,
        height,
        float(fps),
        float(duration_s),
        bool(distractor_only),
        lighting,
        layout,
        camera,
        trees,
        (),
        (),
        crf,
    )
    throws = _plan_throws(spec, o)
    distractors = _plan_distractors(spec, o)
    return replace(spec, throws=throws, distractors=distractors)


def _plan_throws(spec: SceneSpec, o: dict[str, object]) -> tuple[Throw, ...]:
    rng = stream(spec.seed, spec.index, "throws")
    requested = o.get("n_throws")
    if requested is None:
        n = 0 if spec.distractor_only else int(rng.integers(1, 4))
    else:
        n = int(requested)  # type: ignore[call-overload]
        if not 0 <= n <= 3:
            raise SceneSpecError(f"n_throws {n}: must be between 0 and 3")
        if n and spec.distractor_only:
            raise SceneSpecError("n_throws > 0 contradicts distractor_only=True")
    kind = o.get("throw_kind")
    if kind is not None and kind not in KINDS:
        raise SceneSpecError(f"throw_kind {kind!r}: must be one of {', '.join(KINDS)}")
    request = ThrowRequest(
        kind=kind,
        cls=o.get("throw_class"),
        size_px=o.get("throw_size_px"),  # type: ignore[arg-type]
        floor=o.get("throw_floor"),
        column=o.get("throw_column"),  # type: ignore[arg-type]
        min_size_px=float(o.get("min_size_px", 1.0)),
    )  # type: ignore[arg-type]
    if not 1.0 <= request.min_size_px <= 15.0:
        raise SceneSpecError(f"min_size_px {request.min_size_px}: must be between 1 and 15 px")
    if request.size_px is not None and not 0.5 <= request.size_px <= 40.0:
        raise SceneSpecError(f"throw_size_px {request.size_px}: must be between 0.5 and 40 px")
    available = spec.duration_s - END_MARGIN_S - FIRST_RELEASE_S
    planned: list[Throw] = []
    used = 0.0
    for k in range(n):
        room = available - used - THROW_GAP_S * k
        if room < 0.4:
            break
        try:
            planned.append(plan_throw(rng, f"throw-{k}", spec.layout, spec.camera, spec.lighting, room, request))
        except (ThrowPlanError, ValueError) as exc:
            if k == 0:
                raise SceneSpecError(f"{spec.scene_id}: {exc}") from None
            break
        used += planned[-1].flight_visible_s
    if not planned:
        return ()
    # Spread the spare time randomly before, between and after the throws.
    slack = max(0.0, available - used - THROW_GAP_S * (len(planned) - 1))
    gaps = rng.dirichlet(np.ones(len(planned) + 1)) * slack
    out: list[Throw] = []
    t = FIRST_RELEASE_S + gaps[0]
    for throw, gap in zip(planned, gaps[1:], strict=True):
        release = math.ceil(t * 1000) / 1000  # whole milliseconds keep the JSON exact
        out.append(replace(throw, t_release_s=release))
        t = release + throw.flight_visible_s + THROW_GAP_S + gap
    # Each release is rounded up to a whole millisecond and the next one is scheduled
    # from it, so the schedule may run up to 1 ms per throw into the end margin.
    if out[-1].t_end_s > spec.duration_s - END_MARGIN_S + 1e-3 * len(out):
        raise AssertionError("throw schedule overran the video")  # a planning bug, not bad input
    return tuple(out)


def _plan_distractors(spec: SceneSpec, o: dict[str, object]) -> tuple[Distractor, ...]:
    rng = stream(spec.seed, spec.index, "distractors")
    facts = spec.facts()
    wanted = o.get("distractors")
    if wanted is not None:
        names = list(wanted)  # type: ignore[call-overload]
        bad = [n for n in names if n not in SAMPLERS]
        if bad:
            raise SceneSpecError(f"unknown distractor class(es) {bad}; known: {', '.join(SAMPLERS)}")
        out = []
        for k, name in enumerate(names):
            try:
                out.append(SAMPLERS[name](stream(spec.seed, spec.index, f"distractor-{k}-{name}"), facts))
            except DistractorUnavailable as exc:
                raise SceneSpecError(f"{spec.scene_id}: distractor {name!r}: {exc}") from None
        return tuple(out)
    n_req = o.get("n_distractors")
    if n_req is not None:
        n = int(n_req)  # type: ignore[call-overload]
    else:
        n = int(rng.integers(2, 6)) if spec.distractor_only else int(rng.integers(0, 4))
    names = [c for c in SAMPLERS if c != "ir_switch" or spec.lighting.mode != "night_ir"]
    if not spec.trees:
        names.remove("tree_sway")
    out: list[Distractor] = []
    k = 0
    while len(out) < n and names:
        # One of each global effect at most: two IR switches or two cloud shadows add nothing.
        pool = [
            c
            for c in names
            if c not in {"ir_switch", "cloud_shadow", "tree_sway", "rain"} or all(d.cls != c for d in out)
        ]
        p = np.array([WEIGHTS[c] for c in pool])
        name = pool[int(rng.choice(len(pool), p=p / p.sum()))]
        try:
            out.append(SAMPLERS[name](stream(spec.seed, spec.index, f"distractor-{k}-{name}"), facts))
        except DistractorUnavailable:
            names.remove(name)  # this view has no place for it; pick another kind
        k += 1
    return tuple(out)
