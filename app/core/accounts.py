"""Clerk passwords (hashed locally with scrypt) and who may sit at which window.

AB角 / 双岗制: every post (window) has its own clerk (A角) and a designated backup
(B角). A backup may sign in to the post it backs up; the record then says whose post
was covered. Nobody else may sign in to a post that has its own clerk.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

_N, _R, _P = 2**14, 8, 1  # ~16 MB, tens of ms: fine for a sign-in, slow for guessing


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    import hashlib  # with OpenSSL, 5 ms to load: not before the sign-in window shows

    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=dklen)


def hash_password(password: str) -> str:
    import base64

    salt = os.urandom(16)
    digest = _scrypt(password, salt, _N, _R, _P, 32)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        import base64

        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(digest_b64)
        digest = _scrypt(password, salt, int(n), int(r), int(p), len(expected))
    except (ValueError, TypeError):
        return False
    import hmac

    return hmac.compare_digest(digest, expected)


# The embedded default's demo clerks (db/clerk_repo.py) all use this password.
DEMO_PASSWORD = "123456"


@dataclass(frozen=True, slots=True)
class Clerk:
    login: str
    name: str
    window_no: str = ""  # own post
    backup_for: str = ""  # login of the clerk whose post this one backs up
    role: str = "clerk"
    active: bool = True


@dataclass(frozen=True, slots=True)
class Operator:
    """Who is at the counter: the signed-in clerk, the window, whose post is covered."""

    login: str
    name: str
    window_no: str
    on_behalf_of: str = ""
    role: str = "clerk"  # the account's role (clerk / chief / manager)


# roles that run the hall: its calendar, logs and settings (not the counter clerks)
MANAGER_ROLES = ("manager", "chief")


class SignInFailed(ValueError):
    """Wrong password, a disabled account or a window this clerk may not take; the
    message is for the clerk, in Chinese."""


@dataclass(frozen=True, slots=True)
class Seat:
    """A clerk signed in at a window (covering ``on_behalf_of``'s post when AB角)."""

    clerk: Clerk
    window_no: str
    on_behalf_of: str  # login of the post owner when covering (AB角)
    on_behalf_of_name: str
    record_id: str  # the sign-in record, closed at sign-out


@dataclass(frozen=True, slots=True)
class SeatDecision:
    allowed: bool
    on_behalf_of: str = ""  # the post owner's login when covering (AB角)
    message: str = ""


def seat(clerk: Clerk, window_no: str, owner: Clerk | None) -> SeatDecision:
    """May ``clerk`` sign in at ``window_no`` whose post belongs to ``owner``?"""
    if not clerk.active:
        return SeatDecision(False, message="该账号已停用，请联系大厅管理员")
    if not window_no.strip():
        return SeatDecision(False, message="请选择窗口号")
    if owner is None or owner.login == clerk.login:
        return SeatDecision(True)
    if clerk.backup_for == owner.login:
        return SeatDecision(
            True,
            on_behalf_of=owner.login,
            message=f"您是{owner.name}（{window_no}号窗口）的B角，本次受理将记录为代岗",
        )
    if clerk.role in ("chief", "manager"):
        return SeatDecision(
            True, on_behalf_of=owner.login, message=f"以管理身份代{owner.name}值守{window_no}号窗口"
        )
    return SeatDecision(
        False,
        message=f"{window_no}号窗口是{owner.name}的岗位，您不是该岗位的B角，不能登录此窗口",
    )
