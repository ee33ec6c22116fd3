"""One case as the clerk reads it back — header, decision, applicant, situation,
materials, one-time notice, the timeline (audit), its documents to print again — and
where the clerk moves it on (办理): 审查, 核准/退回, 办结, 出件, 容缺补交, 特别程序, 转交,
撤回, 补正逾期, each on a function key, each a small dialog asking only what the step
needs. The rules are app/core/lifecycle's; every write goes through the TaskRunner."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QKeyEvent, QKeySequence, QPixmap, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.core.case_records import CaseDetail, MaterialInfo
from app.core.errors import StoreError
from app.core.lifecycle import (
    STEP_ACTIONS,
    DeferralTerms,
    Outcome,
    StepRefused,
    StopKind,
    deferral_terms,
    describe,
)
from app.core.pages import PageRecord
from app.core.privacy import ACCESS_ACTIONS
from app.core.workdays import LimitUnit, estimated_years_in, limit_text
from app.services.cases import CaseReader

if TYPE_CHECKING:
    from app.core.application import ApplicationState
    from app.services.applications import ApplicationService
    from app.services.lifecycle import CaseLife, LifecycleService
    from app.services.page_images import PageService
    from app.services.privacy import AccessLog
    from app.ui.tasks import TaskRunner

log = logging.getLogger("yichuang.ui")

# Document kinds, named as printing.documents.DocKind names them in the print log.
RECEIPT = "受理回执"
NOTICE = "一次性告知书"
PROMISE = "容缺受理承诺书"
REFUSAL = "不予受理通知书"

_MATERIAL_COLOURS = {
    "收到": "#1b5e20",
    "缺": "#b00020",
    "有误": "#a05a00",
    "未核验": "#666666",
    "已补交": "#1b5e20",
    "逾期未交": "#b00020",
}
DEFERRED = "容缺"  # a material's necessity when it may be supplied later
SUPPLIED, SUPPLY_OVERDUE = "已补交", "逾期未交"
_DETAIL_LABELS = {
    "decision": "决定",
    "status": "状态",
    "item_version": "事项版本",
    "window": "窗口",
    "on_behalf_of": "代岗",
    "previous_case_no": "原办件",
    "new_case_no": "补正后办件",
    "materials": "材料",
    "reason": "理由",
    # a purge of the applicant's data (app/core/privacy): the row hash before it stays
    # in the audit record (for the county's comparison), not on screen
    "acked_version": "县中心确认的版本",
    "acked_at": "县中心确认时间",
    "keep_days": "保留天数",
    # the intake of a returning applicant (app/services/counter)
    "not_on_previous_notice": "原告知书未列明",
    # a look at the applicant's data (app/core/privacy.Viewer.detail)
    "window_no": "窗口",
    "workstation": "工作站",
    "what": "内容",
}
# (a look's ``name`` goes to the 操作人 column)
_HIDDEN_DETAIL = frozenset({"row_hash_before", "name"})


def _promised_text(value: object) -> str:
    """How the intake counted the promised date (app/core/intake.record_intake):
    ``2027-01-22（20个工作日，按估算的2027年节假日安排计算）``."""
    if not isinstance(value, Mapping):
        return _value_text(value)
    try:
        limit = limit_text(int(value["limit"]), LimitUnit(str(value["unit"])))
    except (KeyError, TypeError, ValueError):
        limit = ""
    notes = [limit] if limit else []
    years = estimated_years_in(str(value.get("calendar") or ""))
    if value.get("estimated") and years:
        notes.append(f"按估算的{'、'.join(f'{y}年' for y in years)}节假日安排计算")
    elif value.get("estimated"):
        notes.append("按估算的节假日安排计算")
    return f"{value.get('date', '')}" + (f"（{'，'.join(notes)}）" if notes else "")


def _application_text(value: object) -> str:
    """A 联办 intake (app/core/application.record_application): the bundle and its items."""
    if not isinstance(value, Mapping):
        return _value_text(value)
    items = value.get("items") or []
    names = "、".join(map(str, items)) if isinstance(items, list) else str(items)
    return f"{value.get('bundle_name') or value.get('bundle_code') or ''}" + (
        f"（{names}）" if names else ""
    )


def _moment_text(value: object) -> str:
    """An ISO time in a detail (``2027-01-05T10:00:00``) as the timeline's own column."""
    try:
        return f"{datetime.fromisoformat(str(value)):%Y-%m-%d %H:%M}"
    except ValueError:
        return str(value)


# Details whose value is not a word: their label and how a clerk reads them.
_DETAIL_FORMS: dict[str, tuple[str, Callable[[object], str]]] = {
    "promised": ("承诺办结日期", _promised_text),
    "application": ("联办", _application_text),
    "acked_at": ("县中心确认时间", _moment_text),
}


def _detail_text(detail: Mapping[str, Any]) -> str:
    """The 说明 of an entry that is not a lifecycle step, escaped: each detail labelled
    in Chinese, structured ones (a promise, a 联办) written out, empty ones left out."""
    if detail.get("source") == "county":  # a status set at the county (central set-status)
        return f"由县中心改为此状态（原为{_e(detail.get('from'))}）"
    parts = []
    for k, v in detail.items():
        if k in _HIDDEN_DETAIL or v is None or v == "":
            continue
        if k == "county_entries":  # db/audit.receipt_entry: their hashes, for the chain
            parts.append(f"收到县中心记录 {len(v) if isinstance(v, Mapping) else v} 条")
            continue
        label, form = _DETAIL_FORMS.get(k, (_DETAIL_LABELS.get(k, k), _value_text))
        parts.append(f"{escape(label)}：{_e(form(v))}")
    return "；".join(parts)


