"""联办: saving a visit's application — 4 cases in one transaction — on the embedded
default (a real SQLite file in a fresh data folder, the audit chain and the outbox as
at the counter).

The bundle: 4 items with 25 distinct materials between them (居民身份证, 申请表 and
营业执照 shared), the merged checklist answered once (app/core/bundles), each item's
outcomes taken from it; one item 补正 (its own material missing), three 受理. Timed:
``ApplicationService.save`` from the call to its return (the check of every item, the
case numbers, 4 cases with applicant, answers, materials, notice lines, audit entries
and outbox rows, the application row, the draft removed, the commit).

Also ``bundle_pick_to_checklist``: at the counter (offscreen Qt), from picking the
bundle to its merged checklist on screen: the bundle and its items read from the
store, the merged checklist built, the table and the items' decisions filled.

Prints ``figure NAME VALUE UNIT`` lines. Run under ``flock /tmp/bench.lock``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def figure(name: str, value: float, unit: str) -> None:
    print(f"figure {name} {value:.3f} {unit}", flush=True)


def _items():  # type: ignore[no-untyped-def]
    from app.core.items import Item, ItemKind, Material, Medium, Necessity, ServiceType

    shared = ("居民身份证", "申请表", "营业执照")
    own_counts = (6, 5, 6, 5)  # 3 shared + 22 own = 25 distinct
    items = []
    n = 0
    for i, count in enumerate(own_counts, start=1):
        mats = [
            Material(s + 1, name, Medium.ORIGINAL_SHOWN if s == 0 else Medium.COPY, 1,
                     Necessity.REQUIRED, standard=f"{name}须真实有效")
            for s, name in enumerate(shared)
        ]  # fmt: skip
        for _ in range(count):
            n += 1
            mats.append(
                Material(len(mats) + 1, f"专项材料{n:02d}", Medium.COPY, 1, Necessity.REQUIRED,
                         standard="加盖公章")
            )  # fmt: skip
        items.append(
            Item(code=f"BS-{i:02d}", name=f"联办测试事项{i}", kind=ItemKind.LICENSING,
                 department=f"示范县第{i}局", service_type=ServiceType.PROMISED,
                 statutory_days=20, promised_days=5 + i, version="1", materials=tuple(mats))
        )  # fmt: skip
    return items


def bench_save(count: int = 200) -> None:
    from app.context import open_context
    from app.core.application import ApplicationIntake
    from app.core.bundles import Bundle, BundleItem, check_bundle, merged_checklist
    from app.core.check import Decision, MaterialOutcome, Status
    from app.core.clock import FixedClock
    from app.core.intake import Applicant, Intake
    from app.services.applications import ApplicationService
    from db.catalog_repo import current_version, import_bundles, import_items

    with tempfile.TemporaryDirectory() as data:
        ctx = open_context(data_dir=data)
        items = _items()
        bundle = Bundle("YJS-BENCH", "联办测试", "1", tuple(BundleItem(it.code) for it in items))
        with ctx.store.session() as s, s.begin():
            import_items(s, items, source="bench")
            import_bundles(s, [bundle], source="bench")
        stored = {}
        with ctx.store.session() as s:
            for it in items:
                found = current_version(s, it.code)
                assert found
                stored[it.code] = found
        catalogue = {code: it for code, (_, it) in stored.items()}
        checklist = merged_checklist(bundle, catalogue, {})
        assert len(checklist.materials) == 25
        outcomes = {m.key: MaterialOutcome(Status.RECEIVED, m.copies) for m in checklist.materials}
        own = next(m for m in checklist.materials if m.items == ("BS-01",))
        outcomes[own.key] = MaterialOutcome(Status.MISSING)  # the first item: 补正
        check = check_bundle(checklist, catalogue, outcomes)
        from app.core.bundles import item_outcomes

        per_item = item_outcomes(checklist, outcomes)
        clock = FixedClock(datetime(2026, 3, 2, 9, 0))
        service = ApplicationService(ctx.store, ctx.calendar, ctx.centre, ctx.workstation, clock)
        timings = []
        for n in range(count):
            intakes = tuple(
                Intake(
                    item=catalogue[code], item_version_id=stored[code][0], answers={},
                    outcomes=per_item[code], applicant=Applicant(name=f"申请人{n}",
                    id_no="11010519491231002X"),
                    decision=Decision.CORRECTION if code == "BS-01" else Decision.ACCEPT,
                    clerk="wangfang", clerk_name="王芳", window_no="1",
                )
                for code in bundle.item_codes
            )  # fmt: skip
            assert check.result("BS-01").is_allowed(Decision.CORRECTION)
            visit = ApplicationIntake(uuid.uuid4(), bundle.code, bundle.name, "1", intakes)
            clock.set(datetime(2026, 3, 2, 9, 0) + timedelta(minutes=n))
            t = time.perf_counter()
            saved = service.save(visit, draft_key="A1/wangfang")
            timings.append((time.perf_counter() - t) * 1000)
            assert len(saved.case_nos) == 4 and not saved.already_saved
        # a retry of the last visit gives it back without writing
        t = time.perf_counter()
        again = service.save(replace(visit))
        retry_ms = (time.perf_counter() - t) * 1000
        assert again.already_saved
        picks = _pick(ctx, service)
        ctx.close()
    figure("bundle_save_p95", statistics.quantiles(timings, n=100)[94], "ms")
    figure("bundle_save_median", statistics.median(timings), "ms")
    figure("bundle_save_retry", retry_ms, "ms")
    figure("bundle_pick_to_checklist_p95", statistics.quantiles(picks, n=100)[94], "ms")
    figure("bundle_pick_to_checklist_median", statistics.median(picks), "ms")


def _pick(ctx, service, count: int = 60) -> list[float]:  # type: ignore[no-untyped-def]
    """Picking the bundle at the counter until its merged checklist is filled."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.ui.bundle_intake import BundleIntake
    from app.ui.intake import Operator
    from app.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication([])
    runner = TaskRunner()
    widget = BundleIntake(service, runner, ctx.calendar, Operator("wangfang", "王芳", "1"))
    widget.resize(1366, 700)
    widget.show()
    timings = []
    for _ in range(count):
        widget.clear()
        app.processEvents()
        t = time.perf_counter()
        widget.open_bundle(service.open_bundle("YJS-BENCH"))
        app.processEvents()  # the table laid out and painted
        timings.append((time.perf_counter() - t) * 1000)
        assert widget.checklist.rowCount() == 25
    runner.shutdown()
    return timings


if __name__ == "__main__":
    bench_save()
