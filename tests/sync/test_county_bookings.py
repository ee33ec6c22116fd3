"""Bookings made on the province's platform, held by the county for each centre and
synced down into each hall's queue store (docs/bookings.md, "From the county").

The county trusts only what it can check: the login's centre and its registered
workstation. A centre never receives another centre's bookings."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from time import monotonic
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from app.core.booking import BookingInput, BookingSource, ImportLine, day_slots
from app.core.queue_policy import CategorySpec, CounterSpec
from db.booking_county import IssueKind
from db.booking_store import BookingStore
from db.central import admin
from db.central.admin import libpq_url
from db.queue import QueueStore
from db.store import Store
from db.sync.bookings import BookingFeed
from db.sync.client import SyncClient, SyncError
from tests.sync.conftest import CENTRE_A, CENTRE_B, Central
from tests.sync.helpers import admin_count

pytestmark = pytest.mark.pg

DAY = date(2031, 3, 4)  # a day far enough ahead that no clock passes it


def booking(
    no: str, name: str = "张三", start: int = 9, phone: str = "13912345678"
) -> BookingInput:
    return BookingInput(no, "ZH", DAY, time(start), time(start, 30), name,
                        "", phone, BookingSource.PROVINCE)  # fmt: skip


def _connect(central: Central, code: str) -> psycopg.Connection:
    return psycopg.connect(
        libpq_url(central.centre_url(code)), password=central.logins[code].password, autocommit=True
    )


def _ask(conn: psycopg.Connection, central: Central, centre: str, ws: str = "A1",
         **extra: object) -> dict:  # fmt: skip
    req = {"schema": 2, "centre": centre, "workstation": ws,
           "install_id": "00000000-0000-4000-8000-00000000000a", "machine": "t", **extra}  # fmt: skip
    row = conn.execute("SELECT yc_api.sync_bookings_v1(%s::jsonb)", [json.dumps(req)]).fetchone()
    assert row is not None
    return dict(row[0])


def test_a_centre_login_asking_for_another_centres_bookings_gets_none(central: Central) -> None:
    admin.publish_bookings(central.admin_url, CENTRE_A, [booking("SDA0001", "甲一")])
    admin.publish_bookings(central.admin_url, CENTRE_B, [booking("SDB0001", "乙一"),
                                                         booking("SDB0002", "乙二")])  # fmt: skip
    central.register(CENTRE_A, "A1")
    central.register(CENTRE_B, "A1")
    with _connect(central, CENTRE_A) as conn:
        # asking in B's name with A's login: refused outright
        with pytest.raises(psycopg.Error) as refused:
            _ask(conn, central, CENTRE_B)
        assert refused.value.sqlstate == "YC003"
        # a workstation code the county did not register to A: refused
        with pytest.raises(psycopg.Error) as unregistered:
            _ask(conn, central, CENTRE_A, ws="B7")
        assert unregistered.value.sqlstate == "YC007"
        # in its own name: its own bookings, never B's, whatever cursor it gives
        reply = _ask(conn, central, CENTRE_A)
        assert [c["row"]["booking_no"] for c in reply["changes"]] == ["SDA0001"]
        again = _ask(conn, central, CENTRE_A, after_xid="0", after_seq=0, limit=5000)
        assert {c["row"]["booking_no"] for c in again["changes"]} == {"SDA0001"}
        # nor by reporting check-ins of B's numbers (nothing is written for them)
        _ask(
            conn,
            central,
            CENTRE_A,
            used=[
                {
                    "booking_no": "SDB0001",
                    "state": "已签到",
                    "at": "2031-03-04T09:10:00",
                    "ticket": "A001",
                }
            ],
        )
        # nor by flooding it with reports
        with pytest.raises(psycopg.Error) as flood:
            _ask(conn, central, CENTRE_A, used=[{"booking_no": f"X{i:06d}", "state": "爽约"}
                                                for i in range(20001)])  # fmt: skip
        assert flood.value.sqlstate == "YC024"
        # nor directly, nor through the county's own functions
        for statement in (
            "SELECT * FROM yc.booking",
            "UPDATE yc.booking SET status = 'cancelled'",
            "SELECT yc_api.publish_bookings_v1('370999101', '[]'::jsonb)",
            "SELECT yc_api.cancel_booking_v1('370999102', 'SDB0001', 'x')",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    with psycopg.connect(libpq_url(central.admin_url)) as conn:
        states = conn.execute(
            "SELECT booking_no, hall_state FROM yc.booking ORDER BY booking_no"
        ).fetchall()
    assert states == [("SDA0001", ""), ("SDB0001", ""), ("SDB0002", "")]


def test_a_centre_holding_its_report_open_makes_no_county_writer_wait(
    central: Central, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A's login reports a check-in inside a transaction it keeps open (row locks on its
    booking): the county publishes and cancels without waiting for it, holding the
    pull horizon, and B's hall gets B's new booking at once."""
    admin.publish_bookings(central.admin_url, CENTRE_A, [booking("SDA0001", "甲一")])
    admin.publish_bookings(central.admin_url, CENTRE_B, [booking("SDB0001", "乙一")])
    central.register(CENTRE_A, "A1")
    central.register(CENTRE_B, "A1")
    holder = psycopg.connect(
        libpq_url(central.centre_url(CENTRE_A)), password=central.logins[CENTRE_A].password
    )
    try:
        holder.execute("SET idle_in_transaction_session_timeout = 0")
        _ask(holder, central, CENTRE_A, used=[{"booking_no": "SDA0001", "state": "已签到",
                                               "at": "2031-03-04T09:10:00", "ticket": "A001"}])  # fmt: skip
        # from here every county statement gives up after 5 s instead of waiting
        monkeypatch.setenv("PGOPTIONS", "-c statement_timeout=5000 -c lock_timeout=5000")
        started = monotonic()
        assert admin.publish_bookings(central.admin_url, CENTRE_A, [
            booking("SDA0001", "甲一"), booking("SDA0002", "甲二")
        ]) == {"added": 1, "unchanged": 1}  # fmt: skip
        admin.publish_bookings(central.admin_url, CENTRE_B, [booking("SDB0002", "乙二")])
        with pytest.raises(admin.CentralAdminError, match="正在由大厅同步"):
            admin.cancel_booking(central.admin_url, CENTRE_A, "SDA0001", "申请人取消")
        with _connect(central, CENTRE_B) as conn:
            got = {c["row"]["booking_no"] for c in _ask(conn, central, CENTRE_B)["changes"]}
        assert got == {"SDB0001", "SDB0002"}
        assert monotonic() - started < 4
    finally:
        holder.close()


