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

from app.core.bundles import AnswerMapping, Bundle, BundleItem, SharedQuestion
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
# Bundles (一件事): optional sheets; a file without them has no bundles.
SHEET_BUNDLES = "一件事"
SHEET_BUNDLE_ITEMS = "一件事事项"
SHEET_BUNDLE_QUESTIONS = "一件事情形"
SHEET_BUNDLE_MAPPINGS = "一件事情形对应"

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
# Optional 材料 column: the shared material code of the standard (材料编码); materials
# with the same code are one material across the items of a bundle.
MATERIAL_OPTIONAL_COLUMNS = ("材料编码",)
BUNDLE_COLUMNS = ("一件事编码", "一件事名称", "版本", "说明")
BUNDLE_ITEM_COLUMNS = ("一件事编码", "事项编码", "阶段")
BUNDLE_QUESTION_COLUMNS = ("一件事编码", "情形编码", "问题", "选项")
BUNDLE_MAPPING_COLUMNS = ("一件事编码", "情形编码", "事项编码", "事项情形", "选项对应")
BUNDLE_SHEETS: Mapping[str, tuple[str, ...]] = {
    SHEET_BUNDLES: BUNDLE_COLUMNS,
    SHEET_BUNDLE_ITEMS: BUNDLE_ITEM_COLUMNS,
    SHEET_BUNDLE_QUESTIONS: BUNDLE_QUESTION_COLUMNS,
    SHEET_BUNDLE_MAPPINGS: BUNDLE_MAPPING_COLUMNS,
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
    SHEET_MATERIALS: (*MATERIAL_COLUMNS, *MATERIAL_OPTIONAL_COLUMNS),
    **BUNDLE_SHEETS,
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
    # Bundles read from the 一件事 sheets. A broken bundle is left out and its
    # problems listed here; it costs nothing else of the import (``ok`` is the items').
    bundles: tuple[Bundle, ...] = ()
    bundle_problems: tuple[Problem, ...] = ()

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
    bundles, bundle_problems = parse_bundles(sheets, items, unit=unit)
    return CatalogParse(items, (), bundles, bundle_problems)


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
    p: _Collector, rownum: int, row: Mapping[str, object], existing: Sequence[Question],
    *, sheet: str = SHEET_QUESTIONS,
) -> Question | None:  # fmt: skip
    s = sheet
    owner = "事项" if sheet == SHEET_QUESTIONS else "一件事"
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
            p.add(s, rownum, "情形编码", f"同一{owner}中情形编码“{code}”重复")
        if text and q.text == text:
            p.add(s, rownum, "问题", f"同一{owner}中问题“{text}”重复")
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
        code=clean_token(row.get("材料编码")),
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
            "材料编码": m.code,
        }
        for m in item.materials
    ]
    return head, questions, materials


# ---------------------------------------------------------------- bundles (一件事)
#
# 一件事: 一件事编码, 一件事名称, 版本, 说明 (optional)
# 一件事事项: 一件事编码, 事项编码, 阶段 (empty: 1; items of one stage run in parallel)
# 一件事情形: 一件事编码, 情形编码, 问题, 选项 (the shared questions, asked once)
# 一件事情形对应: 一件事编码, 情形编码 (the shared question, code or text), 事项编码,
#   事项情形 (the item's question, code or text), 选项对应 (``共享选项=事项选项`` joined
#   with ``;``; empty: the same option texts)

_BUNDLE_OPTIONAL = {SHEET_BUNDLES: ("说明",), SHEET_BUNDLE_ITEMS: ("阶段",),
                    SHEET_BUNDLE_MAPPINGS: ("选项对应",)}  # fmt: skip


