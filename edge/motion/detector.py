"""Per-frame change detection against a running background, at full resolution.

Falling objects in real footage are tiny (2-3 px at 1080p), so nothing here shrinks
the frame before deciding what changed: the difference, the noise estimate and the
threshold all run at full resolution inside the facade's bounding box. Only the
already-binary mask is pooled 4x4 to find connected blobs cheaply; each blob is then
measured at full resolution.

Coordinates: image px of the full frame (x right, y down). Grey levels: 0-255 luma.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edge.config.camera import MotionConfig
from edge.motion.candidate import Candidate
from edge.motion.difference import DifferenceStage, difference_stage
from edge.motion.light import light_change
from edge.motion.region import Region
from edge.motion.sharpness import MARGIN_PX, MAX_WIDTH_PX, MIN_WIDTH_PX, edge_sharpness, measured_rows
from edge.motion.signal import FrameSignal

POOL = 4  # mask pooling factor used to find blobs
TILE_PX = 32  # side of the tiles over which the noise is estimated
NOISE_REFRESH_FRAMES = 5
WEAK_SHARE = 0.8  # the weak threshold, as a share of the full one
FLICKER_RATE = 0.01  # per frame: the flicker map remembers about four seconds at 25 fps
FLICKER_MAX = 0.1  # cells changed in more than this share of recent frames are ignored (an
# object at rest before it falls needs ~10 frames in one cell to reach it)
# An H.264 key frame re-quantises the whole view, and the frames after it copy its
# texture: the background takes it in at this weight (see ``process``).
KEY_FRAME_BLEND = 0.4
SHAKE_FRAMES = 4  # disturbed frames in a row before the background restarts
# Pixels count as changed (for the share of the view that changed) at 5 noise multiples
# of the absolute difference: the mean |difference| of Gaussian noise is 0.8 sigma.
CHANGED_GAIN = 1.25 * 5.0
FOREGROUND_SLOWDOWN = 8  # how much slower changed pixels blend into the background


@dataclass
class MotionResult:
    """What one frame's change detection found."""

    candidates: list[Candidate]
    disturbed: bool  # a global change (shake, IR switch, exposure jump): candidates suppressed
    changed_share: float  # share of region pixels whose absolute difference changed by 5 noise multiples
    signal: FrameSignal | None = None  # the frame's arrays, to look below threshold (None when disturbed)