# ---------------------------------------------------------------- down to the hall

NOW = datetime(2031, 3, 1, 8, 0)  # the halls' clock: three days before DAY


class Clock:
    def __init__(self, at: datetime = NOW) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def make_hall(url: str, capacity: int = 4, slots: bool = True) -> QueueStore:
    queue = QueueStore.open(url)
    queue.save_category(CategorySpec("ZH", "综合受理", "A"), actor="m", now=NOW)
    queue.save_counter(CounterSpec("1", "一号窗口", {"ZH": 1}), actor="m", now=NOW)
    if slots:
        BookingStore(queue).save_slots(
            day_slots("ZH", DAY, time(9), time(11), 30, capacity), actor="m", now=NOW
        )
    return queue


def hall_client(
    store: Store, central: Central, queue_url: str, clock: Clock, code: str = CENTRE_A,
    ws: str = "A1",
) -> SyncClient:  # fmt: skip
    return SyncClient(
        store, central.config(code, ws), bookings=BookingFeed.for_url(queue_url, clock)
    )


def county_bookings(queue: QueueStore, day: date = DAY) -> dict[str, tuple[str, str, str]]:
    return {
        b.booking_no: (b.source.value, b.status.value, b.slot_label)
        for b in BookingStore(queue).bookings(day, now=NOW)
    }


