"""``fallwatch user add NAME --role ROLE``: create a login (the password is asked for, never an argument)."""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from server.db.engine import Database


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("user", help="manage server users")
    actions = p.add_subparsers(dest="user_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a user; asks for the password (or reads it from stdin)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["guard", "installer", "admin"])
    _db_args(add)
    add.set_defaults(func=run_add)
    ls = actions.add_parser("list", help="list users and roles")
    _db_args(ls)
    ls.set_defaults(func=run_list)


def _db_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", type=Path, default=Path("."), help="the server's data directory")
    p.add_argument("--db", help="database URL (default: SQLite in DATA_DIR)")


def _open(args: argparse.Namespace) -> Database:
    from server.config import ServerConfig
    from server.db.engine import Database

    cfg = ServerConfig(data_dir=args.data_dir, db_url=args.db)
    return Database.open(cfg.database_url)


def _read_password() -> str:
    """Twice on a terminal; one line from stdin when piped (for scripts and tests)."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != first:
            raise ValueError("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def run_add(args: argparse.Namespace) -> int:
    from server.db import audit
    from server.db.engine import DatabaseError
    from server.db.users import UserError, check_password_policy, create_user

    try:
        password = _read_password()
        check_password_policy(password)
        db = _open(args)
    except (ValueError, DatabaseError) as exc:
        print(f"fallwatch user add: {exc}", file=sys.stderr)
        return 2
    try:
        with db.session() as s:
            now_s = time.time()
            create_user(s, args.name, args.role, password, now_s)
            audit.record(s, now_s, "cli", "user_add", None, f"{args.name} as {args.role}")
            s.commit()
    except UserError as exc:
        print(f"fallwatch user add: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(f"added {args.name} ({args.role})")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from server.db.engine import DatabaseError
    from server.db.users import list_users

    try:
        db = _open(args)
    except DatabaseError as exc:
        print(f"fallwatch user list: {exc}", file=sys.stderr)
        return 2
    with db.session() as s:
        for u in list_users(s):
            print("\t".join([u.name, u.role] + (["disabled"] if u.disabled else [])))
    db.close()
    return 0
