"""Host readings for heartbeats: CPU load and, where the OS exposes it, temperature."""

from __future__ import annotations

import os
from pathlib import Path

_THERMAL = Path("/sys/class/thermal")


def cpu_load_1m() -> float | None:
    """1-minute load average divided by the CPU count (1.0 = all cores busy)."""
    try:
        return round(os.getloadavg()[0] / (os.cpu_count() or 1), 3)
    except OSError:
        return None


def temperature_c() -> float | None:
    """The hottest thermal zone in degrees Celsius, or None where there is none."""
    readings = []
    for zone in _THERMAL.glob("thermal_zone*/temp"):
        try:
            readings.append(int(zone.read_text().strip()) / 1000.0)
        except (OSError, ValueError):
            continue
    return max(readings) if readings else None
