"""Clips are scanned on every ``scan_stride``-th frame; the two-way hold must cover the rest.

Real faces (astronaut, Intel's walking GIF) appear, move and disappear on every
phase of the stride; every output frame is audited at the true face location
(detector at the anonymiser's fine scale, no score >= 0.3 allowed). A control with
the hold switched off shows that the audit does catch a face on a skipped frame.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.config.camera import PrivacyConfig
from edge.privacy import Anonymizer
from edge.privacy.audit import faces_left
from edge.privacy.centerface import FaceDetector
from edge.privacy.faceset import FacePatch, cut_faces, facade_scene, packaged_file, paste, video_frames

FACES = Path(__file__).parent / "data" / "faces"
N_FRAMES = 20
SPEED_PX = 8  # per frame: fast enough that a box held in place would not cover the face


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return Anonymizer.from_config(PrivacyConfig()).scanner.detector


@pytest.fixture(scope="module")
def patches(detector: FaceDetector) -> list[FacePatch]:
    astronaut = cv2.imread(str(packaged_file("scikit-image", "data/astronaut.png")))
    walking = video_frames(FACES / "face-demographics-walking.gif")[0]
    return [cut_faces(detector, "astronaut", astronaut, 1.0)[0], cut_faces(detector, "walking", walking)[0]]


def clip_with_faces(patches: list[FacePatch], first: int, last: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """960x540 facade frames; both faces visible in frames ``first..last``, moving. Returns frames, true boxes."""
    base = facade_scene(960, 540, seed=7)
    frames, truth = [], []
    for i in range(N_FRAMES):
        frame = base.copy()
        boxes = []
        if first <= i <= last:
            step = i - first
            boxes.append(paste(frame, patches[0], 24, 100 + SPEED_PX * step, 300 - 2 * step))
            boxes.append(paste(frame, patches[1], 20, 700 - SPEED_PX * step, 120 + 3 * step))
        frames.append(frame)
        truth.append(np.array(boxes, dtype=np.float32).reshape(-1, 4))
    return frames, truth


def leaked_frames(detector: FaceDetector, out: list[np.ndarray], truth: list[np.ndarray]) -> list[int]:
    """Indices of output frames in which a face still scores >= 0.3 where a true face is."""
    leaked = []
    for i, (frame, boxes) in enumerate(zip(out, truth, strict=True)):
        for box in boxes:
            # A window of three face sizes around the face: the detector sees its context.
            pad = 3 * max(box[2] - box[0], box[3] - box[1])
            x1, y1 = int(max(0, box[0] - pad)), int(max(0, box[1] - pad))
            x2, y2 = int(min(frame.shape[1], box[2] + pad)), int(min(frame.shape[0], box[3] + pad))
            local = box[None, :] - np.array([x1, y1, x1, y1], dtype=np.float32)
            if len(faces_left(detector, frame[y1:y2, x1:x2], local)):
                leaked.append(i)
                break
    return leaked


def scheduled_cases(stride: int) -> list[tuple[int, int]]:
    """(first, last) visible frame for every pair of stride phases, and faces entering at the clip's end."""
    cases = [(5 + a, 12 + b) for a in range(stride) for b in range(stride)]
    cases += [(N_FRAMES - 1 - k, N_FRAMES - 1) for k in range(stride)]
    return cases


def test_default_clip_scan_skips_frames(detector: FaceDetector) -> None:
    anonymizer = Anonymizer(PrivacyConfig(), detector)
    assert anonymizer.scan_stride >= 2
    # The stride is capped where the backward hold could not bridge it.
    assert Anonymizer(PrivacyConfig(hold_frames=0), detector, scan_stride=3).scan_stride == 1
    assert Anonymizer(PrivacyConfig(hold_frames=1), detector, scan_stride=3).scan_stride == 2


def test_faces_on_every_stride_phase_are_blurred_in_every_frame(
    detector: FaceDetector, patches: list[FacePatch]
) -> None:
    anonymizer = Anonymizer(PrivacyConfig(), detector)
    stride = anonymizer.scan_stride
    for first, last in scheduled_cases(stride):
        frames, truth = clip_with_faces(patches, first, last)
        for i in (first, last):  # the faces are really there to be found
            assert len(faces_left(detector, frames[i], truth[i])) == len(truth[i])
        before = anonymizer.scanner.stats.frames
        out = anonymizer.anonymize_frames(frames)
        scanned = anonymizer.scanner.stats.frames - before
        # every stride-th frame from 0, plus the last frame when the stride skips it
        assert scanned == len(range(0, N_FRAMES, stride)) + ((N_FRAMES - 1) % stride != 0)
        leaked = leaked_frames(detector, out, truth)
        assert not leaked, f"faces visible {first}..{last}, stride {stride}: leaked in frames {leaked}"


def test_without_the_hold_a_skipped_frame_leaks(detector: FaceDetector, patches: list[FacePatch]) -> None:
    """Control: the same audit catches the face on a skipped frame once the hold is off."""
    anonymizer = Anonymizer(PrivacyConfig(hold_frames=0), detector)
    anonymizer.scan_stride = 2  # bypass the cap on purpose
    frames, truth = clip_with_faces(patches, 5, 12)  # frame 5 is skipped
    leaked = leaked_frames(detector, anonymizer.anonymize_frames(frames), truth)
    assert 5 in leaked