def booked(queue: QueueStore, start: int = 9) -> tuple[int, int]:
    slot = next(s for s in BookingStore(queue).slots(DAY) if s.start == time(start))
    return slot.booked, slot.capacity


@pytest.fixture(params=["sqlite", "pg"])
def halls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """Halls' queue stores: the first a real PostgreSQL database (``pg``) or SQLite
    file, the others SQLite files."""
    made: list[QueueStore] = []

    def make(name: str, **kw: Any) -> tuple[QueueStore, str]:
        url = f"sqlite:///{tmp_path / (name + '-queue.sqlite3')}"
        if request.param == "pg" and not made:
            url = str(request.getfixturevalue("pg_url"))
        made.append(make_hall(url, **kw))
        return made[-1], url

    yield make
    for q in made:
        q.close()


def test_each_hall_receives_its_own_centres_bookings_once(
    central: Central, workstation: Callable[..., Store], halls: Any
) -> None:
    admin.publish_bookings(
        central.admin_url,
        CENTRE_A,
        [booking("SDA0001", "甲一"), booking("SDA0002", "甲二", start=10)],
    )
    admin.publish_bookings(central.admin_url, CENTRE_B, [booking("SDB0001", "乙一")])
    qa, url_a = halls("a")
    qb, url_b = halls("b")
    clock = Clock()
    # the main pull carries no booking change (nothing else was published here)
    assert SyncClient(workstation("plain"), central.config(CENTRE_A, "A9")).sync_once().pulled == 0
    report = hall_client(workstation("a1"), central, url_a, clock).sync_once()
    assert report.bookings_added == 2
    hall_client(workstation("b1"), central, url_b, clock, code=CENTRE_B).sync_once()
    assert county_bookings(qa) == {
        "SDA0001": ("县中心", "已预约", "09:00–09:30"),
        "SDA0002": ("县中心", "已预约", "10:00–10:30"),
    }
    assert county_bookings(qb) == {"SDB0001": ("县中心", "已预约", "09:00–09:30")}
    # again, and from another workstation of hall A: nothing new, nothing twice, and no
    # write to the shared queue store for nothing (the cursor moves once in 10 minutes)
    before = BookingStore(qa).county_feed()
    again = hall_client(workstation("a2"), central, url_a, clock, ws="A2").sync_once()
    assert BookingStore(qa).county_feed() == before
    clock.at = NOW + timedelta(minutes=11)
    hall_client(workstation("a2"), central, url_a, clock, ws="A2").sync_once()
    assert BookingStore(qa).county_feed().cursor > before.cursor
    clock.at = NOW
    assert again.bookings_added == 0
    assert hall_client(workstation("a1"), central, url_a, clock).sync_once().bookings_added == 0
    assert len(county_bookings(qa)) == 2 and booked(qa) == (1, 4)
    # a booking published later comes with the next sync; a file published twice adds nothing
    assert admin.publish_bookings(
        central.admin_url, CENTRE_A, [booking("SDA0001", "甲一"), booking("SDA0003", "甲三")]
    ) == {"added": 1, "unchanged": 1}
    hall_client(workstation("a2"), central, url_a, clock, ws="A2").sync_once()
    assert set(county_bookings(qa)) == {"SDA0001", "SDA0002", "SDA0003"}
    assert booked(qa) == (2, 4)
    # the check-in works with the last four of the phone, as for a province file
    clock.at = datetime(2031, 3, 4, 9, 5)
    ticket = BookingStore(qa).check_in("SDA0001", proof="5678", actor="kiosk", now=clock.at)
    assert ticket.display.startswith("A")
    # the county never holds a whole phone or ID number
    with psycopg.connect(libpq_url(central.admin_url)) as conn:
        held = conn.execute("SELECT phone_masked, id_masked FROM yc.booking").fetchall()
    assert ("139****5678", "") in held and not any("12345678" in p for p, _ in held)


