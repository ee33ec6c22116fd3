"""Bundles (一件事): picking a 4-item bundle with 25 distinct materials to a ready merged
checklist (issue 21: ≤ 100 ms).

"Picking to ready" is what the counter does when the clerk picks the bundle: read the
current bundle and its items' current versions from the local SQLite store (on a
catalogue of 2,000 items and 50 bundles), answer the shared questions with their
defaults, build the merged checklist and run every item's check on it (the decisions
allowed and the combined notice the clerk sees first). The core part alone (merge +
checks, items in memory) is printed apart. Median and p95 of 200 picks, after 5
warm-up picks.

Run under `flock /tmp/bench.lock`. Prints ``figure NAME VALUE UNIT`` lines.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.bundles import (
    AnswerMapping,
    Bundle,
    BundleItem,
    SharedQuestion,
    check_bundle,
    merged_checklist,
)
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
from bench.synthetic import synthetic_items

PICKS = 200

# 25 distinct materials over 4 items: 5 every item asks for, 4 two items share, and
# 4 of each item's own (5 + 4 + 16 = 25); 9 or 10 per item before situations apply.
SHARED_ALL = ("居民身份证", "营业执照", "经营场所使用证明", "授权委托书", "代办人居民身份证")
SHARED_PAIRS = ("居民户口簿", "结婚证", "租赁合同", "法定代表人身份证明书")


def figure(name: str, value: float, unit: str) -> None:
    print(f"figure {name} {value:.3f} {unit}", flush=True)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94]


def bundle_items() -> tuple[Bundle, list[Item]]:
    agent = Question("Q1", "是否委托代办", ("否", "是"))
    kind = Question("Q2", "主体类型", ("个体工商户", "企业"))
    items = []
    for n in range(4):
        names = [*SHARED_ALL, SHARED_PAIRS[n], SHARED_PAIRS[(n + 1) % 4]]
        names += [f"专项材料{n}-{k}" for k in range(4)]
        materials = []
        for seq, name in enumerate(names, start=1):
            conditions: tuple[Condition, ...] = ()
            if name in ("授权委托书", "代办人居民身份证"):
                conditions = (Condition("Q1", frozenset({"是"})),)
            materials.append(
                Material(
                    seq=seq,
                    name=name,
                    medium=(Medium.ORIGINAL_SHOWN, Medium.COPY, Medium.ORIGINAL_KEPT)[seq % 3],
                    copies=1 + seq % 2,
                    necessity=(Necessity.REQUIRED, Necessity.DEFERRABLE)[seq % 5 == 0],
                    conditions=conditions,
                    standard="真实有效，与申请人信息一致",
                    code="CL-0001" if name == "居民身份证" else "",
                )
            )
        items.append(
            Item(
                code=f"BND-{n}",
                name=f"联办事项{n}",
                kind=ItemKind.LICENSING,
                department=f"示范县第{n}局",
                service_type=ServiceType.PROMISED,
                statutory_days=20,
                promised_days=10,
                version="1",
                questions=(agent, kind),
                materials=tuple(materials),
            )
        )
    shared = (
        SharedQuestion("S1", "是否委托代办", ("否", "是")),
        SharedQuestion("S2", "经营者类型", ("个人", "单位")),
    )
    mappings = tuple(
        m
        for item in items
        for m in (
            AnswerMapping("S1", item.code, "Q1"),
            AnswerMapping("S2", item.code, "Q2", (("个人", "个体工商户"), ("单位", "企业"))),
        )
    )
    bundle = Bundle(
        "BND",
        "联办测试",
        "1",
        tuple(BundleItem(i.code, 1 + n // 2) for n, i in enumerate(items)),
        shared,
        mappings,
    )
    return bundle, items


def main() -> None:
    from db.catalog_repo import bundle_with_items, import_bundles, import_items
    from db.store import open_store

    bundle, items = bundle_items()
    answers = {"S1": "是", "S2": "单位"}
    by_code = {i.code: i for i in items}
    checklist = merged_checklist(bundle, by_code, answers)
    assert len(checklist.materials) == 25, len(checklist.materials)

    core: list[float] = []
    for n in range(PICKS + 5):
        t = time.perf_counter()
        cl = merged_checklist(bundle, by_code, bundle.default_answers() | answers)
        check_bundle(cl, by_code, {})
        if n >= 5:
            core.append((time.perf_counter() - t) * 1000)

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/bench.sqlite3")
        others = synthetic_items(2000, materials=10)
        fillers = [
            Bundle(
                f"F{n:03d}", f"一件事{n}", "1", tuple(BundleItem(i.code) for i in others[n::50][:4])
            )
            for n in range(49)
        ]
        with store.session() as s, s.begin():
            import_items(s, [*others, *items], source="bench", readings_of=lambda _: ((), ()))
            import_bundles(s, [*fillers, bundle], source="bench")
        picks: list[float] = []
        for n in range(PICKS + 5):
            t = time.perf_counter()
            with store.session() as s:
                found = bundle_with_items(s, "BND")
            assert found is not None
            _, picked, versions = found
            current = {code: item for code, (_, item) in versions.items()}
            cl = merged_checklist(picked, current, picked.default_answers() | answers)
            result = check_bundle(cl, current, {})
            assert len(result.notice) == 25
            if n >= 5:
                picks.append((time.perf_counter() - t) * 1000)
        store.close()

    figure("bundle_pick_to_checklist_ms", p95(picks), "ms")
    figure("bundle_pick_to_checklist_median_ms", statistics.median(picks), "ms")
    figure("bundle_merge_and_check_core_p95_ms", p95(core), "ms")


if __name__ == "__main__":
    main()
