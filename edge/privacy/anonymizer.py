"""Anonymise every frame of a clip and every snapshot before it is encoded.

One object per camera stream. It fails closed: when the face model cannot be
loaded or throws, it raises PrivacyUnavailable, switches ``state`` to "withheld"
for good (until the node restarts with a working model), and the caller sends the
event as metadata only, flagged ``"privacy": "withheld"``.

Clips (``anonymize_iter``) are scanned for faces on every ``scan_stride``-th frame
only, which the two-way temporal hold makes safe: every skipped frame lies at most
``scan_stride - 1`` frames before a scanned one (the last frame of a clip is always
scanned), the stride is capped at ``hold_frames + 1``, and a frame is only rendered
once the next scanned frame after it has been seen. So a face first visible in a
skipped frame is found in the next scanned frame and held back onto it along its
track, a face that leaves is held forward, and in between the box is interpolated
(tests/test_privacy_stride.py). Single frames (``anonymize``) and snapshots are
always scanned.

Frames are H x W x 3 uint8 BGR arrays in frame px; outputs are new arrays.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Literal

import numpy as np

from edge.config.camera import PrivacyConfig
from edge.privacy.blur import blur_ellipses, blur_mask, polygons_mask
from edge.privacy.centerface import FaceDetector
from edge.privacy.errors import PrivacyUnavailable
from edge.privacy.hold import BoxHold
from edge.privacy.model_files import MODEL_VERSION, default_models_dir, verified_model_path
from edge.privacy.persons import PersonDetector, bodies_from_faces
from edge.privacy.scanner import FaceScanner

PrivacyState = Literal["ok", "withheld"]
# Clips: scan every 2nd frame, halving detector time (see module docstring). The
# stride test passed at 2, 3 and 4 and leaked at 6, where held boxes drift off a
# fast face; the hold_frames cap is necessary, not sufficient.
SCAN_STRIDE = 2


class Anonymizer:
    """Blurs faces (with temporal hold), optionally whole persons, and fixed polygons."""

    def __init__(
        self, privacy: PrivacyConfig, detector: FaceDetector | None, scan_stride: int = SCAN_STRIDE
    ) -> None:
        if (privacy.faces or privacy.persons) and detector is None:
            raise PrivacyUnavailable("faces or persons must be blurred but no face model is loaded")
        self.privacy = privacy
        self.state: PrivacyState = "ok"
        self.reason = ""
        self.model_version = MODEL_VERSION if detector is not None else "none"
        self.scanner = (
            FaceScanner(
                detector,
                min_face_px=privacy.min_face_px,
                threshold=privacy.face_threshold,
                full_scan_frames=privacy.full_scan_frames,
            )
            if detector is not None
            else None
        )
        self._persons = PersonDetector() if privacy.persons else None
        self._faces = BoxHold(privacy.hold_frames)
        self._bodies = BoxHold(privacy.hold_frames)
        self._polygons = [np.asarray(p, dtype=np.float32) for p in privacy.polygons]
        self._polygon_mask: np.ndarray | None = None
        self._frame = 0
        # A stride the backward hold cannot bridge would leave skipped frames unblurred.
        self.scan_stride = max(1, min(scan_stride, privacy.hold_frames + 1))

    @classmethod
    def from_config(
        cls, privacy: PrivacyConfig, models_dir: str | Path | None = None
    ) -> Anonymizer:
        """Load the verified face model (when faces or persons are on) and build one.

        Raises PrivacyUnavailable when the model is missing, altered or unloadable.
        """
        detector = None
        if privacy.faces or privacy.persons:
            path = verified_model_path(Path(models_dir) if models_dir else default_models_dir())
            detector = FaceDetector(path, threads=privacy.threads)
        return cls(privacy, detector)

    @classmethod
    def load_or_withhold(
        cls, privacy: PrivacyConfig, models_dir: str | Path | None = None
    ) -> Anonymizer:
        """Like ``from_config``, but a model that cannot load gives a "withheld" anonymizer.

        For the edge node, which keeps running and reports the state in its
        heartbeat; every call of the returned object raises PrivacyUnavailable.
        """
        try:
            return cls.from_config(privacy, models_dir)
        except PrivacyUnavailable as exc:
            withheld = cls(PrivacyConfig(faces=False, persons=False), None)
            withheld.state = "withheld"
            withheld.reason = str(exc)
            return withheld

    def reset(self) -> None:
        """Forget the previous clip: the next frame is scanned whole."""
        if self.scanner is not None:
            self.scanner.reset()
        self._faces.reset()
        self._bodies.reset()
        self._frame = 0

    def anonymize(self, bgr: np.ndarray) -> np.ndarray:
        """The next frame of the stream, anonymised; holds faces forward in time.

        Faces are held after they were last seen; to also blur them in the frames
        before they were first found, use ``anonymize_frames``/``anonymize_iter``.
        """
        self._check(bgr)
        self._observe(bgr, self._frame)
        out = self._render(bgr, self._frame)
        self._frame += 1
        return out

    def anonymize_iter(self, frames: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        """Anonymised frames of one clip, in order, held both ways in time.

        Each frame is emitted once the ``hold_frames`` after it have been seen
        (which includes the next scanned one, since ``scan_stride <= hold_frames + 1``),
        so memory stays at ``hold_frames + 1`` frames.
        """
        self.reset()
        pending: deque[tuple[int, np.ndarray]] = deque()
        last_scan = -1
        for bgr in frames:
            self._check(bgr)
            if self._frame % self.scan_stride == 0:
                self._observe(bgr, self._frame, self._frame - last_scan)
                last_scan = self._frame
            pending.append((self._frame, bgr))
            self._frame += 1
            if len(pending) > self.privacy.hold_frames:
                index, old = pending.popleft()
                yield self._render(old, index)
        if pending and pending[-1][0] != last_scan:
            # No later scan exists to hold a face back onto the clip's last frames.
            index, old = pending[-1]
            self._observe(old, index, index - last_scan)
        while pending:
            index, old = pending.popleft()
            yield self._render(old, index)

    def anonymize_frames(self, frames: Iterable[np.ndarray]) -> list[np.ndarray]:
        """All frames of one clip anonymised (see ``anonymize_iter``); resets before and after."""
        out = list(self.anonymize_iter(frames))
        self.reset()
        return out

    def anonymize_snapshot(self, bgr: np.ndarray) -> np.ndarray:
        """One still image, scanned whole; does not disturb a clip in progress."""
        self._check(bgr)
        faces = np.zeros((0, 4), np.float32)
        if self.scanner is not None:
            faces = self._guard(lambda: self.scanner.scan_whole(bgr))[:, :4]
        bodies = np.zeros((0, 4), np.float32)
        if self._persons is not None and self.scanner is not None:
            found = self._persons.detect(bgr, self.scanner.last_regions)
            bodies = np.concatenate([found, bodies_from_faces(faces)])
        return self._blur(bgr, faces if self.privacy.faces else np.zeros((0, 4)), bodies)

    def _observe(self, bgr: np.ndarray, index: int, frames_since: int = 1) -> None:
        """Scan frame ``index`` of the stream (``frames_since`` after the previous scan)."""
        if self.scanner is None:
            return
        scanner = self.scanner
        expected = self._faces.boxes_at(index)
        faces = self._guard(lambda: scanner.scan(bgr, expected, frames_since))
        self._faces.update(index, faces)
        if self._persons is not None:
            people = self._persons.detect(bgr, scanner.last_regions)
            bodies = np.concatenate([people, bodies_from_faces(faces)])
            self._bodies.update(index, bodies)

    def _render(self, bgr: np.ndarray, index: int) -> np.ndarray:
        faces = self._faces.boxes_at(index) if self.privacy.faces else np.zeros((0, 4))
        bodies = self._bodies.boxes_at(index) if self.privacy.persons else np.zeros((0, 4))
        return self._blur(bgr, faces, bodies)

    def _blur(self, bgr: np.ndarray, faces: np.ndarray, bodies: np.ndarray) -> np.ndarray:
        out = blur_ellipses(bgr, faces, self.privacy.margin) if len(faces) else bgr.copy()
        if len(bodies):
            out = blur_ellipses(out, bodies, 0.1)
        if self._polygons:
            if self._polygon_mask is None or self._polygon_mask.shape != bgr.shape[:2]:
                self._polygon_mask = polygons_mask(bgr.shape, self._polygons)
            out = blur_mask(out, self._polygon_mask)
        return out

    def _check(self, bgr: np.ndarray) -> None:
        if self.state != "ok":
            raise PrivacyUnavailable(f"imagery withheld: {self.reason}")
        if not isinstance(bgr, np.ndarray) or bgr.ndim != 3 or bgr.shape[2] != 3 or bgr.dtype != np.uint8:
            what = f"{bgr.shape} {bgr.dtype}" if isinstance(bgr, np.ndarray) else type(bgr).__name__
            raise ValueError(f"expected an H x W x 3 uint8 BGR frame, got {what}")

    def _guard(self, scan: Callable[[], np.ndarray]) -> np.ndarray:
        try:
            return scan()
        except Exception as exc:
            # Any failure while looking for faces, not only the model's, means the
            # frame's privacy is unknown: withhold imagery from now on.
            self.state = "withheld"
            self.reason = str(exc)
            if isinstance(exc, PrivacyUnavailable):
                raise
            raise PrivacyUnavailable(f"face scan failed: {exc}") from exc
