"""Catalogue persistence: item versions in, core Items out.

A published version is immutable: importing the same code and version again with the
same content changes nothing; with different content it is refused (the county must
raise the version). A new version becomes current; cases keep pointing at the version
they were accepted under.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from app.core.bundles import Bundle, bundle_from_doc, bundle_to_doc
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
from app.core.search import Readings, SearchEntry, readings
from app.core.workdays import LimitUnit
from db.models import BundleVersionRow, ItemVersionRow, MaterialRow, QuestionRow


def content_hash(item: Item) -> str:
    payload = {
        "head": [
            item.code, item.name, item.kind.value, item.department, item.service_type.value,
            item.statutory_days, item.promised_days, item.fee, item.fee_standard,
            item.legal_basis, item.conditions, item.procedure, item.place, item.phone,
        ],
        "questions": [[q.code, q.text, list(q.options)] for q in item.questions],
        "materials": [
            [
                m.seq, m.name, m.medium.value, m.copies, m.necessity.value,
                sorted([c.question, sorted(c.options)] for c in m.conditions),
                m.standard, m.source, m.blank_form, m.sample,
            ]
            for m in item.materials
        ],
    }  # fmt: skip
    units = [item.statutory_unit.value, item.promised_unit.value]
    if units != [LimitUnit.WORKING.value] * 2:  # hashes of items without units stay as they were
        payload["units"] = units
    remedies = [item.review_body, item.court, item.delivery]
    if any(remedies):  # likewise for items without 复议机关, 管辖法院, 送达方式
        payload["remedies"] = remedies
    codes = [m.code for m in item.materials]
    if any(codes):  # and for items whose materials carry no 材料编码
        payload["material_codes"] = codes
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)  # "code 版本 v"
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # same version, other content

    @property
    def ok(self) -> bool:
        return not self.conflicts


def _head_values(
    item: Item, digest: str, now: datetime, source: str, readings_of: Callable[[str], Readings]
) -> dict[str, object]:
    full, initials = readings_of(item.name)
    return dict(
        code=item.code, version=item.version, name=item.name, kind=item.kind.value,
        department=item.department, service_type=item.service_type.value,
        statutory_days=item.statutory_days, promised_days=item.promised_days, fee=item.fee,
        statutory_unit=item.statutory_unit.value, promised_unit=item.promised_unit.value,
        fee_standard=item.fee_standard, legal_basis=item.legal_basis,
        conditions=item.conditions, procedure=item.procedure, place=item.place,
        phone=item.phone, review_body=item.review_body, court=item.court,
        delivery=item.delivery,
        content_hash=digest, is_current=True, imported_at=now, source=source,
        pinyin_full=" ".join(full), pinyin_initials=" ".join(initials),
    )  # fmt: skip


def _child_values(
    version_id: int, item: Item
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    questions: list[dict[str, object]] = [
        {"item_version_id": version_id, "ord": i, "code": q.code, "text": q.text,
         "options": list(q.options)}
        for i, q in enumerate(item.questions)
    ]  # fmt: skip
    materials: list[dict[str, object]] = [
        {
            "item_version_id": version_id,
            "seq": m.seq,
            "name": m.name,
            "key": m.key,
            "medium": m.medium.value,
            "copies": m.copies,
            "necessity": m.necessity.value,
            "conditions": [
                {"question": c.question, "options": sorted(c.options)} for c in m.conditions
            ],
            "standard": m.standard,
            "source": m.source,
            "blank_form": m.blank_form,
            "sample": m.sample,
            "code": m.code,
        }
        for m in item.materials
    ]
    return questions, materials


def plan_import(session: Session, items: Sequence[Item]) -> ImportReport:
    """What an import would do, without writing (conflicts make it refuse)."""
    existing = {
        (code, version): digest
        for code, version, digest in session.execute(
            select(ItemVersionRow.code, ItemVersionRow.version, ItemVersionRow.content_hash)
        )
    }
    report = ImportReport()
    for item in items:
        label = f"{item.code} {item.name}（版本 {item.version}）"
        digest = existing.get((item.code, item.version))
        if digest is None:
            report.added.append(label)
        elif digest == content_hash(item):
            report.unchanged.append(label)
        else:
            report.conflicts.append(
                f"{label}：数据库中已有同一版本但内容不同。已发布的版本不能修改，请提高版本号后再导入"
            )
    return report


def import_items(
    session: Session,
    items: Sequence[Item],
    source: str = "",
    now: datetime | None = None,
    readings_of: Callable[[str], Readings] = readings,
) -> ImportReport:
    """Add new item versions in the caller's transaction. Nothing is written when any
    item conflicts with a published version. ``readings_of`` gives each name's pinyin
    for the search (computed, or looked up for the shipped catalogue)."""
    report = plan_import(session, items)
    if not report.ok:
        return report
    now = now or datetime.now()
    existing = {
        (code, version)
        for code, version in session.execute(select(ItemVersionRow.code, ItemVersionRow.version))
    }
    new = [i for i in items if (i.code, i.version) not in existing]
    if not new:
        return report
    codes = [i.code for i in new]
    for start in range(0, len(codes), 500):
        session.execute(
            update(ItemVersionRow)
            .where(ItemVersionRow.code.in_(codes[start : start + 500]))
            .values(is_current=False)
        )
    # Core bulk inserts: one round trip per few hundred rows instead of ORM units of work.
    result = session.execute(
        insert(ItemVersionRow).returning(ItemVersionRow.id, sort_by_parameter_order=True),
        [_head_values(item, content_hash(item), now, source, readings_of) for item in new],
    )
    questions: list[dict[str, object]] = []
    materials: list[dict[str, object]] = []
    for version_id, item in zip(result.scalars(), new, strict=True):
        q, m = _child_values(version_id, item)
        questions.extend(q)
        materials.extend(m)
    if questions:
        session.execute(insert(QuestionRow), questions)
    if materials:
        session.execute(insert(MaterialRow), materials)
    session.expire_all()
    return report


def to_item(row: ItemVersionRow) -> Item:
    return Item(
        code=row.code,
        name=row.name,
        kind=ItemKind(row.kind),
        department=row.department,
        service_type=ServiceType(row.service_type),
        statutory_days=row.statutory_days,
        promised_days=row.promised_days,
        statutory_unit=LimitUnit(row.statutory_unit),
        promised_unit=LimitUnit(row.promised_unit),
        version=row.version,
        fee=row.fee,
        fee_standard=row.fee_standard,
        legal_basis=row.legal_basis,
        conditions=row.conditions,
        procedure=row.procedure,
        place=row.place,
        phone=row.phone,
        review_body=row.review_body,
        court=row.court,
        delivery=row.delivery,
        questions=tuple(Question(q.code, q.text, tuple(q.options)) for q in row.questions),
        materials=tuple(
            Material(
                seq=m.seq,
                name=m.name,
                medium=Medium(m.medium),
                copies=m.copies,
                necessity=Necessity(m.necessity),
                conditions=tuple(
                    Condition(str(c["question"]), frozenset(cast("Iterable[str]", c["options"])))
                    for c in m.conditions
                ),
                standard=m.standard,
                source=m.source,
                blank_form=m.blank_form,
                sample=m.sample,
                key=m.key,
                code=m.code,
            )
            for m in row.materials
        ),
    )


def current_items(session: Session) -> list[Item]:
    rows = session.scalars(
        select(ItemVersionRow).where(ItemVersionRow.is_current).order_by(ItemVersionRow.code)
    )
    return [to_item(r) for r in rows]


def search_entries(session: Session) -> list[SearchEntry]:
    """Every current item for the search index, with the pinyin computed at import."""
    rows = session.execute(
        select(
            ItemVersionRow.id, ItemVersionRow.code, ItemVersionRow.name,
            ItemVersionRow.pinyin_full, ItemVersionRow.pinyin_initials,
        )
        .where(ItemVersionRow.is_current)
        .order_by(ItemVersionRow.code)
    )  # fmt: skip
    return [
        SearchEntry(code, name, vid, tuple(full.split()), tuple(initials.split()))
        for vid, code, name, full, initials in rows
    ]


def item_version(session: Session, version_id: int) -> tuple[int, Item] | None:
    row = session.get(ItemVersionRow, version_id)
    return (row.id, to_item(row)) if row else None


def current_version(session: Session, code: str) -> tuple[int, Item] | None:
    row = session.scalars(
        select(ItemVersionRow).where(ItemVersionRow.code == code, ItemVersionRow.is_current)
    ).first()
    return (row.id, to_item(row)) if row else None


def has_any_item(session: Session) -> bool:
    """Any item version at all, current or not: the store has had a catalogue."""
    return session.scalars(select(ItemVersionRow.id).limit(1)).first() is not None


def count_items(session: Session) -> int:
    query = select(func.count()).select_from(ItemVersionRow).where(ItemVersionRow.is_current)
    return int(session.scalar(query) or 0)


def all_versions(session: Session, codes: Iterable[str]) -> list[tuple[str, str, bool]]:
    return [
        (c, v, cur)
        for c, v, cur in session.execute(
            select(ItemVersionRow.code, ItemVersionRow.version, ItemVersionRow.is_current)
            .where(ItemVersionRow.code.in_(list(codes)))
            .order_by(ItemVersionRow.code, ItemVersionRow.id)
        )
    ]


# ---------------------------------------------------------------- bundles (一件事)


def bundle_hash(bundle: Bundle) -> str:
    text = json.dumps(bundle_to_doc(bundle), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def plan_bundle_import(session: Session, bundles: Sequence[Bundle]) -> ImportReport:
    """What importing bundles would do (a published version never changes)."""
    existing = {
        (code, version): digest
        for code, version, digest in session.execute(
            select(BundleVersionRow.code, BundleVersionRow.version, BundleVersionRow.content_hash)
        )
    }
    report = ImportReport()
    for bundle in bundles:
        label = f"{bundle.code} {bundle.name}（版本 {bundle.version}）"
        digest = existing.get((bundle.code, bundle.version))
        if digest is None:
            report.added.append(label)
        elif digest == bundle_hash(bundle):
            report.unchanged.append(label)
        else:
            report.conflicts.append(
                f"一件事{label}：数据库中已有同一版本但内容不同。已发布的版本不能修改，"
                "请提高版本号后再导入"
            )
    return report


def import_bundles(
    session: Session,
    bundles: Sequence[Bundle],
    source: str = "",
    now: datetime | None = None,
    readings_of: Callable[[str], Readings] = readings,
) -> ImportReport:
    """Add new bundle versions in the caller's transaction; a new version becomes
    current. Nothing is written when any bundle conflicts with a published version.
    The name's pinyin is stored with it, as an item's (``readings_of``)."""
    report = plan_bundle_import(session, bundles)
    if not report.ok:
        return report
    now = now or datetime.now()
    existing = {
        (code, version)
        for code, version in session.execute(
            select(BundleVersionRow.code, BundleVersionRow.version)
        )
    }
    new = [b for b in bundles if (b.code, b.version) not in existing]
    if not new:
        return report
    session.execute(
        update(BundleVersionRow)
        .where(BundleVersionRow.code.in_([b.code for b in new]))
        .values(is_current=False)
    )
    pinyin = {b.name: readings_of(b.name) for b in new}
    session.execute(
        insert(BundleVersionRow),
        [
            {"code": b.code, "version": b.version, "name": b.name, "doc": bundle_to_doc(b),
             "content_hash": bundle_hash(b), "is_current": True, "imported_at": now,
             "source": source, "pinyin_full": " ".join(pinyin[b.name][0]),
             "pinyin_initials": " ".join(pinyin[b.name][1])}
            for b in new
        ],
    )  # fmt: skip
    session.expire_all()
    return report


def current_bundles(session: Session) -> list[tuple[int, Bundle]]:
    """Every current bundle version (id, bundle), by code."""
    rows = session.execute(
        select(BundleVersionRow.id, BundleVersionRow.doc)
        .where(BundleVersionRow.is_current)
        .order_by(BundleVersionRow.code)
    )
    return [(vid, bundle_from_doc(doc)) for vid, doc in rows]


def current_bundle(session: Session, code: str) -> tuple[int, Bundle] | None:
    row = session.execute(
        select(BundleVersionRow.id, BundleVersionRow.doc).where(
            BundleVersionRow.code == code, BundleVersionRow.is_current
        )
    ).first()
    return (row[0], bundle_from_doc(row[1])) if row else None


def bundle_version(session: Session, version_id: int) -> Bundle | None:
    doc = session.scalar(select(BundleVersionRow.doc).where(BundleVersionRow.id == version_id))
    return bundle_from_doc(doc) if doc is not None else None


def bundle_with_items(
    session: Session, code: str
) -> tuple[int, Bundle, dict[str, tuple[int, Item]]] | None:
    """A current bundle and the current version (id, item) of each of its items: what
    the counter needs to open the bundle's merged checklist. An item the catalogue no
    longer has current is simply absent (the caller says so)."""
    found = current_bundle(session, code)
    if found is None:
        return None
    vid, bundle = found
    rows = session.scalars(
        select(ItemVersionRow).where(
            ItemVersionRow.code.in_(bundle.item_codes), ItemVersionRow.is_current
        )
    )
    return vid, bundle, {r.code: (r.id, to_item(r)) for r in rows}
