"""Tubes: crops that follow a track through the last frames, tiled into the model's mosaic."""

from __future__ import annotations

import numpy as np
import pytest

from edge.verifier.tube import (
    CROP_PX,
    GRID,
    MOSAIC_PX,
    TUBE_FRAMES,
    FrameRing,
    crop_centred,
    cut_tube,
    mosaic,
    track_positions,
)


def test_a_crop_inside_the_image_is_the_exact_window() -> None:
    img = np.arange(100 * 120, dtype=np.int64).reshape(100, 120).astype(np.uint16)
    c = crop_centred(img, 50.0, 40.0, 32)
    assert c.shape == (32, 32)
    np.testing.assert_array_equal(c, img[24:56, 34:66])


def test_a_crop_over_the_edge_replicates_the_border() -> None:
    img = np.zeros((50, 60), np.uint8)
    img[:, 0] = 200
    img[0, :] = 100
    c = crop_centred(img, 0.0, 0.0, 8)  # centred on the top-left pixel
    assert c.shape == (8, 8)
    assert np.all(c[5:, :5] == 200)  # left border column repeated to the left
    assert np.all(c[:5, 5:] == 100)  # top row repeated upwards


def test_positions_are_interpolated_between_sightings_and_held_at_the_ends() -> None:
    pos = track_positions(np.array([0.0, 0.5, 1.0, 2.0]), np.array([0.0, 1.0]), np.array([10.0, 20.0]),
                          np.array([5.0, 25.0]))
    np.testing.assert_allclose(pos, [[10, 5], [15, 15], [20, 25], [20, 25]])


def test_the_tube_follows_a_moving_object() -> None:
    frames = []
    t = np.arange(TUBE_FRAMES) / 25.0
    xs, ys = 100 + 40 * t, 50 + 300 * t * t  # falls and drifts right
    for ti, x, y in zip(t, xs, ys, strict=True):
        img = np.full((240, 320), 120, np.uint8)
        img[round(y) - 1 : round(y) + 2, round(x) - 1 : round(x) + 2] = 20
        frames.append((float(ti), img))
    tube = cut_tube(frames, t, xs, ys)
    assert tube.shape == (TUBE_FRAMES, CROP_PX, CROP_PX)
    c = CROP_PX // 2
    for crop in tube:  # the dark object sits at the centre of every crop
        assert crop[c, c] == 20 and crop[c - 5, c - 5] == 120


def test_the_mosaic_tiles_frames_in_time_order_and_normalises_contrast() -> None:
    tube = np.full((TUBE_FRAMES, CROP_PX, CROP_PX), 60, np.uint8)
    for i in range(TUBE_FRAMES):
        tube[i, 0, 0] = 60 + 10 * (i + 1)  # a marker that brightens with time
    m = mosaic(tube)
    assert m.shape == (MOSAIC_PX, MOSAIC_PX) and m.dtype == np.uint8
    markers = [int(m[r * CROP_PX, c * CROP_PX]) for r in range(GRID) for c in range(GRID)]
    assert markers == sorted(markers) and markers[0] < markers[-1]
    assert int(np.median(m)) == 128  # the tube's median grey is mapped to mid-grey


def test_a_dim_tube_and_a_bright_tube_of_the_same_scene_look_alike() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(0, 1, (TUBE_FRAMES, CROP_PX, CROP_PX))
    base[:, 14:18, 14:18] -= 8
    dim = np.clip(40 + 4 * base, 0, 255).astype(np.uint8)
    bright = np.clip(150 + 9 * base, 0, 255).astype(np.uint8)
    diff = np.abs(mosaic(dim).astype(int) - mosaic(bright).astype(int))
    assert np.median(diff) <= 12


def test_empty_noise_is_not_stretched_into_an_object() -> None:
    rng = np.random.default_rng(1)
    noise = np.clip(rng.normal(100, 1.0, (TUBE_FRAMES, CROP_PX, CROP_PX)), 0, 255).astype(np.uint8)
    m = mosaic(noise)
    assert np.percentile(m, 99) - np.percentile(m, 1) < 60  # bounded gain for a flat, quiet tube


def test_a_tube_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="tube must be"):
        mosaic(np.zeros((TUBE_FRAMES - 1, CROP_PX, CROP_PX), np.uint8))


def test_the_frame_ring_keeps_the_latest_frames() -> None:
    ring = FrameRing(3)
    for i in range(5):
        ring.push(i / 25.0, np.full((2, 2), i, np.uint8))
    assert ring.full and len(ring) == 3
    assert [int(g[0, 0]) for _, g in ring.items()] == [2, 3, 4]
