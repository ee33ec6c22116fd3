"""Bundles (一件事一次办) in the domain (app/core/bundles): the bundle as a document
and back, its stages and shared questions, what is wrong with a bundle against the
catalogue, a material's identity, and the saved outcomes shown per merged material.
Values worked out by hand from the module's docstrings."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.core.bundles import (
    AnswerMapping,
    Bundle,
    BundleItem,
    MergedChecklist,
    SharedQuestion,
    bundle_from_doc,
    bundle_problems,
    bundle_to_doc,
    identity_of,
    merged_checklist,
    merged_outcomes,
)
from app.core.check import MaterialOutcome, Status
from app.core.items import Condition, Item, Medium, Necessity, Question
from tests.factories import material

KIND = SharedQuestion("S1", "经营者类型", ("个人", "企业"))
SIZE = SharedQuestion("S2", "经营面积", ("小于100平方米", "100平方米以上"))


def _item(code: str, name: str, *materials: object, questions: tuple[Question, ...] = ()) -> Item:
    from tests.factories import item

    return replace(item(materials=materials, questions=questions, code=code), name=name)  # type: ignore[arg-type]


def _bundle(**kw: object) -> Bundle:
    values: dict[str, object] = dict(
        code="B-KY", name="我要开饭店", version="2",
        items=(BundleItem("LIC", 1), BundleItem("FOOD", 2), BundleItem("SIGN", 2)),
        questions=(KIND, SIZE),
        mappings=(
            AnswerMapping("S1", "LIC", "Q1", (("个人", "个体工商户"), ("企业", "公司"))),
            AnswerMapping("S2", "FOOD", "QA"),
        ),
        description="营业执照、食品经营许可、招牌设置一次办",
    )  # fmt: skip
    values.update(kw)
    return Bundle(**values)  # type: ignore[arg-type]


DOC = {
    "code": "B-KY",
    "name": "我要开饭店",
    "version": "2",
    "description": "营业执照、食品经营许可、招牌设置一次办",
    "items": [["LIC", 1], ["FOOD", 2], ["SIGN", 2]],
    "questions": [
        ["S1", "经营者类型", ["个人", "企业"]],
        ["S2", "经营面积", ["小于100平方米", "100平方米以上"]],
    ],
    "mappings": [
        ["S1", "LIC", "Q1", [["个人", "个体工商户"], ["企业", "公司"]]],
        ["S2", "FOOD", "QA", []],
    ],
}


# ---------------------------------------------------------------- as a document


def test_a_bundle_as_a_document() -> None:
    assert bundle_to_doc(_bundle()) == DOC


def test_a_document_as_a_bundle() -> None:
    assert bundle_from_doc(DOC) == _bundle()
    assert bundle_from_doc(bundle_to_doc(_bundle())) == _bundle()


def test_a_document_with_numbers_and_without_the_optional_keys() -> None:
    bare = bundle_from_doc({"code": 370999, "name": "开饭店", "version": 3})
    assert bare == Bundle("370999", "开饭店", "3", ())
    assert bare.description == "" and bare.questions == () and bare.mappings == ()
    typed = bundle_from_doc(
        {
            "code": "B", "name": "n", "version": "1", "description": 7,
            "items": [[101, "2"]], "questions": [[1, 2, [3, 4]]],
            "mappings": [[1, 101, 5, [[3, 6]]]],
        }
    )  # fmt: skip
    assert typed.description == "7"
    assert typed.items == (BundleItem("101", 2),)
    assert typed.questions == (SharedQuestion("1", "2", ("3", "4")),)
    assert typed.mappings == (AnswerMapping("1", "101", "5", (("3", "6"),)),)


# ---------------------------------------------------------------- the bundle


def test_stages_and_questions() -> None:
    b = _bundle()
    assert [b.stage_of(c) for c in ("LIC", "FOOD", "SIGN")] == [1, 2, 2]
    with pytest.raises(KeyError):
        b.stage_of("TAX")
    assert b.question("S2") is SIZE and b.question("经营者类型") is KIND
    assert b.question("S3") is None and b.question("") is None


# ---------------------------------------------------------------- problems


def _catalogue() -> dict[str, Item]:
    lic = _item("LIC", "营业执照", material(1, "申请书"),
                questions=(Question("Q1", "主体类型", ("个体工商户", "公司")),))  # fmt: skip
    food = _item("FOOD", "食品经营许可", material(1, "平面图"),
                 questions=(Question("QA", "面积", ("小于100平方米", "100平方米以上")),))  # fmt: skip
    sign = _item("SIGN", "招牌设置", material(1, "效果图"))
    return {"LIC": lic, "FOOD": food, "SIGN": sign}


def test_a_good_bundle_has_no_problem() -> None:
    assert bundle_problems(_bundle(), _catalogue()) == []


def test_a_bundle_without_items() -> None:
    assert bundle_problems(_bundle(items=(), mappings=()), _catalogue()) == [
        "一件事“我要开饭店”没有事项"
    ]


def test_items_twice_and_items_not_in_the_catalogue() -> None:
    items = (
        BundleItem("LIC"), BundleItem("FOOD", 2), BundleItem("LIC", 3), BundleItem("TAX"),
        BundleItem("FOOD", 2), BundleItem("LIC"), BundleItem("SIGN"),
    )  # fmt: skip
    assert bundle_problems(_bundle(items=items, mappings=()), _catalogue()) == [
        "事项“LIC”在一件事中重复",  # once, however often it repeats
        "事项“FOOD”在一件事中重复",
        "事项“TAX”不在事项目录中",
    ]


def test_every_mapping_problem_in_order() -> None:
    catalogue = _catalogue()
    mappings = (
        AnswerMapping("S9", "LIC", "Q1"),  # no such shared question
        AnswerMapping("S1", "TAX", "Q1"),  # not an item of the bundle
        AnswerMapping(
            "S1", "GONE", "Q1"
        ),  # in the bundle, not in the catalogue: left to the item check
        AnswerMapping("S1", "SIGN", "QX"),  # the item has no such question
        AnswerMapping("经营面积", "FOOD", "面积", (("100平方米以上", "大于100平方米"),)),
        AnswerMapping("S1", "LIC", "Q1", (("个人", ""), ("企业", "公司"))),  # "": unanswered, fine
    )
    items = (BundleItem("LIC"), BundleItem("FOOD", 2), BundleItem("SIGN", 2), BundleItem("GONE"))
    assert bundle_problems(_bundle(items=items, mappings=mappings), catalogue) == [
        "事项“GONE”不在事项目录中",
        "共享情形“S9”不是此一件事的情形",
        "事项“TAX”不在此一件事中",
        "事项“招牌设置”没有情形“QX”",
        "共享情形“经营面积”的选项“100平方米以上”对应到“大于100平方米”，"
        "不是事项“食品经营许可”情形“面积”的选项",
    ]
    # an unmapped option is carried as the same text, and must be the item's option too
    plain = (AnswerMapping("S1", "LIC", "Q1"),)
    assert bundle_problems(_bundle(mappings=plain), catalogue) == [
        "共享情形“经营者类型”的选项“个人”对应到“个人”，不是事项“营业执照”情形“主体类型”的选项",
        "共享情形“经营者类型”的选项“企业”对应到“企业”，不是事项“营业执照”情形“主体类型”的选项",
    ]


# ---------------------------------------------------------------- identity


def test_a_materials_identity_is_its_code_else_its_name_key() -> None:
    assert identity_of(replace(material(1, "居民身份证"), code="CL-7")) == "code:CL-7"
    assert identity_of(material(1, "居民身份证（复印件）")) == "name:居民身份证"
    assert identity_of(replace(material(1, "身份证"), key="居民身份证")) == "name:居民身份证"
    # a key set empty after construction: the name's key
    emptied = material(2, "《营业执照》")
    object.__setattr__(emptied, "key", "")
    assert identity_of(emptied) == "name:营业执照"


# ---------------------------------------------------------------- checklists and outcomes


def _checklist() -> tuple[MergedChecklist, dict[str, Item]]:
    ident = material(1, "居民身份证")  # shown only: once for all
    lic = _item(
        "LIC",
        "营业执照",
        material(1, "申请书", copies=2, medium=Medium.ORIGINAL_KEPT),
        replace(ident, seq=2),
    )
    food = _item("FOOD", "食品经营许可", replace(ident, seq=3),
                 material(4, "平面图", Necessity.DEFERRABLE, medium=Medium.COPY))  # fmt: skip
    sign = _item("SIGN", "招牌设置", material(1, "平面图", copies=2, medium=Medium.COPY))
    items = {"LIC": lic, "FOOD": food, "SIGN": sign}
    b = _bundle(questions=(), mappings=())
    return merged_checklist(b, items, {}), items


def test_the_materials_of_one_item() -> None:
    checklist, _ = _checklist()
    assert [m.key for m in checklist.materials] == [
        "name:申请书", "name:居民身份证", "name:平面图",
    ]  # fmt: skip
    assert [m.key for m in checklist.for_item("LIC")] == ["name:申请书", "name:居民身份证"]
    assert [m.key for m in checklist.for_item("FOOD")] == ["name:居民身份证", "name:平面图"]
    assert [m.key for m in checklist.for_item("SIGN")] == ["name:平面图"]
    assert checklist.for_item("TAX") == ()


def test_saved_outcomes_shown_per_merged_material() -> None:
    checklist, _ = _checklist()
    per_item = {
        "LIC": {1: MaterialOutcome(Status.RECEIVED, 2), 2: MaterialOutcome(Status.RECEIVED, 1)},
        "FOOD": {
            3: MaterialOutcome(Status.RECEIVED, 1),
            4: MaterialOutcome(Status.DEFECTIVE, 1, "比例不对"),
        },
        "SIGN": {1: MaterialOutcome(Status.UNCHECKED, 2, "")},
    }
    assert merged_outcomes(checklist, per_item) == {
        "name:申请书": MaterialOutcome(Status.RECEIVED, 2),
        # an original only shown: the most any item recorded, not the sum
        "name:居民身份证": MaterialOutcome(Status.RECEIVED, 1),
        # the worst status (有误 over 未核验), the first reason, the kept copies summed
        "name:平面图": MaterialOutcome(Status.DEFECTIVE, 3, "比例不对"),
    }


def test_the_worst_status_of_every_pair() -> None:
    checklist, _ = _checklist()
    order = [Status.RECEIVED, Status.UNCHECKED, Status.DEFECTIVE, Status.MISSING]
    for i, a in enumerate(order):
        for j, b in enumerate(order):
            per_item = {
                "FOOD": {4: MaterialOutcome(a, 1, "")},
                "SIGN": {1: MaterialOutcome(b, 0, "原因乙")},
            }
            got = merged_outcomes(checklist, per_item)["name:平面图"]
            assert got == MaterialOutcome(order[max(i, j)], 1, "原因乙")


def test_outcomes_of_items_not_saved_are_left_out() -> None:
    checklist, _ = _checklist()
    # nothing for 申请书 and 居民身份证; 平面图 only from the second item that needs it
    per_item = {"SIGN": {1: MaterialOutcome(Status.MISSING)}, "LIC": {}}
    assert merged_outcomes(checklist, per_item) == {
        "name:平面图": MaterialOutcome(Status.MISSING, 0, ""),
    }
    # shown only, nothing kept: no copies recorded anywhere gives 0
    shown = {
        "LIC": {2: MaterialOutcome(Status.MISSING)},
        "FOOD": {3: MaterialOutcome(Status.MISSING)},
    }
    assert merged_outcomes(checklist, shown) == {
        "name:居民身份证": MaterialOutcome(Status.MISSING, 0, ""),
    }


def test_first_options_missing_answers_and_unknown_keys() -> None:
    b = _bundle()
    assert b.default_answers() == {"S1": "个人", "S2": "小于100平方米"}
    assert b.unanswered({"S1": "企业", "S2": "大"}) == [SIZE]
    assert b.unanswered({"S2": "100平方米以上"}) == [KIND]
    assert b.unanswered(b.default_answers()) == []
    with pytest.raises(KeyError) as exc:
        b.stage_of("TAX")
    assert exc.value.args == ("TAX",)
    checklist, _ = _checklist()
    assert checklist.key_of("FOOD", 3) == "name:居民身份证"
    with pytest.raises(KeyError) as exc:
        checklist.key_of("FOOD", 9)
    assert exc.value.args == (("FOOD", 9),)


def test_a_checklist_of_items_the_catalogue_lacks_names_them() -> None:
    from app.core.bundles import resolve_items

    _, items = _checklist()
    b = _bundle(items=(BundleItem("TAX"), BundleItem("LIC"), BundleItem("SEAL", 2)))
    with pytest.raises(KeyError) as exc:
        resolve_items(b, items)
    assert exc.value.args == ("TAX、SEAL",)
    assert resolve_items(_bundle(), items) == (items["LIC"], items["FOOD"], items["SIGN"])


def test_a_checklist_with_shared_and_own_answers() -> None:
    lic = _item("LIC", "营业执照", material(1, "申请书"),
                material(2, "公司章程", conditions=(Condition("Q1", frozenset({"公司"})),)),
                questions=(Question("Q1", "主体类型", ("个体工商户", "公司")),
                           Question("Q9", "是否委托", ("否", "是"))))  # fmt: skip
    food = _item("FOOD", "食品经营许可", material(1, "委托书",
                 conditions=(Condition("QB", frozenset({"是"})),)),
                 questions=(Question("QA", "面积", ("小于100平方米", "100平方米以上")),
                            Question("QB", "是否委托", ("否", "是"))))  # fmt: skip
    sign = _item("SIGN", "招牌设置", material(1, "效果图"))
    items = {"LIC": lic, "FOOD": food, "SIGN": sign}
    own = {"FOOD": {"QB": "是", "QA": "own answer is ignored"}, "LIC": {"Q9": "否"}}
    checklist = merged_checklist(_bundle(), items, {"S1": "企业"}, own)
    assert checklist.answers == {
        "LIC": {"Q9": "否", "Q1": "公司"}, "FOOD": {"QB": "是"}, "SIGN": {},
    }  # fmt: skip
    assert [m.name for m in checklist.materials] == ["申请书", "公司章程", "委托书", "效果图"]
    assert checklist.unanswered == ("经营面积",)
    assert (
        merged_checklist(_bundle(), items, {"S1": "个人", "S2": "小于100平方米"}).unanswered == ()
    )
    # a mapping of another item before this item's mapping does not stop the overlay
    b = _bundle(mappings=(AnswerMapping("S2", "FOOD", "QA"), AnswerMapping("S1", "LIC", "Q1",
                (("企业", "公司"),))))  # fmt: skip
    assert b.item_answers({"S1": "企业"})["LIC"] == {"Q1": "公司"}


def test_missing_and_unchecked_reach_every_item_with_their_reason() -> None:
    from app.core.bundles import item_outcomes

    checklist, _ = _checklist()
    got = item_outcomes(
        checklist,
        {
            "name:居民身份证": MaterialOutcome(Status.MISSING, 3, "未带"),
            "name:平面图": MaterialOutcome(Status.UNCHECKED, 2, "待查"),
        },
    )
    assert got == {
        "LIC": {2: MaterialOutcome(Status.MISSING, 0, "未带")},
        "FOOD": {
            3: MaterialOutcome(Status.MISSING, 0, "未带"),
            4: MaterialOutcome(Status.UNCHECKED, 0, "待查"),
        },
        "SIGN": {1: MaterialOutcome(Status.UNCHECKED, 0, "待查")},
    }


def test_the_combined_notice_and_check() -> None:
    from app.core.bundles import bundle_notice, check_bundle
    from app.core.check import NoticeLine

    checklist, items = _checklist()
    notice = bundle_notice(
        checklist,
        {
            "FOOD": [NoticeLine(4, "平面图", "缺少", "复印件1份", True)],
            "SIGN": [
                NoticeLine(1, "平面图", "有误：模糊", "复印件2份", True),
            ],
            "LIC": [NoticeLine(2, "居民身份证", "缺少", "原件核验", False)],
        },
    )
    assert [(n.key, n.material, n.problem, n.deferrable, n.items) for n in notice] == [
        ("name:居民身份证", "居民身份证", "缺少", False, ("LIC",)),
        ("name:平面图", "平面图", "缺少；有误：模糊", True, ("FOOD", "SIGN")),
    ]
    assert notice[1].requirement == "复印件3份；平面图须真实有效"
    assert notice[0].requirement == "原件核验1份；居民身份证须真实有效"
    checked = check_bundle(checklist, items, {})
    assert checked.checklist is checklist
    assert set(checked.results) == {"LIC", "FOOD", "SIGN"}
    assert checked.result("SIGN") is checked.results["SIGN"]


def test_identities_go_by_a_materials_own_key_before_its_name() -> None:
    from app.core.bundles import identities

    coded = replace(material(1, "身份证"), key="居民身份证", code="CL-1")
    keyed = replace(material(2, "身份证明（原件）"), key="居民身份证")
    named = material(3, "居民身份证")
    assert identities([("A", coded), ("B", keyed), ("C", named)]) == {
        ("A", 1): "code:CL-1", ("B", 2): "code:CL-1", ("C", 3): "code:CL-1",
    }  # fmt: skip
    assert identities([("B", keyed), ("C", named), ("C", replace(named, seq=4))]) == {
        ("B", 2): "name:居民身份证", ("C", 3): "name:居民身份证", ("C", 4): "name:居民身份证#2",
    }  # fmt: skip


def test_a_requirement_shown_once_and_copies_kept() -> None:
    from app.core.bundles import MergedMaterial, Need

    shown = material(2, "居民身份证")
    copy = replace(shown, medium=Medium.COPY, copies=2, standard="")
    merged = MergedMaterial("name:居民身份证", "居民身份证", (Need("A", shown), Need("B", copy)))
    assert merged.requirement() == "原件核验、复印件2份；居民身份证须真实有效"
