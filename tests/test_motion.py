"""Motion: small objects found, noise ignored, and both backends agree."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from scenes import FPS, falling, flat_config, frames, metres_to_px

from edge.motion.detector import MotionDetector
from edge.motion.difference import OnnxDifference, OpenCVDifference, build_difference_model
from edge.motion.region import watched_region
from edge.motion.sharpness import edge_sharpness
from edge.sources.video_file import VideoFileSource
from edge.synth.encode import H264Writer
from edge.synth.splat import blob_alpha


def _detector(backend: str = "opencv") -> MotionDetector:
    cfg = flat_config(motion={"backend": backend})
    return MotionDetector(watched_region(cfg, 640, 360), cfg.motion, FPS)


def _watch_fall(scene: Callable[[np.ndarray, float], None], seed: int = 0) -> tuple[int, int, int]:
    """A fresh detector over 50 frames of ``scene``, in which an object falls from
    (7 m, 25 m) at 1.0 s, drifting 0.5 m/s sideways: (frames it was found in, frames of
    its fall from 0.1 s on, blobs before its release)."""
    det = _detector()
    found, frames_in_fall, false_blobs = 0, 0, 0
    for f in frames(50, scene, noise_sigma=2.0, seed=seed):
        res = det.process(f.gray)
        if f.t_s < 1.0:
            false_blobs += len(res.candidates)
        elif f.t_s > 1.1:
            frames_in_fall += 1
            tau = f.t_s - 1.0
            x_px, y_px = metres_to_px(7.0 + 0.5 * tau, 25.0 - 0.5 * 9.81 * tau * tau)
            found += any(abs(c.x_px - x_px) < 4 and abs(c.y_px - y_px) < 6 for c in res.candidates)
    return found, frames_in_fall, false_blobs


def test_a_two_pixel_object_shows_up_and_noise_does_not() -> None:
    det = _detector()
    found, noise_blobs = 0, 0
    for f in frames(40, falling(7.0, 25.0, t_release=0.4, diameter_px=2.0, contrast=-40.0), noise_sigma=2.5):
        res = det.process(f.gray)
        if f.t_s < 0.4:
            noise_blobs += len(res.candidates)
        elif f.t_s > 0.5:
            x_px = 200 + (7.0 + 0.5 * (f.t_s - 0.4)) * 240 / 14  # falling() drifts 0.5 m/s sideways
            found += any(abs(c.x_px - x_px) < 4 for c in res.candidates)
    assert found >= 18
    assert noise_blobs <= 2


def test_masks_remove_motion() -> None:
    masked = flat_config(masks=[[[200, 0], [440, 0], [440, 360], [200, 360]]])
    with pytest.raises(ValueError, match="no part of any facade"):
        watched_region(masked, 640, 360)
    half = flat_config(masks=[[[200, 0], [330, 0], [330, 360], [200, 360]]])
    det = MotionDetector(watched_region(half, 640, 360), half.motion, FPS)
    hits = 0
    for f in frames(40, falling(2.0, 25.0, t_release=0.2)):  # falls inside the masked half
        hits += len(det.process(f.gray).candidates)
    assert hits == 0


def test_onnx_and_opencv_difference_are_identical() -> None:
    rng = np.random.default_rng(0)
    onnx_stage, cv_stage = OnnxDifference(threads=1), OpenCVDifference()
    for h, w in [(360, 640), (37, 53), (720, 1280)]:
        frame = rng.integers(0, 256, (h, w), dtype=np.uint8)
        background = np.clip(frame.astype(int) + rng.normal(0, 8, (h, w)), 0, 255).astype(np.uint8)
        for a, b in zip(onnx_stage(frame, background), cv_stage(frame, background), strict=True):
            assert np.array_equal(a, b)


def test_both_backends_give_the_same_masks_on_a_scene() -> None:
    a, b = _detector("opencv"), _detector("onnx")
    for f in frames(30, falling(5.0, 25.0, t_release=0.3), noise_sigma=2.0):
        ra, rb = a.process(f.gray), b.process(f.gray)
        assert ra.changed_share == rb.changed_share
        assert ra.candidates == rb.candidates


def test_the_onnx_model_is_a_valid_opset_17_graph() -> None:
    import onnx

    model = onnx.load_from_string(build_difference_model())
    assert model.opset_import[0].version >= 17
    assert [i.name for i in model.graph.input] == ["frame", "background"]


def test_an_object_stays_visible_while_a_cloud_shadow_darkens_the_facade() -> None:
    """A shadow that darkens the facade by 25 grey levels over a second shifts every
    tile; the background lags behind, and without taking that shift out the noise
    estimate of every tile swells and hides a 35-level object falling through it."""
    def shadow_and_fall(img: np.ndarray, t: float) -> None:
        img -= 25.0 * min(1.0, max(0.0, t - 0.8))  # the shadow arrives from t = 0.8 s on
        falling(7.0, 25.0, t_release=1.0, diameter_px=3.0, contrast=-35.0)(img, t)

    found, frames_in_fall, false_blobs = _watch_fall(shadow_and_fall)
    assert found >= 0.8 * frames_in_fall
    assert false_blobs <= 2


def test_a_faint_two_pixel_object_stands_out_of_the_noise() -> None:
    """35 grey levels on 2 px in sensor noise of sigma 3: the mean of the absolute
    difference keeps the noise's bias and hides it (found in none of 27 frames); the
    signed mean, where noise cancels and the object adds up, finds it in most frames
    without noise blobs. Three noise draws, so that one unlucky draw does not decide."""
    found, frames_in_fall, noise_blobs = 0, 0, 0
    draw = falling(7.0, 25.0, t_release=0.4, diameter_px=2.0, contrast=-30.0)
    for seed in range(3):
        det = _detector()
        for f in frames(40, draw, noise_sigma=3.0, seed=seed):
            res = det.process(f.gray)
            strong = [c for c in res.candidates if c.strong]
            if f.t_s < 0.4:
                noise_blobs += len(strong)
            elif f.t_s > 0.5:
                frames_in_fall += 1
                x_px = 200 + (7.0 + 0.5 * (f.t_s - 0.4)) * 240 / 14
                found += any(abs(c.x_px - x_px) < 4 for c in strong)
    assert found >= 0.8 * frames_in_fall
    assert noise_blobs <= 2


def test_a_fine_textured_change_over_much_of_the_view_counts_as_a_disturbance() -> None:
    """Leaves in wind or a crowd: light and dark changes side by side cancel in the
    signed mean, yet much of the view changed, and the frame is not searched."""
    det = _detector()

    def texture(img: np.ndarray, t: float) -> None:
        if t >= 0.4:
            # -40, 0, +40 across every three columns: nothing left in a 3x3 signed mean
            stripes = (np.indices((120, 160))[1] % 3 - 1) * 40.0
            img[100:220, 240:400] += stripes

    results = [(f.t_s, det.process(f.gray)) for f in frames(16, texture)]
    assert not any(r.disturbed for t, r in results if 0.2 <= t < 0.4)
    after = [r for t, r in results if t >= 0.4]
    assert after[0].disturbed and not after[0].candidates


def test_beside_the_facade_is_watched_up_to_the_margin() -> None:
    """Something thrown outward falls in front of the facade and is seen beside its
    outline: a margin of 3 m watches that much on either side, the default the outline only."""
    right_edge_px, px_per_m = 440, 240 / 14.0
    widened = watched_region(flat_config(motion={"facade_margin_m": 3.0}), 640, 360).mask
    outline_only = watched_region(flat_config(), 640, 360).mask
    beside = (200, right_edge_px + int(2.5 * px_per_m))  # (y, x): 2.5 m right of the facade
    further = (200, right_edge_px + int(3.5 * px_per_m))
    assert widened[beside] == 255 and outline_only[beside] == 0
    assert widened[further] == 0
    assert widened[10, 300] == 0 and widened[355, 300] == 0  # roof line and ground stay


def test_a_blob_beside_the_facade_may_carry_a_track_but_not_start_one() -> None:
    """Nothing is released beside the facade: blobs in the margin are marked so the
    tracker lets them extend a track only; blobs on the facade start tracks as before."""
    cfg = flat_config(motion={"facade_margin_m": 3.0})
    det = MotionDetector(watched_region(cfg, 640, 360), cfg.motion, FPS)
    on_facade = falling(10.0, 25.0, t_release=0.2, vx_mps=0.0)
    beside = falling(15.5, 25.0, t_release=0.2, vx_mps=0.0)  # 1.5 m right of the outline
    right_edge_px = 440
    seen: dict[bool, list[bool]] = {True: [], False: []}
    for f in frames(12, lambda img, t: (on_facade(img, t), beside(img, t))):
        for c in det.process(f.gray).candidates:
            seen[c.x_px > right_edge_px].append(c.may_start_track)
    assert seen[True] and not any(seen[True])
    assert seen[False] and all(seen[False])
    no_margin = MotionDetector(watched_region(flat_config(), 640, 360), flat_config().motion, FPS)
    assert all(
        not c.beside_facade for f in frames(12, on_facade) for c in no_margin.process(f.gray).candidates
    )


def test_an_object_below_the_threshold_is_found_where_it_is_looked_for() -> None:
    """14 grey levels on 2 px in noise of sigma 3: below the threshold in almost every
    frame, so motion hands the tracker nothing of it; at half the threshold, within 2 px
    of where it is, it is there in most frames, and 30 px to the side noise hardly ever is."""
    draw = falling(7.0, 25.0, t_release=0.4, diameter_px=2.0, contrast=-14.0)
    frames_in_fall = as_candidate = looked_found = looked_beside = 0
    for seed in range(3):
        det = _detector()
        for f in frames(40, draw, noise_sigma=3.0, seed=seed):
            res = det.process(f.gray)
            if f.t_s <= 0.5:
                continue
            assert res.signal is not None
            tau = f.t_s - 0.4
            x_px, y_px = metres_to_px(7.0 + 0.5 * tau, 25.0 - 0.5 * 9.81 * tau * tau)
            frames_in_fall += 1
            as_candidate += any(np.hypot(c.x_px - x_px, c.y_px - y_px) < 3 for c in res.candidates)
            found = res.signal.look(x_px, y_px, 2.0, 0.5)
            if found is not None:
                assert found.probed and not found.strong and found.contrast < 0
                looked_found += bool(np.hypot(found.x_px - x_px, found.y_px - y_px) < 1.5)
            looked_beside += res.signal.look(x_px + 30, y_px, 2.0, 0.5) is not None
    assert as_candidate <= 0.1 * frames_in_fall
    assert looked_found >= 0.7 * frames_in_fall
    assert looked_beside <= 0.05 * frames_in_fall


def test_nothing_is_found_by_looking_into_a_mask() -> None:
    """A bright spot on the facade is found where it is looked for, unless a mask covers it."""
    cfgs = {"open": flat_config(), "masked": flat_config(masks=[[[280, 0], [360, 0], [360, 360], [280, 360]]])}
    found = {}
    for name, cfg in cfgs.items():
        det = MotionDetector(watched_region(cfg, 640, 360), cfg.motion, FPS)
        for f in frames(10, falling(7.0, 20.0, t_release=0.2, vx_mps=0.0, g=0.0, contrast=60.0)):
            res = det.process(f.gray)
        assert res.signal is not None
        found[name] = res.signal.look(*metres_to_px(7.0, 20.0), 3.0, 0.5)
    assert found["open"] is not None
    assert found["masked"] is None



def test_an_exposure_step_on_a_textured_facade_makes_no_blobs() -> None:
    """The camera's exposure (or the light) drops by a quarter at once: the wall darkens
    by 37 grey levels, its windows by 23. Taken out as one shift per tile, the windows'
    edges were left behind as changes (some 30-50 blobs over the next frames, and every
    tile's noise level tripled); a gain per tile takes the step out whole."""
    draw = falling(7.0, 25.0, t_release=1.0, diameter_px=3.0, contrast=-30.0)

    def step_and_fall(img: np.ndarray, t: float) -> None:
        if t >= 0.6:
            img *= 0.75
        draw(img, t)

    for seed in range(3):
        found, frames_in_fall, false_blobs = _watch_fall(step_and_fall, seed)
        assert found >= 0.8 * frames_in_fall
        assert false_blobs <= 2


def test_motion_watches_again_soon_after_the_camera_stops_shaking() -> None:
    """A shake longer than the background waits for restarts it on a shaken frame, and
    the camera then swings on. Noise levels taken on the next frame would be the
    swing's; the background starts again from the first frame that holds still, and
    motion watches again within a few frames of the shake's end."""
    det = _detector()
    shifts_px = [2, -2, 2, -2, 2, 1]  # one frame each, from 0.4 s
    shaken = {round(0.4 + i / FPS, 2): s for i, s in enumerate(shifts_px)}

    def shake(img: np.ndarray, t: float) -> None:
        img[:] = np.roll(img, shaken.get(round(t, 2), 0), axis=1)

    results = [(f.t_s, det.process(f.gray)) for f in frames(30, shake, noise_sigma=2.0)]
    still_from_s = 0.4 + len(shifts_px) / FPS
    watching = [t for t, r in results if t >= still_from_s - 1e-9 and not r.disturbed]
    assert any(r.disturbed for t, r in results if 0.4 <= t < still_from_s)
    assert watching and watching[0] - still_from_s <= 3 / FPS + 1e-9


def test_an_h264_key_frame_leaves_motion_watching(tmp_path: Path) -> None:
    """A key frame every second, as IP cameras send them: each re-quantises the whole
    view, and against the old background every noise level rose, so a faint object
    was found in 55 % of the frames of the half second after each key frame against
    71 % later on. The background now takes the key frame in at once. Three noise
    draws, pooled."""
    after_key: list[bool] = []
    late: list[bool] = []
    keys = 0
    for seed in range(3):
        draw = falling(7.0, 28.0, t_release=0.3, diameter_px=2.5, contrast=-26.0)
        path = tmp_path / f"gop25-{seed}.mp4"
        with H264Writer(path, 640, 360, FPS, keyint=25) as writer:
            for f in frames(70, draw, noise_sigma=2.0, seed=seed):
                writer.write(np.vstack([f.gray, np.full((180, 640), 128, np.uint8)]))
        det = _detector()
        for f in VideoFileSource(path):
            keys += f.key_frame
            res = det.process(f.gray, key_frame=f.key_frame)
            tau = f.t_s - 0.3
            x_px, y_px = metres_to_px(7.0 + 0.5 * tau, 28.0 - 0.5 * 9.81 * tau * tau)
            seen = any(abs(c.x_px - x_px) < 4 and abs(c.y_px - y_px) < 6 for c in res.candidates)
            if f.t_s > 0.5:
                (after_key if 0.0 < f.t_s % 1.0 < 0.5 else late).append(seen)
    assert keys == 9
    assert np.mean(after_key) >= 0.9 * np.mean(late)
    assert np.mean(after_key) >= 0.65


def test_edge_sharpness_is_the_steepest_side_step_over_the_peak() -> None:
    step = np.tile(np.r_[np.zeros(3), np.full(10, 40.0), np.zeros(3)], (6, 1))
    ramp = np.tile(np.r_[np.zeros(2), np.linspace(0, 40, 6), np.full(4, 40.0), np.linspace(40, 0, 6), 0], (6, 1))
    assert edge_sharpness(step) == pytest.approx(1.0)
    assert edge_sharpness(ramp) == pytest.approx(0.2)
    assert edge_sharpness(-step) is None


@pytest.mark.parametrize(("edge_px", "in_focus"), [(1.0, True), (6.0, False)])
def test_a_blob_out_of_focus_has_soft_edges_and_one_in_focus_steep_ones(edge_px: float, in_focus: bool) -> None:
    """A 16-px disc moving down the facade, drawn in focus (an edge 1 px wide) or as far
    out of focus as an insect near the lens (6 px)."""

    def disc(img: np.ndarray, t_s: float) -> None:
        if t_s < 0.4:
            return
        centre = np.array([[320.0, 100.0 + 60.0 * (t_s - 0.4)]])
        alpha, x0, y0 = blob_alpha(centre, np.array([[8.0, 8.0]]), np.zeros(1), edge_px)
        img[y0 : y0 + alpha.shape[0], x0 : x0 + alpha.shape[1]] -= 60.0 * alpha

    det = _detector()
    measured = [
        c.edge_sharpness
        for f in frames(30, disc)
        for c in det.process(f.gray).candidates
        if c.edge_sharpness is not None
    ]
    assert len(measured) >= 10
    median = float(np.median(measured))
    assert median >= 0.45 if in_focus else median <= 0.3