def test_a_province_file_imported_before_and_the_county_give_one_booking(
    central: Central, workstation: Callable[..., Store], halls: Any
) -> None:
    q, url = halls("a")
    BookingStore(q).import_lines([ImportLine(2, booking("SDA0001", "甲一"))], actor="m", now=NOW)
    admin.publish_bookings(central.admin_url, CENTRE_A, [booking("SDA0001", "甲一"),
                                                         booking("SDA0002", "甲二")])  # fmt: skip
    hall_client(workstation("a1"), central, url, Clock()).sync_once()
    assert county_bookings(q) == {
        "SDA0001": ("省平台", "已预约", "09:00–09:30"),
        "SDA0002": ("县中心", "已预约", "09:00–09:30"),
    }
    assert booked(q) == (2, 4)
    assert BookingStore(q).county_issues() == []


def test_a_cancellation_frees_the_place_and_never_undoes_a_check_in(
    central: Central, workstation: Callable[..., Store], halls: Any
) -> None:
    q, url = halls("a")
    admin.publish_bookings(central.admin_url, CENTRE_A, [booking("SDA0001", "甲一"),
                                                         booking("SDA0002", "甲二")])  # fmt: skip
    clock = Clock()
    ws = workstation("a1")
    hall_client(ws, central, url, clock).sync_once()
    assert booked(q) == (2, 4)
    # the applicant cancels on the platform: the place is free again at the next sync
    admin.cancel_booking(central.admin_url, CENTRE_A, "SDA0002", "申请人在省平台取消")
    report = hall_client(ws, central, url, clock).sync_once()
    assert report.bookings_cancelled == 1
    assert county_bookings(q)["SDA0002"][1] == "已取消" and booked(q) == (1, 4)
    # SDA0001 is checked in here while the county, not yet told, cancels it
    clock.at = datetime(2031, 3, 4, 9, 5)
    ticket = BookingStore(q).check_in("SDA0001", proof="5678", actor="kiosk", now=clock.at)
    admin.cancel_booking(central.admin_url, CENTRE_A, "SDA0001", "误操作")
    report = hall_client(ws, central, url, clock).sync_once()
    assert report.bookings_cancelled == 0 and report.booking_issues == 1
    assert county_bookings(q)["SDA0001"][1] == "已签到"  # never undone
    [issue] = BookingStore(q).county_issues()
    assert issue.kind is IssueKind.CANCEL_USED and ticket.display in issue.message
    # the check-in went up with that sync: the county shows it and refuses to cancel again
    rows = {r["booking_no"]: r for r in admin.centre_bookings(central.admin_url, CENTRE_A)}
    assert (rows["SDA0001"]["hall_state"], rows["SDA0001"]["hall_ticket"]) == (
        "已签到",
        ticket.display,
    )
    assert rows["SDA0002"]["hall_state"] == ""
    assert (
        admin_count(central.admin_url, "SELECT count(*) FROM yc.conflict WHERE tbl = 'booking'")
        == 1
    )
    with pytest.raises(admin.CentralAdminError, match=r"已于.*签到"):
        admin.cancel_booking(central.admin_url, CENTRE_A, "SDA0001", "再取消")
    # a no-show goes up too, once the check-in time is over
    admin.publish_bookings(central.admin_url, CENTRE_A, [booking("SDA0004", "甲四", start=10)])
    hall_client(ws, central, url, clock).sync_once()
    clock.at = datetime(2031, 3, 4, 12, 0)
    hall_client(ws, central, url, clock).sync_once()
    rows = {r["booking_no"]: r for r in admin.centre_bookings(central.admin_url, CENTRE_A)}
    assert rows["SDA0004"]["hall_state"] == "爽约"


