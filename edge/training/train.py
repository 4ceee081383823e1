"""Train the verifier with ultralytics and export it to ONNX.

The network is an ultralytics classification model built from the YAML below,
from scratch (no pretrained weights, nothing downloaded). It sees the tube mosaic
of ``edge.verifier.tube`` as a 96x96 grey image on three channels. Ultralytics'
own image augmentations are switched off: random crops, flips and colour jitter
would cut the mosaic's tiles apart or reorder time; the physically meaningful
augmentations are applied when the dataset is written (``edge.training.augment``).
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from edge.training.offline import disable_settings_sync, prepare_offline
from edge.verifier.tube import MOSAIC_PX

log = logging.getLogger(__name__)

OPSET = 17

# Four stride-2 stages from 96 px to 6 px (each 32-px tile ends as 2x2 cells);
# 3x3 kernels overlap, so even the first strided layer sees every pixel of a
# 1-px object. ~0.3 M parameters (most in the classifier head), ~20 M multiply-adds.
VERIFIER_YAML = {
    "nc": 2,
    "backbone": [
        [-1, 1, "Conv", [16, 3, 2]],
        [-1, 1, "Conv", [32, 3, 2]],
        [-1, 1, "Conv", [64, 3, 2]],
        [-1, 1, "Conv", [64, 3, 1]],
        [-1, 1, "Conv", [128, 3, 2]],
    ],
    "head": [[-1, 1, "Classify", ["nc"]]],
}


@dataclass(frozen=True)
class TrainSettings:
    epochs: int = 10
    batch: int = 128
    device: str = "cpu"
    workers: int = 2
    lr0: float = 0.002
    seed: int = 0


def train_and_export(data_root: Path, work_dir: Path, out_onnx: Path, settings: TrainSettings) -> Path:
    """Train on ``data_root`` (train/ and val/ class folders), export ONNX to ``out_onnx``."""
    prepare_offline(work_dir / "ultralytics")
    from ultralytics import YOLO

    disable_settings_sync(work_dir)
    model_yaml = work_dir / "verifier-cls.yaml"
    model_yaml.write_text(yaml.safe_dump(VERIFIER_YAML, sort_keys=False))
    model = YOLO(str(model_yaml), task="classify")
    model.train(
        data=str(data_root),
        imgsz=MOSAIC_PX,
        epochs=settings.epochs,
        batch=settings.batch,
        device=settings.device,
        workers=settings.workers,
        pretrained=False,
        amp=False,  # the AMP self-check would fetch a reference model
        optimizer="AdamW",
        lr0=settings.lr0,
        cos_lr=True,
        dropout=0.2,  # the head is most of the weights; the training set is small
        warmup_epochs=1,
        seed=settings.seed,
        deterministic=True,
        project=str(work_dir / "runs"),
        name="verifier",
        exist_ok=True,
        plots=False,
        cache="ram",  # decoded once: PNG decoding would otherwise dominate an epoch
        hsv_h=0.0,
        hsv_s=0.0,
        hsv_v=0.0,
        fliplr=0.0,
        flipud=0.0,
        scale=0.0,
        erasing=0.0,
        auto_augment=None,
        verbose=False,
    )
    best = Path(model.trainer.best)
    exported = Path(YOLO(str(best), task="classify").export(
        format="onnx", imgsz=MOSAIC_PX, opset=OPSET, dynamic=False, simplify=True, device="cpu"
    ))
    out_onnx.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(exported, out_onnx)
    log.info("exported %s (%.2f MB)", out_onnx, out_onnx.stat().st_size / 1e6)
    return out_onnx
