"""The one masking rule, the look's audit detail, the export rule and the purge
rule of app/core/privacy.py, against values written out here."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.core import privacy as p


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("370982199001011234", "370982********1234"),
        ("37098219900101123x", "370982********123X"),  # upper-cased, as stored
        (" 370982900101123 ", "370982*****1123"),  # 15 characters, trimmed
        ("E12345678", "E1*****78"),  # a passport: a quarter kept at each end (2 of 9)
        ("AB12345", "A*****5"),  # 7 characters: one at each end
        ("12345", "1***5"),
        ("1234", "****"),
        ("12", "**"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id_no(raw: str | None, masked: str) -> None:
    assert p.mask_id_no(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        (" 138 1234 5678 ", "138****5678"),
        ("0531-87654321", "0531-****4321"),
        ("053187654321", "0531-****4321"),
        ("010 6543210", "010-***3210"),
        ("0531-87654321-805", "0531-****4321-805"),
        ("12345678901", "123****8901"),  # not a mobile: first 3 and last 4 of the digits
        ("4008123123", "400***3123"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(raw: str | None, masked: str) -> None:
    assert p.mask_phone(raw) == masked


def test_mask_phone_short_and_office_numbers() -> None:
    assert p.mask_phone("1234567") == "1*****7"
    assert p.mask_phone("95588") == "9***8"
    # landline=False: a fixed line is shown whole (an office's number on a document),
    # a mobile is still masked
    assert p.mask_phone("0531-87654321", landline=False) == "0531-87654321"
    assert p.mask_phone(" 0531-87654321 ", landline=False) == "0531-87654321"
    assert p.mask_phone("13812345678", landline=False) == "138****5678"


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("张三丰", "张**"),
        ("李四", "李*"),
        ("王", "王"),
        (" 欧阳娜娜 ", "欧***"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_name(raw: str | None, masked: str) -> None:
    assert p.mask_name(raw) == masked


def test_viewer_detail_names_who_and_where() -> None:
    v = p.Viewer("lisi", "李四", "3", "WS-07", "manager")
    assert v.detail() == {"name": "李四", "window_no": "3", "workstation": "WS-07"}
    assert p.Viewer("lisi").role == "clerk"
    assert p.Viewer("lisi").detail() == {"name": "", "window_no": "", "workstation": ""}


def test_the_looks_have_one_name_each() -> None:
    assert len(set(p.ACCESS_ACTIONS)) == 4
    assert p.PURGE not in p.ACCESS_ACTIONS
    assert p.VIEW_CASE in p.ACCESS_ACTIONS and p.SEARCH_ID in p.ACCESS_ACTIONS
    assert p.EXPORT in p.ACCESS_ACTIONS and p.REPRINT in p.ACCESS_ACTIONS


def test_export_reason() -> None:
    refused = p.export_reason_problem("县局来函调取第12号", manager=False)
    assert refused is not None and "管理员" in refused
    short = p.export_reason_problem(" 查询 ", manager=True)
    assert short is not None and "至少4个字" in short
    assert p.export_reason_problem("  查询一下  ", manager=True) is None  # 4 characters
    assert p.export_reason_problem("查询一", manager=True) is not None
    assert p.export_reason_problem("县局来函调取第12号", manager=True) is None


NOW = datetime(2026, 9, 1, 10, 0)
ACKED = NOW - timedelta(days=180)


@pytest.mark.parametrize(
    ("kw", "due"),
    [
        ({}, True),  # concluded, acked at its version, 180 days ago
        ({"now": ACKED + timedelta(days=180) - timedelta(seconds=1)}, False),
        ({"keep_days": 181}, False),
        ({"keep_days": 0, "now": ACKED}, True),
        ({"concluded": False}, False),
        ({"pending": True}, False),
        ({"acked_version": None}, False),
        ({"acked_at": None}, False),
        ({"acked_version": 2}, False),  # the county holds an older version
        ({"acked_version": 4}, True),
    ],
)
def test_purge_due(kw: dict[str, object], due: bool) -> None:
    args: dict[str, object] = dict(
        concluded=True, row_version=3, acked_version=3, acked_at=ACKED,
        pending=False, now=NOW, keep_days=180,
    )  # fmt: skip
    args.update(kw)
    assert p.purge_due(**args) is due  # type: ignore[arg-type]  # the test's own table