def test_a_full_slot_is_flagged_not_dropped_and_a_missing_slot_is_held_until_set(
    central: Central, workstation: Callable[..., Store], halls: Any
) -> None:
    q, url = halls("a", capacity=1)
    # the counter took the 09:00 slot's only place by phone
    BookingStore(q).book(
        BookingInput("", "ZH", DAY, time(9), time(9, 30), "本地", "", "13800001111",
                     BookingSource.PHONE), actor="clerk", now=NOW,
    )  # fmt: skip
    admin.publish_bookings(central.admin_url, CENTRE_A, [
        booking("SDA0001", "甲一"),  # 09:00: full here
        booking("SDA0002", "甲二", start=14),  # 14:00: no such slot here yet
        BookingInput("SDA0003", "户籍", DAY, time(9), time(9, 30), "甲三", "", "13900000003",
                     BookingSource.PROVINCE),  # no such category here
    ])  # fmt: skip
    ws, clock = workstation("a1"), Clock()
    report = hall_client(ws, central, url, clock).sync_once()
    assert report.bookings_added == 1 and report.booking_issues == 3
    assert "需大厅管理员处理" in report.text()
    assert booked(q) == (2, 1)  # placed all the same: the applicant holds a booking
    issues = {i.booking_no: i for i in BookingStore(q).county_issues()}
    assert {n: i.kind for n, i in issues.items()} == {
        "SDA0001": IssueKind.OVER_CAPACITY, "SDA0002": IssueKind.NO_SLOT,
        "SDA0003": IssueKind.NO_CATEGORY,
    }  # fmt: skip
    assert {n for n, i in issues.items() if i.held} == {"SDA0002", "SDA0003"}
    assert "已超额排入" in issues["SDA0001"].message
    # syncing again adds no second issue and places nothing
    again = hall_client(ws, central, url, clock).sync_once()
    assert (again.bookings_added, again.booking_issues) == (0, 0)
    assert len(BookingStore(q).county_issues()) == 3
    # the manager sets the afternoon's slots: the held booking is placed at the next sync
    BookingStore(q).save_slots(day_slots("ZH", DAY, time(14), time(15), 30, 2), actor="m",
                               now=NOW)  # fmt: skip
    placed = hall_client(ws, central, url, clock).sync_once()
    assert placed.bookings_added == 1
    assert county_bookings(q)["SDA0002"] == ("县中心", "已预约", "14:00–14:30")
    assert {i.booking_no for i in BookingStore(q).county_issues()} == {"SDA0001", "SDA0003"}
    resolved = [i for i in BookingStore(q).county_issues(open_only=False) if i.resolved_at]
    assert [(i.booking_no, i.resolution) for i in resolved] == [("SDA0002", "已排入")]


def test_offline_the_hall_keeps_working_and_catches_up(
    central: Central, workstation: Callable[..., Store], halls: Any, tmp_path: Path
) -> None:
    q, url = halls("a")
    admin.publish_bookings(central.admin_url, CENTRE_A, [booking("SDA0001", "甲一")])
    ws, clock = workstation("a1"), Clock()
    # the link to the county is down: the sync says so, the hall goes on booking
    down = hall_client(ws, central, url, clock)
    down.config.url = (
        make_url(down.config.url)
        .set(host="127.0.0.1", port=1)
        .render_as_string(hide_password=False)
    )
    with pytest.raises(SyncError) as cut:
        down.sync_once()
    assert cut.value.kind == "offline"
    BookingStore(q).book(
        BookingInput("", "ZH", DAY, time(10), time(10, 30), "本地", "", "13800001111",
                     BookingSource.PHONE), actor="clerk", now=NOW,
    )  # fmt: skip
    # the queue store cannot be reached (the hall's share is gone): the sync itself goes
    # through, the bookings wait, with a word in the report
    gone = SyncClient(ws, central.config(CENTRE_A, "A1"),
                      bookings=BookingFeed.for_url(f"sqlite:///{tmp_path}/nowhere/q.sqlite3"))  # fmt: skip
    report = gone.sync_once()
    assert report.bookings_added == 0 and "预约未能下载" in report.text()
    assert BookingStore(q).county_cursor() == (0, 0)
    # back: it catches up
    assert hall_client(ws, central, url, clock).sync_once().bookings_added == 1
    assert set(county_bookings(q)) >= {"SDA0001"} and len(county_bookings(q)) == 2


