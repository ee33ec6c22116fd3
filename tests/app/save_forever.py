"""Child process for the kill test: saves cases back to back through the counter's
own saving path until it is killed. Prints ``SAVED case_no`` after each commit."""

from __future__ import annotations

import sys

from app.core.check import Decision, MaterialOutcome, Status
from app.core.clock import SystemClock
from app.core.intake import Applicant, Intake
from app.core.paths import resource
from app.core.workdays import load_calendar_dir
from app.services.counter import CounterService
from db.catalog_repo import current_version
from db.store import open_store


def main(url: str, tag: str) -> None:
    store = open_store(url, upgrade=False)
    with store.session() as s:
        found = current_version(s, "370999-MZ-001")
    assert found is not None
    vid, item = found
    service = CounterService(
        store, load_calendar_dir(resource("calendar")), "370999101", "A1", SystemClock()
    )
    outcomes = {m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in item.materials}
    print("READY", flush=True)
    n = 0
    while True:
        n += 1
        intake = Intake(
            item=item, item_version_id=vid, answers={}, outcomes=outcomes,
            applicant=Applicant(name=f"申请人{tag}-{n}", id_no="11010519491231002X"),
            decision=Decision.ACCEPT, clerk="wangfang", clerk_name="王芳", window_no="1",
        )  # fmt: skip
        saved = service.save_intake(intake, draft_key="A1/wangfang")
        print("SAVED", saved.case_no, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
