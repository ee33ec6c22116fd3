"""The catalogue's sheets read row by row (parse_catalog on in-memory sheets): every
way a cell can be wrong, reported with its sheet, row, column and message in full,
and what a good row becomes."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from app.core.catalog import (
    MATERIAL_COLUMNS,
    QUESTION_COLUMNS,
    Problem,
    Sheet,
    condition_text,
    parse_catalog,
)
from app.core.items import Condition, ItemKind, Medium, Necessity, Question, ServiceType
from app.core.workdays import LimitUnit

ITEM = {
    "事项编码": "T-1", "事项名称": "测试事项", "事项类型": "公共服务", "实施主体": "民政局",
    "办件类型": "承诺件", "法定时限": 20, "承诺时限": 5, "是否收费": "否", "收费标准": "",
    "设定依据": "依据", "受理条件": "条件", "办理流程": "流程", "办理地点": "大厅",
    "咨询电话": "0531-1234567", "版本": "1",
}  # fmt: skip
QUESTION = {"事项编码": "T-1", "情形编码": "Q1", "问题": "申请人类型", "选项": "个人;企业"}
MATERIAL = {
    "事项编码": "T-1", "序号": 1, "材料名称": "身份证", "材料形式": "原件核验", "份数": 1,
    "必要性": "必需", "适用情形": "", "受理标准": "有效", "来源渠道": "申请人",
    "空白表格": "", "示例样表": "",
}  # fmt: skip


def book(
    items: list[Mapping[str, object]] | None = None,
    questions: list[Mapping[str, object]] | None = None,
    materials: list[Mapping[str, object]] | None = None,
) -> dict[str, Sheet]:
    def sheet(headers: tuple[str, ...], rows: list[Mapping[str, object]]) -> Sheet:
        return Sheet(headers, tuple((n, row) for n, row in enumerate(rows, start=2)))

    item_headers = (*ITEM, "法定时限单位", "承诺时限单位")
    return {
        "事项": sheet(item_headers, [ITEM] if items is None else items),
        "情形": sheet(QUESTION_COLUMNS, [QUESTION] if questions is None else questions),
        "材料": sheet(MATERIAL_COLUMNS, [MATERIAL] if materials is None else materials),
    }


def said(**sheets: list[Mapping[str, object]]) -> list[str]:
    parsed = parse_catalog(book(**sheets))  # type: ignore[arg-type]
    assert not parsed.items if parsed.problems else parsed.items
    return [str(p) for p in parsed.problems]


def test_a_good_row_becomes_an_item() -> None:
    parsed = parse_catalog(book())
    assert parsed.ok and len(parsed.items) == 1
    it = parsed.items[0]
    assert (it.code, it.name, it.kind, it.department, it.service_type) == (
        "T-1", "测试事项", ItemKind.PUBLIC_SERVICE, "民政局", ServiceType.PROMISED,
    )  # fmt: skip
    assert (it.statutory_days, it.promised_days, it.version, it.fee) == (20, 5, "1", False)
    assert (it.statutory_unit, it.promised_unit) == (LimitUnit.WORKING, LimitUnit.WORKING)
    assert (it.legal_basis, it.conditions, it.procedure, it.place, it.phone) == (
        "依据", "条件", "流程", "大厅", "0531-1234567",
    )  # fmt: skip
    assert it.questions == (Question("Q1", "申请人类型", ("个人", "企业")),)
    [m] = it.materials
    assert (m.seq, m.name, m.medium, m.copies, m.necessity, m.conditions) == (
        1, "身份证", Medium.ORIGINAL_SHOWN, 1, Necessity.REQUIRED, (),
    )  # fmt: skip
    assert (m.standard, m.source, m.blank_form, m.sample) == ("有效", "申请人", "", "")


def test_every_empty_required_cell_of_an_item() -> None:
    empty = dict.fromkeys(ITEM, "")
    assert said(items=[empty], questions=[], materials=[]) == [
        "工作表“事项”第2行“事项编码”列：不能为空",
        "工作表“事项”第2行“事项名称”列：不能为空",
        "工作表“事项”第2行“事项类型”列：不能为空",
        "工作表“事项”第2行“实施主体”列：不能为空",
        "工作表“事项”第2行“办件类型”列：不能为空",
        "工作表“事项”第2行“法定时限”列：不能为空",
        "工作表“事项”第2行“承诺时限”列：不能为空",
        "工作表“事项”第2行“版本”列：不能为空",
    ]


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        ({"事项类型": "许可"}, "“事项类型”列：“许可”不是有效值，应为：行政许可、行政处罚、行政强制、行政征收、行政给付、行政检查、行政确认、行政奖励、行政裁决、其他行政权力、公共服务、其他"),
        ({"办件类型": "马上办"}, "“办件类型”列：“马上办”不是有效值，应为：即办件、承诺件"),
        ({"法定时限": "二十"}, "“法定时限”列：“二十”不是整数"),
        ({"承诺时限": -1}, "“承诺时限”列：不能小于0（现在是-1）"),
        ({"承诺时限": 30}, "“承诺时限”列：承诺时限（30个工作日）不能超过法定时限（20个工作日）"),
        ({"承诺时限": "21个工作日"}, "“承诺时限”列：承诺时限（21个工作日）不能超过法定时限（20个工作日）"),
        ({"是否收费": "也许"}, "“是否收费”列：“也许”应为“是”或“否”"),
        ({"法定时限单位": "小时"}, "“法定时限单位”列：“小时”不是有效值，应为：工作日、自然日"),
        ({"承诺时限": "5日", "承诺时限单位": "工作日"}, "“承诺时限单位”列：“工作日”与承诺时限“5日”所写的单位不一致"),
    ],
)  # fmt: skip
def test_each_bad_item_cell(cells: dict[str, object], problem: str) -> None:
    assert said(items=[ITEM | cells]) == ["工作表“事项”第2行" + problem]


@pytest.mark.parametrize(
    ("cells", "check"),
    [
        ({"法定时限": 20.0, "承诺时限": "5个工作日"}, ("statutory_days", 20)),
        ({"承诺时限": "5天"}, ("promised_unit", LimitUnit.NATURAL)),
        ({"承诺时限": 15, "承诺时限单位": "自然日"}, ("promised_unit", LimitUnit.NATURAL)),
        ({"承诺时限": 25, "承诺时限单位": "自然日"}, ("promised_days", 25)),  # 25 日 ≤ 20 工作日
        ({"法定时限": 0, "承诺时限": 0}, ("promised_days", 0)),  # 即办: no comparison
        ({"是否收费": "收费"}, ("fee", True)),
        ({"是否收费": " YES "}, ("fee", True)),
        ({"事项类型": "其他行政权力"}, ("kind", ItemKind.OTHER_POWER)),
        ({"办件类型": "即办"}, ("service_type", ServiceType.ON_THE_SPOT)),
    ],
)  # fmt: skip
def test_cells_people_write_differently(
    cells: dict[str, object], check: tuple[str, object]
) -> None:
    parsed = parse_catalog(book(items=[ITEM | cells]))
    assert parsed.ok, [str(p) for p in parsed.problems]
    assert getattr(parsed.items[0], check[0]) == check[1]


def test_a_duplicate_item_code_and_rows_of_unknown_items() -> None:
    bad_item = ITEM | {"事项编码": "T-2", "事项名称": ""}
    assert said(
        items=[ITEM, ITEM, bad_item],
        questions=[QUESTION, QUESTION | {"事项编码": "X-9"}, QUESTION | {"事项编码": "T-2"}],
        materials=[MATERIAL, MATERIAL | {"事项编码": ""}],
    ) == [
        "工作表“事项”第3行“事项编码”列：事项编码“T-1”重复（第2行已有）",
        "工作表“事项”第4行“事项名称”列：不能为空",
        "工作表“情形”第3行“事项编码”列：事项“X-9”不在“事项”工作表中",
        "工作表“材料”第3行“事项编码”列：不能为空",
    ]  # T-2's own rows are not reported again


def test_each_bad_question_row() -> None:
    assert said(
        questions=[
            QUESTION,
            QUESTION | {"情形编码": "", "问题": "", "选项": " ; "},
            QUESTION | {"情形编码": "Q2", "问题": "是否代办", "选项": "是;否;是；否"},
            QUESTION | {"问题": "申请人类型"},
        ]
    ) == [
        "工作表“情形”第3行“情形编码”列：不能为空",
        "工作表“情形”第3行“问题”列：不能为空",
        "工作表“情形”第3行“选项”列：至少要有一个选项（多个选项用“;”分隔）",
        "工作表“情形”第4行“选项”列：选项重复：否、是",
        "工作表“情形”第5行“情形编码”列：同一事项中情形编码“Q1”重复",
        "工作表“情形”第5行“问题”列：同一事项中问题“申请人类型”重复",
    ]


def test_each_bad_material_row() -> None:
    assert said(
        materials=[
            MATERIAL,
            MATERIAL
            | {"序号": 0, "材料名称": "", "材料形式": "传真", "份数": "两份", "必要性": ""},
            MATERIAL | {"序号": "", "份数": "", "适用情形": "申请人类型"},
            MATERIAL | {"序号": 1, "材料名称": "户口簿"},
        ]
    ) == [
        "工作表“材料”第3行“序号”列：不能小于1（现在是0）",
        "工作表“材料”第3行“材料名称”列：不能为空",
        "工作表“材料”第3行“材料形式”列：“传真”不是有效值，应为：原件收取、原件核验、复印件、电子",
        "工作表“材料”第3行“份数”列：“两份”不是整数",
        "工作表“材料”第3行“必要性”列：不能为空",
        "工作表“材料”第4行“序号”列：不能为空",
        "工作表“材料”第4行“适用情形”列：“申请人类型”应写成“问题=选项”",
        "工作表“材料”第5行“序号”列：事项“T-1”的材料序号1重复（第2行已有）",
    ]


def test_situations_of_a_material() -> None:
    q2 = QUESTION | {"情形编码": "Q2", "问题": "是否代办", "选项": "是;否"}
    rows = [
        MATERIAL | {"适用情形": "申请人类型=企业；Q2＝是|否"},
        MATERIAL | {"序号": 2, "适用情形": "婚姻状况=已婚"},
        MATERIAL | {"序号": 3, "适用情形": "申请人类型=单位/企业"},
        MATERIAL | {"序号": 4, "适用情形": "=企业; 申请人类型="},
    ]
    assert said(questions=[QUESTION, q2], materials=rows) == [
        "工作表“材料”第3行“适用情形”列：“婚姻状况”不是此事项的情形问题；已有：申请人类型、是否代办",
        "工作表“材料”第4行“适用情形”列：“单位”不是问题“申请人类型”的选项；可选：个人、企业",
        "工作表“材料”第5行“适用情形”列：“=企业”应写成“问题=选项”",
        "工作表“材料”第5行“适用情形”列：“申请人类型=”应写成“问题=选项”",
    ]
    parsed = parse_catalog(book(questions=[QUESTION, q2], materials=rows[:1]))
    [m] = parsed.items[0].materials
    assert m.conditions == (
        Condition("Q1", frozenset({"企业"})),
        Condition("Q2", frozenset({"是", "否"})),
    )
    assert condition_text(m, parsed.items[0].questions) == "申请人类型=企业;是否代办=是|否"
    assert said(questions=[], materials=[MATERIAL | {"适用情形": "x=y"}]) == [
        "工作表“材料”第2行“适用情形”列：“x”不是此事项的情形问题；已有：（此事项没有情形）"
    ]


def test_missing_sheets_and_columns_and_how_a_problem_reads() -> None:
    parsed = parse_catalog({"事项": Sheet(("事项编码",), ())})
    assert [str(p) for p in parsed.problems][:2] == [
        "工作表“事项”第1行“事项名称”列：缺少此列",
        "工作表“事项”第1行“事项类型”列：缺少此列",
    ]
    assert "工作表“情形”：缺少此工作表" in [str(p) for p in parsed.problems]
    json_unit = parse_catalog({"事项": Sheet(("事项编码",), ())}, unit="条")
    assert str(json_unit.problems[0]) == "工作表“事项”“事项名称”列：缺少此列"
    assert str(Problem("", 3, "", "坏了", "条")) == "文件第3条：坏了"
    assert str(Problem("材料", 0, "", "缺少此工作表")) == "工作表“材料”：缺少此工作表"
