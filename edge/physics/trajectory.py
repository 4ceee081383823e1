"""Does a track fall like a thrown object? Judged in facade metres.

Facade frame: X metres right along the facade, Y metres up from the ground (see
edge.geometry.facade). A throw is released near rest (or with a toss of a few m/s),
then accelerates downward close to g until drag matters: compact objects stay near
g for the first storeys, light ones (tissues, bags) saturate at a few m/s but still
speed up from rest. Everything else that moves on a facade fails at least one test:
birds fly level or climb or glide at constant speed, leaves and rain fall at
constant speed, insects and flapping things do not follow a smooth curve, laundry
oscillates in place, lights and shadows do not travel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.physics.polyfit import fit_poly, solve_normal

G_MPS2 = 9.81


@dataclass(frozen=True)
class PhysicsRules:
    """Thresholds of the physics gate (SI units)."""

    min_descent_m: float = 6.0
    early_descent_m: float = 6.0  # == min_descent_m: no early alarm
    early_min_accel_mps2: float = 6.5
    early_min_points: int = 8
    # An insect near the lens weaves while it drops, and for a few tenths of a second
    # that can pass for a fall, as can a branch edge that sits still and then jumps; a
    # thrown object's centroid keeps within a px or two of a smooth path. A path that
    # misses its cubic by more than early_max_misfit_px (RMS, both axes, image px)
    # alarms early only once followed for early_misfit_look_s: by then the insect no
    # longer looks like free fall, while a tissue or a bag that sways still falls.
    early_max_misfit_px: float = 3.0
    early_misfit_look_s: float = 1.0
    min_accel_mps2: float = 3.0
    max_accel_mps2: float = 16.0  # g plus room for noise and perspective; an insect diving past the lens exceeds it
    min_points: int = 8
    max_area_spread: float = 25.0
    # Motion blur draws a falling blob out along its path, down the image, not across
    # it: tumbling and the motion grid's 4-px cells change its width a few-fold at most.
    max_width_spread: float = 4.0
    # An insect near the lens is far out of focus: its edges ramp over several px, while
    # a thrown object on the facade keeps steep left and right edges (see
    # edge.motion.sharpness). Judged on the median of the wide sightings, when there
    # are enough of them.
    min_edge_sharpness: float = 0.33
    min_sharpness_sightings: int = 4
    min_duration_s: float = 0.2
    min_seen_share: float = 0.45
    early_window_s: float = 0.6
    max_rise_after_fall_m: float = 0.5
    max_horizontal_speed_mps: float = 7.0
    min_speed_gain_mps: float = 1.5
    # Leaves and feathers settle at 1-2 m/s; the lightest thrown things (tissues,
    # bags) fall at 2.5 m/s or faster once they have fallen two floors. A leaf blown
    # down in front of the facade, nearer the camera, looks up to a third faster on it.
    min_fall_speed_mps: float = 2.5
    # They reach that speed within half a second of release and keep it. So a track
    # followed for settle_s + min_settled_span_s must fall that fast over all of its
    # part after settle_s: a leaf drifting down at 2.3 m/s for two seconds whose last
    # few sightings come quicker has a fast end but no fast settled speed.
    settle_s: float = 1.0
    min_settled_span_s: float = 0.8
    fast_speed_mps: float = 2.0
    min_fast_points: int = 5
    min_descending_share: float = 0.75
    min_strong_fast_points: int = 4
    # An alarm is raised on a thing that falls now: over its latest three steps it
    # moves down at least this share of the fastest it was seen falling before (unless
    # the two differ by less than min_fall_speed_mps, which noise on a slow fall may).
    min_recent_speed_share: float = 0.4
    # A blob that stays within still_px for min_still_sightings sightings or more is
    # at rest (a stale compression block, a ghost); see judge_trajectory.
    still_px: float = 0.5
    min_still_sightings: int = 6
    max_outlier_share: float = 0.3
    residual_px: float = 1.5  # allowed RMS misfit, in px of the local image scale
    residual_floor_m: float = 0.12
    max_sway_m: float = 0.5
    max_back_extrapolation_s: float = 0.6
    facade_size_m: tuple[float, float] | None = None  # (width, height): releases must lie on it
    release_margin_m: float = 1.5
    max_first_speed_mps: float = 8.0
    min_descent_px: float = 25.0  # less leaves the physics fit no lever arm
    # A chain of faint blobs (rain streaks, compression noise) can be strung into a
    # parabola; a thrown object is seen clearly in most of its sightings.
    min_strong_share: float = 0.6
    min_median_contrast: float = 8.0  # grey levels
    # One object's blob changes size smoothly from frame to frame (tumbling, blur);
    # a chain of different things jumps between sizes. Median |log area ratio|.
    max_area_jump: float = 0.8
    # Thrown things range from a bottle cap to a chair; a blob over a metre across is
    # a car, a person or a shadow passing in front of the facade.
    max_size_m: float = 1.2
    # Most of a descent made across one unseen stretch (>= unseen_gap_s) may be no
    # faster than unseen_pace_ratio x the pace seen around it, plus unseen_pace_slack_mps.
    unseen_gap_s: float = 0.2
    max_unseen_descent_share: float = 0.5
    unseen_pace_ratio: float = 1.5
    unseen_pace_slack_mps: float = 1.0
    release_speed_mps: float = 2.0  # faster than this at the first sighting -> extrapolate back to rest


@dataclass(frozen=True)
class Verdict:
    """Result of judging a track. ``release_m``/``t_release`` only when ``is_throw``."""

    is_throw: bool
    reason: str
    score: float = 0.0
    accel_mps2: float = float("nan")
    descent_m: float = 0.0
    residual_m: float = float("nan")
    t_release: float = float("nan")
    release_m: tuple[float, float] = (float("nan"), float("nan"))


def _inliers(
    tau: np.ndarray, y_m: np.ndarray, x_m: np.ndarray, limit_y_m: float, limit_x_m: float, allowed: np.ndarray
) -> np.ndarray:
    """``allowed`` points within the limits of cubic fits in y and x (fitted to the
    allowed points), refitted once without the worst."""
    keep = allowed.copy()
    for _ in range(2):
        vander = np.vander(tau[keep], 4)
        cy, cx = solve_normal(vander, np.column_stack([y_m[keep], x_m[keep]])).T
        near = (np.abs(y_m - np.polyval(cy, tau)) <= limit_y_m) & (np.abs(x_m - np.polyval(cx, tau)) <= limit_x_m)
        keep = near & allowed
        if keep.sum() < 5:
            break
    return keep


def _fit_with_covariance(t: np.ndarray, v: np.ndarray, degree: int) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares polynomial of v(t), highest power first, and the covariance of its
    coefficients (zero when no degree of freedom is left to estimate the noise)."""
    vander = np.vander(t, degree + 1)
    coeffs, *_ = np.linalg.lstsq(vander, v, rcond=None)
    dof = len(t) - degree - 1
    if dof <= 0:
        return coeffs, np.zeros((degree + 1, degree + 1))
    resid = v - vander @ coeffs
    return coeffs, float(resid @ resid) / dof * np.linalg.pinv(vander.T @ vander)


