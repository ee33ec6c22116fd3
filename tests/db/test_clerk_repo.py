from __future__ import annotations

import pytest
from sqlalchemy import select

from db.clerk_repo import DEMO_PASSWORD, SignInFailed, ensure_demo_clerks, sign_in, sign_out
from db.models import SignInRow
from db.store import Store


def test_sign_in_records_ab_covering(sqlite_store: Store) -> None:
    with sqlite_store.session() as s, s.begin():
        assert ensure_demo_clerks(s)
        assert not ensure_demo_clerks(s)  # only on an empty table
    with sqlite_store.session() as s, s.begin():
        clerk, decision, record = sign_in(s, "zhaomin", DEMO_PASSWORD, "1")
        assert clerk.name == "赵敏" and decision.on_behalf_of == "wangfang"
    with sqlite_store.session() as s, s.begin():
        sign_out(s, record)
    with sqlite_store.session() as s:
        row = s.scalars(select(SignInRow)).one()
        assert (row.login, row.window_no, row.on_behalf_of) == ("zhaomin", "1", "wangfang")
        assert row.signed_out_at is not None


@pytest.mark.parametrize(
    ("login", "password", "window", "message"),
    [
        ("wangfang", "wrong", "1", "账号或密码不正确"),
        ("nobody", DEMO_PASSWORD, "1", "账号或密码不正确"),
        ("lijun", DEMO_PASSWORD, "1", "不是该岗位的B角"),
        ("lijun", DEMO_PASSWORD, " ", "请选择窗口号"),
    ],
)
def test_refused_sign_ins(
    sqlite_store: Store, login: str, password: str, window: str, message: str
) -> None:
    with sqlite_store.session() as s, s.begin():
        ensure_demo_clerks(s)
    with sqlite_store.session() as s, pytest.raises(SignInFailed, match=message):
        sign_in(s, login, password, window.strip())
