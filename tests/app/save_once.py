"""Child process for the race test: waits until a start time, then saves one given
intake (by its intake id) through the counter's saving path and prints its case."""

from __future__ import annotations

import sys
import time
import uuid
from datetime import datetime

from app.core.check import Decision, MaterialOutcome, Status
from app.core.clock import SystemClock
from app.core.intake import Applicant, Intake
from app.core.paths import resource
from app.core.workdays import load_calendar_dir
from app.services.counter import CounterService
from db.catalog_repo import current_version
from db.store import open_store


def main(url: str, intake_id: str, start_at: float) -> None:
    store = open_store(url, upgrade=False)
    with store.session() as s:
        found = current_version(s, "370999-MZ-001")
    assert found is not None
    vid, item = found
    service = CounterService(
        store, load_calendar_dir(resource("calendar")), "370999101", "A1", SystemClock()
    )
    outcomes = {m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in item.materials}
    intake = Intake(
        item=item, item_version_id=vid, answers={}, outcomes=outcomes,
        applicant=Applicant(name="张三", id_no="11010519491231002X"),
        decision=Decision.ACCEPT, clerk="wangfang", clerk_name="王芳", window_no="1",
        intake_id=uuid.UUID(intake_id),
    )  # fmt: skip
    time.sleep(max(0.0, start_at - time.time()))
    saved = service.save_intake(intake, now=datetime(2026, 6, 1, 10, 0))
    print("SAVED", saved.case_no, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))