def _quadratic_with_accel_sigma(t: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, float]:
    """Quadratic fit of v(t) and the standard error of its acceleration (2 x t² coefficient)."""
    coeffs, cov = _fit_with_covariance(t, v, 2)
    return coeffs, 2.0 * float(np.sqrt(max(cov[0, 0], 0.0)))


def _polyfit(t: np.ndarray, v: np.ndarray, degree: int) -> tuple[np.ndarray, float]:
    degree = min(degree, len(t) - 1)
    coeffs, resid = fit_poly(t, v, degree)
    return coeffs, float(np.sqrt(np.mean(resid * resid)))


def judge_trajectory(
    t_s: np.ndarray,
    xy_m: np.ndarray,
    m_per_px: float,
    rules: PhysicsRules,
    frame_s: float | None = None,
    area_px: np.ndarray | None = None,
    contrast: np.ndarray | None = None,
    strong: np.ndarray | None = None,
    probed: np.ndarray | None = None,
    width_px: np.ndarray | None = None,
    edge_sharpness: np.ndarray | None = None,
) -> Verdict:
    """Judge a track given its times (N,) and facade positions (N, 2) in metres.

    ``m_per_px`` is the typical image scale along the track; it turns the pixel
    measurement noise into a tolerance in metres. ``frame_s`` is the stream's frame
    interval (default: the smallest step between sightings). ``area_px`` are the
    blob areas of the sightings and ``contrast`` their mean grey-level difference
    against the background (sign = brighter or darker), and ``strong`` whether each
    crossed the full motion threshold, ``width_px`` their extent across the image
    and ``edge_sharpness`` how steep their side edges are (NaN where too narrow to
    say), when known. ``probed`` marks sightings found
    below the threshold where the fall was predicted: they count for where the object
    was and that it was seen, but say nothing of its size, contrast or clarity.
    """
    # Most calls are on young tracks: the still run below only shortens a track, so one
    # too short already is told so without looking for it.
    if _too_short(t_s, probed, rules):
        return Verdict(False, "too short")
    # Nothing in flight sits still for frames on end, and a thing at rest on a sill is
    # background: a still blob is a stale compression block or a ghost, which a track
    # may string to something passing it. The fall, if any, starts from its last still
    # sighting.
    if (still_end := _end_of_still_run(t_s, xy_m, rules.still_px * m_per_px, rules.min_still_sightings)) > 0:
        rest = slice(still_end, None)
        t_s, xy_m = t_s[rest], xy_m[rest]
        area_px, contrast, strong, probed, width_px, edge_sharpness = (
            None if a is None else a[rest] for a in (area_px, contrast, strong, probed, width_px, edge_sharpness)
        )
        if _too_short(t_s, probed, rules):
            return Verdict(False, "too short")
    n = len(t_s)
    blob = np.ones(n, bool) if probed is None else ~np.asarray(probed, bool)  # sightings with a blob of their own
    tau = t_s - t_s[0]
    x_m, y_m = xy_m[:, 0], xy_m[:, 1]
    if (ys_px := y_m[0] - y_m.min()) and ys_px / m_per_px < rules.min_descent_px:
        return Verdict(False, "falls too few pixels to judge")
    # A real object is seen in most frames (balconies hide a few); a chain of
    # sightings with many holes is more likely several things joined by the tracker.
    if frame_s is None:
        frame_s = float(np.min(np.diff(t_s)))
    seen_share = n / (round(tau[-1] / frame_s) + 1) if frame_s > 0 else 1.0
    if seen_share < rules.min_seen_share:
        return Verdict(False, f"seen in only {seen_share:.0%} of its frames")
    sized = np.ones(n, bool)
    if area_px is not None:
        # Tumbling and motion blur change an object's blob several-fold, not by
        # orders of magnitude. A few sightings far bigger than the rest are other
        # things taken for a frame (a rain streak, a lump of clutter next to a
        # 2-px object) and are left out like any sighting off the path; many are
        # a chain of different things.
        median_area = max(1.0, float(np.median(area_px[blob])))
        sized &= (area_px <= rules.max_area_spread * median_area) | ~blob
    if width_px is not None and (widths := width_px[blob & (width_px > 0)]).size:
        # The same across the path: a faint blob strung to an insect near the lens is
        # a fraction of its width, however its area compares.
        median_width = float(np.median(widths))
        ratio = np.maximum(width_px / median_width, median_width / np.maximum(width_px, 1))
        sized &= (ratio < rules.max_width_spread) | ~blob | (width_px <= 0)
    if sized[blob].mean() < 1.0 - rules.max_outlier_share or sized.sum() < rules.min_points:
        return Verdict(False, f"blob size varies: {int((~sized).sum())} of {n} sightings far off the usual size")

    descent_m = float(y_m[0] - y_m.min())
    if descent_m < min(rules.min_descent_m, rules.early_descent_m) * 0.9:
        return Verdict(False, "has not fallen far enough", descent_m=descent_m)

    tol_m = rules.residual_floor_m + rules.residual_px * m_per_px
    # A few sightings are off (a stale compression block, a neighbour's blob taken
    # for a frame): drop them if they are few, then judge what remains.
    keep = _inliers(tau, y_m, x_m, 2.0 * tol_m, 2.0 * tol_m + rules.max_sway_m, sized)
    if keep.mean() < 1.0 - rules.max_outlier_share or (keep & blob).sum() < rules.min_points:
        return Verdict(False, "too many sightings off the path", descent_m=descent_m)
    t_s, x_m, y_m = t_s[keep], x_m[keep], y_m[keep]
    tau = t_s - t_s[0]  # from the first sighting kept: the release is looked for from there
    strong = strong[keep] if strong is not None else None
    blob = blob[keep]
    area_px = area_px[keep] if area_px is not None else None
    if strong is not None and contrast is not None:
        strong_share = float(np.mean(strong[blob]))
        median_contrast = float(np.median(np.abs(contrast[keep][blob])))
        if strong_share < rules.min_strong_share or median_contrast < rules.min_median_contrast:
            return Verdict(False, f"too faint for an object ({strong_share:.0%} clear sightings, "
                           f"median contrast {median_contrast:.0f})", descent_m=descent_m)
    if _fell_mostly_unseen(tau, y_m, rules):
        return Verdict(False, "fell mostly while unseen, faster than seen", descent_m=descent_m)
    # Near the motion threshold a blob frays into a few pixels, so its size says
    # little: once enough sightings are clear, the jumps are taken between those.
    clear = blob & strong if strong is not None and (blob & strong).sum() >= rules.min_points else blob
    if area_px is not None and blob.sum() > 2:
        jump = _median_area_jump(area_px[clear])
        if jump > rules.max_area_jump:
            return Verdict(False, f"blob size jumps {np.exp(jump):.1f}-fold between sightings", descent_m=descent_m)
        size_m = float(np.sqrt(np.median(area_px[blob]))) * m_per_px
        if size_m > rules.max_size_m:
            return Verdict(False, f"{size_m:.1f} m across: too big for a thrown object", descent_m=descent_m)
    if edge_sharpness is not None:
        sharp = edge_sharpness[keep][blob]
        sharp = sharp[~np.isnan(sharp)]
        median = float(np.median(sharp)) if len(sharp) >= rules.min_sharpness_sightings else np.inf
        if median < rules.min_edge_sharpness:
            return Verdict(False, f"out of focus (edge sharpness {median:.2f}), like an insect near the lens",
                           descent_m=descent_m)
    n = len(tau)
    # Smoothness: a cubic in time follows ballistic and drag-limited falls alike; a
    # flapping bird, a swaying leaf or an insect leaves a large misfit.
    y_cubic, y_res = _polyfit(tau, y_m, 3)
    x_cubic, x_res = _polyfit(tau, x_m, 3)
    residual_m = float(np.hypot(y_res, x_res))
    # Bags and paper sway sideways as they fall; the vertical path stays smooth.
    if y_res > tol_m or x_res > tol_m + rules.max_sway_m:
        return Verdict(False, "path is not smooth", residual_m=residual_m, descent_m=descent_m)
    # Sway is slow (a bag swings over a second or so); a chain of rain streaks and
    # noise, each sighting a different thing, jumps sideways from frame to frame.
    if _sideways_jitter_m(tau, x_m) > tol_m:
        return Verdict(False, "jumps sideways from sighting to sighting", residual_m=residual_m, descent_m=descent_m)

    fitted_y = np.polyval(y_cubic, tau)
    fitted_descent = float(fitted_y[0] - fitted_y.min())
    early = tau <= max(rules.early_window_s, tau[min(n - 1, rules.min_points - 1)])
    q, accel_sigma = _quadratic_with_accel_sigma(tau[early], y_m[early])
    accel = float(-2.0 * q[0])  # downward positive
    if accel - 1.5 * accel_sigma < rules.min_accel_mps2 and early.sum() > rules.min_points:
        # A tissue reaches its few m/s within a quarter of a second and may then glide
        # sideways, slower for a moment: over the first sightings only, its start from
        # rest is still clear.
        first = slice(None, rules.min_points)
        q_first, sigma_first = _quadratic_with_accel_sigma(tau[first], y_m[first])
        if (a_first := float(-2.0 * q_first[0])) <= rules.max_accel_mps2:
            accel, accel_sigma = a_first, sigma_first
    if fitted_descent < rules.min_descent_m and not _early_alarm_ok(
        tau, y_m, strong, fitted_descent, accel, residual_m / m_per_px, rules
    ):
        return Verdict(False, "has not fallen far enough", descent_m=fitted_descent)
    # The start from rest must show in the clear sightings too: faint blobs before a leaf
    # (a stale block, noise) can bend the early parabola of its steady descent into one.
    if (clear_start := _clear_start(tau, y_m, None if strong is None else strong & blob, early, rules)) is not None:
        a_clear, sigma_clear = clear_start
        if a_clear + 1.5 * sigma_clear < rules.min_accel_mps2:
            return Verdict(False, f"its clear sightings show no fall ({a_clear:.1f} m/s²)", accel_mps2=a_clear,
                           descent_m=fitted_descent)
    # The acceleration must be clearly there, not a wobble of noisy positions on a
    # far, coarse facade (a car creeping down the image, say).
    if accel - 1.5 * accel_sigma < rules.min_accel_mps2 or accel > rules.max_accel_mps2:
        return Verdict(False, f"acceleration {accel:.1f} m/s² is not a fall", accel_mps2=accel,
                       descent_m=fitted_descent, residual_m=residual_m)

    # Nothing that falls freely speeds up faster than gravity, at any point of its path:
    # drag only slows it. A diving bird does, once it has flown level for a while, and an
    # early window that starts on the level part reads as a fall at first.
    if (fastest := _fastest_acceleration(tau, y_m)) > rules.max_accel_mps2:
        return Verdict(False, f"speeds up at {fastest:.0f} m/s² or more on its way, faster than gravity",
                       accel_mps2=accel, descent_m=fitted_descent)

    # No sustained climb once it has started to fall: a swooping bird pulls up.
    k = min(5, n)
    y_smooth = np.convolve(y_m, np.ones(k) / k, mode="valid")
    after_apex = y_smooth[int(np.argmax(y_smooth)) :]  # a toss may rise before it falls
    rise_m = float(np.max(after_apex - np.minimum.accumulate(after_apex)))
    if rise_m > rules.max_rise_after_fall_m + tol_m:
        return Verdict(False, "climbs after it fell", accel_mps2=accel, descent_m=fitted_descent)
    # A fall speeds up from (near) rest; leaves, rain and gliding birds arrive at
    # their speed and keep it.
    v_start = float(-np.polyval(np.polyder(q), 0.0))
    late = tau >= tau[-1] - max(0.4, 0.25 * tau[-1])
    v_late = float(-np.polyfit(tau[late], y_m[late], 1)[0]) if late.sum() >= 3 else v_start
    settled = tau >= rules.settle_s
    v_settled = v_late
    if tau[-1] - rules.settle_s >= rules.min_settled_span_s and settled.sum() >= 3:
        # A robust slope: a few stray blobs strung on at the end (rain under a leaf) do
        # not make a fast faller of a slow one.
        v_settled = -_median_slope(tau[settled], y_m[settled])
    if (v_fall := min(v_late, v_settled)) < rules.min_fall_speed_mps:
        return Verdict(False, f"falls at {v_fall:.1f} m/s, like a leaf", accel_mps2=accel, descent_m=fitted_descent)
    if v_late - v_start < rules.min_speed_gain_mps:
        return Verdict(False, "does not speed up while falling", accel_mps2=accel,
                       descent_m=fitted_descent)
    # Once it falls fast it must be seen moving down from sighting to sighting;
    # noise that sits still, then jumps, then sits still again fits a parabola
    # through its few points but is no falling object (compression leaves such
    # stale blocks behind).
    v_fit = -np.polyval(np.polyder(y_cubic), tau)  # the whole path's speed, drag included
    fast = np.nonzero(v_fit[1:] > rules.fast_speed_mps)[0] + 1  # points whose step from the previous counts
    drop = y_m[fast - 1] - y_m[fast]
    expected = v_fit[fast] * (tau[fast] - tau[fast - 1])
    moving = drop > 0.25 * expected
    if moving.sum() < rules.min_fast_points or moving.mean() < rules.min_descending_share:
        return Verdict(False, "not seen moving down while falling fast", accel_mps2=accel, descent_m=fitted_descent)
    if strong is not None and int(strong[fast[moving]].sum()) < rules.min_strong_fast_points:
        # Faint blobs may carry a track, but a fall made only of them is noise.
        return Verdict(False, "too faint while falling", accel_mps2=accel, descent_m=fitted_descent)
    falling_areas = area_px[fast[0] - 1 :][clear[fast[0] - 1 :]] if area_px is not None else np.zeros(0)
    if len(falling_areas) > rules.min_fast_points:
        # The same smoothness while it falls: a stale blob sitting still for a while has
        # a calm start whose steady size hides a chain of rain streaks after it.
        jump = _median_area_jump(falling_areas)
        if jump > rules.max_area_jump:
            return Verdict(False, f"blob size jumps {np.exp(jump):.1f}-fold between sightings while falling",
                           accel_mps2=accel, descent_m=fitted_descent)
    recent_mps, fastest_mps = _recent_and_fastest_speed(tau, y_m)
    if recent_mps < rules.min_recent_speed_share * fastest_mps and fastest_mps - recent_mps > rules.min_fall_speed_mps:
        return Verdict(False, f"has slowed from {fastest_mps:.1f} to {recent_mps:.1f} m/s: no longer falling",
                       accel_mps2=accel, descent_m=fitted_descent)
    vx = np.polyval(np.polyder(x_cubic), tau)
    if float(np.max(np.abs(vx))) > rules.max_horizontal_speed_mps:
        return Verdict(False, "moves too fast sideways for a throw", accel_mps2=accel,
                       descent_m=fitted_descent)

    # Release: the first sighting, unless the object was already fast then (first
    # frames hidden or too faint): go back along the early parabola towards rest.
    if v_start > rules.max_first_speed_mps:
        # First seen when already this fast, it fell unseen for most of a second:
        # more likely something entering the view (a car, a bird diving in).
        return Verdict(False, f"first seen already falling at {v_start:.0f} m/s", accel_mps2=accel,
                       descent_m=fitted_descent)
    back_s = 0.0
    if v_start > rules.release_speed_mps and accel > 0:
        back_s = min(rules.max_back_extrapolation_s, v_start / accel)
    release_y = float(np.polyval(q, -back_s))
    release_x = float(np.polyval(x_cubic, -back_s)) if back_s else float(np.polyval(x_cubic, 0.0))
    # It has to come from this facade: a thing that enters the view from above the
    # roof or from beside the building, already fast, is no throw from it.
    if rules.facade_size_m is not None:
        width_m, height_m = rules.facade_size_m
        if not (-rules.release_margin_m <= release_x <= width_m + rules.release_margin_m
                and release_y <= height_m + rules.release_margin_m):
            return Verdict(False, "does not come from the facade", accel_mps2=accel, descent_m=fitted_descent)

    g_closeness = float(np.exp(-(((accel - G_MPS2) / 6.0) ** 2)))
    smooth = float(np.exp(-((residual_m / tol_m) ** 2)))
    length = float(min(1.0, fitted_descent / (2 * rules.min_descent_m)))
    score = 0.5 + 0.2 * g_closeness + 0.2 * smooth + 0.1 * length
    return Verdict(
        True,
        "falls like a thrown object",
        score=min(1.0, score),
        accel_mps2=accel,
        descent_m=fitted_descent,
        residual_m=residual_m,
        t_release=float(t_s[0] - back_s),
        release_m=(release_x, release_y),
    )


