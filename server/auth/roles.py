"""Roles and what each may do.

Guards review events (queue, event page, notes, evidence export). Installers look
after cameras (cameras page, camera status API). Admins may do everything, including
user management. Installers do not see event imagery: that stays with the guards.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    GUARD = "guard"
    INSTALLER = "installer"
    ADMIN = "admin"


REVIEWERS = frozenset({Role.GUARD, Role.ADMIN})
CAMERA_STAFF = frozenset({Role.INSTALLER, Role.ADMIN})
ADMINS = frozenset({Role.ADMIN})
OPERATIONS = frozenset({Role.INSTALLER, Role.ADMIN})