def _value_text(value: object) -> str:
    if isinstance(value, list | tuple):
        return "、".join(map(str, value))
    if isinstance(value, Mapping):  # a structure without a form of its own: its values
        return "，".join(_value_text(v) for v in value.values() if v not in (None, ""))
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def documents_for(detail: CaseDetail) -> tuple[str, ...]:
    """The documents this case can have printed (again), in the order they are given;
    none once its applicant's data was purged (the county keeps the record)."""
    kinds: list[str] = []
    if detail.purged_at is not None:
        return ()
    if detail.decision in ("受理", "容缺受理") or detail.status == "已办结":
        kinds.append(RECEIPT)
    if detail.decision in ("补正", "容缺受理") and detail.notice:
        kinds.append(NOTICE)
    if detail.decision == "容缺受理":
        kinds.append(PROMISE)
    if detail.decision == "不予受理":
        kinds.append(REFUSAL)
    return tuple(kinds)


def _e(value: object) -> str:
    text = "" if value is None else str(value)
    return escape(text) if text else "—"


def _fields(pairs: list[tuple[str, str]], columns: int = 2) -> str:
    """Label/value pairs laid out ``columns`` to a row (values already escaped)."""
    label, value = (14, 36) if columns == 2 else (20, 80)
    cells = [
        f"<td class='k' width='{label}%'>{k}</td><td width='{value}%'>{v}</td>" for k, v in pairs
    ]
    rows = [
        "<tr>" + "".join(cells[i : i + columns]) + "</tr>" for i in range(0, len(cells), columns)
    ]
    return (
        "<table class='f' cellspacing='0' cellpadding='3' width='100%'>"
        + "".join(rows)
        + "</table>"
    )


def _grid(
    headers: list[tuple[str, int]], rows: list[list[str]], nowrap: frozenset[int] = frozenset()
) -> str:
    """A bordered table; each header carries its share of the width in percent. The
    ``nowrap`` columns (short words: 收到, 必需) never break inside a word."""

    def cell(tag: str, i: int, text: str, width: str = "") -> str:
        style = " style='white-space: nowrap'" if i in nowrap else ""
        return f"<{tag}{width}{style}>{text}</{tag}>"

    head = "".join(cell("th", i, h, f" width='{w}%'") for i, (h, w) in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell("td", i, c) for i, c in enumerate(r)) + "</tr>" for r in rows
    )
    return (
        "<table class='g' border='1' cellspacing='0' cellpadding='3' width='100%'>"
        f"<tr>{head}</tr>{body}</table>"
    )


_CSS = """
h2 { margin: 0; }
h3 { margin-top: 14px; margin-bottom: 4px; color: #1f3a60; }
td.k { color: #555555; white-space: nowrap; }
table.g { border-color: #c8c8c8; }
table.g th { background: #eef2f7; font-weight: normal; color: #333333; }
.badge { font-weight: bold; }
"""


NARROW_WIDTH = 560
"""Below this many pixels (the case view beside the list on a 1366×768 screen is about
400) the fields go one to a row and the material table folds 必要性 and 应交 into the
name, so names and ID numbers do not break into slivers."""


def terms_of(d: CaseDetail) -> DeferralTerms | None:
    """The conditions of a 容缺受理 decision, with the supplies recorded since."""
    deferred = [m.name for m in d.materials if m.necessity == DEFERRED and m.status == "缺"]
    promisor = d.applicant.name if d.applicant is not None else ""
    return deferral_terms(d.decision, deferred, d.supply_by, promisor, d.timeline)


def material_state(
    m: MaterialInfo, terms: DeferralTerms | None, today: date | None
) -> tuple[str, str]:
    """What the 核验 column says of a material and the note beside it: a 容缺
    material missing at acceptance shows 已补交 (when, received by whom) once its
    supply is recorded, 逾期未交 once its date passed (or a 容缺逾期 is recorded)."""
    if terms is None or m.name not in terms.materials:
        return m.status, m.reason
    got = terms.supplied.get(m.name)
    if got is not None:
        late = "（逾期补交）" if got.late else ""
        return SUPPLIED, f"{got.at:%Y-%m-%d %H:%M} {got.name}收取{late}"
    overdue = terms.overdue_recorded is not None or (today is not None and terms.overdue(today))
    if overdue:
        return SUPPLY_OVERDUE, f"承诺{terms.supply_by.isoformat()}前补交"
    return m.status, m.reason or f"容缺，承诺{terms.supply_by.isoformat()}前补交"


