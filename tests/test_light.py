"""The change of light per tile: gain and offset, found from arrays alone."""

from __future__ import annotations

import numpy as np

from edge.motion.light import TILE_PX, light_change


def _facade(seed: int = 0) -> np.ndarray:
    """256 x 256 grey levels: a 150-level wall with 90-level windows, some noise."""
    rng = np.random.default_rng(seed)
    img = np.full((256, 256), 150.0)
    for y in range(8, 256, 32):
        for x in range(8, 256, 32):
            img[y : y + 16, x : x + 12] = 90.0
    return img + rng.normal(0, 1.0, img.shape)


def _u8(img: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def test_a_shadow_scales_the_light_and_is_fitted_as_a_gain() -> None:
    back = _facade()
    change = light_change(_u8(back * 0.7), _u8(back))
    assert change.gain.shape == (256 // TILE_PX, 256 // TILE_PX)
    assert np.allclose(change.gain, 0.7, atol=0.02)
    assert np.all(np.abs(change.offset) < 3.0)


def test_a_step_of_light_is_an_offset() -> None:
    back = _facade()
    change = light_change(_u8(back + 12.0), _u8(back))
    assert not change.scaled
    assert np.allclose(change.offset, 12.0, atol=1.0)


def test_a_plain_tile_gets_an_offset_however_its_light_changed() -> None:
    back = np.full((128, 128), 150.0)
    change = light_change(_u8(back * 0.7), _u8(back))
    assert not change.scaled
    assert np.allclose(change.offset, -45.0, atol=1.0)


def test_an_object_on_part_of_a_tile_does_not_move_the_fit() -> None:
    back = _facade()
    frame = back * 0.7
    frame[20:44, 20:44] += 90.0  # a bright object over a seventh of the first tile
    change = light_change(_u8(frame), _u8(back))
    assert abs(float(change.gain[0, 0]) - 0.7) < 0.03


def test_noise_alone_is_steady_light() -> None:
    change = light_change(_u8(_facade(seed=1)), _u8(_facade(seed=2)))
    assert change.steady


def test_a_tile_scaled_alone_is_something_in_front_not_the_light() -> None:
    """Light changes over a wide area; a single tile darkened by 40 % among steady ones
    is a person or a car filling it, and it keeps the plain median shift."""
    back = _facade()
    frame = back.copy()
    frame[64:128, 64:128] *= 0.6
    change = light_change(_u8(frame), _u8(back))
    assert not change.scaled
    assert change.offset[1, 1] < -20.0
