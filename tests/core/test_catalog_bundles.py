"""Bundles (一件事) in the catalogue files: read, checked row by row, written back."""

from __future__ import annotations

import json
from pathlib import Path

from app.core.bundles import AnswerMapping, BundleItem, merged_checklist
from app.core.catalog import MATERIAL_COLUMNS
from app.services.catalog_files import read_catalog, write_catalog
from tests.conftest import DEMO_CATALOG
from tests.workbooks import ITEM_ROW, MATERIAL_ROWS, QUESTION_ROWS

SECOND = {
    **ITEM_ROW,
    "事项编码": "YB-002",
    "事项名称": "医疗救助申请",
    "实施主体": "示范县医疗保障局",
}
SECOND_QUESTIONS = [
    {"事项编码": "YB-002", "情形编码": "Q1", "问题": "救助对象", "选项": "低保对象;特困人员"}
]
SECOND_MATERIALS = [
    {"事项编码": "YB-002", "序号": 1, "材料名称": "居民身份证（申请人）", "材料形式": "原件核验",
     "份数": 1, "必要性": "必需", "材料编码": "CL-0001"},
    {"事项编码": "YB-002", "序号": 2, "材料名称": "医疗费用票据", "材料形式": "原件收取",
     "份数": 1, "必要性": "必需"},
]  # fmt: skip


def book(**bundle_sheets: list[dict[str, object]]) -> dict[str, list[dict[str, object]]]:
    return {
        "事项": [ITEM_ROW, SECOND],
        "情形": [*QUESTION_ROWS, *SECOND_QUESTIONS],
        "材料": [
            {c: "" for c in MATERIAL_COLUMNS} | m for m in (*MATERIAL_ROWS, *SECOND_MATERIALS)
        ],
        **bundle_sheets,
    }


GOOD = {
    "一件事": [{"一件事编码": "YJS-1", "一件事名称": "困难群众救助", "版本": "1"}],
    "一件事事项": [
        {"一件事编码": "YJS-1", "事项编码": "MZ-001", "阶段": 1},
        {"一件事编码": "YJS-1", "事项编码": "YB-002", "阶段": ""},
    ],
    "一件事情形": [{"一件事编码": "YJS-1", "情形编码": "S1", "问题": "是否委托代办", "选项": "否;是"}],
    "一件事情形对应": [
        {"一件事编码": "YJS-1", "情形编码": "S1", "事项编码": "MZ-001", "事项情形": "是否委托代办"},
    ],
}  # fmt: skip


def write_json(path: Path, data: dict[str, list[dict[str, object]]]) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_bundle_reads_with_its_stages_questions_and_mappings(tmp_path: Path) -> None:
    parsed = read_catalog(write_json(tmp_path / "c.json", book(**GOOD)))
    assert parsed.ok and parsed.bundle_problems == ()
    (bundle,) = parsed.bundles
    assert bundle.items == (BundleItem("MZ-001", 1), BundleItem("YB-002", 1))
    assert bundle.mappings == (AnswerMapping("S1", "MZ-001", "Q2"),)
    assert bundle.item_answers({"S1": "是"})["MZ-001"] == {"Q2": "是"}
    # the shared code joins 居民身份证 and 居民身份证（申请人） (and the name key would too)
    items = {i.code: i for i in parsed.items}
    checklist = merged_checklist(bundle, items, {"S1": "否"}, {"MZ-001": {"Q1": "个人"}})
    card = next(m for m in checklist.materials if m.name == "居民身份证")
    assert card.key == "code:CL-0001" and card.items == ("MZ-001", "YB-002")


