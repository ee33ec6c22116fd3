"""A three-item bundle (联办) for the application tests: items stored in a real store,
an intake per item with a shared 居民身份证 and 申请表, and the decisions mixed."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from app.core.application import ApplicationIntake
from app.core.check import Decision, MaterialOutcome, Status
from app.core.intake import Applicant, ApplicantKind, Intake
from app.core.items import Item, Medium, Necessity
from db.catalog_repo import current_version, import_items
from db.store import Store
from tests.factories import item, material

NOW = datetime(2026, 3, 10, 9, 30)  # a Tuesday
PERSON = Applicant(ApplicantKind.PERSON, "李四", id_no="11010519491231002X", phone="13800138000")
ANSWERS = {"Q1": "个人", "Q2": "否"}

# (code, name, department, promised days, materials beside the shared two)
ITEMS = (
    ("KD-01", "食品经营许可", "示范县市场监督管理局", 10, ("食品安全管理制度", "经营场所平面图")),
    ("KD-02", "公众聚集场所投入使用营业前消防安全检查", "示范县消防救援大队", 7, ("消防设施检测报告",)),
    ("KD-03", "户外广告设施设置审批", "示范县城市管理局", 5, ("广告设计效果图",)),
)  # fmt: skip


def _necessity(name: str) -> Necessity:
    """The fire check's test report may come later (容缺); the rest are required."""
    return Necessity.DEFERRABLE if name == "消防设施检测报告" else Necessity.REQUIRED


def bundle_items() -> list[Item]:
    items = []
    for code, name, department, days, own in ITEMS:
        mats = (
            material(1, "申请表", medium=Medium.ORIGINAL_KEPT),
            material(2, "居民身份证"),
            *(material(3 + i, m, _necessity(m), medium=Medium.COPY) for i, m in enumerate(own)),
        )
        it = item(materials=mats, code=code, promised_days=days)
        items.append(replace(it, name=name, department=department))
    return items


def store_bundle(store: Store) -> list[tuple[int, Item]]:
    with store.session() as s, s.begin():
        import_items(s, bundle_items())
    found = []
    with store.session() as s:
        for code, *_ in ITEMS:
            one = current_version(s, code)
            assert one is not None
            found.append(one)
    return found


def received(it: Item) -> dict[int, MaterialOutcome]:
    return {
        m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in it.applicable_materials(ANSWERS)
    }


def mixed_application(
    stored: list[tuple[int, Item]], intake_id: uuid.UUID | None = None
) -> ApplicationIntake:
    """食品经营许可 补正 (its 经营场所平面图 missing, 食品安全管理制度 defective); the two others 受理."""
    intakes = []
    for (vid, it), decision in zip(
        stored, (Decision.CORRECTION, Decision.ACCEPT, Decision.ACCEPT), strict=True
    ):
        outcomes = received(it)
        if decision is Decision.CORRECTION:
            outcomes[3] = MaterialOutcome(Status.DEFECTIVE, 1, "未加盖单位公章")
            outcomes[4] = MaterialOutcome(Status.MISSING)
        intakes.append(
            Intake(
                item=it,
                item_version_id=vid,
                answers=ANSWERS,
                outcomes=outcomes,
                applicant=PERSON,
                decision=decision,
                clerk="wangfang",
                clerk_name="王芳",
                window_no="1",
            )
        )
    return ApplicationIntake(
        intake_id=intake_id or uuid.uuid4(),
        bundle_code="YJS-KFD",
        bundle_name="我要开饭店",
        bundle_version="1",
        intakes=tuple(intakes),
    )