def case_html(d: CaseDetail, *, narrow: bool = False, today: date | None = None) -> str:
    """The case as HTML for a QTextBrowser (every value escaped); ``today`` (from the
    injected clock) marks 容缺 supplies overdue."""
    columns = 1 if narrow else 2
    terms = terms_of(d)
    decision_colour = {"不予受理": "#b00020", "补正": "#a05a00", "容缺受理": "#8a5a00"}.get(
        d.decision, "#1b5e20"
    )
    clerk = f"{_e(d.clerk_name)}（{_e(d.window_no)}号窗口）"
    if d.on_behalf_of:
        clerk += f" · 代{_e(d.on_behalf_of)}值守"
    head = [
        (
            "事项",
            f"{_e(d.item_name)}<br><small>{_e(d.item_code)} · 版本 {_e(d.item_version)}</small>",
        ),
        (
            "决定 / 状态",
            f"<span class='badge' style='color:{decision_colour}'>{_e(d.decision)}</span>"
            f" · {_e(d.status)}",
        ),
        ("受理时间", f"{d.accepted_at:%Y-%m-%d %H:%M}"),
        ("承诺办结日", _e(d.promised_date.isoformat() if d.promised_date else "")),
        ("经办人", clerk),
        ("办结时间", _e(f"{d.completed_at:%Y-%m-%d %H:%M}" if d.completed_at else "")),
    ]
    parts = [f"<style>{_CSS}</style>", f"<h2>{_e(d.case_no)}</h2>", _fields(head, columns)]

    decision: list[tuple[str, str]] = []
    if d.reason:
        decision.append(("理由", _e(d.reason)))
    if d.legal_basis:
        decision.append(("法律依据", _e(d.legal_basis)))
    if d.supply_by and terms is None:  # else under 容缺受理的条件
        decision.append(("承诺补交日期", _e(d.supply_by.isoformat())))
    if d.previous_case_no:
        decision.append(("原补正办件", _e(d.previous_case_no)))
    if decision:
        parts += ["<h3>决定</h3>", _fields(decision, 1)]
    if terms is not None:
        parts += ["<h3>容缺受理的条件</h3>", _terms_html(terms, today)]

    a = d.applicant
    if d.purged_at is not None:
        parts += [
            "<h3>申请人</h3>",
            "<p style='color:#666666'>"
            + _e(QCoreApplication.translate(
                "CaseView", "办结并经县中心确认后，本机已按规定于 %1 清除申请人个人信息；"
                "完整记录保存在县中心。").replace("%1", f"{d.purged_at:%Y-%m-%d}"))
            + "</p>",
        ]  # fmt: skip
    elif a is not None:
        who = [
            ("申请人" if a.kind != "单位" else "单位名称", f"{_e(a.name)}（{_e(a.kind)}）"),
            (_e(a.id_type) if a.kind != "单位" else "统一社会信用代码", _e(a.id_no)),
            ("联系电话", _e(a.phone)),
            ("地址", _e(a.address)),
        ]
        if a.legal_rep:
            who.append(("法定代表人", _e(a.legal_rep)))
        if a.has_agent:
            who += [
                ("代办人", _e(a.agent_name)),
                (f"代办人{_e(a.agent_id_type)}", _e(a.agent_id_no)),
                ("代办人电话", _e(a.agent_phone)),
            ]
        parts += ["<h3>申请人</h3>", _fields(who, columns)]

    if d.answers:
        answers = [(_e(x.question), _e(x.answer)) for x in d.answers]
        parts += ["<h3>办理情形</h3>", _fields(answers, columns)]

    if d.materials and narrow:
        rows = []
        for m in d.materials:
            status, note = material_state(m, terms, today)
            colour = _MATERIAL_COLOURS.get(status, "#000000")
            rows.append([
                str(m.seq),
                f"{_e(m.name)}<br><small>{_e(m.necessity)} · 应交{m.required_copies}份</small>",
                _e(m.medium), f"<span style='color:{colour}'><b>{_e(status)}</b></span>",
                str(m.copies), escape(note),
            ])  # fmt: skip
        headers = [
            ("序号", 7),
            ("材料名称", 43),
            ("形式", 14),
            ("核验", 10),
            ("收到", 8),
            ("说明", 18),
        ]
        parts += ["<h3>材料</h3>", _grid(headers, rows, nowrap=frozenset({0, 2, 3, 4}))]
    elif d.materials:
        rows = []
        for m in d.materials:
            status, note = material_state(m, terms, today)
            colour = _MATERIAL_COLOURS.get(status, "#000000")
            rows.append([
                str(m.seq), _e(m.name), _e(m.medium), _e(m.necessity),
                str(m.required_copies), f"<span style='color:{colour}'><b>{_e(status)}</b></span>",
                str(m.copies), escape(note),
            ])  # fmt: skip
        parts += [
            "<h3>材料</h3>",
            _grid(
                [
                    ("序号", 8),
                    ("材料名称", 25),
                    ("形式", 12),
                    ("必要性", 9),
                    ("应交", 7),
                    ("核验", 8),
                    ("收到", 7),
                    ("说明", 24),
                ],
                rows,
                nowrap=frozenset({0, 2, 3, 4, 5, 6}),
            ),
        ]

    if d.notice:
        rows = [
            [str(i), _e(n.material), _e(n.problem), _e(n.requirement),
             "可容缺" if n.deferrable else ""]
            for i, n in enumerate(d.notice, start=1)
        ]  # fmt: skip
        parts += [
            "<h3>一次性告知内容</h3>",
            _grid([("序号", 8), ("材料", 22), ("问题", 25), ("补正要求", 35), ("", 10)], rows),
        ]

    timeline = []
    for t in d.timeline:
        actor = f"{_e(d.clerk_name)}（{_e(t.actor)}）" if t.actor == d.clerk else _e(t.actor)
        if t.detail.get("name") and t.action in ACCESS_ACTIONS:  # who looked, by name
            actor = f"{_e(t.detail['name'])}（{_e(t.actor)}）"
        # (an intake of a 即办件 is recorded as 办结, with its decision: not a 办结 step)
        if t.action in STEP_ACTIONS and "decision" not in t.detail:
            name = t.detail.get("actor_name")
            actor = f"{_e(name)}（{_e(t.actor)}）" if name else _e(t.actor)
            timeline.append(
                [f"{t.at:%Y-%m-%d}&nbsp;{t.at:%H:%M:%S}", actor, f"<b>{_e(t.action)}</b>",
                 _e(describe(t.action, t.detail))]
            )  # fmt: skip
            continue
        detail = _detail_text(t.detail)
        timeline.append(
            [f"{t.at:%Y-%m-%d}&nbsp;{t.at:%H:%M:%S}", actor, f"<b>{_e(t.action)}</b>", detail]
        )
    parts += [
        "<h3>办理过程</h3>",
        _grid([("时间", 26), ("操作人", 18), ("环节", 12), ("说明", 44)], timeline),
    ]
    return "".join(parts)


def _terms_html(t: DeferralTerms, today: date | None) -> str:
    """容缺受理的条件: the materials and their date, the applicant's undertakings, and
    where the supplies stand."""
    if not t.outstanding:
        standing = "<span style='color:#1b5e20'>容缺材料已全部补交</span>"
    elif t.overdue_recorded is not None or (today is not None and t.overdue(today)):
        when = f"（{t.overdue_recorded.isoformat()} 记录）" if t.overdue_recorded else ""
        standing = (
            f"<span style='color:#b00020'><b>已逾期</b>{when}：尚缺"
            f"{_e('、'.join(t.outstanding))}</span>"
        )
    else:
        standing = f"<span style='color:#8a5a00'>尚缺{_e('、'.join(t.outstanding))}</span>"
    pairs = [
        ("容缺材料", _e("、".join(t.materials))),
        ("承诺补交日期", _e(t.supply_by.isoformat())),
        ("承诺人", _e(t.promisor)),
        ("承诺事项", "<br>".join(_e(line) for line in t.undertakings)),
        ("补交情况", standing),
    ]
    return _fields(pairs, 1)


