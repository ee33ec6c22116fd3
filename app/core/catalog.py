"""The county's catalogue (实施清单) as rows → item standards, checking everything.

The file layout (Excel workbook or its JSON mirror) is three sheets:

- ``事项``: 事项编码, 事项名称, 事项类型, 实施主体, 办件类型, 法定时限, 承诺时限, 是否收费,
  收费标准, 设定依据, 受理条件, 办理流程, 办理地点, 咨询电话, 版本; optional: 法定时限单位,
  承诺时限单位 (工作日 / 自然日; empty: what the limit cell says — "15日" is 自然日 — or
  else 工作日), 复议机关 and 管辖法院 (to whom an applicant turns against a decision:
  行政复议 and 行政诉讼), 送达方式 (窗口领取 / 邮寄 …); empty: the hall's settings
- ``情形``: 事项编码, 情形编码, 问题, 选项 (options separated by ``;``)
- ``材料``: 事项编码, 序号, 材料名称, 材料形式, 份数, 必要性, 适用情形, 受理标准, 来源渠道,
  空白表格, 示例样表

适用情形: empty = always; otherwise ``问题=选项`` (the question's text or its 情形编码),
several conditions joined with ``;`` must all hold, alternatives for one question are
joined with ``|`` (``申请人类型=企业|个体工商户``).

The whole file is checked before anything is used; every problem is reported with
sheet, row and column, in Chinese. Full-width characters and stray spaces are read
the way a person means them; blank rows are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from app.core.items import (
    ITEM_KIND_ALIASES,
    MEDIUM_ALIASES,
    NECESSITY_ALIASES,
    SERVICE_TYPE_ALIASES,
    Condition,
    Item,
    Material,
    Question,
    clean_text,
    clean_token,
    sorted_materials,
)
from app.core.workdays import LIMIT_UNIT_ALIASES, LimitUnit, limit_text

SHEET_ITEMS = "事项"
SHEET_QUESTIONS = "情形"
SHEET_MATERIALS = "材料"

ITEM_COLUMNS = (
    "事项编码", "事项名称", "事项类型", "实施主体", "办件类型", "法定时限", "承诺时限",
    "是否收费", "收费标准", "设定依据", "受理条件", "办理流程", "办理地点", "咨询电话", "版本",
)  # fmt: skip
# Optional 事项 columns: a file without them is read with their defaults.
# 复议机关 / 管辖法院 / 送达方式 empty: the hall's settings say them.
REMEDY_COLUMNS = ("复议机关", "管辖法院", "送达方式")
ITEM_OPTIONAL_COLUMNS = ("法定时限单位", "承诺时限单位", *REMEDY_COLUMNS)
QUESTION_COLUMNS = ("事项编码", "情形编码", "问题", "选项")
MATERIAL_COLUMNS = (
    "事项编码", "序号", "材料名称", "材料形式", "份数", "必要性", "适用情形", "受理标准",
    "来源渠道", "空白表格", "示例样表",
)  # fmt: skip
SHEETS: Mapping[str, tuple[str, ...]] = {
    SHEET_ITEMS: ITEM_COLUMNS,
    SHEET_QUESTIONS: QUESTION_COLUMNS,
    SHEET_MATERIALS: MATERIAL_COLUMNS,
}

# What an export writes: the optional unit columns beside their limits, the
# remedies' addressees and the delivery at the end.
EXPORT_SHEETS: Mapping[str, tuple[str, ...]] = {
    **SHEETS,
    SHEET_ITEMS: (
        *(
            c
            for column in ITEM_COLUMNS
            for c in (
                (column, column + "单位") if column in ("法定时限", "承诺时限") else (column,)
            )
        ),
        *REMEDY_COLUMNS,
    ),
}

_T = TypeVar("_T")
_LIST_SPLIT = re.compile(r"[;；]")
_ALT_SPLIT = re.compile(r"[|｜/]")
_YES = {"是", "收费", "有", "y", "yes", "true", "1"}
_NO = {"否", "不收费", "免费", "无", "n", "no", "false", "0", ""}


@dataclass(frozen=True, slots=True)
class Sheet:
    headers: tuple[str, ...]
    rows: tuple[tuple[int, Mapping[str, object]], ...]  # (row number, column → cell)


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    sheet: str
    row: int  # 0: the sheet as a whole (or the header row when column is set)
    column: str
    message: str
    unit: str = "行"  # "条" for JSON records

    def __str__(self) -> str:
        where = f"工作表“{self.sheet}”" if self.sheet else "文件"
        if self.row:
            where += f"第{self.row}{self.unit}"
        if self.column:
            where += f"“{self.column}”列"
        return f"{where}：{self.message}"


@dataclass(frozen=True, slots=True)
class CatalogParse:
    items: tuple[Item, ...] = ()
    problems: tuple[Problem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems


class _Collector:
    def __init__(self, unit: str) -> None:
        self.problems: list[Problem] = []
        self.unit = unit

    def add(self, sheet: str, row: int, column: str, message: str) -> None:
        self.problems.append(Problem(sheet, row, column, message, self.unit))


def _text(row: Mapping[str, object], column: str) -> str:
    return clean_text(row.get(column))


def _int(
    p: _Collector, sheet: str, rownum: int, row: Mapping[str, object], column: str,
    *, minimum: int, default: int | None = None,
) -> int | None:  # fmt: skip
    raw = row.get(column)
    if isinstance(raw, bool):
        raw = None  # pragma: no mutate ("" reads the same: an empty cell)
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, int):
        value = raw
    else:
        text = clean_token(raw)
        text = re.sub(r"(个)?(工作日|日|天|份)$", "", text)
        if not text:
            if default is not None:
                return default
            p.add(sheet, rownum, column, "不能为空")
            return None
        if not re.fullmatch(r"-?\d+", text):
            p.add(sheet, rownum, column, f"“{clean_text(raw)}”不是整数")
            return None
        value = int(text)
    if value < minimum:
        p.add(sheet, rownum, column, f"不能小于{minimum}（现在是{value}）")
        return None
    return value


def _choice(
    p: _Collector, sheet: str, rownum: int, row: Mapping[str, object], column: str,
    aliases: Mapping[str, _T],
) -> _T | None:  # fmt: skip
    text = _text(row, column)
    if not text:
        p.add(sheet, rownum, column, "不能为空")
        return None
    value = aliases.get(clean_token(text))
    if value is None:
        allowed = "、".join(dict.fromkeys(str(v) for v in aliases.values()))
        p.add(sheet, rownum, column, f"“{text}”不是有效值，应为：{allowed}")
    return value


_UNIT_SUFFIX = re.compile(r"(个?工作日|日|天)$")


def _unit(
    p: _Collector, rownum: int, row: Mapping[str, object], limit_column: str
) -> LimitUnit | None:
    """The unit of a limit: its own column, else what the limit cell says (15日),
    else 工作日. A unit column that contradicts the cell is a problem."""
    column = limit_column + "单位"
    said = _UNIT_SUFFIX.search(clean_token(row.get(limit_column)))  # a number has no unit
    implied = LIMIT_UNIT_ALIASES[said.group(1)] if said else None
    text = _text(row, column)
    if not text:
        return implied or LimitUnit.WORKING
    unit = LIMIT_UNIT_ALIASES.get(clean_token(text))
    if unit is None:
        p.add(SHEET_ITEMS, rownum, column, f"“{text}”不是有效值，应为：工作日、自然日")
        return None
    if implied is not None and implied is not unit:
        p.add(
            SHEET_ITEMS, rownum, column,
            f"“{text}”与{limit_column}“{_text(row, limit_column)}”所写的单位不一致",
        )  # fmt: skip
        return None
    return unit


def _check_headers(p: _Collector, name: str, sheet: Sheet | None) -> bool:
    if sheet is None:
        p.add(name, 0, "", "缺少此工作表")
        return False
    present = {clean_text(h) for h in sheet.headers}
    missing = [c for c in SHEETS[name] if c not in present]
    for column in missing:
        p.add(name, 1 if p.unit == "行" else 0, column, "缺少此列")
    return not missing


def parse_catalog(book: Mapping[str, Sheet], *, unit: str = "行") -> CatalogParse:
    """Turn the three sheets into items, or list every problem (then no items)."""
    p = _Collector(unit)
    sheets = {clean_text(k): v for k, v in book.items()}
    headers_ok = [_check_headers(p, name, sheets.get(name)) for name in SHEETS]
    if not all(headers_ok):
        return CatalogParse((), tuple(p.problems))

    heads: dict[str, dict[str, object]] = {}
    head_rows: dict[str, int] = {}
    for rownum, row in sheets[SHEET_ITEMS].rows:
        fields = _parse_item_row(p, rownum, row)
        if fields is None:
            continue
        code = str(fields["code"])
        if code in heads:
            p.add(
                SHEET_ITEMS,
                rownum,
                "事项编码",
                f"事项编码“{code}”重复（第{head_rows[code]}行已有）",
            )
            continue
        heads[code] = fields
        head_rows[code] = rownum

    # Codes whose 事项 row had problems: their rows elsewhere are not reported again
    # as "unknown item", which would only be noise.
    broken = {clean_token(row.get("事项编码")) for _, row in sheets[SHEET_ITEMS].rows} - set(heads)
    questions: dict[str, list[Question]] = {code: [] for code in heads}

    def owner(sheet: str, rownum: int, row: Mapping[str, object]) -> str | None:
        """The item a 情形/材料 row belongs to, or None (reported) when it has none."""
        code = clean_token(row.get("事项编码"))
        if not code:
            p.add(sheet, rownum, "事项编码", "不能为空")
            return None
        if code not in heads:
            if code not in broken:
                p.add(sheet, rownum, "事项编码", f"事项“{code}”不在“事项”工作表中")
            return None
        return code

    for rownum, row in sheets[SHEET_QUESTIONS].rows:
        q_owner = owner(SHEET_QUESTIONS, rownum, row)
        if q_owner is None:
            continue
        q = _parse_question_row(p, rownum, row, questions[q_owner])
        if q is not None:
            questions[q_owner].append(q)

    materials: dict[str, list[Material]] = {code: [] for code in heads}
    seqs: dict[str, dict[int, int]] = {code: {} for code in heads}
    for rownum, row in sheets[SHEET_MATERIALS].rows:
        m_owner = owner(SHEET_MATERIALS, rownum, row)
        if m_owner is None:
            continue
        code = m_owner
        m = _parse_material_row(p, rownum, row, questions[code])
        if m is None:
            continue
        if m.seq in seqs[code]:
            p.add(
                SHEET_MATERIALS, rownum, "序号",
                f"事项“{code}”的材料序号{m.seq}重复（第{seqs[code][m.seq]}{unit}已有）",
            )  # fmt: skip
            continue
        seqs[code][m.seq] = rownum
        materials[code].append(m)

    if p.problems:
        return CatalogParse((), tuple(sorted(p.problems, key=_problem_order)))
    items = tuple(
        Item(
            questions=tuple(questions[code]),
            materials=sorted_materials(materials[code]),
            **heads[code],  # type: ignore[arg-type]
        )
        for code in sorted(heads)
    )
    return CatalogParse(items, ())


_SHEET_ORDER = {name: i for i, name in enumerate(SHEETS)}


def _problem_order(problem: Problem) -> tuple[int, int, int]:
    columns = SHEETS.get(problem.sheet, ())  # pragma: no mutate (see below)
    # no mutate: only the order of problems of one sheet and row matters (a problem
    # without a column of its own first); every sheet a problem names is known
    column = columns.index(problem.column) if problem.column in columns else -1  # pragma: no mutate
    return (_SHEET_ORDER.get(problem.sheet, 99), problem.row, column)  # pragma: no mutate


def _parse_item_row(
    p: _Collector, rownum: int, row: Mapping[str, object]
) -> dict[str, object] | None:
    s = SHEET_ITEMS
    before = len(p.problems)
    code = clean_token(row.get("事项编码"))
    if not code:
        p.add(s, rownum, "事项编码", "不能为空")
    name = _text(row, "事项名称")
    if not name:
        p.add(s, rownum, "事项名称", "不能为空")
    kind = _choice(p, s, rownum, row, "事项类型", ITEM_KIND_ALIASES)
    department = _text(row, "实施主体")
    if not department:
        p.add(s, rownum, "实施主体", "不能为空")
    service_type = _choice(p, s, rownum, row, "办件类型", SERVICE_TYPE_ALIASES)
    statutory = _int(p, s, rownum, row, "法定时限", minimum=0)
    promised = _int(p, s, rownum, row, "承诺时限", minimum=0)
    statutory_unit = _unit(p, rownum, row, "法定时限")
    promised_unit = _unit(p, rownum, row, "承诺时限")
    if (
        statutory and promised is not None and statutory_unit and promised_unit
        # N working days take at least N natural days: only that much can be compared
        and (statutory_unit is promised_unit or promised_unit is LimitUnit.WORKING)
        and promised > statutory
    ):  # fmt: skip
        p.add(
            s,
            rownum,
            "承诺时限",
            f"承诺时限（{limit_text(promised, promised_unit)}）不能超过法定时限"
            f"（{limit_text(statutory, statutory_unit)}）",
        )
    fee_text = clean_token(row.get("是否收费")).lower()
    fee = fee_text in _YES
    if fee_text not in _YES | _NO:
        p.add(s, rownum, "是否收费", f"“{fee_text}”应为“是”或“否”")
    version = _text(row, "版本")
    if not version:
        p.add(s, rownum, "版本", "不能为空")
    if len(p.problems) > before:
        return None
    return {
        "code": code,
        "name": name,
        "kind": kind,
        "department": department,
        "service_type": service_type,
        "statutory_days": statutory,
        "promised_days": promised,
        "statutory_unit": statutory_unit,
        "promised_unit": promised_unit,
        "version": version,
        "fee": fee,
        "fee_standard": _text(row, "收费标准"),
        "legal_basis": _text(row, "设定依据"),
        "conditions": _text(row, "受理条件"),
        "procedure": _text(row, "办理流程"),
        "place": _text(row, "办理地点"),
        "phone": _text(row, "咨询电话"),
        "review_body": _text(row, "复议机关"),
        "court": _text(row, "管辖法院"),
        "delivery": _text(row, "送达方式"),
    }


def _parse_question_row(
    p: _Collector, rownum: int, row: Mapping[str, object], existing: Sequence[Question]
) -> Question | None:
    s = SHEET_QUESTIONS
    before = len(p.problems)
    code = clean_token(row.get("情形编码"))
    text = _text(row, "问题")
    if not code:
        p.add(s, rownum, "情形编码", "不能为空")
    if not text:
        p.add(s, rownum, "问题", "不能为空")
    options = [clean_text(o) for o in _LIST_SPLIT.split(_text(row, "选项"))]
    options = [o for o in options if o]
    if not options:
        p.add(s, rownum, "选项", "至少要有一个选项（多个选项用“;”分隔）")
    duplicates = sorted({o for o in options if options.count(o) > 1})
    if duplicates:
        p.add(s, rownum, "选项", f"选项重复：{'、'.join(duplicates)}")
    for q in existing:
        if code and q.code == code:
            p.add(s, rownum, "情形编码", f"同一事项中情形编码“{code}”重复")
        if text and q.text == text:
            p.add(s, rownum, "问题", f"同一事项中问题“{text}”重复")
    if len(p.problems) > before:
        return None
    return Question(code, text, tuple(options))


def _parse_conditions(
    p: _Collector, rownum: int, raw: str, questions: Sequence[Question]
) -> tuple[Condition, ...] | None:
    s, column = SHEET_MATERIALS, "适用情形"
    conditions: list[Condition] = []
    ok = True
    for part in (clean_text(x) for x in _LIST_SPLIT.split(raw)):
        if not part:
            continue
        ref, sep, value = part.replace("＝", "=").partition("=")
        ref, value = ref.strip(), value.strip()
        if not sep or not ref or not value:
            p.add(s, rownum, column, f"“{part}”应写成“问题=选项”")
            ok = False
            continue
        question = next((q for q in questions if q.matches(ref)), None)
        if question is None:
            known = "、".join(q.text for q in questions) or "（此事项没有情形）"
            p.add(s, rownum, column, f"“{ref}”不是此事项的情形问题；已有：{known}")
            ok = False
            continue
        options = [clean_text(v) for v in _ALT_SPLIT.split(value) if clean_text(v)]
        unknown = [o for o in options if o not in question.options]
        if unknown:
            p.add(
                s, rownum, column,
                f"“{'、'.join(unknown)}”不是问题“{question.text}”的选项；"
                f"可选：{'、'.join(question.options)}",
            )  # fmt: skip
            ok = False
            continue
        conditions.append(Condition(question.code, frozenset(options)))
    return tuple(conditions) if ok else None


def _parse_material_row(
    p: _Collector, rownum: int, row: Mapping[str, object], questions: Sequence[Question]
) -> Material | None:
    s = SHEET_MATERIALS
    before = len(p.problems)
    seq = _int(p, s, rownum, row, "序号", minimum=1)
    name = _text(row, "材料名称")
    if not name:
        p.add(s, rownum, "材料名称", "不能为空")
    medium = _choice(p, s, rownum, row, "材料形式", MEDIUM_ALIASES)
    copies = _int(p, s, rownum, row, "份数", minimum=1, default=1)
    necessity = _choice(p, s, rownum, row, "必要性", NECESSITY_ALIASES)
    conditions = _parse_conditions(p, rownum, _text(row, "适用情形"), questions)
    if len(p.problems) > before:
        return None
    assert seq is not None and copies is not None and medium is not None
    assert necessity is not None and conditions is not None
    return Material(
        seq=seq,
        name=name,
        medium=medium,
        copies=copies,
        necessity=necessity,
        conditions=conditions,
        standard=_text(row, "受理标准"),
        source=_text(row, "来源渠道"),
        blank_form=_text(row, "空白表格"),
        sample=_text(row, "示例样表"),
    )


def condition_text(material: Material, questions: Sequence[Question]) -> str:
    """The 适用情形 cell for a material (export), using question texts."""
    parts = []
    for c in material.conditions:
        q = next((q for q in questions if q.code == c.question), None)
        label = q.text if q else c.question
        ordered = [o for o in (q.options if q else ()) if o in c.options] or sorted(c.options)
        parts.append(f"{label}={'|'.join(ordered)}")
    return ";".join(parts)


def item_rows(
    item: Item,
) -> tuple[dict[str, object], list[dict[str, object]], list[dict[str, object]]]:
    """One item as rows of the three sheets (for export)."""
    head: dict[str, object] = {
        "事项编码": item.code,
        "事项名称": item.name,
        "事项类型": item.kind.value,
        "实施主体": item.department,
        "办件类型": item.service_type.value,
        "法定时限": item.statutory_days,
        "法定时限单位": item.statutory_unit.value,
        "承诺时限": item.promised_days,
        "承诺时限单位": item.promised_unit.value,
        "是否收费": "是" if item.fee else "否",
        "收费标准": item.fee_standard,
        "设定依据": item.legal_basis,
        "受理条件": item.conditions,
        "办理流程": item.procedure,
        "办理地点": item.place,
        "咨询电话": item.phone,
        "版本": item.version,
        "复议机关": item.review_body,
        "管辖法院": item.court,
        "送达方式": item.delivery,
    }
    questions: list[dict[str, object]] = [
        {"事项编码": item.code, "情形编码": q.code, "问题": q.text, "选项": ";".join(q.options)}
        for q in item.questions
    ]
    materials: list[dict[str, object]] = [
        {
            "事项编码": item.code,
            "序号": m.seq,
            "材料名称": m.name,
            "材料形式": m.medium.value,
            "份数": m.copies,
            "必要性": m.necessity.value,
            "适用情形": condition_text(m, item.questions),
            "受理标准": m.standard,
            "来源渠道": m.source,
            "空白表格": m.blank_form,
            "示例样表": m.sample,
        }
        for m in item.materials
    ]
    return head, questions, materials
