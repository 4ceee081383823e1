"""Users as JSON (admins only): list and create."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from server.api.deps import ctx_of, require
from server.auth.roles import ADMINS, Role
from server.auth.sessions import LoggedIn
from server.db import audit
from server.db.users import UserError, create_user, list_users

router = APIRouter()
Admin = Annotated[LoggedIn, Depends(require(ADMINS))]


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64)
    role: Role
    password: str = Field(min_length=1, max_length=256)


@router.get("/api/users")
def users(request: Request, _user: Admin) -> dict[str, Any]:
    with ctx_of(request).db.session() as s:
        return {"users": [{"name": u.name, "role": u.role, "disabled": u.disabled} for u in list_users(s)]}


@router.post("/api/users", status_code=201)
def add_user(request: Request, body: UserIn, admin: Admin) -> dict[str, Any]:
    ctx = ctx_of(request)
    now_s = ctx.clock()
    with ctx.db.session() as s:
        try:
            row = create_user(s, body.name, body.role.value, body.password, now_s)
        except UserError as exc:
            raise HTTPException(422, str(exc)) from None
        audit.record(s, now_s, admin.name, "user_add", None, f"{row.name} as {row.role}")
        s.commit()
        return {"name": row.name, "role": row.role}
