"""The item standard's small rules (app/core/items.py): text as people mean it, a
material's identity across items, what a notice asks for, questions and defaults."""

from __future__ import annotations

from app.core.items import (
    Condition,
    Material,
    Medium,
    Necessity,
    Question,
    clean_text,
    clean_token,
    material_key,
    sorted_materials,
)
from tests.factories import AGENT, APPLICANT_TYPE, item, material


def test_text_and_tokens() -> None:
    assert clean_text(None) == ""
    assert clean_text("  申请\u3000\u3000表 \n（原件） ") == "申请 表 （原件）"
    assert clean_text(12) == "12"
    assert clean_token(" Ｔ－１ 2 ") == "T-12"
    assert clean_token(None) == ""


def test_a_materials_identity_ignores_remarks_and_punctuation() -> None:
    assert material_key("居民身份证（原件）") == "居民身份证"
    assert material_key(" 《居民身份证》(复印件) ") == "居民身份证"
    assert material_key("申请人、代理人“身份证”，户口簿。") == "申请人代理人身份证户口簿"
    assert material_key("a.b,c'd\"e") == "abcde"
    assert Material(1, "居民身份证（原件）", Medium.COPY, 1, Necessity.REQUIRED).key == "居民身份证"
    assert Material(1, "身份证", Medium.COPY, 1, Necessity.REQUIRED, key="id").key == "id"


def test_what_a_notice_asks_for() -> None:
    plain = Material(1, "户口簿", Medium.COPY, 2, Necessity.REQUIRED)
    assert plain.requirement() == "复印件2份"
    assert material(2, "身份证").requirement() == "原件核验1份；身份证须真实有效"


def test_questions_defaults_and_order() -> None:
    it = item()
    assert it.question("Q1") is APPLICANT_TYPE
    assert it.question("是否委托代办") is AGENT
    assert it.question("Q9") is None
    assert it.default_answers() == {"Q1": "个人", "Q2": "否"}
    empty = item(questions=(Question("Q3", "无选项", ()),))
    assert empty.default_answers() == {}
    assert [q.code for q in it.unanswered({"Q1": "个人", "Q2": "也许"})] == ["Q2"]
    assert Condition("Q1", frozenset({"企业"})).holds({"Q1": "企业"})
    assert not Condition("Q1", frozenset({"企业"})).holds({})
    a, b = material(2, "乙"), material(1, "甲")
    assert sorted_materials([a, b]) == (b, a)
