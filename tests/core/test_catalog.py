"""Catalogue files → item standards: the whole file checked, every problem listed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.items import Medium, Necessity, ServiceType
from app.services.catalog_files import read_catalog, write_catalog
from tests.workbooks import ITEM_ROW, MATERIAL_ROWS, QUESTION_ROWS, write_book


def test_a_good_workbook_parses(tmp_path: Path) -> None:
    parsed = read_catalog(write_book(tmp_path / "ok.xlsx"))
    assert parsed.ok, parsed.problems
    (item,) = parsed.items
    assert item.code == "MZ-001"
    assert item.service_type is ServiceType.PROMISED
    assert (item.statutory_days, item.promised_days) == (30, 15)
    assert [q.options for q in item.questions] == [("个人", "企业"), ("否", "是")]
    m4 = item.materials[3]
    assert (m4.medium, m4.copies, m4.necessity) == (Medium.COPY, 2, Necessity.DEFERRABLE)
    assert m4.applies({"Q1": "企业", "Q2": "是"})
    assert not m4.applies({"Q1": "个人", "Q2": "是"})


def test_full_width_spaces_and_blank_rows_are_tolerated(tmp_path: Path) -> None:
    row = dict(ITEM_ROW)
    row["事项名称"] = "　最低生活保障  申请 "
    row["法定时限"] = "３０个工作日"
    row["承诺时限"] = " 15 "
    mats = [dict(m) for m in MATERIAL_ROWS]
    mats[0]["材料形式"] = " 原件收取　"
    mats[2]["适用情形"] = "是否委托代办 ＝ 是"
    parsed = read_catalog(write_book(tmp_path / "ws.xlsx", [row], None, mats, blank_rows=True))
    assert parsed.ok, [str(p) for p in parsed.problems]
    assert parsed.items[0].name == "最低生活保障 申请"
    assert parsed.items[0].statutory_days == 30


def problems(path: Path) -> list[str]:
    parsed = read_catalog(path)
    assert not parsed.ok
    assert parsed.items == ()
    return [str(p) for p in parsed.problems]


def test_missing_sheet(tmp_path: Path) -> None:
    assert problems(write_book(tmp_path / "b.xlsx", omit_sheets=("情形",))) == [
        "工作表“情形”：缺少此工作表"
    ]


def test_missing_column(tmp_path: Path) -> None:
    from app.core.catalog import MATERIAL_COLUMNS

    cols = tuple(c for c in MATERIAL_COLUMNS if c != "必要性")
    assert problems(write_book(tmp_path / "b.xlsx", columns={"材料": cols})) == [
        "工作表“材料”第1行“必要性”列：缺少此列"
    ]


def test_every_problem_is_listed_with_sheet_row_and_column(tmp_path: Path) -> None:
    dup = dict(ITEM_ROW)
    bad = dict(ITEM_ROW, 事项编码="MZ-002", 事项名称="", 法定时限=-3, 办件类型="快办件")
    late = dict(ITEM_ROW, 事项编码="MZ-003", 法定时限=5, 承诺时限=10)
    questions = [*QUESTION_ROWS, {"事项编码": "MZ-009", "情形编码": "Q1", "问题": "x", "选项": "a"}]
    mats = [
        *MATERIAL_ROWS,
        {"事项编码": "MZ-001", "序号": 5, "材料名称": "", "材料形式": "扫描件", "份数": 0,
         "必要性": "可能", "适用情形": "户籍=本地"},
        {"事项编码": "MZ-001", "序号": 1, "材料名称": "重复序号", "材料形式": "电子",
         "份数": 1, "必要性": "必需"},
        {"事项编码": "MZ-001", "序号": 6, "材料名称": "x", "材料形式": "电子", "份数": 1,
         "必要性": "必需", "适用情形": "申请人类型=个体户"},
    ]  # fmt: skip
    found = problems(write_book(tmp_path / "b.xlsx", [ITEM_ROW, dup, bad, late], questions, mats))
    expected = [
        "工作表“事项”第3行“事项编码”列：事项编码“MZ-001”重复（第2行已有）",
        "工作表“事项”第4行“事项名称”列：不能为空",
        "工作表“事项”第4行“办件类型”列：“快办件”不是有效值，应为：即办件、承诺件",
        "工作表“事项”第4行“法定时限”列：不能小于0（现在是-3）",
        "工作表“事项”第5行“承诺时限”列：承诺时限（10个工作日）不能超过法定时限（5个工作日）",
        "工作表“情形”第4行“事项编码”列：事项“MZ-009”不在“事项”工作表中",
        "工作表“材料”第6行“材料名称”列：不能为空",
        "工作表“材料”第6行“材料形式”列：“扫描件”不是有效值，应为：原件收取、原件核验、复印件、电子",
        "工作表“材料”第6行“份数”列：不能小于1（现在是0）",
        "工作表“材料”第6行“必要性”列：“可能”不是有效值，应为：必需、容缺、非必需",
        "工作表“材料”第6行“适用情形”列：“户籍”不是此事项的情形问题；已有：申请人类型、是否委托代办",
        "工作表“材料”第7行“序号”列：事项“MZ-001”的材料序号1重复（第2行已有）",
        "工作表“材料”第8行“适用情形”列：“个体户”不是问题“申请人类型”的选项；可选：个人、企业",
    ]
    assert found == expected


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert "无法打开工作簿" in problems(path)[0]
    assert "找不到文件" in problems(tmp_path / "nope.xlsx")[0]
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    assert "另存为 .xlsx" in problems(old)[0]


def test_json_mirror_round_trip(tmp_path: Path) -> None:
    parsed = read_catalog(write_book(tmp_path / "ok.xlsx"))
    write_catalog(parsed.items, tmp_path / "ok.json")
    again = read_catalog(tmp_path / "ok.json")
    assert again.ok and again.items == parsed.items
    write_catalog(parsed.items, tmp_path / "again.xlsx")
    assert read_catalog(tmp_path / "again.xlsx").items == parsed.items


def test_json_problems_are_per_record(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps({"事项": [dict(ITEM_ROW, 版本="")], "情形": [], "材料": []}, ensure_ascii=False),
        encoding="utf-8",
    )
    assert problems(path) == ["工作表“事项”第1条“版本”列：不能为空"]
    path.write_text("{not json", encoding="utf-8")
    assert "无法读取 JSON" in problems(path)[0]


@pytest.mark.parametrize("fee", ["是", "否", "", None])
def test_fee_flag(tmp_path: Path, fee: str | None) -> None:
    parsed = read_catalog(write_book(tmp_path / "f.xlsx", [dict(ITEM_ROW, 是否收费=fee)]))
    assert parsed.ok
    assert parsed.items[0].fee is (fee == "是")