def _early_alarm_ok(
    tau: np.ndarray, y_m: np.ndarray, strong: np.ndarray | None, fitted_descent_m: float, accel_mps2: float,
    misfit_px: float, rules: PhysicsRules,
) -> bool:
    """May a track that has not yet fallen the alarm distance alarm already?

    An object that has fallen most of it with clean free-fall acceleration cannot
    stop in mid-air, so the guard is told now instead of a few frames later. Three
    things only look like that, and wait for the full distance instead: a descent
    that only faint blobs carry (a leaf's track continued by noise further down),
    a path that speeds up in its first half second only (a leaf that hung still,
    then sails down at a steady pace), and a short path that misses its cubic by more
    than ``early_max_misfit_px`` (``misfit_px``: RMS of both axes, image px), like an
    insect weaving past the lens.
    """
    if (
        fitted_descent_m < rules.early_descent_m
        or len(tau) < rules.early_min_points
        or accel_mps2 < rules.early_min_accel_mps2
        or (misfit_px > rules.early_max_misfit_px and tau[-1] < rules.early_misfit_look_s)
    ):
        return False
    whole, _ = _polyfit(tau, y_m, 2)
    if -2.0 * float(whole[0]) < rules.min_accel_mps2:
        return False
    if strong is None:
        return True
    y_clear_m = y_m[strong]
    return len(y_clear_m) > 0 and float(y_clear_m[0] - y_clear_m.min()) >= rules.early_descent_m


