"""Small builders for domain objects used across tests."""

from __future__ import annotations

from app.core.items import (
    Condition,
    Item,
    ItemKind,
    Material,
    Medium,
    Necessity,
    Question,
    ServiceType,
)
from app.core.workdays import LimitUnit

APPLICANT_TYPE = Question("Q1", "申请人类型", ("个人", "企业"))
AGENT = Question("Q2", "是否委托代办", ("否", "是"))


def material(
    seq: int,
    name: str,
    necessity: Necessity = Necessity.REQUIRED,
    copies: int = 1,
    medium: Medium = Medium.ORIGINAL_SHOWN,
    conditions: tuple[Condition, ...] = (),
) -> Material:
    return Material(seq, name, medium, copies, necessity, conditions, standard=f"{name}须真实有效")


def item(
    materials: tuple[Material, ...] | None = None,
    questions: tuple[Question, ...] = (APPLICANT_TYPE, AGENT),
    code: str = "T-001",
    version: str = "1",
    service_type: ServiceType = ServiceType.PROMISED,
    promised_days: int = 5,
    promised_unit: LimitUnit = LimitUnit.WORKING,
    statutory_unit: LimitUnit = LimitUnit.WORKING,
) -> Item:
    if materials is None:
        materials = (
            material(1, "申请表", copies=2, medium=Medium.ORIGINAL_KEPT),
            material(2, "居民身份证"),
            material(3, "户口簿", Necessity.DEFERRABLE, medium=Medium.COPY),
            material(4, "营业执照", conditions=(Condition("Q1", frozenset({"企业"})),)),
            material(5, "授权委托书", conditions=(Condition("Q2", frozenset({"是"})),)),
            material(6, "代办人身份证", conditions=(Condition("Q2", frozenset({"是"})),)),
            material(7, "其他证明", Necessity.OPTIONAL),
        )
    return Item(
        code=code,
        name="测试事项申请",
        kind=ItemKind.PUBLIC_SERVICE,
        department="示范县民政局",
        service_type=service_type,
        statutory_days=20,
        promised_days=promised_days,
        promised_unit=promised_unit,
        statutory_unit=statutory_unit,
        version=version,
        questions=questions,
        materials=materials,
    )


def demo_intake(
    store: object,
    decision: object,
    *,
    missing: int | None = None,
    name: str = "张三",
    clerk: tuple[str, str, str] = ("wangfang", "王芳", "1"),
) -> object:
    """An intake of the demo 最低生活保障申请 (6 materials, no situations) with every
    material received except ``missing``."""
    from app.core.check import MaterialOutcome, Status
    from app.core.intake import Applicant, Intake
    from db.catalog_repo import current_version

    with store.session() as s:  # type: ignore[attr-defined]
        found = current_version(s, "370999-MZ-001")
    assert found is not None
    vid, demo = found
    outcomes = {m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in demo.materials}
    if missing is not None:
        outcomes[missing] = MaterialOutcome(Status.MISSING)
    login, clerk_name, window = clerk
    return Intake(
        item=demo,
        item_version_id=vid,
        answers={},
        outcomes=outcomes,
        applicant=Applicant(name=name, id_no="11010519491231002X", phone="13800138000"),
        decision=decision,  # type: ignore[arg-type]
        clerk=login,
        clerk_name=clerk_name,
        window_no=window,
    )