# ---------------------------------------------------------------- commands

CSV_HEAD = "预约号,业务类别,预约日期,开始时间,结束时间,姓名,身份证号,手机号\n"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from app import cli

    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_county_publishes_a_centres_file_and_sees_what_the_hall_did(
    central: Central, workstation: Callable[..., Store], halls: Any, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    url = central.admin_url
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV_HEAD + "SD0001,综合受理,2031-03-04,09:00,09:30,张三,110105194912310021,\n"
                   "SD0002,综合受理,2020-01-02,09:00,09:30,李四,,13912345678\n",
                   encoding="utf-8")  # fmt: skip
    code, _, err = _run(["central", "publish-bookings", CENTRE_A, str(bad), "--url", url], capsys)
    assert code == 2 and "第2行：身份证号" in err and "第3行：预约日期2020-01-02已过" in err
    assert admin.centre_bookings(url, CENTRE_A) == []  # all or none
    good = tmp_path / "good.csv"
    good.write_text(CSV_HEAD + "SD0001,综合受理,2031-03-04,09:00,09:30,张三,11010519491231002X,\n"
                    "SD0002,ZH,2031/3/4,9:30,10:00,李四,,13912345678\n",
                    encoding="gbk")  # fmt: skip
    code, out, err = _run(
        ["central", "publish-bookings", CENTRE_A, str(good), "--url", url], capsys
    )
    assert code == 0, err
    assert "新增 2 条" in out
    code, out, _ = _run(["central", "publish-bookings", CENTRE_A, str(good), "--url", url], capsys)
    assert "新增 0 条，2 条此前已发布" in out
    q, queue_url = halls("a")
    hall_client(workstation("a1"), central, queue_url, Clock()).sync_once()
    assert county_bookings(q) == {
        "SD0001": ("县中心", "已预约", "09:00–09:30"),
        "SD0002": ("县中心", "已预约", "09:30–10:00"),
    }
    # the ID number's check works here as for a booking made at the counter
    assert [
        b.booking_no for b in BookingStore(q).find_by_id_number("11010519491231002X", now=NOW)
    ] == ["SD0001"]
    code, out, err = _run(
        ["central", "cancel-booking", CENTRE_A, "sd0002", "--reason", "申请人取消", "--url", url],
        capsys,
    )
    assert code == 0, err
    code, out, _ = _run(["central", "bookings", CENTRE_A, "--url", url], capsys)
    assert "SD0001\t2031-03-04 09:00–09:30\t综合受理\t张三\t已预约\t大厅：—" in out
    assert "SD0002" in out and "已取消" in out
    code, _, err = _run(["central", "cancel-booking", CENTRE_A, "SD9999", "--reason", "x",
                         "--url", url], capsys)  # fmt: skip
    assert code != 0 and "没有预约号 SD9999" in err
    # the hall's manager lists what the county sent that the hall could not take
    code, out, _ = _run(["queue", "county-bookings", "--queue-url", queue_url], capsys)
    assert code == 0 and "没有需要处理的县中心预约" in out


def test_which_workstations_pull_bookings(tmp_path: Path) -> None:
    from app.services.sync import booking_feed
    from app.settings import Settings

    settings = Settings(None)
    assert booking_feed(settings, tmp_path) is None  # no hall queue here
    (tmp_path / "queue.sqlite3").touch()  # the hall's programs made one in the data folder
    assert booking_feed(settings, tmp_path) is not None
    settings.set("county_bookings", False)
    assert booking_feed(settings, tmp_path) is None
    settings.set("county_bookings", True)
    settings.set("queue_url", "postgresql://hall-server/queue")  # the hall's shared store
    assert booking_feed(settings, None) is not None
