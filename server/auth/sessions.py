"""Server-side login sessions. The cookie holds a random token; the database holds only
its SHA-256, so a leaked database does not leak live sessions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server.db.models import SessionRow, UserRow

COOKIE_NAME = "fw_session"


@dataclass(frozen=True)
class LoggedIn:
    """The user behind a request's session cookie."""

    user_id: int
    name: str
    role: str
    csrf_token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(s: Session, user: UserRow, now_s: float, lifetime_s: float) -> tuple[str, str]:
    """Store a new session (caller commits); return (cookie token, CSRF token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    s.execute(delete(SessionRow).where(SessionRow.expires_at_s < now_s))
    s.add(
        SessionRow(
            token_sha256=_digest(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at_s=now_s,
            expires_at_s=now_s + lifetime_s,
        )
    )
    return token, csrf


def lookup(s: Session, token: str | None, now_s: float) -> LoggedIn | None:
    if not token or len(token) > 128:
        return None
    row = s.execute(
        select(SessionRow, UserRow)
        .join(UserRow, UserRow.id == SessionRow.user_id)
        .where(SessionRow.token_sha256 == _digest(token))
    ).first()
    if row is None:
        return None
    sess, user = row
    if sess.expires_at_s < now_s or user.disabled:
        return None
    return LoggedIn(user.id, user.name, user.role, sess.csrf_token)


def revoke(s: Session, token: str) -> None:
    s.execute(delete(SessionRow).where(SessionRow.token_sha256 == _digest(token)))
