"""Makes yichuang-0005.sqlite3: a workstation's database as the program of commit
a54f86c (schema 0005, the first release with central sync) left it, for the upgrade
test (tests/db/test_upgrade.py). Run with that program on the path:

    git archive a54f86c | tar -x -C /tmp/yc-old
    PYTHONPATH=/tmp/yc-old python tests/data/upgrade/make_old_database.py OUT_DIR

It writes OUT_DIR/yichuang.sqlite3 and OUT_DIR/manifest.json (committed here as
yichuang-0005.sqlite3 and manifest-0005.json) (what the test expects
to find after the upgrade). Everything goes through the old program's own services.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from app.context import open_context
from app.core.check import Decision, MaterialOutcome, Status
from app.core.intake import Applicant, Intake
from app.services.counter import CounterService
from app.services.documents import DocumentService
from db.catalog_repo import current_version
from db.clerk_repo import ensure_demo_clerks, sign_in


def main(out: Path) -> None:
    ctx = open_context(None, str(out))
    with ctx.store.session() as s, s.begin():
        ensure_demo_clerks(s)
        sign_in(s, "wangfang", "123456", "1", now=datetime(2026, 3, 2, 8, 55))
    with ctx.store.session() as s:
        vid, item = current_version(s, "370999-MZ-001")
    service = CounterService(ctx.store, ctx.calendar, ctx.centre, ctx.workstation)
    received = {m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in item.materials}
    base = Intake(
        item=item, item_version_id=vid, answers={}, outcomes=received,
        applicant=Applicant(name="张三", id_no="11010519491231002X", phone="13800138000"),
        decision=Decision.ACCEPT, clerk="wangfang", clerk_name="王芳", window_no="1",
    )  # fmt: skip
    missing = {**received, 2: MaterialOutcome(Status.MISSING)}
    intakes = [
        (base, datetime(2026, 3, 2, 9, 0)),
        (replace(base, applicant=Applicant(name="李四", id_no="11010519491231002X")),
         datetime(2026, 3, 2, 9, 20)),
        (replace(base, outcomes=missing, decision=Decision.CORRECTION), datetime(2026, 3, 2, 10, 0)),
        (replace(base, decision=Decision.REFUSE, reason="不属于本中心受理范围",
                 legal_basis="《行政许可法》第三十二条"), datetime(2026, 3, 3, 9, 0)),
    ]  # fmt: skip
    docs = DocumentService(ctx.store, ctx.settings, ctx.data_dir)
    cases = []
    for intake, now in intakes:
        saved = service.save_intake(intake, now=now)
        docs.produce(saved.case_no, who="wangfang")
        cases.append({"case_no": saved.case_no, "status": saved.status,
                      "promised": saved.promised_date.isoformat() if saved.promised_date else None})  # fmt: skip
    service.save_draft("window-1", {"item": "370999-MZ-001", "name": "王五"})
    ctx.close()
    manifest = {"revision": "0005", "program": "a54f86c", "cases": cases, "drafts": ["window-1"],
                "made": date(2026, 3, 3).isoformat()}  # fmt: skip
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