def test_broken_bundles_are_named_by_row_and_field_and_lose_nothing_else(tmp_path: Path) -> None:
    data = book(
        一件事=[
            *GOOD["一件事"],
            {"一件事编码": "YJS-2", "一件事名称": "坏的一件事", "版本": "1"},
            {"一件事编码": "YJS-3", "一件事名称": "选项不对", "版本": ""},
        ],
        一件事事项=[
            *GOOD["一件事事项"],
            {"一件事编码": "YJS-2", "事项编码": "MZ-001"},
            {"一件事编码": "YJS-2", "事项编码": "XX-404"},
            {"一件事编码": "YJS-9", "事项编码": "MZ-001"},
        ],
        一件事情形=[
            *GOOD["一件事情形"],
            {"一件事编码": "YJS-2", "情形编码": "S1", "问题": "申请人类型", "选项": "个人;单位"},
        ],
        一件事情形对应=[
            *GOOD["一件事情形对应"],
            {"一件事编码": "YJS-2", "情形编码": "S1", "事项编码": "MZ-001", "事项情形": "Q9"},
            {"一件事编码": "YJS-2", "情形编码": "S1", "事项编码": "MZ-001", "事项情形": "Q1",
             "选项对应": "个人=个人"},
        ],
    )  # fmt: skip
    parsed = read_catalog(write_json(tmp_path / "c.json", data))
    assert parsed.ok and len(parsed.items) == 2  # the items are all there
    assert [b.code for b in parsed.bundles] == ["YJS-1"]  # and the good bundle
    assert [str(p) for p in parsed.bundle_problems] == [
        "工作表“一件事”第3条“版本”列：不能为空",
        "工作表“一件事事项”第4条“事项编码”列：事项“XX-404”不在“事项”工作表中",
        "工作表“一件事事项”第5条“一件事编码”列：一件事“YJS-9”不在“一件事”工作表中",
        "工作表“一件事情形对应”第2条“事项情形”列：事项“最低生活保障申请”没有情形“Q9”；"
        "已有：申请人类型、是否委托代办",
        "工作表“一件事情形对应”第3条“选项对应”列：共享选项“单位”对应到“单位”，"
        "不是事项“最低生活保障申请”情形“申请人类型”的选项（可选：个人、企业）",
    ]


def test_a_file_without_bundle_sheets_has_no_bundles(tmp_path: Path) -> None:
    parsed = read_catalog(write_json(tmp_path / "c.json", book()))
    assert parsed.ok and parsed.bundles == () and parsed.bundle_problems == ()
    half = book(一件事=GOOD["一件事"])
    parsed = read_catalog(write_json(tmp_path / "half.json", half))
    assert parsed.ok and len(parsed.items) == 2 and parsed.bundles == ()
    assert [str(p) for p in parsed.bundle_problems] == [
        "工作表“一件事事项”：缺少此工作表（有一件事时必须有“一件事”和“一件事事项”）"
    ]


def test_demo_bundles_round_trip_through_excel_and_json(tmp_path: Path) -> None:
    demo = read_catalog(Path(DEMO_CATALOG))
    assert demo.ok and demo.bundle_problems == ()
    names = {b.name for b in demo.bundles}
    assert {"我要开饭店", "新生儿出生一件事", "困难群众救助一件事", "企业开办一件事"} <= names
    for suffix in (".xlsx", ".json"):
        out = tmp_path / f"export{suffix}"
        write_catalog(demo.items, out, demo.bundles)
        again = read_catalog(out)
        assert again.items == demo.items
        assert again.bundles == demo.bundles, suffix


def test_restaurant_checks_identity_card_and_premises_once(tmp_path: Path) -> None:
    demo = read_catalog(Path(DEMO_CATALOG))
    items = {i.code: i for i in demo.items}
    restaurant = next(b for b in demo.bundles if b.name == "我要开饭店")
    assert len(restaurant.stages()) == 2 and len(restaurant.stages()[1]) == 2
    checklist = merged_checklist(restaurant, items, restaurant.default_answers())
    lines = {m.name: m for m in checklist.materials}
    assert len(lines["居民身份证"].items) == 3 and lines["居民身份证"].copies == 1
    assert len(lines["经营场所使用证明"].items) == 3 and lines["经营场所使用证明"].copies == 3
    # the shared 经营者组成形式 reaches 个体工商户设立登记 and, mapped, 食品经营许可
    answers = restaurant.item_answers({"S1": "家庭经营", "S2": "否"})
    assert answers["370999-SJ-001"]["Q1"] == "家庭经营"
    assert answers["370999-SJ-003"]["Q1"] == "个体工商户"


def test_starting_a_company_checks_the_legal_representatives_card_once() -> None:
    demo = read_catalog(Path(DEMO_CATALOG))
    items = {i.code: i for i in demo.items}
    company = next(b for b in demo.bundles if b.name == "企业开办一件事")
    assert [len(stage) for stage in company.stages()] == [1, 3]
    checklist = merged_checklist(company, items, {"S1": "否"})
    lines = {m.name: m for m in checklist.materials}
    card = lines["法定代表人居民身份证"]
    assert len(card.items) == 4 and card.copies == 1 and card.original_shown
    licence = lines["营业执照"]  # issued by the first stage: 容缺 for the others
    assert len(licence.items) == 3 and licence.necessity.value == "容缺"
    assert "授权委托书" not in lines  # no agent: the shared answer reached all four
