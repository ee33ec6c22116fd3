"""Each limit of the item standard carries its unit (工作日 / 自然日): the catalogue
column, what the cell says, checks, export, the demo catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.catalog import ITEM_COLUMNS
from app.core.paths import resource
from app.core.workdays import LimitUnit
from app.services.catalog_files import read_catalog, write_catalog
from tests.workbooks import ITEM_ROW, write_book

WITH_UNITS = {"事项": (*ITEM_COLUMNS, "法定时限单位", "承诺时限单位")}


def _items(tmp_path: Path, **row: object):  # type: ignore[no-untyped-def]
    path = write_book(tmp_path / "c.xlsx", [{**ITEM_ROW, **row}], columns=WITH_UNITS)
    return read_catalog(path)


def test_a_file_without_the_columns_counts_working_days(tmp_path: Path) -> None:
    parsed = read_catalog(write_book(tmp_path / "c.xlsx"))
    assert parsed.ok
    item = parsed.items[0]
    assert (item.statutory_unit, item.promised_unit) == (LimitUnit.WORKING, LimitUnit.WORKING)


@pytest.mark.parametrize(
    ("row", "units"),
    [
        ({"法定时限": "15日", "承诺时限": "10日"}, (LimitUnit.NATURAL, LimitUnit.NATURAL)),
        ({"法定时限": 15, "法定时限单位": "自然日", "承诺时限": 10},
         (LimitUnit.NATURAL, LimitUnit.WORKING)),
        ({"法定时限": "20个工作日", "承诺时限单位": "工作日"}, (LimitUnit.WORKING, LimitUnit.WORKING)),
    ],
)  # fmt: skip
def test_the_unit_from_its_column_or_from_the_cell(
    tmp_path: Path, row: dict[str, object], units: tuple[LimitUnit, LimitUnit]
) -> None:
    parsed = _items(tmp_path, **row)
    assert parsed.ok, parsed.problems
    assert (parsed.items[0].statutory_unit, parsed.items[0].promised_unit) == units


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"法定时限单位": "小时"}, "“小时”不是有效值，应为：工作日、自然日"),
        ({"法定时限": "15日", "法定时限单位": "工作日"}, "所写的单位不一致"),
        ({"法定时限": "10日", "承诺时限": 15}, "不能超过法定时限（10日）"),
    ],
)
def test_units_are_checked_like_the_other_columns(
    tmp_path: Path, row: dict[str, object], message: str
) -> None:
    parsed = _items(tmp_path, **row)
    assert not parsed.ok
    assert any(message in str(p) for p in parsed.problems), parsed.problems


def test_units_survive_export_and_import(tmp_path: Path) -> None:
    parsed = read_catalog(resource("catalog", "demo-catalog.xlsx"))
    for suffix in ("xlsx", "json"):
        out = tmp_path / f"export.{suffix}"
        write_catalog(parsed.items, out)
        again = read_catalog(out)
        assert again.ok and again.items == parsed.items


def test_demo_catalogue_counts_residence_permits_in_natural_days() -> None:
    items = {i.code: i for i in read_catalog(resource("catalog", "demo-catalog.xlsx")).items}
    permit = items["370999-GA-001"]  # 《居住证暂行条例》第九条: 15日
    assert (permit.statutory_days, permit.statutory_unit) == (15, LimitUnit.NATURAL)
    assert permit.promised_unit is LimitUnit.NATURAL
    # 个体工商户简易注销: 10-day objection window first, so not 即办
    dereg = items["370999-SJ-002"]
    assert dereg.service_type.value == "承诺件" and dereg.promised_days > 0
    assert "第三十三条" in dereg.legal_basis and "10日" in dereg.procedure
