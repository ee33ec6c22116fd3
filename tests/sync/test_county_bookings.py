"""Bookings made on the province's platform, held by the county for each centre and
synced down into each hall's queue store (docs/bookings.md, "From the county").

The county trusts only what it can check: the login's centre and its registered
workstation. A centre never receives another centre's bookings."""

from __future__ import annotations

import json
from datetime import date, time

import psycopg
import pytest

from app.core.booking import BookingInput, BookingSource
from db.central import admin
from db.central.admin import libpq_url
from tests.sync.conftest import CENTRE_A, CENTRE_B, Central

pytestmark = pytest.mark.pg

DAY = date(2031, 3, 4)  # a day far enough ahead that no clock passes it


def booking(no: str, name: str = "张三", start: int = 9, phone: str = "13912345678") -> BookingInput:
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
        _ask(conn, central, CENTRE_A, used=[{"booking_no": "SDB0001", "state": "已签到",
                                             "at": "2031-03-04T09:10:00", "ticket": "A001"}])
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
