"""One case as the clerk reads it back: header, decision, applicant, situation,
materials, one-time notice, the timeline (audit), and its documents to print again."""

from __future__ import annotations

import logging
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.core.case_records import CaseDetail
from app.core.errors import StoreError
from app.services.cases import CaseReader

log = logging.getLogger("yichuang.ui")

# Document kinds, named as printing.documents.DocKind names them in the print log.
RECEIPT = "受理回执"
NOTICE = "一次性告知书"
PROMISE = "容缺受理承诺书"
REFUSAL = "不予受理通知书"

_MATERIAL_COLOURS = {"收到": "#1b5e20", "缺": "#b00020", "有误": "#a05a00", "未核验": "#666666"}
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
}


def documents_for(detail: CaseDetail) -> tuple[str, ...]:
    """The documents this case can have printed (again), in the order they are given."""
    kinds: list[str] = []
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


def case_html(d: CaseDetail) -> str:
    """The case as HTML for a QTextBrowser (every value escaped)."""
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
    parts = [f"<style>{_CSS}</style>", f"<h2>{_e(d.case_no)}</h2>", _fields(head)]

    decision: list[tuple[str, str]] = []
    if d.reason:
        decision.append(("理由", _e(d.reason)))
    if d.legal_basis:
        decision.append(("法律依据", _e(d.legal_basis)))
    if d.supply_by:
        decision.append(("承诺补交日期", _e(d.supply_by.isoformat())))
    if d.previous_case_no:
        decision.append(("原补正办件", _e(d.previous_case_no)))
    if decision:
        parts += ["<h3>决定</h3>", _fields(decision, 1)]

    a = d.applicant
    if a is not None:
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
        parts += ["<h3>申请人</h3>", _fields(who)]

    if d.answers:
        answers = [(_e(x.question), _e(x.answer)) for x in d.answers]
        parts += ["<h3>办理情形</h3>", _fields(answers)]

    if d.materials:
        rows = []
        for m in d.materials:
            colour = _MATERIAL_COLOURS.get(m.status, "#000000")
            rows.append([
                str(m.seq), _e(m.name), _e(m.medium), _e(m.necessity),
                str(m.required_copies), f"<span style='color:{colour}'><b>{_e(m.status)}</b></span>",
                str(m.copies), escape(m.reason),
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
        detail = "；".join(
            f"{_DETAIL_LABELS.get(k, escape(k))}：{_e('、'.join(map(str, v)) if isinstance(v, list) else v)}"
            for k, v in t.detail.items()
        )
        timeline.append(
            [f"{t.at:%Y-%m-%d}&nbsp;{t.at:%H:%M:%S}", actor, f"<b>{_e(t.action)}</b>", detail]
        )
    parts += [
        "<h3>办理过程</h3>",
        _grid([("时间", 26), ("操作人", 18), ("环节", 12), ("说明", 44)], timeline),
    ]
    return "".join(parts)


class CaseView(QWidget):
    """Shows one case; ``reprint_requested(case_no, kind)`` asks for a document again."""

    reprint_requested = Signal(str, str)

    def __init__(self, cases: CaseReader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cases = cases
        self._detail: CaseDetail | None = None
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

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser, 1)
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
        self.browser.setHtml(f"<p style='color:#666666'>{escape(message)}</p>" if message else "")
        self._set_documents(None)

    def show_case(self, case_no: str) -> bool:
        """Load and show the case; False (and a message) when it cannot be shown."""
        try:
            detail = self._cases.detail(case_no)
        except StoreError:
            self.clear(self.tr("无法读取办件 %1：数据库错误").replace("%1", case_no))
            return False
        if detail is None:
            self.clear(self.tr("未找到办件 %1").replace("%1", case_no))
            return False
        self._detail = detail
        self.browser.setHtml(case_html(detail))
        self._set_documents(detail)
        return True

    def _set_documents(self, detail: CaseDetail | None) -> None:
        """The print log of the case, and a button for each document it can have again."""
        self.documents.clear()
        for old in self._reprint_buttons.values():
            self.buttons.removeWidget(old)
            old.hide()
            old.deleteLater()
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

    def _fit_documents_height(self) -> None:
        """Three lines of print log; more scroll (the timeline above gets the room)."""
        line = self.documents.fontMetrics().height() + 4
        self.documents.setFixedHeight(3 * line + 2 * self.documents.frameWidth() + 4)

    def _reprint_item(self, item: QListWidgetItem) -> None:
        self._reprint(str(item.data(Qt.ItemDataRole.UserRole)))

    def _reprint(self, kind: str) -> None:
        if self._detail is not None:
            self.reprint_requested.emit(self._detail.case_no, kind)
