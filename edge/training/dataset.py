"""Build the verifier's image-classification dataset from synth scenes and real videos.

Layout (what ultralytics' classifier trainer reads)::

    DATA/train/throw/*.png   DATA/train/other/*.png
    DATA/val/throw/*.png     DATA/val/other/*.png

Each PNG is one tube mosaic (``edge.verifier.tube.mosaic``). Training scenes and
held-out scenes are drawn from different synth seeds, so no scene, facade or
throw is in both splits. Real negative videos (trees, traffic, people: no throws
in them by construction) go to the training split only, so the held-out metrics
stay about synthetic ground truth. Training tubes are augmented
(``edge.training.augment``); held-out tubes are not.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from edge.config.camera import CameraConfig, load_camera_config, parse_camera_config
from edge.training.augment import augment_tube
from edge.training.labels import OTHER, THROW, label_tube
from edge.training.mining import MinedTube, centre_crop, mine_video
from edge.verifier.tube import mosaic

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = (".mp4", ".avi", ".mkv", ".mov", ".webm")


@dataclass(frozen=True)
class DatasetPlan:
    """What goes into the dataset. Seeds select ``fallwatch synth`` scene sets."""

    train_seed: int = 1001
    val_seed: int = 2002
    train_scenes: int = 128
    val_scenes: int = 32
    duration_s: float = 10.0
    fps: float = 25.0
    resolutions: tuple[tuple[int, int], ...] = ((1280, 720), (1920, 1080), (960, 540), (1280, 720))
    distractor_only_every: int = 3  # every 3rd scene has distractors only
    negative_videos: tuple[Path, ...] = ()
    negative_max_s: float = 60.0
    throw_copies: int = 4  # augmented copies of each training throw tube
    other_copies: int = 2  # ... of each hard negative (passed the relaxed physics)
    easy_per_scene: int = 60  # plain negatives kept per scene (random subset)
    easy_per_video: int = 400  # ... per real negative video
    seed: int = 0  # augmentation and subsampling


@dataclass
class SplitStats:
    tubes: Counter[str] = field(default_factory=Counter)
    images: Counter[str] = field(default_factory=Counter)
    ambiguous: int = 0
    scenes: int = 0


def scene_tubes(folder: Path, seed: int, index: int, plan: DatasetPlan) -> tuple[str, list[MinedTube], list[dict]]:
    """Render synth scene ``index`` of ``seed`` into ``folder`` (unless there) and mine its tubes.

    Returns (scene id, tubes, ground-truth throws).
    """
    from edge.synth.scene import make_scene_spec
    from edge.synth.writer import write_scene

    folder.mkdir(parents=True, exist_ok=True)
    truth_path = folder / f"scene_{index:04d}.json"
    if not truth_path.is_file():
        w, h = plan.resolutions[index % len(plan.resolutions)]
        every = plan.distractor_only_every
        only = every > 0 and index % every == every - 1
        write_scene(make_scene_spec(seed, index, w, h, plan.duration_s, plan.fps, distractor_only=only), folder, 1)
    truth = json.loads(truth_path.read_text())
    config = load_camera_config(truth_path.with_suffix(".yaml"))
    return truth_path.stem, list(mine_video(str(config.source), config)), truth["throws"]


def full_frame_config(path: Path) -> CameraConfig:
    """A camera config that watches the whole frame of a video with no known facade."""
    import av

    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        w, h = stream.codec_context.width, stream.codec_context.height
    return parse_camera_config(
        {
            "camera_id": "negatives",
            "source": str(path),
            "facades": [{"name": "frame", "corners": [[0, 0], [w, 0], [w, h], [0, h]], "floors": 10, "columns": 4}],
        }
    )


class DatasetWriter:
    """Writes mosaics of labelled tubes into one split folder."""

    def __init__(self, root: Path, split: str, plan: DatasetPlan, augment: bool) -> None:
        self.dirs = {c: root / split / c for c in (THROW, OTHER)}
        for d in self.dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        self.plan = plan
        self.augment = augment
        self.rng = np.random.default_rng([plan.seed, 0 if split == "train" else 1])
        self.stats = SplitStats()

    def add_source(self, tubes: list[MinedTube], throws: list[dict], prefix: str, easy_cap: int) -> None:
        labelled: list[tuple[MinedTube, str]] = []
        for m in tubes:
            label, _ = label_tube(m.frame_times_s, m.positions_px, throws)
            if label is None:
                self.stats.ambiguous += 1
            else:
                labelled.append((m, label))
        easy = [i for i, (m, lab) in enumerate(labelled) if lab == OTHER and not m.passed_physics]
        keep_easy = set(self.rng.permutation(easy)[:easy_cap].tolist())
        for i, (m, label) in enumerate(labelled):
            if label == OTHER and not m.passed_physics and i not in keep_easy:
                continue
            kind = label if label == THROW else ("hard" if m.passed_physics else "easy")
            self.stats.tubes[kind] += 1
            copies = 1
            if self.augment and label == THROW:
                copies = self.plan.throw_copies
            elif self.augment and m.passed_physics:
                copies = self.plan.other_copies
            for k in range(copies):
                tube = augment_tube(m.tube, self.rng) if self.augment else centre_crop(m.tube)
                name = f"{prefix}_{m.track_id}_{round(m.t_s * 1000):06d}_{k}.png"
                cv2.imwrite(str(self.dirs[label] / name), mosaic(tube))
                self.stats.images[label] += 1
        self.stats.scenes += 1


def build_dataset(root: Path, scenes_dir: Path, plan: DatasetPlan, jobs: int = 1) -> dict[str, SplitStats]:
    """Render (or reuse) the scenes, mine and label their tubes, write the dataset under ``root``.

    ``jobs`` scenes are rendered and mined in parallel; the result does not depend on it.
    """
    stats: dict[str, SplitStats] = {}
    for split, seed, count in (("train", plan.train_seed, plan.train_scenes), ("val", plan.val_seed, plan.val_scenes)):
        writer = DatasetWriter(root, split, plan, augment=split == "train")
        folder = scenes_dir / f"seed_{seed}"
        args = ([folder] * count, [seed] * count, list(range(count)), [plan] * count)
        with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
            for i, (stem, tubes, throws) in enumerate(pool.map(scene_tubes, *args), 1):
                writer.add_source(tubes, throws, f"s{seed}_{stem}", plan.easy_per_scene)
                log.info("%s %d/%d %s: %d tubes", split, i, count, stem, len(tubes))
        if split == "train":
            for video in plan.negative_videos:
                tubes = list(mine_video(video, full_frame_config(video), max_s=plan.negative_max_s))
                writer.add_source(tubes, [], f"real_{video.stem}", plan.easy_per_video)
                log.info("real negatives %s: %d tubes", video.name, len(tubes))
        stats[split] = writer.stats
        log.info("%s: %s", split, dict(writer.stats.images))
    return stats


def negative_videos(folders: list[Path]) -> tuple[Path, ...]:
    """Video files in the given folders (missing folders skipped; a file name seen twice is used once)."""
    found: dict[str, Path] = {}
    for folder in folders:
        if folder.is_dir():
            for p in sorted(folder.iterdir()):
                if p.suffix.lower() in VIDEO_SUFFIXES:
                    found.setdefault(p.name, p)
    return tuple(found[name] for name in sorted(found))
