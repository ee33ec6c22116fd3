"""Bundles (一件事): shared answers onto items, one merged checklist, outcomes back."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.bundles import (
    AnswerMapping,
    Bundle,
    BundleItem,
    SharedQuestion,
    bundle_problems,
    check_bundle,
    identities,
    item_outcomes,
    merged_checklist,
    merged_outcomes,
)
from app.core.check import Decision, MaterialOutcome, Status, check_materials
from app.core.items import Condition, Item, Material, Medium, Necessity, Question
from tests.factories import item, material

OPERATOR = SharedQuestion("S1", "经营者类型", ("个人", "企业"))
Q_TYPE = Question("QT", "申请人类型", ("自然人", "法人"))


def restaurant() -> tuple[Bundle, dict[str, Item]]:
    licence = item(
        code="A",
        questions=(Q_TYPE,),
        materials=(
            material(1, "居民身份证"),
            material(2, "营业执照", conditions=(Condition("QT", frozenset({"法人"})),)),
            material(3, "食品经营许可申请书", medium=Medium.ORIGINAL_KEPT),
            material(4, "房屋产权证明", medium=Medium.COPY, copies=1),
        ),
    )
    sign = item(
        code="B",
        questions=(Question("Q1", "申请人类型", ("个人", "企业")),),
        materials=(
            material(1, "居民身份证（申请人）"),  # the same identity by its name key
            material(
                2,
                "营业执照",
                Necessity.DEFERRABLE,
                conditions=(Condition("Q1", frozenset({"企业"})),),
            ),
            material(3, "房屋产权证明", medium=Medium.COPY, copies=2),
            material(4, "户外招牌设置申请表", medium=Medium.ORIGINAL_KEPT),
        ),
    )
    fire = item(
        code="C",
        questions=(),
        materials=(
            material(1, "居民身份证"),
            material(2, "消防安全检查申报表", medium=Medium.ORIGINAL_KEPT),
        ),
    )
    bundle = Bundle(
        code="YJS-001",
        name="我要开饭店",
        version="1",
        items=(BundleItem("A", 1), BundleItem("B", 1), BundleItem("C", 2)),
        questions=(OPERATOR,),
        mappings=(
            AnswerMapping("S1", "A", "QT", (("个人", "自然人"), ("企业", "法人"))),
            AnswerMapping("S1", "B", "Q1"),
        ),
    )
    return bundle, {i.code: i for i in (licence, sign, fire)}


def test_shared_answer_reaches_each_items_own_question() -> None:
    bundle, items = restaurant()
    assert bundle_problems(bundle, items) == []
    answers = bundle.item_answers({"S1": "企业"})
    assert answers == {"A": {"QT": "法人"}, "B": {"Q1": "企业"}, "C": {}}
    assert bundle.stages() == (("A", "B"), ("C",))
    # an item's own answer to a question the bundle covers is overridden
    assert bundle.item_answers({"S1": "个人"}, {"A": {"QT": "法人"}})["A"] == {"QT": "自然人"}


def test_shared_material_is_one_line_with_copies_summed_and_original_once() -> None:
    bundle, items = restaurant()
    checklist = merged_checklist(bundle, items, {"S1": "企业"})
    lines = {m.name: m for m in checklist.materials}
    assert list(lines) == [
        "居民身份证", "营业执照", "食品经营许可申请书", "房屋产权证明", "户外招牌设置申请表",
        "消防安全检查申报表",
    ]  # fmt: skip
    card = lines["居民身份证"]
    assert card.items == ("A", "B", "C")
    assert card.copies == 1 and card.original_shown  # shown once for three items
    assert card.requirement().startswith("原件核验1份")
    deed = lines["房屋产权证明"]
    assert deed.copies == 3 and not deed.original  # each department keeps its copies
    assert deed.requirement().startswith("复印件3份")
    assert lines["营业执照"].necessity is Necessity.REQUIRED  # strictest of 必需 and 容缺


def test_shared_material_outcome_reaches_every_item() -> None:
    bundle, items = restaurant()
    checklist = merged_checklist(bundle, items, {"S1": "企业"})
    ok = {m.key: MaterialOutcome(Status.RECEIVED, m.copies) for m in checklist.materials}
    card = checklist.key_of("C", 1)
    ok[card] = MaterialOutcome(Status.DEFECTIVE, 1, "已过有效期")
    result = check_bundle(checklist, items, ok)
    for code in ("A", "B", "C"):
        assert [n.problem for n in result.result(code).notice] == ["有误：已过有效期"]
    assert [(n.material, n.items) for n in result.notice] == [("居民身份证", ("A", "B", "C"))]


def test_mixed_decision_one_correction_others_accepted() -> None:
    bundle, items = restaurant()
    checklist = merged_checklist(bundle, items, {"S1": "企业"})
    ok = {m.key: MaterialOutcome(Status.RECEIVED, m.copies) for m in checklist.materials}
    ok[checklist.key_of("B", 4)] = MaterialOutcome(Status.MISSING)  # only B needs it
    ok[checklist.key_of("A", 2)] = MaterialOutcome(Status.MISSING)  # 营业执照: A 必需, B 容缺
    result = check_bundle(checklist, items, ok)
    assert result.result("A").allowed == {Decision.CORRECTION, Decision.REFUSE}
    assert Decision.ACCEPT_DEFERRED not in result.result("B").allowed  # 招牌申请表 is 必需
    assert result.result("C").is_allowed(Decision.ACCEPT)
    licence = next(n for n in result.notice if n.material == "营业执照")
    assert licence.items == ("A", "B") and not licence.deferrable
    assert [n.material for n in result.notice] == ["营业执照", "户外招牌设置申请表"]


def test_too_few_copies_leave_the_last_item_short() -> None:
    bundle, items = restaurant()
    checklist = merged_checklist(bundle, items, {"S1": "个人"})
    deed = checklist.key_of("A", 4)
    per_item = item_outcomes(checklist, {deed: MaterialOutcome(Status.RECEIVED, 2)})
    assert per_item["A"][4].copies == 1 and per_item["B"][3].copies == 1
    back = merged_outcomes(checklist, per_item)
    assert back[deed] == MaterialOutcome(Status.RECEIVED, 2)


def test_shared_code_joins_different_names_and_name_falls_back() -> None:
    a = Material(1, "营业执照（副本）", Medium.COPY, 1, Necessity.REQUIRED, code="CL-0002")
    b = Material(1, "企业法人营业执照", Medium.COPY, 1, Necessity.REQUIRED, code="CL-0002")
    c = Material(2, "营业执照", Medium.COPY, 1, Necessity.REQUIRED)  # no code: by name
    d = Material(3, "营业执照", Medium.COPY, 1, Necessity.REQUIRED)  # twice in one item
    ident = identities([("A", a), ("B", b), ("C", c), ("C", d)])
    assert ident[("A", 1)] == ident[("B", 1)] == ident[("C", 2)] == "code:CL-0002"
    assert ident[("C", 3)] == "code:CL-0002#2"


def test_broken_bundles_are_named() -> None:
    _, items = restaurant()
    broken = Bundle(
        "YJS-9", "坏的一件事", "1",
        items=(BundleItem("A"), BundleItem("X")),
        questions=(OPERATOR,),
        mappings=(AnswerMapping("S1", "A", "Q9"), AnswerMapping("S1", "A", "QT")),
    )  # fmt: skip
    assert bundle_problems(broken, items) == [
        "事项“X”不在事项目录中",
        "事项“测试事项申请”没有情形“Q9”",
        "共享情形“经营者类型”的选项“个人”对应到“个人”，不是事项“测试事项申请”情形“申请人类型”的选项",
        "共享情形“经营者类型”的选项“企业”对应到“企业”，不是事项“测试事项申请”情形“申请人类型”的选项",
    ]


# ---------------------------------------------------------------- property

NAMES = ("居民身份证", "营业执照", "房屋产权证明", "申请表", "户口簿", "租赁合同", "照片")
STATUSES = (Status.UNCHECKED, Status.RECEIVED, Status.MISSING, Status.DEFECTIVE)


@st.composite
def bundles(draw: st.DrawFn) -> tuple[Bundle, dict[str, Item], dict[str, MaterialOutcome]]:
    n_items = draw(st.integers(1, 4))
    items: dict[str, Item] = {}
    for i in range(n_items):
        names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True))
        mats = tuple(
            material(
                seq,
                name,
                draw(st.sampled_from(list(Necessity))),
                copies=draw(st.integers(1, 3)),
                medium=draw(st.sampled_from(list(Medium))),
            )
            for seq, name in enumerate(names, start=1)
        )
        code = f"I{i}"
        items[code] = item(code=code, questions=(), materials=mats)
    stages = draw(st.lists(st.integers(1, 3), min_size=n_items, max_size=n_items))
    bundle = Bundle(
        "B", "一件事", "1", tuple(BundleItem(c, s) for c, s in zip(items, stages, strict=True))
    )
    checklist = merged_checklist(bundle, items, {})
    outcomes = {
        m.key: MaterialOutcome(draw(st.sampled_from(STATUSES)), draw(st.integers(0, 6)),
                               draw(st.sampled_from(("", "已过有效期"))))
        for m in checklist.materials
        if draw(st.booleans())
    }  # fmt: skip
    return bundle, items, outcomes


@settings(max_examples=300, deadline=None)
@given(bundles())
def test_bundle_notice_is_the_union_of_item_notices_shared_once(
    case: tuple[Bundle, dict[str, Item], dict[str, MaterialOutcome]],
) -> None:
    bundle, items, outcomes = case
    checklist = merged_checklist(bundle, items, {})
    result = check_bundle(checklist, items, outcomes)
    per_item = item_outcomes(checklist, outcomes)
    union: dict[str, list[str]] = {}
    for code in bundle.item_codes:
        # each item's check, computed on its own, is what the bundle says for it
        own = check_materials(items[code], {}, per_item[code])
        assert own == result.result(code)
        for line in own.notice:
            name = next(m.name for m in items[code].materials if m.seq == line.seq)
            union.setdefault(name, []).append(code)
    # names are distinct per item here, so a name is an identity
    assert {n.material: list(n.items) for n in result.notice} == union
    assert len({n.key for n in result.notice}) == len(result.notice)
    # a material found missing or defective is on the notice of every item needing it
    # (unless that item takes it as optional), with the clerk's reason
    for m in checklist.materials:
        o = outcomes.get(m.key)
        if o is None or o.status not in (Status.MISSING, Status.DEFECTIVE):
            continue
        for need in m.needs:
            lines = [n for n in result.result(need.item).notice if n.seq == need.material.seq]
            if need.material.necessity is Necessity.OPTIONAL:
                assert lines == []
            else:
                assert len(lines) == 1 and lines[0].problem.startswith(
                    "缺少" if o.status is Status.MISSING else "有误"
                )
                if o.status is Status.DEFECTIVE:
                    assert o.reason in lines[0].problem
    # a received material with enough copies for all satisfies every item
    for m in checklist.materials:
        o = outcomes.get(m.key)
        if o is not None and o.status is Status.RECEIVED and o.copies >= m.copies:
            assert m.key not in {n.key for n in result.notice}


def test_own_questions_are_those_no_shared_question_answers() -> None:
    bundle, items = restaurant()
    own = bundle.own_questions(items)
    assert own == {"A": (), "B": (), "C": ()}
    extra = Question("QX", "是否连锁经营", ("否", "是"))
    items["C"] = item(code="C", questions=(extra,), materials=items["C"].materials)
    assert bundle.own_questions(items)["C"] == (extra,)
    # an own answer reaches the item beside the shared ones
    answers = bundle.item_answers({"S1": "个人"}, {"C": {"QX": "是"}})
    assert answers["C"] == {"QX": "是"} and answers["A"] == {"QT": "自然人"}


def test_a_mixed_decision_notice_lists_only_the_correction_items_lines() -> None:
    from app.core.bundles import bundle_notice

    bundle, items = restaurant()
    checklist = merged_checklist(bundle, items, {"S1": "企业"})
    ok = {m.key: MaterialOutcome(Status.RECEIVED, m.copies) for m in checklist.materials}
    ok[checklist.key_of("A", 2)] = MaterialOutcome(Status.MISSING)  # 营业执照: A 必需, B 容缺
    result = check_bundle(checklist, items, ok)
    assert result.result("B").allowed >= {Decision.ACCEPT_DEFERRED}
    # A is sent away with a notice (补正), B accepted with 容缺, C accepted
    notice = bundle_notice(
        checklist, {"A": result.result("A").notice, "B": result.result("B").notice}
    )
    assert [(n.material, n.items, n.deferrable) for n in notice] == [
        ("营业执照", ("A", "B"), False)
    ]
    only_a = bundle_notice(checklist, {"A": result.result("A").notice})
    assert [(n.material, n.items) for n in only_a] == [("营业执照", ("A",))]


def test_a_notice_asks_only_for_the_copies_of_the_items_it_lists() -> None:
    from app.core.bundles import bundle_notice

    bundle, items = restaurant()
    checklist = merged_checklist(bundle, items, {"S1": "个人"})
    deed = checklist.key_of("A", 4)  # 房屋产权证明: A keeps 1 copy, B keeps 2
    result = check_bundle(checklist, items, {deed: MaterialOutcome(Status.RECEIVED, 1)})
    assert result.result("A").notice[-1].material != "房屋产权证明"  # A got its copy
    (line,) = [n for n in result.notice if n.key == deed]
    assert line.items == ("B",) and line.requirement.startswith("复印件2份")
    both = bundle_notice(checklist, {"A": (), "B": result.result("B").notice})
    assert [n.requirement for n in both if n.key == deed] == [line.requirement]
