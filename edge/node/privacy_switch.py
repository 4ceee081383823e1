"""Privacy settings that a config push can change while the node runs.

Every anonymiser of the node (the recorder's two workers, the snapshot one) is a
``SwitchableAnonymizer`` reading one ``PrivacySettings``. A push only replaces the
settings; each anonymiser rebuilds itself the next time its own thread uses it, at
the start of a clip or snapshot, so detection never waits for it and no clip mixes
two settings. It reuses the loaded face model when it can. Fail closed: once an
anonymiser is withheld it stays withheld (until a restart), whatever is pushed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from edge.config.camera import PrivacyConfig
from edge.privacy import Anonymizer


class PrivacySettings:
    """The node's current PrivacyConfig and a generation number that counts changes."""

    def __init__(self, privacy: PrivacyConfig, models_dir: Path | None) -> None:
        self.models_dir = models_dir
        self._lock = threading.Lock()
        self._privacy = privacy
        self._generation = 0

    def get(self) -> tuple[int, PrivacyConfig]:
        with self._lock:
            return self._generation, self._privacy

    def set(self, privacy: PrivacyConfig) -> None:
        with self._lock:
            if privacy != self._privacy:
                self._privacy = privacy
                self._generation += 1


class SwitchableAnonymizer:
    """An ``Anonymizer`` that follows ``settings``. Construction loads the face model
    and raises PrivacyUnavailable when it cannot, like ``Anonymizer.from_config``."""

    def __init__(self, settings: PrivacySettings) -> None:
        self._settings = settings
        self._generation, privacy = settings.get()
        self._inner = Anonymizer.from_config(privacy, settings.models_dir)

    @property
    def state(self) -> str:
        return self._inner.state

    @property
    def reason(self) -> str:
        return self._inner.reason

    @property
    def model_version(self) -> str:
        return self._inner.model_version

    def current(self) -> Anonymizer:
        """The anonymiser for the current settings (call on the thread that uses it)."""
        generation, privacy = self._settings.get()
        if generation == self._generation or self._inner.state != "ok":
            return self._inner
        self._generation = generation
        old = self._inner
        detector = old.scanner.detector if old.scanner is not None else None
        if detector is not None and privacy.threads == old.privacy.threads:
            self._inner = Anonymizer(privacy, detector)
        else:
            self._inner = Anonymizer.load_or_withhold(privacy, self._settings.models_dir)
        return self._inner

    def anonymize_iter(self, frames: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        return self.current().anonymize_iter(frames)

    def anonymize_snapshot(self, bgr: np.ndarray) -> np.ndarray:
        return self.current().anonymize_snapshot(bgr)