def parse_bundles(
    sheets: Mapping[str, Sheet], items: Sequence[Item], *, unit: str = "行"
) -> tuple[tuple[Bundle, ...], tuple[Problem, ...]]:
    """The bundles of the 一件事 sheets, checked against ``items``. A bundle with any
    problem is left out (its problems returned); the others are kept."""
    present = [name for name in BUNDLE_SHEETS if name in sheets]
    if not present:
        return (), ()
    p = _Collector(unit)
    for name in (SHEET_BUNDLES, SHEET_BUNDLE_ITEMS):
        if name not in sheets:
            p.add(name, 0, "", "缺少此工作表（有一件事时必须有“一件事”和“一件事事项”）")
    headers_ok = True
    for name in present:
        have = {clean_text(h) for h in sheets[name].headers}
        for column in BUNDLE_SHEETS[name]:
            if column not in have and column not in _BUNDLE_OPTIONAL.get(name, ()):
                p.add(name, 1 if unit == "行" else 0, column, "缺少此列")
                headers_ok = False
    if p.problems or not headers_ok:
        return (), tuple(p.problems)

    def rows(name: str) -> tuple[tuple[int, Mapping[str, object]], ...]:
        sheet = sheets.get(name)
        return sheet.rows if sheet else ()

    by_code = {i.code: i for i in items}
    heads: dict[str, tuple[str, str, str]] = {}  # code → (name, version, description)
    head_rows: dict[str, int] = {}
    broken: set[str] = set()
    for rownum, row in rows(SHEET_BUNDLES):
        before = len(p.problems)
        code = clean_token(row.get("一件事编码"))
        name = _text(row, "一件事名称")
        version = _text(row, "版本")
        if not code:
            p.add(SHEET_BUNDLES, rownum, "一件事编码", "不能为空")
        elif code in heads or code in broken:
            where = f"（第{head_rows[code]}{unit}已有）" if code in head_rows else ""
            p.add(SHEET_BUNDLES, rownum, "一件事编码", f"一件事编码“{code}”重复{where}")
            broken.add(code)
            continue
        if not name:
            p.add(SHEET_BUNDLES, rownum, "一件事名称", "不能为空")
        if not version:
            p.add(SHEET_BUNDLES, rownum, "版本", "不能为空")
        if len(p.problems) > before:
            if code:
                broken.add(code)
            continue
        heads[code] = (name, version, _text(row, "说明"))
        head_rows[code] = rownum

    def owner(sheet: str, rownum: int, row: Mapping[str, object]) -> str | None:
        code = clean_token(row.get("一件事编码"))
        if not code:
            p.add(sheet, rownum, "一件事编码", "不能为空")
            return None
        if code not in heads:
            if code not in broken:
                p.add(sheet, rownum, "一件事编码", f"一件事“{code}”不在“一件事”工作表中")
            return None
        return code

    members: dict[str, list[BundleItem]] = {code: [] for code in heads}
    member_rows: dict[tuple[str, str], int] = {}
    for rownum, row in rows(SHEET_BUNDLE_ITEMS):
        s = SHEET_BUNDLE_ITEMS
        bundle = owner(s, rownum, row)
        if bundle is None:
            continue
        before = len(p.problems)
        item_code = clean_token(row.get("事项编码"))
        if not item_code:
            p.add(s, rownum, "事项编码", "不能为空")
        elif item_code not in by_code:
            p.add(s, rownum, "事项编码", f"事项“{item_code}”不在“事项”工作表中")
        elif (bundle, item_code) in member_rows:
            p.add(
                s, rownum, "事项编码",
                f"事项“{item_code}”在一件事“{bundle}”中重复"
                f"（第{member_rows[(bundle, item_code)]}{unit}已有）",
            )  # fmt: skip
        stage = _int(p, s, rownum, row, "阶段", minimum=1, default=1)
        if len(p.problems) > before or stage is None:
            broken.add(bundle)
            continue
        member_rows[(bundle, item_code)] = rownum
        members[bundle].append(BundleItem(item_code, stage))

    shared: dict[str, list[SharedQuestion]] = {code: [] for code in heads}
    for rownum, row in rows(SHEET_BUNDLE_QUESTIONS):
        s = SHEET_BUNDLE_QUESTIONS
        bundle = owner(s, rownum, row)
        if bundle is None:
            continue
        q = _parse_question_row(
            p, rownum, row, [Question(x.code, x.text, x.options) for x in shared[bundle]], sheet=s
        )
        if q is None:
            broken.add(bundle)
            continue
        shared[bundle].append(SharedQuestion(q.code, q.text, q.options))

    mappings: dict[str, list[AnswerMapping]] = {code: [] for code in heads}
    mapped_rows: dict[tuple[str, str, str], int] = {}
    for rownum, row in rows(SHEET_BUNDLE_MAPPINGS):
        s = SHEET_BUNDLE_MAPPINGS
        bundle = owner(s, rownum, row)
        if bundle is None:
            continue
        m = _parse_mapping_row(p, rownum, row, shared[bundle], members[bundle], by_code)
        if m is None:
            broken.add(bundle)
            continue
        key = (bundle, m.item, m.question)
        if key in mapped_rows:
            p.add(
                s, rownum, "事项情形",
                f"事项“{m.item}”的情形“{m.question}”已由第{mapped_rows[key]}{unit}对应",
            )  # fmt: skip
            broken.add(bundle)
            continue
        mapped_rows[key] = rownum
        mappings[bundle].append(m)

    for code, rownum in head_rows.items():
        if not members[code] and code not in broken:
            p.add(SHEET_BUNDLES, rownum, "一件事编码", f"一件事“{code}”在“一件事事项”中没有事项")
            broken.add(code)

    bundles = tuple(
        Bundle(
            code=code,
            name=heads[code][0],
            version=heads[code][1],
            description=heads[code][2],
            items=tuple(members[code]),
            questions=tuple(shared[code]),
            mappings=tuple(mappings[code]),
        )
        for code in sorted(heads)
        if code not in broken
    )
    order = {name: i for i, name in enumerate(BUNDLE_SHEETS)}
    problems = sorted(p.problems, key=lambda x: (order.get(x.sheet, 99), x.row))
    return bundles, tuple(problems)