class MotionDetector:
    """Background-subtraction motion for one camera.

    The background is an exponential running average with time constant
    ``config.background_s``; foreground pixels are blended in slower, so a slow object
    is not absorbed. Changes of light (cloud shadows, exposure steps, IR switching) are
    fitted per 64-px tile as a gain and an offset and put into the background first
    (``light_change``); objects are then found where the 3x3 mean of the signed
    difference exceeds ``config.threshold`` times a per-tile noise estimate. Whether the
    whole view changed (shake, a crowd) is judged on the mean absolute difference instead.
    """

    def __init__(
        self,
        region: Region,
        config: MotionConfig,
        fps: float,
        disturbed_share: float = 0.02,
        max_candidates: int = 300,
        difference: DifferenceStage | None = None,
    ) -> None:
        self.region = region
        self.difference = difference or difference_stage(config.backend)
        self.config = config
        self.alpha = float(min(1.0, 1.0 / max(1.0, config.background_s * fps)))
        self.disturbed_share = disturbed_share
        self.max_candidates = max_candidates
        x0, y0, x1, y1 = region.bbox
        self._crop = (slice(y0, y1), slice(x0, x1))
        self._offset = np.array([x0, y0], dtype=np.float64)
        self._offset_px = (int(x0), int(y0))
        self._mask = np.ascontiguousarray(region.mask[self._crop])
        # Where a blob may start a track: the facade itself, not the margin beside it.
        self._core = np.ascontiguousarray(region.core[self._crop]) if region.has_margin else None
        self._mask_px = max(1, int(np.count_nonzero(self._mask)))
        h, w = self._mask.shape
        self._tiles = (max(1, w // TILE_PX), max(1, h // TILE_PX))
        self._background: np.ndarray | None = None
        self._background_u8: np.ndarray | None = None
        self._warmup_left = 0
        self._frame_parity = 0
        self._disturbed_run = 0
        self._thresh: np.ndarray | None = None
        self._thresh_weak: np.ndarray | None = None
        self._thresh_changed: np.ndarray | None = None
        self._young_frames = 0  # frames left whose noise levels are refreshed every frame
        self._flicker: np.ndarray | None = None
        self._frames_since_noise = 0
        self._pool_kernel = np.ones((POOL, POOL), np.uint8)
        # The mean |x| of Gaussian noise is 0.8 sigma (here the sigma of the 3x3 mean), so
        # ``threshold`` sigmas sit at 1.25 x threshold times a tile's mean. Compression noise is
        # spatially correlated and heavy-tailed (block edges), so it takes many sigmas:
        # the default of 8 leaves H.264 video at crf 26 as cluttered as the absolute
        # difference did at 5, while a 2-4 px object is found in more of its frames.
        self._noise_gain = 1.25 * config.threshold

    def reset(self) -> None:
        """Forget the background (after a stream reconnect, say)."""
        self._background = None

    def process(self, gray: np.ndarray, key_frame: bool = False) -> MotionResult:
        """Find candidates in one H x W uint8 luma frame of the full image.

        ``key_frame``: the frame is intra-coded (``Frame.key_frame``). Its quantisation
        differs from the frames before it all over the view, by several grey levels in
        daylight, and the frames after it copy its texture. Compared with the old
        background that reads as noise: every tile's level rises and a faint object
        goes unseen for a second or more, after every key frame, which cameras send
        every one or two seconds. The background takes the key frame in at once, at
        ``KEY_FRAME_BLEND`` (not where something moves); a full restart from it would
        be a noisier background than the running average, at dusk and at night above all.
        """
        roi = gray[self._crop]
        if self._background is None or self._background.shape != roi.shape:
            self._background = roi.astype(np.float32)
            self._background_u8 = roi.copy()
            self._warmup_left = 2
            self._thresh = None
            return MotionResult([], disturbed=True, changed_share=0.0)

        # The 3x3 mean inside keeps a 2-px object (it covers half the window) but cuts
        # the spread of single-pixel sensor noise by 3, so noise rarely forms candidates.
        lit = self._lit_background(roi)
        signed_mean, changed_abs = self.difference(roi, lit)
        if key_frame and self._thresh is not None:
            moving = cv2.compare(signed_mean, self._thresh, cv2.CMP_GT)  # not taken in
            cv2.accumulateWeighted(roi, self._background, KEY_FRAME_BLEND, mask=cv2.bitwise_not(moving))
            self._background_u8 = cv2.convertScaleAbs(self._background)
            lit = self._lit_background(roi)
            signed_mean, changed_abs = self.difference(roi, lit)
        if self._thresh is None and self._thresh_changed is not None:
            share = self._changed_share(changed_abs)
            if share > self.disturbed_share:
                # The background restarted (see below) on a frame the view has moved on
                # from already: a shaken camera swinging on. Noise levels taken now would be
                # that swing's, high enough to leave motion deaf for seconds; start again here.
                self._restart(roi)
                return MotionResult([], disturbed=True, changed_share=share)
        # Per-tile noise level: the tile's mean of the (signed-mean) difference, estimated
        # on every 4th pixel and refreshed every few frames (noise changes slowly; a
        # sudden global change is caught by the changed share below). Smooth
        # lighting changes raise it too, which keeps cloud shadows from firing.
        if self._thresh is None or self._frames_since_noise >= NOISE_REFRESH_FRAMES or self._young_frames:
            full = self._tile_thresholds(signed_mean, self._noise_gain)
            weak = np.maximum(full * WEAK_SHARE, self.config.min_contrast * WEAK_SHARE)
            self._thresh, self._thresh_weak = (self._per_pixel(m, signed_mean.shape) for m in (full, weak))
            self._thresh_changed = self._per_pixel(self._tile_thresholds(changed_abs, CHANGED_GAIN), roi.shape)
            self._frames_since_noise = 0
            self._young_frames = max(0, self._young_frames - 1)
        self._frames_since_noise += 1
        fg = cv2.compare(signed_mean, self._thresh, cv2.CMP_GT)
        cv2.bitwise_and(fg, self._mask, dst=fg)
        changed = cv2.countNonZero(fg)
        # How much of the view changed is judged on the absolute difference: a crowd or
        # a shaken camera changes much of it, though the signed means of mixed light
        # and dark parts cancel.
        share = self._changed_share(changed_abs)

        if share > self.disturbed_share or self._warmup_left > 0:
            # Shake, exposure flicker or IR switch: no candidates from this frame (the
            # tracker bridges it). A short disturbance leaves the background alone,
            # since a shaken camera swings back; a lasting one means the scene really
            # changed, and the background restarts from the current frame.
            self._warmup_left = max(0, self._warmup_left - 1)
            self._disturbed_run += 1
            if self._disturbed_run > SHAKE_FRAMES:
                self._restart(roi)
            return MotionResult([], disturbed=True, changed_share=share)
        self._disturbed_run = 0

        # The background moves slowly, so updating it every other frame (with twice
        # the weight) halves its cost at no visible loss. Foreground pixels learn
        # too, only slower: a ghost (something that stopped, or a light left on)
        # must fade, while a moving object must not be absorbed.
        self._frame_parity ^= 1
        if self._frame_parity:
            cv2.accumulateWeighted(roi, self._background, 2 * self.alpha, mask=cv2.bitwise_not(fg))
            if changed:
                cv2.accumulateWeighted(roi, self._background, 2 * self.alpha / FOREGROUND_SLOWDOWN, mask=fg)
            self._background_u8 = cv2.convertScaleAbs(self._background)
        # Hysteresis: blobs are grown from a lower threshold so that a faint object
        # keeps its track (the tracker only lets weak blobs extend tracks), while
        # only blobs that also cross the full threshold may start new tracks.
        fg_weak = cv2.compare(signed_mean, self._thresh_weak, cv2.CMP_GT)
        cv2.bitwise_and(fg_weak, self._mask, dst=fg_weak)
        candidates = self._blobs(fg_weak, fg, signed_mean, roi, lit) if changed or cv2.countNonZero(fg_weak) else []
        signal = FrameSignal(signed_mean, self._thresh, self._mask, roi, lit, self._offset_px)
        return MotionResult(candidates, disturbed=False, changed_share=share, signal=signal)

    def _restart(self, roi: np.ndarray) -> None:
        """Start the background again from this frame; the next one is not searched."""
        self._background = roi.astype(np.float32)
        self._background_u8 = roi.copy()
        self._thresh = None
        self._disturbed_run = 0
        self._warmup_left = 1
        # A one-frame background grows noisier over the next frames as they drift from it:
        # the noise levels follow every frame for a while.
        self._young_frames = 2 * NOISE_REFRESH_FRAMES

    def _changed_share(self, changed_abs: np.ndarray) -> float:
        """Share of the watched pixels whose mean absolute difference crosses its level."""
        moved = cv2.compare(changed_abs, self._thresh_changed, cv2.CMP_GT)
        cv2.bitwise_and(moved, self._mask, dst=moved)
        return cv2.countNonZero(moved) / self._mask_px

    def _lit_background(self, roi: np.ndarray) -> np.ndarray:
        """The background as lit like this frame: the change of light (a cloud shadow, an
        exposure step, the IR switch: ``light_change``) put in, interpolated smoothly
        between tile centres. People, cars or a falling object covering part of a
        tile do not move it."""
        bg_u8 = self._background_u8
        change = light_change(roi, bg_u8)
        if change.steady:
            return bg_u8  # steady light: the common case costs next to nothing
        size = (roi.shape[1], roi.shape[0])
        lit = self._background
        if change.scaled:
            lit = cv2.multiply(lit, cv2.resize(change.gain, size, interpolation=cv2.INTER_LINEAR))
        lit = cv2.add(lit, cv2.resize(change.offset, size, interpolation=cv2.INTER_LINEAR))
        return cv2.convertScaleAbs(np.maximum(lit, 0, out=lit))

    def _tile_thresholds(self, diff: np.ndarray, gain: float) -> np.ndarray:
        """Per-tile thresholds (float grey levels): ``gain`` times the tile's mean difference."""
        sub = diff[::4, ::4]
        # Clip before averaging so a moving object does not raise its own tile's
        # threshold (it may cover a tenth of a 32-px tile).
        cap = int(min(255, 3 * float(sub.mean()) + 3))
        level = cv2.resize(np.minimum(sub, cap), self._tiles, interpolation=cv2.INTER_AREA).astype(np.float32)
        return np.maximum(level * gain + 1.0, self.config.min_contrast)

    @staticmethod
    def _per_pixel(tiles: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """Tile thresholds spread over the pixels (uint8, H x W of ``shape``)."""
        tiles_u8 = np.clip(tiles, 0, 255).astype(np.uint8)
        return cv2.resize(tiles_u8, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)

    def _blobs(
        self, fg: np.ndarray, fg_strong: np.ndarray, signed_mean: np.ndarray, roi: np.ndarray, lit: np.ndarray
    ) -> list[Candidate]:
        """Blobs of ``fg`` (pooled 4x4 so a streak or a split object stays one), each
        measured at full resolution. Vectorised over the changed pixels, which are
        few, so the cost does not grow with the number of blobs.
        """
        # Any foreground pixel in a 4x4 cell makes the pooled cell non-zero.
        pooled = np.ascontiguousarray(cv2.dilate(fg, self._pool_kernel, anchor=(0, 0))[::POOL, ::POOL])
        # Cells that keep changing (flickering texture, a curtain, a tree) are
        # counted; a falling object crosses a cell in a frame or two.
        if self._flicker is None or self._flicker.shape != pooled.shape:
            self._flicker = np.zeros(pooled.shape, np.float32)
        cv2.accumulateWeighted(pooled, self._flicker, FLICKER_RATE)
        pooled[self._flicker > FLICKER_MAX * 255] = 0
        n, labels, stats, _ = cv2.connectedComponentsWithStats(pooled, connectivity=8)
        if n <= 1:
            return []
        pts = cv2.findNonZero(fg).reshape(-1, 2)  # (N, 2) x, y of changed pixels
        xs, ys = pts[:, 0], pts[:, 1]
        lab = labels[ys // POOL, xs // POOL]  # 0 where the cell was dropped as flicker
        weight = signed_mean[ys, xs].astype(np.float64)
        total = np.bincount(lab, weights=weight, minlength=n)
        area = np.bincount(lab, minlength=n)
        cx = np.bincount(lab, weights=weight * xs, minlength=n)
        cy = np.bincount(lab, weights=weight * ys, minlength=n)
        signed = roi[ys, xs].astype(np.float64) - lit[ys, xs]
        contrast = np.bincount(lab, weights=signed, minlength=n)
        strong = np.bincount(lab, weights=(fg_strong[ys, xs] > 0), minlength=n) > 0
        order = np.argsort(-area[1:])[: self.max_candidates] + 1
        ox, oy = self._offset
        out: list[Candidate] = []
        for k in order:
            if area[k] == 0:
                continue
            x, y = float(cx[k] / total[k]), float(cy[k] / total[k])
            width_px = int(stats[k, cv2.CC_STAT_WIDTH]) * POOL
            sharpness = None
            if MIN_WIDTH_PX <= width_px <= MAX_WIDTH_PX:
                left, top = int(stats[k, cv2.CC_STAT_LEFT]) * POOL, int(stats[k, cv2.CC_STAT_TOP]) * POOL
                rows = measured_rows(top, min(int(stats[k, cv2.CC_STAT_HEIGHT]) * POOL, roi.shape[0] - top))
                cols = slice(max(0, left - MARGIN_PX), left + width_px + MARGIN_PX)
                sign = 1.0 if contrast[k] >= 0 else -1.0
                sharpness = edge_sharpness(sign * (roi[rows, cols].astype(np.float64) - lit[rows, cols]))
            out.append(
                Candidate(
                    x_px=x + ox,
                    y_px=y + oy,
                    area_px=int(area[k]),
                    width_px=width_px,
                    height_px=int(stats[k, cv2.CC_STAT_HEIGHT]) * POOL,
                    contrast=float(contrast[k] / area[k]),
                    strong=bool(strong[k]),
                    edge_sharpness=sharpness,
                    beside_facade=self._core is not None and not self._core[int(y), int(x)],
                )
            )
        return out