def _fastest_acceleration(tau: np.ndarray, y_m: np.ndarray) -> float:
    """The downward acceleration (m/s²) that a cubic through the path shows beyond doubt
    (fitted value less 1.5 standard errors) at whichever end of the path it is larger,
    with and without the latest sighting (the lesser of the two): a track often takes a
    stray blob as its object leaves, and one far-off end point bends a cubic at its end."""
    return min(_cubic_end_acceleration(tau, y_m), _cubic_end_acceleration(tau[:-1], y_m[:-1]))


def _cubic_end_acceleration(tau: np.ndarray, y_m: np.ndarray) -> float:
    """Downward acceleration (m/s²) of a cubic through the path, less 1.5 standard errors,
    at whichever of its two ends it is larger."""
    coeffs, cov = _fit_with_covariance(tau, y_m, 3)
    fastest = -np.inf
    for t in (0.0, float(tau[-1])):
        grad = np.array([6.0 * t, 2.0, 0.0, 0.0])  # d²y/dt² at t, per coefficient
        fastest = max(fastest, float(-(grad @ coeffs)) - 1.5 * float(np.sqrt(max(grad @ cov @ grad, 0.0))))
    return fastest


def _sideways_jitter_m(tau: np.ndarray, x_m: np.ndarray) -> float:
    """Median distance (m) of each inner sighting from the straight line between its two
    neighbours in time: about the centroid noise for one object, swaying or not."""
    if len(tau) < 3:
        return 0.0
    share = (tau[1:-1] - tau[:-2]) / (tau[2:] - tau[:-2])
    between = x_m[:-2] + share * (x_m[2:] - x_m[:-2])
    return float(np.median(np.abs(x_m[1:-1] - between)))