def _parse_mapping_row(
    p: _Collector,
    rownum: int,
    row: Mapping[str, object],
    shared: Sequence[SharedQuestion],
    members: Sequence[BundleItem],
    items: Mapping[str, Item],
) -> AnswerMapping | None:
    s = SHEET_BUNDLE_MAPPINGS
    before = len(p.problems)
    ref = _text(row, "情形编码")
    question = next((q for q in shared if q.matches(ref) or q.code == clean_token(ref)), None)
    if not ref:
        p.add(s, rownum, "情形编码", "不能为空")
    elif question is None:
        known = "、".join(q.code for q in shared) or "（此一件事没有情形）"
        p.add(s, rownum, "情形编码", f"“{ref}”不是此一件事的情形；已有：{known}")
    item_code = clean_token(row.get("事项编码"))
    item = items.get(item_code)
    if not item_code:
        p.add(s, rownum, "事项编码", "不能为空")
    elif item_code not in {m.code for m in members} or item is None:
        p.add(s, rownum, "事项编码", f"事项“{item_code}”不在此一件事的“一件事事项”中")
        item = None
    target_ref = _text(row, "事项情形")
    target = None
    if not target_ref:
        p.add(s, rownum, "事项情形", "不能为空")
    elif item is not None:
        target = item.question(target_ref) or item.question(clean_token(target_ref))
        if target is None:
            known = "、".join(q.text for q in item.questions) or "（此事项没有情形）"
            p.add(
                s, rownum, "事项情形",
                f"事项“{item.name}”没有情形“{target_ref}”；已有：{known}",
            )  # fmt: skip
    if len(p.problems) > before or question is None or target is None or item is None:
        return None
    pairs: list[tuple[str, str]] = []
    for part in (clean_text(x) for x in _LIST_SPLIT.split(_text(row, "选项对应"))):
        if not part:
            continue
        mine, sep, theirs = part.replace("＝", "=").partition("=")
        mine, theirs = mine.strip(), theirs.strip()
        if not sep or not mine:
            p.add(s, rownum, "选项对应", f"“{part}”应写成“共享选项=事项选项”")
            continue
        if mine not in question.options:
            p.add(
                s, rownum, "选项对应",
                f"“{mine}”不是共享情形“{question.text}”的选项；可选：{'、'.join(question.options)}",
            )  # fmt: skip
            continue
        pairs.append((mine, theirs))
    mapping = AnswerMapping(question.code, item.code, target.code, tuple(pairs))
    for option in question.options:
        theirs = mapping.item_option(option)
        if theirs and theirs not in target.options:
            p.add(
                s, rownum, "选项对应",
                f"共享选项“{option}”对应到“{theirs}”，不是事项“{item.name}”情形“{target.text}”"
                f"的选项（可选：{'、'.join(target.options)}）",
            )  # fmt: skip
    if len(p.problems) > before:
        return None
    return mapping


def bundle_rows(bundle: Bundle, items: Mapping[str, Item]) -> dict[str, list[dict[str, object]]]:
    """One bundle as rows of the four 一件事 sheets (for export)."""

    def question_text(item_code: str, code: str) -> str:
        item = items.get(item_code)
        q = item.question(code) if item else None
        return q.text if q else code

    return {
        SHEET_BUNDLES: [
            {"一件事编码": bundle.code, "一件事名称": bundle.name, "版本": bundle.version,
             "说明": bundle.description}
        ],
        SHEET_BUNDLE_ITEMS: [
            {"一件事编码": bundle.code, "事项编码": b.code, "阶段": b.stage} for b in bundle.items
        ],
        SHEET_BUNDLE_QUESTIONS: [
            {"一件事编码": bundle.code, "情形编码": q.code, "问题": q.text,
             "选项": ";".join(q.options)}
            for q in bundle.questions
        ],
        SHEET_BUNDLE_MAPPINGS: [
            {"一件事编码": bundle.code, "情形编码": m.shared, "事项编码": m.item,
             "事项情形": question_text(m.item, m.question),
             "选项对应": ";".join(f"{a}={b}" for a, b in m.options)}
            for m in bundle.mappings
        ],
    }  # fmt: skip
