"""一次性告知: a notice names every applicable material not brought, or it does not
print. Over every item of the demo catalogue and every situation (all answer
combinations): the notice the real check makes prints and names each material;
the same notice with any one line left out is refused."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime

import pytest
from printing_support import pdf_text, squash

from app.core.check import Decision, MaterialOutcome, Status
from app.core.items import Item, Necessity
from app.core.paths import resource
from app.services.catalog_files import read_catalog
from printing.documents import render_notice, render_receipt
from printing.model import CaseDoc, DocumentError
from printing.samples import case_from_check, sample_applicant, sample_case, sample_hall


def _demo_items() -> tuple[Item, ...]:
    parsed = read_catalog(resource("catalog", "demo-catalog.xlsx"))
    assert parsed.ok, parsed.problems
    return parsed.items


def _situations() -> list[tuple[Item, dict[str, str]]]:
    out = []
    for item in _demo_items():
        options = [[(q.code, o) for o in q.options] for q in item.questions]
        for combo in itertools.product(*options):
            out.append((item, dict(combo)))
    return out


SITUATIONS = _situations()


def _notice(item: Item, answers: dict[str, str], outcomes: dict[int, MaterialOutcome]) -> CaseDoc:
    return case_from_check(
        item, answers, outcomes, Decision.CORRECTION,
        case_no="SF0101-20250317-0043", applicant=sample_applicant(), clerk_name="王丽",
        window_no="3", accepted_at=datetime(2025, 3, 17, 10, 24),
    )  # fmt: skip


def test_every_demo_item_and_situation_is_covered() -> None:
    assert len(SITUATIONS) >= 100  # 20 items, every combination of their answers
    hall = sample_hall()
    for item, answers in SITUATIONS:
        needed = [
            m.name for m in item.applicable_materials(answers)
            if m.necessity is not Necessity.OPTIONAL
        ]  # fmt: skip
        case = _notice(item, answers, {})  # nothing brought yet
        assert [line.material for line in case.notice_lines] == needed
        text = pdf_text(render_notice(case, hall).pdf)
        for name in needed:
            assert squash(name) in text, (item.name, answers, name)
        for q in item.questions:
            assert squash(answers[q.code]) in text
        # any one line left out: the notice is refused, naming what it left out
        for k, line in enumerate(case.notice_lines):
            short = replace(case, notice_lines=case.notice_lines[:k] + case.notice_lines[k + 1 :])
            with pytest.raises(DocumentError, match="未列出") as info:
                render_notice(short, hall)
            assert line.material in str(info.value)


@pytest.mark.parametrize("k", range(3))
def test_a_received_material_short_of_copies_must_be_listed(k: int) -> None:
    item, answers = next((i, a) for i, a in SITUATIONS if i.name == "最低生活保障申请")
    materials = item.applicable_materials(answers)
    outcomes = {m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in materials}
    target = materials[k]
    outcomes[target.seq] = MaterialOutcome(Status.RECEIVED, target.copies - 1)
    case = _notice(item, answers, outcomes)
    assert [line.material for line in case.notice_lines] == [target.name]
    render_notice(case, sample_hall())
    with pytest.raises(DocumentError, match=target.name):
        render_notice(replace(case, notice_lines=()), sample_hall())


def test_the_sample_notice_lists_what_its_situation_requires() -> None:
    case = sample_case(Decision.CORRECTION)
    assert ("申请人婚姻状况", "离异或丧偶") in case.answers
    text = pdf_text(render_notice(case, sample_hall()).pdf)
    assert "结婚证或离婚证明" in text  # required by 离异或丧偶: the old sample left it out


def test_a_notice_without_its_standard_is_refused() -> None:
    with pytest.raises(DocumentError, match="缺少事项标准"):
        render_notice(replace(sample_case(Decision.CORRECTION), standard=None), sample_hall())


def test_an_unanswered_situation_is_refused() -> None:
    case = sample_case(Decision.CORRECTION)
    with pytest.raises(DocumentError, match="办理情形未选择"):
        render_notice(replace(case, answers=case.answers[:1]), sample_hall())


def test_a_receipt_is_refused_while_a_material_is_unaccounted_for() -> None:
    accepted = sample_case(Decision.ACCEPT)
    with pytest.raises(DocumentError, match="结婚证或离婚证明"):
        render_receipt(
            replace(accepted, materials=tuple(
                m for m in accepted.materials if m.name != "结婚证或离婚证明"
            )),
            sample_hall(),
        )  # fmt: skip
    deferred = sample_case(Decision.ACCEPT_DEFERRED)
    first, second = deferred.notice_lines
    blocking = replace(first, deferrable=False)
    with pytest.raises(DocumentError, match="非容缺材料未收齐"):
        render_receipt(replace(deferred, notice_lines=(blocking, second)), sample_hall())
