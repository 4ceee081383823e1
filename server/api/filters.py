"""Query-string filters for the queue, bounded so hostile input is refused (422).

An empty value means "no filter", as an HTML form submits its blank fields.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import HTTPException, Query

from server.db.events import Cursor, EventFilter

_CURSOR_RE = re.compile(r"^(\d{1,12}(?:\.\d{1,20})?):(\d{1,12})$")


def _parse_time(value: str | None, what: str, end_of_day: bool) -> float | None:
    """A date (YYYY-MM-DD, the whole day in server-local time) or an ISO date-time."""
    if not value:
        return None
    try:
        if len(value) == 10:
            day = datetime.combine(date.fromisoformat(value), datetime.min.time())
            return (day + timedelta(days=1 if end_of_day else 0)).astimezone().timestamp()
        t = datetime.fromisoformat(value)
    except ValueError:
        raise HTTPException(422, f"{what} must be a date (YYYY-MM-DD) or ISO date-time, got {value!r}") from None
    return (t if t.tzinfo else t.astimezone()).timestamp()


def event_filter(
    camera: Annotated[str | None, Query(max_length=64, pattern=r"^([A-Za-z0-9][A-Za-z0-9._-]*)?$")] = None,
    status: Literal["", "new", "confirmed", "false_alarm"] | None = None,
    floor: Annotated[str | None, Query(max_length=5, pattern=r"^([1-9][0-9]{0,4})?$")] = None,
    since: Annotated[str | None, Query(max_length=40)] = None,
    until: Annotated[str | None, Query(max_length=40)] = None,
) -> EventFilter:
    return EventFilter(
        camera_id=camera or None,
        status=status or None,
        floor=int(floor) if floor else None,
        since_s=_parse_time(since, "since", end_of_day=False),
        until_s=_parse_time(until, "until", end_of_day=True),
    )


def cursor(before: Annotated[str | None, Query(max_length=40)] = None) -> Cursor | None:
    """``before=OCCURRED_AT_S:ROW_ID`` continues the queue after that row."""
    if not before:
        return None
    m = _CURSOR_RE.match(before)
    if m is None:
        raise HTTPException(422, "before must look like 1700000000.5:1234")
    return Cursor(float(m.group(1)), int(m.group(2)))


def cursor_of(occurred_at_s: float, row_id: int) -> str:
    # repr round-trips the float exactly, so the keyset comparison matches the stored value.
    return f"{occurred_at_s!r}:{row_id}"
