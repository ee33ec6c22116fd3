"""Clerk accounts and sign-in records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.accounts import (
    DEMO_PASSWORD,
    Clerk,
    SeatDecision,
    SignInFailed,
    hash_password,
    seat,
    verify_password,
)
from app.core.ids import uuid7
from db.models import ClerkRow, SignInRow


def _clerk(row: ClerkRow) -> Clerk:
    return Clerk(row.login, row.name, row.window_no, row.backup_for, row.role, row.active)


def add_clerk(
    session: Session,
    login: str,
    name: str,
    password: str,
    *,
    window_no: str = "",
    backup_for: str = "",
    role: str = "clerk",
    now: datetime | None = None,
    password_hash: str | None = None,
) -> Clerk:
    """A new account; ``password_hash`` when the password was hashed already."""
    if session.get(ClerkRow, login) is not None:
        raise ValueError(f"账号“{login}”已存在")
    if password_hash is None:
        password_hash = hash_password(password)
    row = ClerkRow(
        login=login, name=name, password_hash=password_hash, window_no=window_no,
        backup_for=backup_for, role=role, active=True, created_at=now or datetime.now(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    return _clerk(row)


def list_clerks(session: Session) -> list[Clerk]:
    return [_clerk(r) for r in session.scalars(select(ClerkRow).order_by(ClerkRow.login))]


def active_logins(session: Session) -> set[str]:
    return set(session.scalars(select(ClerkRow.login).where(ClerkRow.active)))


def signed_in_at(session: Session, window_no: str, since: datetime) -> str | None:
    """The login signed in (and not out) at ``window_no`` since ``since``, newest."""
    return session.scalars(
        select(SignInRow.login)
        .where(
            SignInRow.window_no == window_no,
            SignInRow.signed_out_at.is_(None),
            SignInRow.signed_in_at >= since,
        )
        .order_by(SignInRow.signed_in_at.desc())
        .limit(1)
    ).first()


def post_owner(session: Session, window_no: str) -> Clerk | None:
    row = session.scalars(
        select(ClerkRow).where(ClerkRow.window_no == window_no, ClerkRow.active)
    ).first()
    return _clerk(row) if row else None


def sign_in(
    session: Session, login: str, password: str, window_no: str, now: datetime | None = None
) -> tuple[Clerk, SeatDecision, str]:
    """Check the password and the seat; record the sign-in. Returns the clerk, the seat
    decision and the sign-in record id."""
    row = session.get(ClerkRow, login.strip())
    if row is None or not verify_password(password, row.password_hash):
        raise SignInFailed("账号或密码不正确")
    clerk = _clerk(row)
    decision = seat(clerk, window_no, post_owner(session, window_no))
    if not decision.allowed:
        raise SignInFailed(decision.message)
    record = SignInRow(
        id=uuid7(), login=clerk.login, window_no=window_no, on_behalf_of=decision.on_behalf_of,
        signed_in_at=now or datetime.now(),
    )  # fmt: skip
    session.add(record)
    session.flush()
    return clerk, decision, str(record.id)


def sign_out(session: Session, record_id: str, now: datetime | None = None) -> None:
    import uuid

    session.execute(
        update(SignInRow)
        .where(SignInRow.id == uuid.UUID(record_id))
        .values(signed_out_at=now or datetime.now())
    )


DEMO_CLERKS = (
    # login, name, window, backup_for, role
    ("wangfang", "王芳", "1", "", "clerk"),
    ("lijun", "李军", "2", "", "clerk"),
    ("zhaomin", "赵敏", "3", "wangfang", "clerk"),
    ("chenzhuren", "陈主任", "", "", "manager"),
)


def has_any_clerk(session: Session) -> bool:
    return session.scalars(select(ClerkRow.login).limit(1)).first() is not None


def ensure_demo_clerks(session: Session) -> bool:
    """The embedded default ships demo clerks (password 123456) on an empty table.

    One scrypt hash serves all of them: the password is printed in the README, so
    separate salts would protect nothing, and each hash costs 50 ms of a new
    workstation's first start. A clerk who sets a password gets a salt of their own."""
    if has_any_clerk(session):
        return False
    shared = hash_password(DEMO_PASSWORD)
    for login, name, window, backup, role in DEMO_CLERKS:
        add_clerk(
            session, login, name, DEMO_PASSWORD, window_no=window, backup_for=backup, role=role,
            password_hash=shared,
        )  # fmt: skip
    return True
