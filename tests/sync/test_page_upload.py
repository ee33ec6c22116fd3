"""Page images go up with sync (issue 22 item 2), against a real PostgreSQL: in
chunks, resumed where the county stands, checked there by their own SHA-256 (equal
to the local one), only for the caller's own cases."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime

import psycopg
import pytest

from app.core.clock import FixedClock
from app.services.page_images import PageService
from db.central.admin import libpq_url
from db.page_repo import pending_uploads
from db.store import Store
from db.sync.pages import _call, upload_pages
from tests.page_fixtures import page_on_desk, save_intake
from tests.sync.conftest import CENTRE_A, CENTRE_B, Central, client
from tests.sync.helpers import DEMO_CODE, load_demo

pytestmark = pytest.mark.pg

CLOCK = FixedClock(datetime(2026, 12, 7, 9, 30))


@pytest.fixture
def ws(workstation: Callable[..., Store]) -> Store:
    store = workstation("a")
    load_demo(store)
    return store


def _take(service: PageService, intake: uuid.UUID, seq: int, turns: list[float]) -> list[str]:
    shas = []
    for turn in turns:
        frame = page_on_desk(turn, frame=(1296, 972), page=(550, 750)).convert("RGB")
        got = service.capture_frame(intake, seq, frame.width, frame.height, frame.tobytes())
        shas.append(got.record.sha256)
    return shas


def _central_pages(central: Central) -> list[tuple[str, int, int, str, str, bool, int]]:
    with psycopg.connect(libpq_url(central.admin_url)) as conn:
        return [
            tuple(r)
            for r in conn.execute(
                "SELECT c.case_no, p.material_seq, p.page, p.sha256,"
                " encode(sha256(b.data), 'hex'), b.complete, octet_length(b.data)"
                " FROM yc.case_page p JOIN yc.cases c ON c.id = p.case_id"
                " JOIN yc.page_blob b ON (b.centre_code, b.sha256) = (p.centre_code, p.sha256)"
                " ORDER BY 1, 2, 3"
            ).fetchall()
        ]


def test_pages_of_a_saved_case_reach_the_county_with_the_same_hash(
    central: Central, ws: Store
) -> None:
    service = PageService(ws, CLOCK)
    intake = uuid.uuid4()
    shas = _take(service, intake, 1, [0.0, 3.0]) + _take(service, intake, 2, [-2.0])
    unsaved = uuid.uuid4()
    _take(service, unsaved, 1, [1.0])  # an intake not saved: its pages stay here
    case_no = save_intake(ws, intake, CLOCK, DEMO_CODE)
    sync = client(ws, central)
    sync.page_chunk = 16 * 1024  # several chunks per image
    report = sync.sync_once()
    assert (report.pages_uploaded, report.pages_pending) == (3, 0)
    got = _central_pages(central)
    assert [(r[0], r[1], r[2], r[3]) for r in got] == [
        (case_no, 1, 1, shas[0]), (case_no, 1, 2, shas[1]), (case_no, 2, 1, shas[2]),
    ]  # fmt: skip
    for _no, _seq, _page, sha, county_hash, complete, size in got:
        local = service.image(sha)
        assert county_hash == sha == hashlib.sha256(local).hexdigest()
        assert complete and size == len(local)
    assert all(p.uploaded for p in service.pages(intake))
    assert not any(p.uploaded for p in service.pages(unsaved))
    # nothing more to send: a second sync sends no image again
    assert client(ws, central).sync_once().pages_uploaded == 0


def test_an_upload_cut_half_way_resumes_where_the_county_stands(
    central: Central, ws: Store
) -> None:
    service = PageService(ws, CLOCK)
    intake = uuid.uuid4()
    (sha,) = _take(service, intake, 1, [2.0])
    save_intake(ws, intake, CLOCK, DEMO_CODE)
    sync = client(ws, central)
    sync.upload_images = False
    sync.sync_once()  # the case is up, its image not
    data = service.image(sha)
    with ws.session() as s:
        (item,) = pending_uploads(s)
    identity = sync._identity()
    req = {**identity, "case_id": str(item.case_id), "material_seq": 1, "page": 1,
           "sha256": sha, "size": len(data)}  # fmt: skip
    with psycopg.connect(libpq_url(sync.config.url), password=sync.config.password,
                         autocommit=True) as conn:  # fmt: skip
        first = _call(conn, {**req, "offset": 0}, data[:10_000])
        assert first["state"] == "partial" and first["have"] == 10_000
        # the connection drops; the next sync starts from 0 and is told where to go on
        again = _call(conn, {**req, "offset": 0}, data[:10_000])
        assert again == {"state": "offset", "have": 10_000, "notice": None}
        report = upload_pages(conn, ws, service.files, identity, chunk=4096)
    assert report.uploaded == 1
    assert report.bytes_sent == len(data) - 10_000
    (row,) = _central_pages(central)
    assert row[3] == row[4] == sha


def test_bytes_that_do_not_match_their_hash_are_refused_and_not_linked(
    central: Central, ws: Store
) -> None:
    service = PageService(ws, CLOCK)
    intake = uuid.uuid4()
    (sha,) = _take(service, intake, 1, [0.0])
    save_intake(ws, intake, CLOCK, DEMO_CODE)
    sync = client(ws, central)
    sync.upload_images = False
    sync.sync_once()
    data = bytearray(service.image(sha))
    data[500] ^= 0xFF
    with ws.session() as s:
        (item,) = pending_uploads(s)
    req = {**sync._identity(), "case_id": str(item.case_id), "material_seq": 1, "page": 1,
           "sha256": sha, "size": len(data), "offset": 0}  # fmt: skip
    with psycopg.connect(libpq_url(sync.config.url), password=sync.config.password,
                         autocommit=True) as conn:  # fmt: skip
        assert _call(conn, req, bytes(data))["state"] == "bad_hash"
    assert _central_pages(central) == []
    with psycopg.connect(libpq_url(central.admin_url)) as conn:
        assert conn.execute("SELECT octet_length(data), complete FROM yc.page_blob").fetchall() == [
            (0, False)
        ]
    # the real bytes then go up
    assert client(ws, central).sync_once().pages_uploaded == 1


def test_another_centre_cannot_hang_an_image_on_a_case_not_its_own(
    central: Central, ws: Store, workstation: Callable[..., Store]
) -> None:
    service = PageService(ws, CLOCK)
    intake = uuid.uuid4()
    (sha,) = _take(service, intake, 1, [0.0])
    save_intake(ws, intake, CLOCK, DEMO_CODE)
    client(ws, central).sync_once()
    with ws.session() as s:
        case_id = s.execute(__import__("sqlalchemy").text("SELECT id FROM cases")).scalar_one()
    other = workstation("b")
    intruder = client(other, central, code=CENTRE_B)
    req = {**intruder._identity(), "case_id": str(uuid.UUID(str(case_id))), "material_seq": 1,
           "page": 2, "sha256": hashlib.sha256(b"x").hexdigest(), "size": 1, "offset": 0}  # fmt: skip
    with psycopg.connect(libpq_url(intruder.config.url), password=intruder.config.password,
                         autocommit=True) as conn:  # fmt: skip
        assert _call(conn, req, b"x")["state"] == "no_case"
        # and a centre login reads no table directly
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT count(*) FROM yc.page_blob")
    assert len(_central_pages(central)) == 1
    assert json.dumps(sha)  # the owner's page is there, untouched


def test_a_county_not_yet_upgraded_keeps_the_pages_waiting_and_takes_them_after(
    central_factory: Callable[..., Central], ws: Store
) -> None:
    from db.central import admin

    old = central_factory(revision="c0006")
    service = PageService(ws, CLOCK)
    intake = uuid.uuid4()
    _take(service, intake, 1, [0.0, 2.0])
    save_intake(ws, intake, CLOCK, DEMO_CODE)
    report = client(ws, old).sync_once()
    assert report.rows > 0 and report.pages_uploaded == 0 and report.pages_pending == 2
    assert any("县中心尚未升级" in w for w in report.warnings)
    assert admin.upgrade_central(old.admin_url, "head") == "c0016"
    report = client(ws, old).sync_once()
    assert (report.pages_uploaded, report.pages_pending) == (2, 0)
    assert len(_central_pages(old)) == 2


def test_the_sync_status_counts_the_pages_waiting(central: Central, ws: Store) -> None:
    from app.services.sync import read_status

    service = PageService(ws, CLOCK)
    intake = uuid.uuid4()
    _take(service, intake, 1, [0.0, 1.0, 2.0])
    assert read_status(ws, True).pages_pending == 0  # not a case yet: nothing to send
    save_intake(ws, intake, CLOCK, DEMO_CODE)
    status = read_status(ws, True)
    assert status.pages_pending == 3 and "影像待传 3" in status.text()
    client(ws, central).sync_once()
    assert "影像待传" not in read_status(ws, True).text()


def test_the_purge_waits_for_the_pages_then_removes_them_with_the_applicant(
    central: Central, ws: Store
) -> None:
    """Page images are personal data (ID card copies): a concluded case's go when its
    applicant is purged, not before the county confirmed them; pages of an intake that
    never became a case go after a day unless its draft is still there."""
    from datetime import timedelta

    from app.core.accounts import Clerk
    from app.services.lifecycle import LifecycleService
    from app.services.privacy import PurgeService
    from db.models import DraftRow
    from db.sync.client import SyncClient
    from tests.sync.helpers import calendar

    t0 = datetime(2026, 12, 7, 9, 30)
    clock = FixedClock(t0)
    service = PageService(ws, clock)
    intake, abandoned, drafted = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    shas = _take(service, intake, 1, [0.0, 2.0])
    (lost,) = _take(service, abandoned, 1, [4.0])
    (kept,) = _take(service, drafted, 2, [-4.0])
    with ws.session() as s, s.begin():
        s.add(DraftRow(key="A1/lisi", updated_at=t0 + timedelta(days=40),
                       state={"intake_id": str(drafted)}))  # fmt: skip
    case_no = save_intake(ws, intake, clock, DEMO_CODE)
    LifecycleService(ws, calendar(), clock, Clerk("wangfang", "王芳", "1")).withdraw(
        case_no, 1, "申请人撤回申请"
    )
    sync = SyncClient(ws, central.config(CENTRE_A, "A1"), clock=clock.now)
    sync.upload_images = False
    sync.sync_once()  # the county has the case (acknowledged), not its pages
    purge = PurgeService(ws, clock, lambda: 30)
    clock.set(t0 + timedelta(days=31))
    assert purge.run()[0] == []  # its pages are not up yet: the applicant stays
    assert [p.sha256 for p in service.pages(intake)] == shas
    assert not service.files.path(lost).exists()  # abandoned a month ago: gone
    assert service.files.path(kept).exists()  # its draft is still there
    sync.upload_images = True
    assert sync.sync_once().pages_uploaded == 2
    assert purge.run()[0] == [case_no]
    assert service.pages(intake) == []
    assert not any(service.files.path(sha).exists() for sha in shas)
    assert [p.sha256 for p in service.pages(drafted)] == [kept]
    # the county keeps its copy, hash for hash
    assert [(r[3], r[4]) for r in _central_pages(central)] == [(sha, sha) for sha in shas]
