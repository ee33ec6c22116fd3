"""What documents print about the hall itself.

The application owns the settings registry; it builds a ``HallSettings`` from it.
``HallSettings.default()`` is the demo hall used by the CLI samples and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from string import Formatter

from app.core.items import Item


class SettingsError(ValueError):
    """A hall setting that cannot be used; ``str()`` is a Chinese message."""


QR_FIELDS = ("case_no", "item_code")
"""Placeholders a QR text template may use, e.g. ``https://x.gov.cn/q?no={case_no}``."""


@dataclass(frozen=True, slots=True)
class HallSettings:
    hall_name: str
    address: str
    phone: str  # 咨询电话
    supervision_phone: str  # 监督电话
    logo_path: Path | None = None
    qr_template: str | None = None  # None: no QR code on receipts
    query_note: str = "可凭受理编号电话查询或扫码查询办理进度。"
    # Defaults for what an item standard leaves empty: where an applicant turns
    # against a decision (行政复议机关, 行政诉讼 court) and how results are delivered.
    review_body: str = ""
    court: str = ""
    delivery: str = "窗口领取"
    office_hours: str = ""

    @classmethod
    def default(cls) -> HallSettings:
        return cls(
            hall_name="示范县城关镇便民服务中心",
            address="示范县城关镇人民路88号",
            phone="0538-1234567",
            supervision_phone="0538-12345",
            qr_template="https://zwfw.example.gov.cn/q?no={case_no}",
            review_body="示范县人民政府",
            court="示范县人民法院",
            delivery="窗口领取；申请人可选择邮寄送达",
            office_hours="周一至周五 9:00—12:00，13:30—17:30（法定节假日除外）",
        )

    def remedies_of(self, item: Item | None) -> tuple[str, str]:
        """(复议机关, 管辖法院) for a decision on ``item``: the item's own, else the hall's."""
        body = (item.review_body if item else "") or self.review_body
        court = (item.court if item else "") or self.court
        return body, court

    def delivery_of(self, item: Item | None) -> str:
        return (item.delivery if item else "") or self.delivery

    def qr_text(self, case_no: str, item_code: str = "") -> str | None:
        """The QR code's text for a case, or None when no template is set."""
        if not self.qr_template:
            return None
        check_qr_template(self.qr_template)
        return self.qr_template.format(case_no=case_no, item_code=item_code)


def check_qr_template(template: str) -> None:
    """Raise SettingsError unless every placeholder is one of QR_FIELDS."""
    try:
        fields = [name for _, name, _, _ in Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise SettingsError(f"二维码模板格式错误：{template}（{exc}）") from exc
    for name in fields:
        if name not in QR_FIELDS:
            allowed = "、".join("{" + f + "}" for f in QR_FIELDS)
            raise SettingsError(f"二维码模板含未知占位符 {{{name}}}，只能使用 {allowed}")