def _fell_mostly_unseen(tau: np.ndarray, y_m: np.ndarray, rules: PhysicsRules) -> bool:
    """Did most of the descent happen across one unseen stretch, faster than the object
    fell both before and after it? Then it is two things strung together (a leaf
    drifting, then a blob further down that hardly moves). A sheet that turns edge-on
    for a while also falls unseen, but at the pace it is seen falling at either end.
    """
    gaps_s = np.diff(tau)
    drops_m = y_m[:-1] - y_m[1:]
    descent_m = float(y_m[0] - y_m.min())
    around_s = 2.0 * rules.unseen_gap_s  # how fast it fell just before and just after
    for k in np.nonzero((gaps_s >= rules.unseen_gap_s) & (drops_m > rules.max_unseen_descent_share * descent_m))[0]:
        before = (tau >= tau[k] - around_s) & (tau <= tau[k])
        after = (tau >= tau[k + 1]) & (tau <= tau[k + 1] + around_s)
        if before.sum() < 2 or after.sum() < 2:
            continue  # too little seen on one side to say how fast it fell there
        seen_mps = max(-np.polyfit(tau[side], y_m[side], 1)[0] for side in (before, after))
        if drops_m[k] / gaps_s[k] > rules.unseen_pace_ratio * max(float(seen_mps), 0.0) + rules.unseen_pace_slack_mps:
            return True
    return False


