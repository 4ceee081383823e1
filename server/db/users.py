"""User accounts: names, roles and argon2 password hashes."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.auth.passwords import hash_password
from server.auth.roles import Role
from server.db.models import UserRow

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 256


class UserError(ValueError):
    """A user that cannot be created or changed; the message says why."""


def check_password_policy(password: str) -> None:
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise UserError(f"a password needs {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters")


def create_user(s: Session, name: str, role: str, password: str, now_s: float) -> UserRow:
    """Add a user (caller commits); raises UserError for a bad name, role, password or a duplicate."""
    if not _NAME_RE.match(name):
        raise UserError(f"user name {name!r} must be 1-64 characters of [A-Za-z0-9._@-]")
    if role not in Role.__members__.values():
        raise UserError(f"role {role!r} is not one of {', '.join(r.value for r in Role)}")
    check_password_policy(password)
    row = UserRow(name=name, role=role, password_hash=hash_password(password), created_at_s=now_s, disabled=False)
    s.add(row)
    try:
        s.flush()
    except IntegrityError:
        s.rollback()
        raise UserError(f"user {name!r} already exists") from None
    return row


def get_user(s: Session, name: str) -> UserRow | None:
    return s.scalar(select(UserRow).where(UserRow.name == name))


def list_users(s: Session) -> list[UserRow]:
    return list(s.scalars(select(UserRow).order_by(UserRow.name)))
