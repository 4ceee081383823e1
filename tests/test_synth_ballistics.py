"""Ballistics of the synthetic throws: exact parabola without drag, terminal speed with it."""

from __future__ import annotations

import numpy as np
import pytest

from edge.synth.ballistics import G_MPS2, simulate_fall


def test_no_drag_is_the_parabola_at_any_time() -> None:
    p0, v0 = np.array([3.0, 40.0, 0.5]), np.array([1.5, 2.0, 2.5])
    path = simulate_fall(p0, v0, None)
    # Landing: the positive root of y0 + vy t - g t^2 / 2 = 0.
    t_land = (v0[1] + np.sqrt(v0[1] ** 2 + 2 * G_MPS2 * p0[1])) / G_MPS2
    assert path.landed
    assert path.duration_s == pytest.approx(t_land, abs=1e-6)
    t = np.linspace(0.0, t_land, 997)  # off the integration grid on purpose
    expected = p0 + v0 * t[:, None] + np.outer(-0.5 * G_MPS2 * t**2, [0.0, 1.0, 0.0])
    pos, vel = path.state_at(t)
    np.testing.assert_allclose(pos, expected, atol=1e-6)
    np.testing.assert_allclose(vel[:, 1], v0[1] - G_MPS2 * t, atol=1e-6)
    assert path.pos_m[-1, 1] == 0.0


@pytest.mark.parametrize("v_terminal", [3.0, 12.0, 30.0])
def test_drag_speed_approaches_terminal_speed(v_terminal: float) -> None:
    path = simulate_fall([0, 400.0, 0], [2.0, 0.0, 1.0], v_terminal)
    speed = np.linalg.norm(path.vel_mps, axis=1)
    assert speed.max() <= v_terminal * 1.0001
    assert speed[-1] == pytest.approx(v_terminal, rel=2e-3)
    # Sideways motion dies out while the fall goes on.
    assert abs(path.vel_mps[-1, 0]) < 0.01 * abs(path.vel_mps[-1, 1])
    # Much slower than a drag-free fall from the same height.
    assert path.duration_s > np.sqrt(2 * 400.0 / G_MPS2) * 1.05


def test_thrown_down_faster_than_terminal_slows_to_it() -> None:
    path = simulate_fall([0, 200.0, 0], [0.0, -20.0, 0.0], 6.0)
    speed = np.linalg.norm(path.vel_mps, axis=1)
    assert speed[0] == pytest.approx(20.0)
    assert np.all(np.diff(speed) <= 1e-9)
    assert speed[-1] == pytest.approx(6.0, rel=1e-3)


def test_drag_early_fall_matches_free_fall() -> None:
    # For t << v_t / g drag is negligible: y drop ~ g t^2 / 2.
    path = simulate_fall([0, 50.0, 0], [0, 0, 0], 40.0)
    drop = 50.0 - path.position_at([0.1])[0, 1]
    assert drop == pytest.approx(0.5 * G_MPS2 * 0.01, rel=1e-3)


def test_bad_inputs_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="terminal speed"):
        simulate_fall([0, 10, 0], [0, 0, 0], 0.0)
    with pytest.raises(ValueError, match="not above the ground"):
        simulate_fall([0, -1, 0], [0, 0, 0], None)