def _median_area_jump(area_px: np.ndarray) -> float:
    """Median |log area ratio| between consecutive sightings."""
    return float(np.median(np.abs(np.diff(np.log(np.maximum(area_px, 1.0))))))


def _too_short(t_s: np.ndarray, probed: np.ndarray | None, rules: PhysicsRules) -> bool:
    """Too few sightings with a blob of their own, or too short a time, to judge."""
    blobs = len(t_s) if probed is None else int(np.count_nonzero(~np.asarray(probed, bool)))
    return blobs < rules.min_points or t_s[-1] - t_s[0] < rules.min_duration_s


def _end_of_still_run(t_s: np.ndarray, xy_m: np.ndarray, still_m: float, run: int) -> int:
    """Index of the last sighting of the latest run of ``run`` sightings that stay within
    ``still_m`` of its end, among those in the first half of the track's time; 0 if none."""
    head = int(np.count_nonzero(t_s - t_s[0] <= 0.5 * (t_s[-1] - t_s[0])))  # times are in order
    if head < run:
        return 0
    xy = xy_m[:head]
    # Most tracks move: without run - 1 short steps there is no still run (cheap, and
    # judging runs on every sighting of every track).
    if int((np.hypot(*np.diff(xy, axis=0).T) <= 2.0 * still_m).sum()) < run - 1:
        return 0
    windows = np.lib.stride_tricks.sliding_window_view(xy, run, axis=0)  # (head - run + 1, 2, run)
    still = np.max(np.hypot(*(windows - xy[run - 1 :, :, None]).transpose(1, 0, 2)), axis=1) <= still_m
    hits = np.nonzero(still)[0]
    return int(hits[-1]) + run - 1 if hits.size else 0


