from __future__ import annotations

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
