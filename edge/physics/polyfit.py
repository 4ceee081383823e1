"""Small least-squares polynomial fits, the workhorse of prediction and judging."""

from __future__ import annotations

import numpy as np


def solve_normal(vander: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Least squares through the normal equations: a 2x2 to 4x4 solve, several times
    cheaper than the SVD behind ``np.linalg.lstsq``, and well conditioned for the
    times used here (seconds, within a few of zero). ``values`` is (N,) or (N, K)."""
    try:
        return np.linalg.solve(vander.T @ vander, vander.T @ values)
    except np.linalg.LinAlgError:  # repeated time stamps
        return np.linalg.lstsq(vander, values, rcond=None)[0]


def fit_poly(t: np.ndarray, values: np.ndarray, degree: int) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares polynomial in t: coefficients (degree + 1, ...), highest power first,
    and the residuals, shaped like ``values``."""
    vander = np.vander(t, degree + 1)
    coeffs = solve_normal(vander, values)
    return coeffs, values - vander @ coeffs
