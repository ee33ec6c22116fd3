from __future__ import annotations

from dataclasses import replace

import pytest

from app.core.accounts import Clerk, hash_password, seat, verify_password

A = Clerk("wangfang", "王芳", window_no="1")
B = Clerk("zhaomin", "赵敏", window_no="3", backup_for="wangfang")
C = Clerk("lijun", "李军", window_no="2")
BOSS = Clerk("chen", "陈主任", role="manager")


def test_passwords_are_salted_and_verified() -> None:
    one, two = hash_password("123456"), hash_password("123456")
    assert one != two and one.startswith("scrypt$")
    assert verify_password("123456", one) and not verify_password("1234567", one)
    assert not verify_password("123456", "garbage")


def test_own_post_and_free_window() -> None:
    assert seat(A, "1", A).allowed and seat(A, "1", A).on_behalf_of == ""
    assert seat(C, "9", None).allowed


def test_backup_clerk_covers_and_the_record_says_so() -> None:
    decision = seat(B, "1", A)
    assert decision.allowed and decision.on_behalf_of == "wangfang"
    assert "B角" in decision.message


def test_others_cannot_take_a_post() -> None:
    decision = seat(C, "1", A)
    assert not decision.allowed and "不是该岗位的B角" in decision.message
    assert seat(BOSS, "1", A).on_behalf_of == "wangfang"
    assert not seat(Clerk("x", "停用", active=False), "1", None).allowed


def test_every_seat_decision_in_full() -> None:
    from app.core.accounts import SeatDecision

    wang = Clerk("wangfang", "王芳", "1")
    zhao = Clerk("zhaomin", "赵敏", backup_for="wangfang")
    li = Clerk("lijun", "李军", "2")
    assert seat(replace(wang, active=False), "1", wang) == SeatDecision(
        False, message="该账号已停用，请联系大厅管理员"
    )
    assert seat(wang, " ", wang) == SeatDecision(False, message="请选择窗口号")
    assert seat(wang, "1", wang) == SeatDecision(True)
    assert seat(li, "9", None) == SeatDecision(True)
    assert seat(zhao, "1", wang) == SeatDecision(
        True, "wangfang", "您是王芳（1号窗口）的B角，本次受理将记录为代岗"
    )
    assert seat(li, "1", wang) == SeatDecision(
        False, message="1号窗口是王芳的岗位，您不是该岗位的B角，不能登录此窗口"
    )
    for role in ("chief", "manager"):
        assert seat(replace(li, role=role), "1", wang) == SeatDecision(
            True, "wangfang", "以管理身份代王芳值守1号窗口"
        )
    assert not seat(replace(li, role="auditor"), "1", wang).allowed


def test_the_stored_password_format(monkeypatch: pytest.MonkeyPatch) -> None:
    import base64

    from app.core import accounts

    monkeypatch.setattr(accounts.os, "urandom", lambda n: bytes(range(n)))
    stored = hash_password("密码123")
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert base64.b64decode(salt) == bytes(range(16))
    assert len(base64.b64decode(digest)) == 32
    assert verify_password("密码123", stored) and not verify_password("密码124", stored)
    assert not verify_password("密码123", stored.replace("scrypt$", "bcrypt$"))
    assert not verify_password("密码123", "scrypt$x$8$1$AAAA$AAAA")
    assert not verify_password("密码123", "not-a-hash")
