"""An item version as a JSON document: how the catalogue travels between the county
and the workstations (the county stores it as it is; the workstation imports it)."""

from __future__ import annotations

from typing import Any

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


def item_to_doc(item: Item) -> dict[str, Any]:
    return {
        "code": item.code, "name": item.name, "kind": item.kind.value,
        "department": item.department, "service_type": item.service_type.value,
        "statutory_days": item.statutory_days, "promised_days": item.promised_days,
        "statutory_unit": item.statutory_unit.value, "promised_unit": item.promised_unit.value,
        "version": item.version, "fee": item.fee, "fee_standard": item.fee_standard,
        "legal_basis": item.legal_basis, "conditions": item.conditions,
        "procedure": item.procedure, "place": item.place, "phone": item.phone,
        "review_body": item.review_body, "court": item.court, "delivery": item.delivery,
        "questions": [[q.code, q.text, list(q.options)] for q in item.questions],
        "materials": [
            {"seq": m.seq, "name": m.name, "medium": m.medium.value, "copies": m.copies,
             "necessity": m.necessity.value,
             "conditions": [[c.question, sorted(c.options)] for c in m.conditions],
             "standard": m.standard, "source": m.source, "blank_form": m.blank_form,
             "sample": m.sample, "key": m.key, "code": m.code}
            for m in item.materials
        ],
    }  # fmt: skip


def doc_to_item(doc: dict[str, Any]) -> Item:
    return Item(
        code=doc["code"],
        name=doc["name"],
        kind=ItemKind(doc["kind"]),
        department=doc["department"],
        service_type=ServiceType(doc["service_type"]),
        statutory_days=int(doc["statutory_days"]),
        promised_days=int(doc["promised_days"]),
        # documents from before limits had units are in working days
        statutory_unit=LimitUnit(doc.get("statutory_unit", LimitUnit.WORKING.value)),
        promised_unit=LimitUnit(doc.get("promised_unit", LimitUnit.WORKING.value)),
        version=doc["version"],
        fee=bool(doc["fee"]),
        fee_standard=doc["fee_standard"],
        legal_basis=doc["legal_basis"],
        conditions=doc["conditions"],
        procedure=doc["procedure"],
        place=doc["place"],
        phone=doc["phone"],
        # documents from before the item named its remedies leave them to the hall
        review_body=doc.get("review_body", ""),
        court=doc.get("court", ""),
        delivery=doc.get("delivery", ""),
        questions=tuple(Question(c, t, tuple(o)) for c, t, o in doc["questions"]),
        materials=tuple(
            Material(
                seq=int(m["seq"]),
                name=m["name"],
                medium=Medium(m["medium"]),
                copies=int(m["copies"]),
                necessity=Necessity(m["necessity"]),
                conditions=tuple(Condition(q, frozenset(o)) for q, o in m["conditions"]),
                standard=m["standard"],
                source=m["source"],
                blank_form=m["blank_form"],
                sample=m["sample"],
                key=m["key"],
                code=m.get("code", ""),  # documents from before 材料编码 have none
            )
            for m in doc["materials"]
        ),
    )
