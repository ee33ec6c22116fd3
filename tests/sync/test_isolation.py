"""Each centre's credentials open only that centre's data: direct table access is
refused outright (no grants), and through the sync functions another centre's code
is refused — on select (pull), insert, update and delete."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import psycopg
import pytest

from db.central import admin
from db.central.admin import libpq_url
from db.store import Store
from tests.sync.conftest import CENTRE_A, CENTRE_B, Central, client
from tests.sync.helpers import admin_count, assert_agree, load_demo, save_cases

pytestmark = pytest.mark.pg


def _connect(central: Central, code: str) -> psycopg.Connection:
    return psycopg.connect(
        libpq_url(central.centre_url(code)), password=central.logins[code].password, autocommit=True
    )


@pytest.fixture
def two_centres(
    central: Central, workstation: Callable[..., Store]
) -> tuple[Central, Store, Store]:
    a, b = workstation("a"), workstation("b")
    for store in (a, b):
        load_demo(store)
    save_cases(a, 3, centre=CENTRE_A, tag="甲")
    save_cases(b, 2, centre=CENTRE_B, tag="乙")
    client(a, central, CENTRE_A).sync_once()
    client(b, central, CENTRE_B).sync_once()
    return central, a, b


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM yc.cases",
        "SELECT * FROM yc.cases WHERE centre_code = '370999102'",
        "INSERT INTO yc.cases (id, centre_code) VALUES (gen_random_uuid(), '370999102')",
        "UPDATE yc.cases SET status = '已办结' WHERE centre_code = '370999102'",
        "DELETE FROM yc.cases WHERE centre_code = '370999102'",
        "DELETE FROM yc.audit_entry",
        "SELECT * FROM yc.clerk",
        "SELECT * FROM yc.item_version",
        "INSERT INTO yc.item_version (code, version, name, content_hash, doc) VALUES ('x', '1', 'x', 'x', '{}')",
        "SELECT * FROM yc.change_log",
        "SELECT * FROM yc.bundle_version",
        "INSERT INTO yc.bundle_version (code, version, name, content_hash, doc) "
        "VALUES ('X', '1', 'x', 'h', '{}')",
        "UPDATE yc.centre SET role_name = current_user",
    ],
)
def test_a_centre_role_cannot_touch_any_table_directly(
    two_centres: tuple[Central, Store, Store], statement: str
) -> None:
    central, _, _ = two_centres
    with _connect(central, CENTRE_A) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


def test_a_centre_role_cannot_call_admin_functions_or_change_role(
    two_centres: tuple[Central, Store, Store],
) -> None:
    central, _, _ = two_centres
    with _connect(central, CENTRE_A) as conn:
        for call in (
            "SELECT yc_api.publish_items_v1('[]'::jsonb)",
            "SELECT yc_api.publish_bundles_v1('[]'::jsonb)",
            "SELECT yc_api.set_case_status_v1('x', '已办结', 'me')",
            "SELECT yc_api.upsert_clerk_v1('370999102', '{}'::jsonb)",
            "SELECT yc_api.release_workstation_v1('370999102', 'A1')",
            "SELECT yc._apply_cases('[]'::jsonb, '370999102', 'A1', 1)",
            "SELECT yc_api.case_life_v1('x')",
            "SELECT yc_api.record_case_step_v1('x', 1, '{}'::jsonb, now()::timestamp, 'me', "
            "'核准', '{}'::jsonb)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(call)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f'SET ROLE "{central.logins[CENTRE_B].role}"')


def _batch(central: Central, conn: psycopg.Connection, tables: dict, centre: str = CENTRE_A,
           ws: str = "A1", seq: int | None = None) -> dict:  # fmt: skip
    info = admin_count(
        central.admin_url,
        "SELECT coalesce(max(last_batch_seq), 0) FROM yc.workstation WHERE centre_code = %s AND code = %s",
        [CENTRE_A, ws],
    )
    install = admin_count(
        central.admin_url,
        "SELECT install_id::text FROM yc.workstation WHERE centre_code = %s AND code = %s",
        [CENTRE_A, ws],
    ) or str(uuid.uuid4())
    req = {
        "schema": 2, "centre": centre, "workstation": ws, "install_id": install,
        "batch_seq": seq or info + 1, "first_seq": 1, "last_seq": 1,
        "digest": uuid.uuid4().hex, "tables": tables,
    }  # fmt: skip
    row = conn.execute("SELECT yc_api.sync_push_v1(%s::jsonb)", [json.dumps(req)]).fetchone()
    assert row is not None
    return row[0]


def _b_case(central: Central) -> dict:
    with psycopg.connect(libpq_url(central.admin_url)) as conn:
        row = conn.execute(
            "SELECT to_jsonb(c) FROM yc.cases c WHERE centre_code = %s LIMIT 1", [CENTRE_B]
        ).fetchone()
    assert row is not None
    return row[0]


def test_through_the_functions_a_foreign_centre_code_is_refused(
    two_centres: tuple[Central, Store, Store],
) -> None:
    central, _a, b = two_centres
    before_b = admin_count(
        central.admin_url, "SELECT count(*) FROM yc.cases WHERE centre_code = %s", [CENTRE_B]
    )
    with _connect(central, CENTRE_A) as conn:
        # a batch that claims to be centre B: refused whole
        with pytest.raises(psycopg.Error) as refused:
            _batch(central, conn, {}, centre=CENTRE_B)
        assert refused.value.sqlstate == "YC003"
        assert "中心代码" in refused.value.diag.message_primary

        b_case = _b_case(central)
        # insert with a foreign centre code: quarantined, the rest of the batch goes in
        new_id = str(uuid.uuid4())
        foreign = dict(b_case, id=new_id, case_no="370999102-A1-20261129-0999")
        own_audit = {"id": str(uuid.uuid4()), "case_id": str(_a_case_id(central)),
                     "centre_code": CENTRE_A, "at": "2026-11-29T10:00:00", "actor": "x",
                     "action": "测试", "detail": {}, "workstation": "A1", "ws_seq": 1}  # fmt: skip
        _chain_on(central, own_audit)  # the county checks A1's audit chain (c0005)
        reply = _batch(central, conn, {"cases": [foreign], "audit_entry": [own_audit]})
        assert [q["reason"] for q in reply["quarantined"]] == ["中心代码与本中心不符"]
        assert reply["applied"] == 1  # the own audit row

        # update of centre B's case (its id, our centre code): the row-level security
        # inside the function refuses it; quarantined, B's row unchanged
        hijack = dict(b_case, centre_code=CENTRE_A, status="已办结", row_version=99)
        reply = _batch(central, conn, {"cases": [hijack]})
        assert reply["applied"] == 0
        assert len(reply["quarantined"]) == 1
        assert (
            "其他中心" in reply["quarantined"][0]["reason"]
            or "重复" in reply["quarantined"][0]["reason"]
            or "办件编号" in reply["quarantined"][0]["reason"]
        )

        # a child row pointing at B's case ("delete"/"update" by cascade, or adding to it)
        child = {"case_id": b_case["id"], "seq": 99, "centre_code": CENTRE_A, "name": "x",
                 "medium": "x", "necessity": "x", "required_copies": 1, "status": "缺",
                 "copies": 0, "reason": "", "ws_seq": 1}  # fmt: skip
        reply = _batch(central, conn, {"case_material": [child]})
        assert reply["quarantined"][0]["reason"].startswith("所属办件在县中心不存在")

    after = admin_count(
        central.admin_url,
        "SELECT count(*) FROM yc.cases WHERE centre_code = %s AND status = '已受理' AND row_version = 1",
        [CENTRE_B],
    )
    assert after == before_b
    assert (
        admin_count(central.admin_url, "SELECT count(*) FROM yc.case_material WHERE seq = 99") == 0
    )
    # nothing of A's own data was harmed, and B's data still equals B's workstation
    assert_agree(b, central.admin_url, CENTRE_B)


def _a_case_id(central: Central) -> str:
    return str(
        admin_count(
            central.admin_url, "SELECT id FROM yc.cases WHERE centre_code = %s LIMIT 1", [CENTRE_A]
        )
    )


def test_pull_shows_a_centre_only_its_own_users_and_case_changes(
    two_centres: tuple[Central, Store, Store],
) -> None:
    from sqlalchemy import select

    from db.models import CaseRow, ClerkRow

    central, a, b = two_centres
    admin.upsert_clerk(central.admin_url, CENTRE_A, "a_clerk", "甲办事员", "secret1")
    admin.upsert_clerk(central.admin_url, CENTRE_B, "b_clerk", "乙办事员", "secret2")
    with b.session() as s:
        b_case = s.scalars(select(CaseRow.case_no)).first()
    assert b_case
    admin.set_case_status(central.admin_url, b_case, "已办结", "县审批局")
    client(a, central, CENTRE_A).sync_once()
    client(b, central, CENTRE_B).sync_once()
    with a.session() as s:
        assert s.get(ClerkRow, "a_clerk") is not None
        assert s.get(ClerkRow, "b_clerk") is None
    with b.session() as s:
        assert s.get(ClerkRow, "b_clerk") is not None
        assert s.get(ClerkRow, "a_clerk") is None
        assert s.scalars(select(CaseRow.status).where(CaseRow.case_no == b_case)).one() == "已办结"
    # pulling directly with A's role never returns B's rows
    with _connect(central, CENTRE_A) as conn:
        install = admin_count(
            central.admin_url,
            "SELECT install_id::text FROM yc.workstation WHERE centre_code = %s",
            [CENTRE_A],
        )
        req = {"schema": 2, "centre": CENTRE_A, "workstation": "A1", "install_id": install,
               "after_xid": "0", "after_seq": 0, "limit": 5000}  # fmt: skip
        row = conn.execute("SELECT yc_api.sync_pull_v1(%s::jsonb)", [json.dumps(req)]).fetchone()
        assert row is not None
        keys = {(c["tbl"], c["key"]) for c in row[0]["changes"]}
    assert ("clerk", "a_clerk") in keys
    assert ("clerk", "b_clerk") not in keys
    assert not any(t == "cases" for t, _ in keys)


def test_the_admin_role_reads_everything_and_publishes(
    two_centres: tuple[Central, Store, Store],
) -> None:
    central, _, _ = two_centres
    password = admin.add_admin(central.admin_url, f"{central.prefix}_alice")
    from sqlalchemy.engine import make_url

    url = (
        make_url(central.admin_url).set(username=f"{central.prefix}_alice").render_as_string(False)
    )
    with psycopg.connect(libpq_url(url), password=password) as conn:
        assert conn.execute("SELECT count(*) FROM yc.cases").fetchone() == (5,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM yc.cases")
    from tests.factories import item

    assert admin.publish_items(url, [item(code="NEW-1")])["added"] == 1


def _chain_on(central: Central, entry: dict) -> None:  # type: ignore[type-arg]
    """Make an audit entry the next link of centre A's workstation A1 chain."""
    from app.core.audit_chain import GENESIS, EntryFields, entry_hash

    with psycopg.connect(libpq_url(central.admin_url)) as c:
        head = c.execute(
            "SELECT seq, entry_hash FROM yc.audit_chain WHERE centre_code = %s AND workstation = 'A1'",
            [CENTRE_A],
        ).fetchone()
    seq, prev = (head[0], head[1]) if head and head[0] is not None else (0, GENESIS)
    at = entry["at"].replace("T", " ") + ".000000"
    fields = EntryFields(uuid.UUID(entry["id"]).hex, uuid.UUID(entry["case_id"]).hex, at,
                         entry["actor"], entry["action"], {})  # fmt: skip
    entry.update(seq=seq + 1, prev_hash=prev, row_hash="1:" + "0" * 64, at=at)
    entry["entry_hash"] = entry_hash(seq + 1, prev, fields, entry["row_hash"])