def _recent_and_fastest_speed(tau: np.ndarray, y_m: np.ndarray, steps: int = 3) -> tuple[float, float]:
    """Downward speed (m/s) over the latest ``steps`` steps between sightings, and the
    fastest over any earlier run of as many steps."""
    if len(tau) <= steps + 1:
        return 0.0, 0.0
    speed = (y_m[:-steps] - y_m[steps:]) / np.maximum(tau[steps:] - tau[:-steps], 1e-6)
    return float(speed[-1]), float(np.max(speed[:-1]))


def _median_slope(t: np.ndarray, v: np.ndarray) -> float:
    """Robust slope of v(t) (units of v per unit of t): the median of the slopes between
    each point and the one half the points later. Stray points, fewer than half, move it
    little; a least-squares line bends to them."""
    half = len(t) // 2
    return float(np.median((v[half:2 * half] - v[:half]) / (t[half:2 * half] - t[:half])))


def _clear_start(
    tau: np.ndarray, y_m: np.ndarray, clear: np.ndarray | None, early: np.ndarray, rules: PhysicsRules
) -> tuple[float, float] | None:
    """Downward acceleration (m/s²) and its standard error over the first clear sightings:
    those of the ``early`` window, or the first ``min_points`` when it holds fewer. None
    when not known or too few are clear."""
    if clear is None:
        return None
    first = np.nonzero(clear)[0][: max(rules.min_points, int((early & clear).sum()))]
    if first.size < rules.min_points:
        return None
    q, sigma = _quadratic_with_accel_sigma(tau[first], y_m[first])
    return float(-2.0 * q[0]), sigma