@dataclass(frozen=True, slots=True)
class Field:
    """One thing a step's dialog asks."""

    key: str
    label: str
    kind: str = "line"  # line / text / choice / days
    options: tuple[str, ...] = ()
    value: str = ""


class _TextBox(QPlainTextEdit):
    """A few lines of text in a step's dialog: Enter (or Ctrl+Enter) confirms the
    dialog as everywhere else; Shift+Enter starts a new line."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
            event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class StepDialog(QDialog):
    """Asks what one step needs; Enter confirms (Shift+Enter: a new line). The
    dialog stays open while the step is saved: when the rules refuse it, their
    reason is shown here and the clerk corrects the field and confirms again."""

    ok: QPushButton

    def __init__(self, title: str, fields: list[Field], ok_text: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("stepDialog")
        self.editors: dict[str, QWidget] = {}
        form = QFormLayout()
        for f in fields:
            editor: QWidget
            if f.kind == "text":
                editor = _TextBox(self)
                editor.submitted.connect(lambda: self.ok.click())
                editor.setTabChangesFocus(True)
                editor.setPlainText(f.value)
                editor.setFixedHeight(editor.fontMetrics().height() * 4)
            elif f.kind == "choice":
                editor = QComboBox(self)
                editor.addItems(list(f.options))
                if f.value:
                    editor.setCurrentText(f.value)
            elif f.kind == "days":
                editor = QSpinBox(self)
                editor.setRange(0, 365)
                editor.setValue(int(f.value or 0))
            else:
                editor = QLineEdit(f.value, self)
            editor.setObjectName(f"step:{f.key}")
            form.addRow(f.label, editor)
            self.editors[f.key] = editor
        self.error = QLabel(self)
        self.error.setObjectName("stepError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(ok_text)
        self.ok.setDefault(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        if fields:
            self.editors[fields[0].key].setFocus()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, editor in self.editors.items():
            if isinstance(editor, QPlainTextEdit):
                out[key] = editor.toPlainText()
            elif isinstance(editor, QComboBox):
                out[key] = editor.currentText()
            elif isinstance(editor, QSpinBox):
                out[key] = editor.value()
            elif isinstance(editor, QLineEdit):
                out[key] = editor.text()
        return out

    def busy(self, on: bool) -> None:
        self.ok.setEnabled(not on)

    def refused(self, message: str) -> None:
        self.busy(False)
        self.error.setText(message)
        self.error.show()


# The steps on the case view: action name, key, button text. The keys avoid the
# window's own: F2 and F9 (item search, returning applicant), F10–F12 with their
# Shift/Ctrl forms (the queue's call, recall, skip, transfer, pause, finish).
STEP_KEYS: tuple[tuple[str, str, str], ...] = (
    ("审查", "F3", "审查"),
    ("核准", "F4", "核准"),
    ("退回", "Shift+F4", "退回"),
    ("办结", "F5", "办结"),
    ("出件", "F6", "出件"),
    ("容缺补交", "F7", "容缺补交"),
    ("特别程序", "F8", "特别程序"),
    ("转交", "Shift+F3", "转交"),
    ("补正逾期", "Shift+F7", "补正逾期"),
    ("撤回", "Shift+F8", "撤回"),
)


def _t(text: str, *args: object) -> str:
    """A line of the 办理 panel, for translation, with %1, %2 … filled in."""
    out = QCoreApplication.translate("LifePanel", text)
    for n, value in enumerate(args, start=1):
        out = out.replace(f"%{n}", str(value))
    return out


def life_summary(life: CaseLife) -> str:
    """The case's standing in one rich-text line (values escaped)."""
    owner = (
        life.owner_name if life.owner_name == life.owner else f"{life.owner_name}（{life.owner}）"
    )
    parts = [f"<b>{_e(life.status)}</b>", _t("负责人 %1", _e(owner))]
    if life.due_date is not None and not life.on_the_spot:
        due = _t("办结期限 %1", life.due_date.isoformat())
        if life.promised_date and life.due_date != life.promised_date:
            due += _t("（承诺 %1，因特别程序顺延）", life.promised_date.isoformat())
        parts.append(due)
        if life.statutory_date is not None:
            parts.append(_t("法定期限 %1", life.statutory_date.isoformat()))
    if life.stop is not None:
        parts.append(
            "<span style='color:#1f3a60'>"
            + _t("<b>特别程序中</b>：%1，自 %2 起暂停计时（时限%3个工作日）", _e(life.stop.kind),
                 life.stop.start.isoformat(), life.stop.allowed_days)
            + "</span>"
        )  # fmt: skip
    if life.remaining is not None:
        if life.remaining < 0:
            text, colour = _t("已超期 %1 个工作日", -life.remaining), "#b00020"
        else:
            text = _t("剩余 %1 个工作日", life.remaining)
            colour = "#a05a00" if life.remaining <= 2 else "#1b5e20"
        parts.append(f"<span style='color:{colour}'><b>{text}</b></span>")
    if life.outstanding:
        late = _t("（已逾期）") if life.overdue_supplies else ""
        by = _t("，承诺 %1 前补交", life.supply_by.isoformat()) if life.supply_by else ""
        parts.append(
            "<span style='color:#8a5a00'>"
            + _t("容缺待补：%1", _e("、".join(life.outstanding))) + by + late + "</span>"
        )  # fmt: skip
    if life.proposal and life.status == "待核准":
        parts.append(_t("审查意见拟%1，待首席代表核准", _e(life.proposal)))
    return " · ".join(parts)


def _refuse(message: str) -> CaseLife:
    raise StepRefused(message)


