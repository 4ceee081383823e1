"""Synthetic scenes: deterministic, valid configs, and ground truth that matches the pixels."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
from synth_helpers import spec_facade_config

from edge.config.camera import load_camera_config
from edge.geometry.facade import Facade
from edge.synth.distractors import DISTRACTOR_CLASSES
from edge.synth.render import render_frames
from edge.synth.scene import SceneSpec, SceneSpecError, make_scene_spec
from edge.synth.writer import write_scene

W, H, FPS = 640, 360, 25.0


def _luma_stack(frames: list[np.ndarray]) -> np.ndarray:
    return np.stack([f[:H].astype(np.int16) for f in frames])


def _decoded_luma(path: Path) -> np.ndarray:
    with av.open(str(path)) as c:
        return np.stack([f.to_ndarray(format="gray").astype(np.int16) for f in c.decode(video=0)])


def _one_throw(seed: int, **kw: object) -> SceneSpec:
    return make_scene_spec(seed, 0, W, H, 4.0, FPS, n_throws=1, distractors=[], trees=False, **kw)


def test_same_seed_same_files_and_frames(tmp_path: Path) -> None:
    spec_a = make_scene_spec(7, 2, W, H, 4.0, FPS)
    spec_b = make_scene_spec(7, 2, W, H, 4.0, FPS)
    a, b = write_scene(spec_a, tmp_path / "a"), write_scene(spec_b, tmp_path / "b")
    assert a.config.read_bytes() == b.config.read_bytes()
    assert a.truth.read_bytes() == b.truth.read_bytes()
    assert np.array_equal(_decoded_luma(a.video), _decoded_luma(b.video))
    # A different seed is a different scene.
    other = write_scene(make_scene_spec(8, 2, W, H, 4.0, FPS), tmp_path / "c")
    assert other.truth.read_bytes() != a.truth.read_bytes()


def test_files_follow_the_contracts(tmp_path: Path) -> None:
    spec = make_scene_spec(3, 7, W, H, 4.0, FPS, trees=True, n_throws=1)
    paths = write_scene(spec, tmp_path)
    assert [p.name for p in (paths.video, paths.config, paths.truth)] == [
        "scene_0007.mp4",
        "scene_0007.yaml",
        "scene_0007.json",
    ]
    cfg = load_camera_config(paths.config)  # raises ConfigError if invalid
    assert cfg.camera_id == "synth-0007"
    assert Path(str(cfg.source)) == paths.video.resolve()
    assert "source: scene_0007.mp4" in paths.config.read_text()
    fac = cfg.facades[0]
    assert (fac.floors, fac.columns) == (spec.layout.floors, spec.layout.columns)
    assert fac.width_m == pytest.approx(spec.layout.width_m, abs=1e-3)
    assert cfg.masks, "trees at the foot must be masked"
    truth = json.loads(paths.truth.read_text())
    assert truth["n_frames"] == 100 and truth["duration_s"] == 4.0 and truth["fps"] == 25.0
    decoded = _decoded_luma(paths.video)
    assert decoded.shape == (100, H, W)
    throw = truth["throws"][0]
    assert throw["floor"] >= 3 and 1 <= throw["column"] <= fac.columns
    assert truth["facades"][0]["name"] == throw["facade"] == fac.name
    times = [p[0] for p in throw["trajectory"]]
    assert times == [round(i / FPS, 4) for i in range(round(times[0] * FPS), round(times[-1] * FPS) + 1)]
    assert throw["t_release"] <= times[0] < throw["t_release"] + 1 / FPS
    assert throw["t_end"] - 1 / FPS < times[-1] <= throw["t_end"]
    # The release point's foot on the facade is where the calibrated grid says.
    cell = Facade(fac).cell_of_pixel(*Facade(fac).to_pixels([throw["release_m"][:2]])[0])
    assert (cell.floor, cell.column) == (throw["floor"], throw["column"])


@pytest.mark.parametrize(("seed", "kind"), [(21, "compact"), (22, "light"), (23, "compact")])
def test_trajectory_is_where_the_object_is_drawn(seed: int, kind: str) -> None:
    spec = _one_throw(seed, throw_kind=kind, throw_size_px=3.0)
    with_obj = _luma_stack(list(render_frames(spec)))
    without = _luma_stack(list(render_frames(spec.without_throws())))
    diff = np.abs(with_obj - without)
    truth = spec.throws[0].truth(spec.camera, spec.fps, spec.n_frames, spec.shift_px, "facade")
    traj = {round(t * FPS): (x, y) for t, x, y in truth["trajectory"]}
    first, last = min(traj), max(traj)
    # Nothing changes long before the release or after the object left or landed.
    assert diff[: first - 1].max() == 0
    assert diff[last + 2 :].max() == 0
    exposure_px = spec.lighting.exposure_s * FPS
    checked = 0
    for i, (x, y) in traj.items():
        ys, xs = np.nonzero(diff[i])
        assert len(xs), f"frame {i}: object not drawn"
        wts = diff[i][ys, xs].astype(np.float64)
        cx, cy = np.average(xs, weights=wts), np.average(ys, weights=wts)
        # The streak's centre is the object's position at the frame time; allow for the
        # blur of a fast fall and for clipping at the frame's edge.
        step = np.hypot(*np.subtract(traj.get(i + 1, (x, y)), traj.get(i - 1, (x, y)))) / 2
        blur_px = step * exposure_px
        off = np.hypot(cx - x, cy - y)
        assert np.hypot(xs - x, ys - y).max() <= 4 + truth["size_px"] + blur_px, i
        assert off <= 1.0 + truth["size_px"] / 2 + 0.25 * blur_px, (i, cx, cy, x, y)
        # Where the object stands out, the weighted centre is not pulled by the
        # background's own texture: it must sit on the ground-truth point.
        if diff[i].max() >= 40:
            assert off <= 0.6 + 0.25 * blur_px, (i, cx, cy, x, y)
            checked += 1
    assert checked >= 0.3 * len(traj) and checked >= 8


def test_decoded_video_shows_the_object_at_the_ground_truth(tmp_path: Path) -> None:
    spec = _one_throw(31, throw_kind="compact", throw_size_px=5.0, lighting="day")
    a = write_scene(spec, tmp_path / "with")
    b = write_scene(spec.without_throws(), tmp_path / "without")
    diff = np.abs(_decoded_luma(a.video) - _decoded_luma(b.video))
    truth = json.loads(a.truth.read_text())["throws"][0]
    hits = 0
    for t, x, y in truth["trajectory"]:
        d = diff[round(t * FPS)]
        yy, xx = np.unravel_index(np.argmax(d), d.shape)
        hits += d.max() >= 10 and np.hypot(xx - x, yy - y) <= 3 + truth["size_px"]
    assert hits >= 0.8 * len(truth["trajectory"]), (hits, len(truth["trajectory"]))


def test_throw_schedule_and_sizes_over_many_scenes() -> None:
    sizes = []
    for seed in range(40):
        spec = make_scene_spec(seed, 1, 1280, 720, 12.0, FPS)
        if spec.distractor_only:
            continue
        assert 1 <= len(spec.throws) <= 3
        prev_end = 0.0
        for th in spec.throws:
            tr = th.truth(spec.camera, spec.fps, spec.n_frames, spec.shift_px, "facade")
            assert th.t_release_s >= 1.5 and th.t_end_s <= 12.0 - 0.5 + 1e-9
            assert th.t_release_s >= prev_end  # no two throws in the air at once
            prev_end = th.t_end_s
            assert th.floor >= 3
            assert 0.2 <= th.release_m[2] <= 1.0
            speed = float(np.linalg.norm(th.v0_mps))
            assert speed < 0.3 if th.dropped else 0.5 <= th.v0_mps[2] <= 3.0
            lo, hi = (12, 40) if th.cls.kind == "compact" else (2.5, 8)
            assert lo <= th.v_terminal_mps <= hi
            x, y = tr["release_px"]
            assert 0 <= x < 1280 and 0 <= y < 720
            assert 0.9 <= tr["size_px"] <= 16
            sizes.append(tr["size_px"])
    sizes_a = np.asarray(sizes)
    assert (sizes_a < 2).any() and ((sizes_a >= 2) & (sizes_a < 4)).any() and (sizes_a >= 4).any()


def test_distractor_only_scenes_have_no_throws() -> None:
    for seed in range(10):
        spec = make_scene_spec(seed, 0, W, H, 6.0, FPS, distractor_only=True)
        assert spec.throws == ()
        assert 2 <= len(spec.distractors) <= 5


def test_night_ir_is_grey_and_day_is_not() -> None:
    night_spec = make_scene_spec(4, 0, W, H, 3.0, FPS, lighting="night_ir", distractor_only=True)
    night = next(iter(render_frames(night_spec)))
    day = next(iter(render_frames(make_scene_spec(4, 0, W, H, 3.0, FPS, lighting="day", distractor_only=True))))
    chroma = slice(H, None)
    assert np.abs(night[chroma].astype(int) - 128).max() <= 2
    assert np.abs(day[chroma].astype(int) - 128).max() > 20
    # The IR illuminator lights the ground floor more than the top of the facade.
    facade = Facade(spec_facade_config(night_spec))
    (_, by), (_, ty) = facade.to_pixels([[facade.width_m / 2, 1.0], [facade.width_m / 2, facade.height_m - 1]])
    ty = max(ty, 5.0)
    lum = night[:H].astype(float)
    assert lum[round(by) - 3 : round(by) + 3].mean() > lum[round(ty) : round(ty) + 6].mean()


@pytest.fixture(scope="module")
def quiet_luma() -> tuple[int, np.ndarray]:
    seed = 12
    spec = make_scene_spec(seed, 0, W, H, 3.0, FPS, distractor_only=True, distractors=[], trees=True)
    return seed, _luma_stack(list(render_frames(spec)))


@pytest.mark.parametrize("cls", DISTRACTOR_CLASSES)
def test_each_distractor_changes_the_frames_only_while_it_acts(cls: str, quiet_luma: tuple[int, np.ndarray]) -> None:
    seed, quiet = quiet_luma
    spec = make_scene_spec(seed, 0, W, H, 3.0, FPS, distractor_only=True, distractors=[cls], trees=True)
    (d,) = spec.distractors
    assert d.cls == cls
    changed = np.abs(_luma_stack(list(render_frames(spec))) - quiet).reshape(len(quiet), -1).max(axis=1)
    t = np.arange(len(quiet)) / FPS
    slack = spec.lighting.exposure_s
    inside = (t >= d.t_start_s - slack) & (t <= d.t_end_s + slack)
    if cls == "ir_switch":
        inside = t >= d.t_start_s  # the camera stays in its new mode
    assert changed[inside].max() > 0, f"{cls} never shows"
    assert changed[~inside].max(initial=0) == 0, f"{cls} shows outside {d.t_start_s}-{d.t_end_s} s"


def test_overrides_choose_exactly_what_a_test_needs() -> None:
    spec = make_scene_spec(5, 0, W, H, 4.0, FPS, n_throws=1, throw_kind="light", distractors=["bird"], lighting="dusk")
    assert [d.cls for d in spec.distractors] == ["bird"]
    assert len(spec.throws) == 1 and spec.throws[0].cls.kind == "light"
    assert spec.lighting.mode == "dusk"
    # One part's override leaves the others as they were.
    plain = make_scene_spec(5, 0, W, H, 4.0, FPS, lighting="dusk")
    assert plain.camera == spec.camera and plain.layout == spec.layout


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"colour": "red"}, "unknown scene override"),
        ({"distractors": ["ufo"]}, "unknown distractor"),
        ({"lighting": "noon"}, "lighting must be one of"),
        ({"n_throws": 1, "distractor_only": True}, "contradicts"),
        ({"throw_kind": "heavy"}, "throw_kind"),
        ({"floors": 200}, "floors"),
    ],
)
def test_bad_overrides_are_named(kwargs: dict, message: str) -> None:
    with pytest.raises((SceneSpecError, ValueError), match=message):
        make_scene_spec(1, 0, W, H, 4.0, FPS, **kwargs)


def test_bad_basics_are_named() -> None:
    with pytest.raises(SceneSpecError, match="641x360"):
        make_scene_spec(1, 0, 641, 360, 4.0, FPS)
    with pytest.raises(SceneSpecError, match="duration"):
        make_scene_spec(1, 0, W, H, 1.0, FPS)


def test_noise_bank_has_the_asked_sigma_and_changes_every_frame() -> None:
    from edge.synth.noise import NoiseBank

    bank = NoiseBank(np.random.default_rng(0), 6.0, W, H)
    frames = []
    for _ in range(3):
        luma = np.full((H, W), 128, np.uint8)
        bank.apply(luma)
        frames.append(luma.astype(float) - 128)
    assert all(abs(f.std() - 6.0) < 0.2 and abs(f.mean()) < 0.1 for f in frames)
    assert np.corrcoef(frames[0].ravel(), frames[1].ravel())[0, 1] < 0.05
    spec = make_scene_spec(1, 0, W, H, 3.0, FPS, distractor_only=True, distractors=[], noise_sigma=0.0)
    still = _luma_stack(list(render_frames(spec)))
    assert np.array_equal(still[0], still[-1])
    with pytest.raises(SceneSpecError, match="noise_sigma"):
        make_scene_spec(1, 0, W, H, 3.0, FPS, noise_sigma=-1)


def test_three_throws_whose_rounded_releases_add_up_still_plan() -> None:
    """Seed 31337, scene 24 at 1080p: three throws fill the video to within the
    millisecond rounding of their releases; planning them is no error."""
    spec = make_scene_spec(31337, 24, 1920, 1080, 12.0, FPS)
    assert len(spec.throws) == 3
    assert spec.throws[-1].t_end_s <= 12.0 - 0.5 + 3e-3
    for earlier, later in zip(spec.throws, spec.throws[1:], strict=False):
        assert later.t_release_s >= earlier.t_end_s + 0.3 - 1e-9
