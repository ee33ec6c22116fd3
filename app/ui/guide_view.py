"""The item guide (办事指南) as the clerk and the citizen read it."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QTextBrowser, QWidget

from app.core.items import Item


def guide_html(item: Item) -> str:
    def row(label: str, value: str) -> str:
        return f"<tr><th align='left' width='90'>{label}</th><td>{escape(value) or '—'}</td></tr>"

    limits = (
        "即办件（当场办结）"
        if item.promised_days == 0
        else f"法定{item.statutory_days}个工作日，承诺{item.promised_days}个工作日"
    )
    questions = {q.code: q.text for q in item.questions}
    materials = []
    for m in item.materials:
        when = "；".join(
            f"{questions.get(c.question, c.question)}为{'或'.join(sorted(c.options))}"
            for c in m.conditions
        )
        materials.append(
            "<tr>"
            f"<td>{m.seq}</td><td>{escape(m.name)}</td><td>{m.medium.value}</td>"
            f"<td align='center'>{m.copies}</td><td>{m.necessity.value}</td>"
            f"<td>{escape(when) or '均需'}</td><td>{escape(m.standard)}</td>"
            "</tr>"
        )
    return (
        f"<h2>{escape(item.name)}</h2>"
        "<table cellspacing='4'>"
        + row("事项编码", item.code)
        + row("事项类型", item.kind.value)
        + row("实施主体", item.department)
        + row("办件类型", item.service_type.value)
        + row("办理时限", limits)
        + row("收费", item.fee_standard if item.fee else "不收费")
        + row("设定依据", item.legal_basis)
        + row("受理条件", item.conditions)
        + row("办理流程", item.procedure)
        + row("办理地点", item.place)
        + row("咨询电话", item.phone)
        + row("版本", item.version)
        + "".join(
            row(label, value)
            for label, value in (
                ("复议机关", item.review_body),
                ("管辖法院", item.court),
                ("送达方式", item.delivery),
            )
            if value  # empty: the hall's defaults, printed on the guide
        )
        + "</table><h3>申请材料</h3>"
        "<table border='1' cellspacing='0' cellpadding='3' width='100%'>"
        "<tr><th>序号</th><th>材料名称</th><th>形式</th><th>份数</th><th>必要性</th>"
        "<th>适用情形</th><th>受理标准</th></tr>" + "".join(materials) + "</table>"
    )


class GuideView(QTextBrowser):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenExternalLinks(False)
        self.setPlaceholderText(self.tr("选择事项后在此显示办事指南"))

    def show_item(self, item: Item | None) -> None:
        self.setHtml(guide_html(item) if item else "")