class LifePanel(QGroupBox):
    """办理: the case's standing and a key per step the signed-in clerk may take."""

    moved = Signal(str)  # case_no, after a step was saved

    def __init__(
        self,
        service: LifecycleService,
        runner: TaskRunner,
        parent: QWidget,
        keys_on: QWidget | None = None,
    ) -> None:
        """``keys_on``: the widget whose children take the step keys (the cases page,
        so they work from the case list beside the view too); the parent by default."""
        super().__init__(parent)
        self.setTitle(self.tr("办理"))
        self.setObjectName("lifePanel")
        self.service = service
        self.runner = runner
        self.life: CaseLife | None = None
        self.dialog: StepDialog | None = None
        self._keep_message = ""
        self.summary = QLabel(self)
        self.summary.setObjectName("lifeSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.message = QLabel(self)
        self.message.setObjectName("lifeMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")
        self.buttons: dict[str, QPushButton] = {}
        # the buttons a case allows, packed four to a row: the panel never makes the
        # case view wider than a 1366-pixel screen leaves it beside the list
        self._grid = row = QGridLayout()
        row.setSpacing(4)
        for action, key, text in STEP_KEYS:
            button = QPushButton(f"{self.tr(text)} {key}", self)
            button.setObjectName(f"step:{action}")
            button.clicked.connect(lambda _c=False, a=action: self.start(a))
            self.buttons[action] = button
            shortcut = QShortcut(QKeySequence(key), keys_on or parent)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda a=action: self.start(a))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 6)
        layout.addWidget(self.summary)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.show_life(None)

    def show_life(self, life: CaseLife | None, message: str = "") -> None:
        message, self._keep_message = message or self._keep_message, ""
        self.life = life
        self.message.setText(message)
        self.message.setVisible(bool(message))
        if life is None:
            self.hide()
            return
        self.summary.setText(life_summary(life))
        for action, button in self.buttons.items():
            allowed = self._allowed(action)
            button.setEnabled(allowed)
            button.setToolTip("" if allowed else self._why_not(action))
            button.setVisible(allowed or action in ("审查", "办结", "出件"))
        self._pack_buttons()
        self.show()

    def _pack_buttons(self, per_row: int = 4) -> None:
        """The shown buttons in order, ``per_row`` to a row (hidden ones take no cell)."""
        for button in self.buttons.values():
            self._grid.removeWidget(button)
        shown = [b for b in self.buttons.values() if not b.isHidden()]
        for n, button in enumerate(shown):
            self._grid.addWidget(button, n // per_row, n % per_row)
        for column in range(per_row):
            self._grid.setColumnStretch(column, 1)

    def _step_name(self, action: str) -> str:
        """The lifecycle step a key stands for (特别程序: start, or end while one runs)."""
        if action == "特别程序":
            running = self.life is not None and self.life.stop is not None
            return "特别程序结束" if running else "特别程序开始"
        return action

    def _why_not(self, action: str) -> str:
        if self.life is None:
            return ""
        return self.life.why_not.get(self._step_name(action), "")

    def _allowed(self, action: str) -> bool:
        if self.life is None:
            return False
        if action == "特别程序":
            return bool({"特别程序开始", "特别程序结束"} & self.life.actions)
        return action in self.life.actions

    # ------------------------------------------------------------ the dialogs

    def start(self, action: str) -> StepDialog | None:
        """Open the dialog of ``action`` (the key or the button)."""
        life = self.life
        if life is None or self.dialog is not None:
            return None
        if not self._allowed(action):
            self.message.setText(self._why_not(action))  # says what cannot be done and why
            self.message.show()
            return None
        fields, ok, run = self._step(action, life)
        dialog = StepDialog(self.tr("%1 · %2").replace("%1", action).replace("%2", life.case_no),
                            fields, ok, self)  # fmt: skip
        dialog.ok.clicked.connect(lambda: self._submit(dialog, run))
        dialog.finished.connect(lambda _r: self._closed(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _closed(self, dialog: StepDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        self.focus_back()  # the keys work on the case again

    def focus_back(self) -> None:
        parent = self.parentWidget()
        target = getattr(parent, "browser", parent)
        if target is not None:
            target.activateWindow()
            target.setFocus()

    def _step(
        self, action: str, life: CaseLife
    ) -> tuple[list[Field], str, Callable[[dict[str, Any]], CaseLife]]:
        svc, no, v = self.service, life.case_no, life.row_version
        grant, deny = Outcome.GRANT.value, Outcome.DENY.value
        if action == "审查":
            return (
                [Field("opinion", self.tr("审查意见"), "text"),
                 Field("proposal", self.tr("拟办结果"), "choice", (grant, deny))],
                self.tr("提交首席代表核准"),
                lambda d: svc.review(no, v, d["opinion"], Outcome(d["proposal"])),
            )  # fmt: skip
        if action == "核准":
            return (
                [Field("comment", self.tr("核准意见（可不填）"))],
                self.tr("核准"),
                lambda d: svc.approve(no, v, d["comment"]),
            )
        if action == "退回":
            return (
                [Field("comment", self.tr("退回意见"), "text")],
                self.tr("退回重新审查"),
                lambda d: svc.send_back(no, v, d["comment"]),
            )
        if action == "办结":
            outcome = life.proposal or grant
            return (
                [Field("outcome", self.tr("办理结果"), "choice", (grant, deny), outcome),
                 Field("result_name", self.tr("结果名称")),
                 Field("certificate_name", self.tr("证照名称")),
                 Field("certificate_no", self.tr("证照编号")),
                 Field("decision_doc", self.tr("决定文书文号")),
                 Field("reason", self.tr("不予理由"))],
                self.tr("办结"),
                lambda d: svc.complete(
                    no, v, Outcome(d["outcome"]), result_name=d["result_name"],
                    certificate_name=d["certificate_name"], certificate_no=d["certificate_no"],
                    decision_doc=d["decision_doc"], reason=d["reason"],
                ),
            )  # fmt: skip
        if action == "出件":
            window, post = "窗口领取", "邮寄"
            return (
                [Field("method", self.tr("出件方式"), "choice", (window, post)),
                 Field("name", self.tr("领取人姓名（窗口领取）")),
                 Field("id_no", self.tr("领取人身份证号（窗口领取）")),
                 Field("carrier", self.tr("寄递单位（邮寄）"), value="EMS"),
                 Field("tracking_no", self.tr("邮寄单号（邮寄）"))],
                self.tr("出件"),
                lambda d: svc.deliver_at_window(no, v, d["name"], d["id_no"])
                if d["method"] == window
                else svc.deliver_by_post(no, v, d["carrier"], d["tracking_no"]),
            )  # fmt: skip
        if action == "容缺补交":
            return (
                [Field("material", self.tr("补交的材料"), "choice", life.outstanding)],
                self.tr("记录已收到"),
                lambda d: svc.supply(no, v, d["material"]),
            )
        if action == "特别程序" and life.stop is not None:
            return (
                [Field("note", self.tr("结束说明（可不填）"))],
                self.tr("结束特别程序，恢复计时"),
                lambda d: svc.end_stop(no, v, d["note"]),
            )
        if action == "特别程序":
            return (
                [Field("kind", self.tr("程序"), "choice", tuple(k.value for k in StopKind)),
                 Field("reason", self.tr("事由")),
                 Field("allowed_days", self.tr("时限（自然日）") if life.limit_unit == "自然日"
                       else self.tr("时限（工作日）"), "days", value="10")],
                self.tr("开始特别程序，暂停计时"),
                lambda d: svc.start_stop(no, v, StopKind(d["kind"]), d["reason"],
                                         int(d["allowed_days"])),
            )  # fmt: skip
        if action == "转交":
            colleagues = {f"{c.name}（{c.login}）": c for c in svc.colleagues()}
            return (
                [Field("to", self.tr("接手人"), "choice", tuple(colleagues)),
                 Field("reason", self.tr("转交原因"))],
                self.tr("转交"),
                lambda d: svc.transfer(no, v, colleagues[d["to"]], d["reason"])
                if d["to"] in colleagues
                else _refuse(self.tr("没有可接手的工作人员账号")),
            )  # fmt: skip
        if action == "补正逾期":
            return (
                [Field("note", self.tr("说明（可不填）"))],
                self.tr("记为补正逾期"),
                lambda d: svc.correction_expired(no, v, d["note"]),
            )
        return (
            [Field("reason", self.tr("撤回原因"))],
            self.tr("办理撤回"),
            lambda d: svc.withdraw(no, v, d["reason"]),
        )

    def _submit(self, dialog: StepDialog, run: Callable[[dict[str, Any]], CaseLife]) -> None:
        values = dialog.values()
        dialog.busy(True)
        self.runner.submit(
            lambda: run(values),
            on_done=lambda life: self._done(dialog, life),
            on_error=lambda exc: self._failed(dialog, exc),
        )

    def _done(self, dialog: StepDialog, life: CaseLife) -> None:
        dialog.accept()
        self.show_life(life)
        self.moved.emit(life.case_no)

    def _failed(self, dialog: StepDialog, exc: BaseException) -> None:
        from app.services.lifecycle import CaseChangedMeanwhile

        if isinstance(exc, CaseChangedMeanwhile):
            dialog.reject()
            self.message.setText(str(exc))
            self.message.show()
            self._keep_message = str(exc)  # shown again with the case as it is now
            self.moved.emit(self.life.case_no if self.life else "")  # reload what is there now
        elif isinstance(exc, (StepRefused, StoreError)):
            dialog.refused(str(exc))
        else:
            log.error("step failed: %s", exc)
            dialog.refused(self.tr("保存失败：%1").replace("%1", str(exc)))


class ApplicationBox(QGroupBox):
    """联办: the state of every case of the visit the shown case belongs to, and when
    the combined result is ready (the last case done). Enter on a case opens it."""

    case_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("applicationBox")
        self.summary = QLabel(self)
        self.summary.setObjectName("applicationState")
        self.summary.setWordWrap(True)
        self.cases = QListWidget(self)
        self.cases.setObjectName("applicationCases")
        self.cases.setWordWrap(True)
        self.cases.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.cases.itemActivated.connect(
            lambda item: self.case_chosen.emit(str(item.data(Qt.ItemDataRole.UserRole)))
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 6)
        layout.addWidget(self.summary)
        layout.addWidget(self.cases)
        self.hide()

    def show_state(self, state: ApplicationState | None, current: str = "") -> None:
        self.cases.clear()
        if state is None:
            self.hide()
            return
        self.setTitle(
            self.tr("联办：%1（%2件）")
            .replace("%1", state.bundle_name)
            .replace("%2", str(len(state.current)))
        )
        ready = state.result_ready
        self.summary.setText(state.summary())
        self.summary.setStyleSheet(
            "color: #1b5e20; font-weight: bold;" if ready else "color: #333333;"
        )
        for c in state.cases:
            # the state first: never cut off on a narrow view (the rest wraps)
            due = f" · 承诺{c.due_date.isoformat()}前" if c.due_date and not c.completed_at else ""
            state_text = (
                c.status
                if c.status == state.standing_of(c).value
                else f"{c.status}（{state.standing_of(c).value}）"
            )
            entry = QListWidgetItem(f"{state_text}  {c.item_name}  {c.case_no}{due}")
            entry.setToolTip(f"{c.item_name}（{c.department}）\n{c.case_no}")
            entry.setData(Qt.ItemDataRole.UserRole, c.case_no)
            if c.case_no == current:
                font = entry.font()
                font.setBold(True)
                entry.setFont(font)
            self.cases.addItem(entry)
        line = self.cases.fontMetrics().height() + 4
        rows = min(7, len(state.cases) + 1)  # a line for each case, one more for a wrapped one
        self.cases.setFixedHeight(rows * line + 2 * self.cases.frameWidth() + 4)
        self.show()


@dataclass(frozen=True, slots=True)
class _Loaded:
    """What one background read of a case brought back."""

    case_no: str
    detail: CaseDetail | None
    error: str = ""  # the case could not be read
    life: CaseLife | None = None
    life_error: str = ""  # the case was read, its lifecycle not
    application: ApplicationState | None = None  # the visit (联办) it belongs to


class CaseView(QWidget):
    """Shows one case; ``reprint_requested(case_no, kind)`` asks for a document again,
    ``pages_print_requested(case_no)`` for its page images (材料影像) on paper.

    ``show_case`` reads the case, its lifecycle and its visit (联办) in the background
    (the TaskRunner, after any step still being saved) and returns at once;
    ``loaded(case_no, shown)`` tells when it is on screen (``shown`` False: not found
    or not readable, the message is in the view). A read overtaken by a later
    ``show_case`` is dropped."""

    reprint_requested = Signal(str, str)
    pages_print_requested = Signal(str)
    pages_shown = Signal(int)  # how many page images the view lists (after loading)
    loaded = Signal(str, bool)

    def __init__(
        self,
        cases: CaseReader,
        parent: QWidget | None = None,
        *,
        lifecycle: LifecycleService | None = None,
        runner: TaskRunner | None = None,
        pages: PageService | None = None,
        access: AccessLog | None = None,
        applications: ApplicationService | None = None,
        today: Callable[[], date] | None = None,
    ) -> None:
        super().__init__(parent)
        self._cases = cases
        self._pages = pages
        self._access = access  # each case shown is a look at its applicant's data
        self._applications = applications
        self._today = today
        if runner is None:
            from app.ui.tasks import TaskRunner

            runner = TaskRunner(self, "case-view")
        self._runner = runner
        self._asked = 0  # the latest show_case's number: older results are dropped
        self._answered = 0  # the number of the last one shown
        self.application_box = ApplicationBox(self)
        self.application_box.case_chosen.connect(self.show_case)
        self.life_panel: LifePanel | None = None
        if lifecycle is not None:
            # the keys work wherever the focus is on the cases page (list or case)
            self.life_panel = LifePanel(lifecycle, runner, self, keys_on=parent)
            self.life_panel.moved.connect(self._reload)
        self._detail: CaseDetail | None = None
        self._rendered_narrow = False
        self._reprint_buttons: dict[str, QPushButton] = {}
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("caseBrowser")
        self.browser.setOpenLinks(False)
        # the text wraps to the width; full-width tables overrun it by a border pixel
        self.browser.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.documents_box = QGroupBox(self.tr("文书"), self)
        self.documents = QListWidget(self.documents_box)
        self.documents.setObjectName("caseDocuments")
        self.documents.setToolTip(self.tr("打印记录；选中一条按回车补打该文书"))
        self.documents.itemActivated.connect(self._reprint_item)
        self.buttons = QVBoxLayout()
        self.buttons.setContentsMargins(0, 0, 0, 0)
        self.buttons.setSpacing(2)
        self.buttons.setAlignment(Qt.AlignmentFlag.AlignTop)
        box = QHBoxLayout(self.documents_box)
        box.setContentsMargins(6, 2, 6, 6)
        box.addWidget(self.documents, 1)
        box.addLayout(self.buttons)
        self._fit_documents_height()

        # the case's page images (issue 22): thumbnails, and 材料影像 on paper on request
        self.pages_box = QGroupBox(self.tr("材料影像"), self)
        self.page_list = QListWidget(self.pages_box)
        self.page_list.setObjectName("casePages")
        self.page_list.setViewMode(QListWidget.ViewMode.IconMode)
        self.page_list.setFlow(QListWidget.Flow.LeftToRight)
        self.page_list.setWrapping(False)
        self.page_list.setIconSize(QSize(72, 96))
        self.page_list.setFixedHeight(96 + 44)
        self.print_pages = QPushButton(self.tr("打印材料影像 (&P)"), self.pages_box)
        self.print_pages.setObjectName("printPages")
        self.print_pages.clicked.connect(self._print_pages)
        pages_row = QHBoxLayout(self.pages_box)
        pages_row.setContentsMargins(6, 2, 6, 6)
        pages_row.addWidget(self.page_list, 1)
        pages_row.addWidget(self.print_pages, 0, Qt.AlignmentFlag.AlignTop)
        self.pages_box.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser, 1)
        layout.addWidget(self.application_box)
        if self.life_panel is not None:
            layout.addWidget(self.life_panel)
        layout.addWidget(self.pages_box)
        layout.addWidget(self.documents_box)
        self.clear()

    @property
    def case_no(self) -> str | None:
        return self._detail.case_no if self._detail else None

    @property
    def detail(self) -> CaseDetail | None:
        return self._detail

    @property
    def reprint_buttons(self) -> dict[str, QPushButton]:
        """Document kind → its 补打 button, for the case shown."""
        return dict(self._reprint_buttons)

    def clear(self, message: str = "") -> None:
        self._detail = None
        self.application_box.show_state(None)
        self.page_list.clear()
        self.pages_box.hide()
        if self.life_panel is not None:
            self.life_panel.show_life(None)
        self.browser.setHtml(f"<p style='color:#666666'>{escape(message)}</p>" if message else "")
        self._set_documents(None)

    def show_case(self, case_no: str) -> None:
        """Read the case (and its lifecycle) in the background, then show it; emits
        ``loaded(case_no, shown)``."""
        self._asked += 1
        asked = self._asked
        cases, applications = self._cases, self._applications
        service = self.life_panel.service if self.life_panel is not None else None

        def read() -> _Loaded:  # on a worker thread: no widget is touched here
            try:
                detail = cases.detail(case_no)
            except StoreError as exc:
                return _Loaded(case_no, None, str(exc) or "数据库错误")
            if detail is None:
                return _Loaded(case_no, detail)
            application = None
            if applications is not None:
                try:
                    application = applications.state_of_case(detail.case_no)
                except StoreError as exc:
                    log.warning("application of %s not read: %s", case_no, exc)
            if service is None:
                return _Loaded(case_no, detail, application=application)
            try:
                life = service.life(detail.case_no)
            except StoreError as exc:
                return _Loaded(case_no, detail, life_error=str(exc), application=application)
            return _Loaded(case_no, detail, life=life, application=application)

        self._runner.submit(read, lambda got: self._show(asked, got), self._read_failed(case_no))

    @property
    def loading(self) -> bool:
        """A case asked for is still being read."""
        return self._answered != self._asked

    def _read_failed(self, case_no: str) -> Callable[[BaseException], None]:
        asked = self._asked

        def failed(exc: BaseException) -> None:
            if asked != self._asked:
                return
            self._answered = asked
            log.warning("case %s could not be shown: %s", case_no, exc)
            self.clear(
                self.tr("无法读取办件 %1：%2").replace("%1", case_no).replace("%2", str(exc))
            )
            self.loaded.emit(case_no, False)

        return failed

    def _show(self, asked: int, got: _Loaded) -> None:
        if asked != self._asked:
            return  # another case was asked for meanwhile
        self._answered = asked
        if got.error:
            log.warning("case %s not read: %s", got.case_no, got.error)
            self.clear(self.tr("无法读取办件 %1：数据库错误").replace("%1", got.case_no))
            self.loaded.emit(got.case_no, False)
            return
        if got.detail is None:
            self.clear(self.tr("未找到办件 %1").replace("%1", got.case_no))
            self.loaded.emit(got.case_no, False)
            return
        if self._access is not None and (self._detail is None or self._detail.case_no != got.case_no):
            self._access.viewed(got.detail.case_no)  # written on a background lane
        self._detail = got.detail
        self._render()
        self._set_documents(got.detail)
        self.application_box.show_state(got.application, got.detail.case_no)
        self._load_pages(got.detail)
        if self.life_panel is not None:
            if got.life_error:
                log.warning("lifecycle of %s not read: %s", got.case_no, got.life_error)
            self.life_panel.show_life(got.life)
        self.loaded.emit(got.case_no, True)

    def _reload(self, case_no: str) -> None:
        """After a step (or a refused one): the case as it stands now (the same look:
        not logged again)."""
        if case_no:
            self.show_case(case_no)

    def _narrow(self) -> bool:
        return self.browser.viewport().width() < NARROW_WIDTH

    def _render(self) -> None:
        if self._detail is not None:
            self._rendered_narrow = self._narrow()
            today = self._today() if self._today is not None else None
            self.browser.setHtml(case_html(self._detail, narrow=self._rendered_narrow, today=today))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._detail is not None and self._narrow() != self._rendered_narrow:
            self._render()  # the splitter moved, or the window changed size

    def _set_documents(self, detail: CaseDetail | None) -> None:
        """The print log of the case, and a button for each document it can have again."""
        self.documents.clear()
        for old in self._reprint_buttons.values():
            self.buttons.removeWidget(old)
            old.hide()
            old.setParent(None)  # ours now: gone with the last reference
        self._reprint_buttons = {}
        if detail is None:
            self.documents_box.hide()
            return
        for p in detail.printed:
            state = (
                self.tr("已打印") if p.success else self.tr("未打印：%1").replace("%1", p.message)
            )
            entry = QListWidgetItem(
                f"{p.at:%Y-%m-%d %H:%M}  {p.what} ×{p.copies}  {state}"
                + (f"（{p.printer}）" if p.printer and p.success else "")
            )
            entry.setData(Qt.ItemDataRole.UserRole, p.what)
            entry.setToolTip(p.file)
            self.documents.addItem(entry)
        if not detail.printed:
            placeholder = QListWidgetItem(self.tr("尚无打印记录"))
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.documents.addItem(placeholder)
        else:
            self.documents.setCurrentRow(self.documents.count() - 1)
        for n, kind in enumerate(documents_for(detail), start=1):
            button = QPushButton(self.tr("补打%1").replace("%1", kind) + f" (&{n})", self)
            button.setObjectName(f"reprint:{kind}")
            button.clicked.connect(lambda _checked=False, k=kind: self._reprint(k))
            self.buttons.addWidget(button)
            self._reprint_buttons[kind] = button
        self.documents_box.show()

    def _load_pages(self, detail: CaseDetail) -> None:
        """The case's page images, read off the GUI thread, as thumbnails."""
        self.page_list.clear()
        self.pages_box.hide()
        pages, runner = self._pages, self._runner
        if pages is None or runner is None:
            return
        case_no = detail.case_no
        names = {m.seq: m.name for m in detail.materials}

        def read() -> tuple[list[PageRecord], dict[str, bytes]]:
            records = [r for r in pages.pages_of_case(case_no) if r.material_seq != 0]
            return records, pages.thumbnails(records)

        def show(got: tuple[list[PageRecord], dict[str, bytes]]) -> None:
            if self.case_no != case_no:
                return  # another case was opened meanwhile
            records, thumbs = got
            self.page_list.clear()
            for r in records:
                pixmap = QPixmap()
                pixmap.loadFromData(thumbs.get(r.sha256, b""))
                name = names.get(r.material_seq, str(r.material_seq))
                item = QListWidgetItem(QIcon(pixmap), f"{name}\n第{r.page}页")
                item.setToolTip(
                    f"{name} 第{r.page}页 · {r.source} · {r.width}×{r.height}"
                    + (" · 已上传县中心" if r.uploaded else " · 待上传")
                )
                self.page_list.addItem(item)
            self.pages_box.setTitle(self.tr("材料影像（%1页）").replace("%1", str(len(records))))
            self.pages_box.setVisible(bool(records))
            self.pages_shown.emit(len(records))

        def failed(exc: BaseException) -> None:
            log.warning("page images of %s not read: %s", case_no, exc)

        runner.submit(read, show, failed)

    def _print_pages(self) -> None:
        if self._detail is not None:
            self.pages_print_requested.emit(self._detail.case_no)

    def _fit_documents_height(self) -> None:
        """Three lines of print log; more scroll (the timeline above gets the room)."""
        line = self.documents.fontMetrics().height() + 4
        self.documents.setFixedHeight(3 * line + 2 * self.documents.frameWidth() + 4)

    def _reprint_item(self, item: QListWidgetItem) -> None:
        self._reprint(str(item.data(Qt.ItemDataRole.UserRole)))

    def _reprint(self, kind: str) -> None:
        if self._detail is not None:
            self.reprint_requested.emit(self._detail.case_no, kind)
