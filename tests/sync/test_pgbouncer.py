"""PgBouncer in transaction mode in front of the county database (docs/sync.md,
"Connections": optional, for a county that wants the workstations queued instead of
turned away). PgBouncer keeps a pool per (database, user): each centre still logs in
to PostgreSQL as its own login, so ``session_user`` — which every security check of
the county's functions relies on — is the centre's, never another's.

A real pgbouncer (Debian package ``pgbouncer``) on a port of its own, with the
centres' SCRAM verifiers as its auth file (SCRAM pass-through to the server)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from db.central import admin
from db.models import CaseRow
from db.store import Store
from db.sync.client import CentralConfig, SyncClient, SyncError
from tests.sync.bouncer import binary, pgbouncer
from tests.sync.conftest import CENTRE_A, CENTRE_B, Central
from tests.sync.helpers import admin_count, load_demo, save_cases
from tests.sync.test_attacks import _case_row, _push

pytestmark = [
    pytest.mark.pg,
    pytest.mark.skipif(
        binary() is None, reason="pgbouncer is not installed (apt-get install -y pgbouncer)"
    ),
]

POOL = 2  # server connections per centre login


@pytest.fixture
def bouncer(central: Central) -> Iterator[int]:
    """pgbouncer on a port of its own in front of the test's county database."""
    userlist = admin.pgbouncer_userlist(central.admin_url)
    assert all(login.password not in userlist for login in central.logins.values())
    with pgbouncer(central.admin_url, userlist, POOL) as port:
        yield port


def _via(central: Central, code: str, port: int) -> str:
    """The centre's URL through the bouncer (no password in it)."""
    return (
        make_url(central.centre_url(code))
        .set(host="127.0.0.1", port=port)
        .render_as_string(hide_password=False)
    )


def _connect(central: Central, code: str, port: int, password: str | None = None) -> Any:
    return psycopg.connect(
        admin.libpq_url(_via(central, code, port)),
        password=password or central.logins[code].password,
        autocommit=True,
    )


def _client(store: Store, central: Central, code: str, ws: str, port: int) -> SyncClient:
    central.register(code, ws)
    return SyncClient(
        store,
        CentralConfig(
            _via(central, code, port), central.logins[code].password, code, ws, sslmode="disable"
        ),
    )


def test_through_the_bouncer_each_centre_is_still_its_own_login(
    central: Central, bouncer: int, workstation: Callable[..., Store]
) -> None:
    a, b = workstation("a1"), workstation("b1")
    for store in (a, b):
        load_demo(store)
    a_numbers = save_cases(a, 3, centre=CENTRE_A, ws="A1", tag="a")
    b_numbers = save_cases(b, 2, centre=CENTRE_B, ws="B1", tag="b")
    ca = _client(a, central, CENTRE_A, "A1", bouncer)
    cb = _client(b, central, CENTRE_B, "B1", bouncer)
    # interleaved over the same bouncer and its pools: each centre's rows land as its own
    for _ in range(3):
        ca.sync_once()
        cb.sync_once()
    assert admin_count(
        central.admin_url, "SELECT count(*) FROM yc.cases WHERE centre_code = %s", [CENTRE_A]
    ) == 3  # fmt: skip
    assert admin_count(
        central.admin_url, "SELECT count(*) FROM yc.cases WHERE centre_code = %s", [CENTRE_B]
    ) == 2  # fmt: skip

    with (
        _connect(central, CENTRE_A, bouncer) as conn_a,
        _connect(central, CENTRE_B, bouncer) as conn_b,
    ):
        for conn, code in ((conn_a, CENTRE_A), (conn_b, CENTRE_B)):
            row = conn.execute("SELECT session_user, yc_api.server_info_v1()").fetchone()
            assert row is not None
            assert row[0] == central.logins[code].role
            assert row[1]["centre"] == code
        # A through the bouncer: B's case numbers are refused, as without it
        squat = [_case_row(f"{CENTRE_B}-B1-20260601-{n:04d}", CENTRE_A, "A1", n) for n in (8, 9)]
        reply = _push(conn_a, central, CENTRE_A, "A1", {"cases": squat})
        assert reply.get("applied", 0) == 0 and len(reply["quarantined"]) == 2
        # A's row dressed as B's centre: the whole batch is refused
        with pytest.raises(psycopg.Error) as refused:
            _push(conn_a, central, CENTRE_B, "B1", {})
        assert refused.value.sqlstate == "YC003"
        # no table is reachable through the bouncer either
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn_a.execute("SELECT count(*) FROM yc.cases")
    assert admin_count(
        central.admin_url, "SELECT count(*) FROM yc.cases WHERE case_no = ANY(%s)",
        [[f"{CENTRE_B}-B1-20260601-{n:04d}" for n in (8, 9)]],
    ) == 0  # fmt: skip

    # a county status change comes down to its own centre through the bouncer, only there
    admin.set_case_status(central.admin_url, b_numbers[0], "已办结", "县审批局")
    ca.sync_once()
    cb.sync_once()
    with b.session() as s:
        assert s.scalars(select(CaseRow.status).where(CaseRow.case_no == b_numbers[0])).one() == (
            "已办结"
        )
    with a.session() as s:  # A got nothing of B's
        assert set(s.scalars(select(CaseRow.case_no))) == set(a_numbers)

    # the bouncer checks the password itself
    with pytest.raises(psycopg.OperationalError):
        _connect(central, CENTRE_A, bouncer, password="wrong-password")


def test_the_bouncer_queues_a_centre_beyond_its_pool_instead_of_refusing(
    central: Central, bouncer: int, tmp_path: Path
) -> None:
    """Eight workstations of one centre sync at once, repeatedly, through a pool of 2
    server connections: none is turned away, the server never has more than 2 sessions
    of that login, and every case arrives once."""
    from db.store import open_store

    made = []
    for i in range(8):
        store = open_store(f"sqlite:///{tmp_path / f'q{i}.sqlite3'}")
        load_demo(store)
        ws = f"C{i}"
        numbers = save_cases(store, 2, ws=ws, tag=f"q{i}")
        made.append((store, _client(store, central, CENTRE_A, ws, bouncer), numbers))
    peak = [0]
    failures: list[str] = []
    stop = threading.Event()

    def sampler() -> None:
        with psycopg.connect(admin.libpq_url(central.admin_url), autocommit=True) as conn:
            while not stop.is_set():
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE usename = %s",
                    [central.logins[CENTRE_A].role],
                ).fetchone()
                peak[0] = max(peak[0], int(row[0]) if row else 0)

    def run(c: SyncClient) -> None:
        for _ in range(5):
            try:
                c.sync_once()
            except SyncError as exc:
                failures.append(exc.message)

    watch = threading.Thread(target=sampler)
    watch.start()
    threads = [threading.Thread(target=run, args=(c,)) for _s, c, _n in made]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    stop.set()
    watch.join()
    try:
        assert failures == []
        assert 1 <= peak[0] <= POOL
        for _s, _c, numbers in made:
            assert admin_count(
                central.admin_url, "SELECT count(*) FROM yc.cases WHERE case_no = ANY(%s)",
                [numbers],
            ) == 2  # fmt: skip
    finally:
        for store, _c, _n in made:
            store.close()


def test_the_userlist_command_prints_the_verifiers_never_a_password(
    central: Central, capsys: pytest.CaptureFixture[str]
) -> None:
    from app import cli

    assert cli.main(["central", "pgbouncer-userlist", "--url", central.admin_url]) == 0
    out = capsys.readouterr().out
    assert out == admin.pgbouncer_userlist(central.admin_url)
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == [
        f'"{central.logins[c].role}"' for c in sorted(central.logins)
    ]
    assert all(line.split()[1].startswith('"SCRAM-SHA-256$4096:') for line in lines)
    assert all(login.password not in out for login in central.logins.values())


def test_a_monitoring_login_reads_the_pools(central: Central) -> None:
    """docs/sync.md: the county's monitoring login (stats_users, its verifier appended
    to the auth file) reads SHOW POOLS: one pool per centre login."""
    monitor = f"{central.prefix}_monitor"
    with psycopg.connect(admin.libpq_url(central.admin_url), autocommit=True) as conn:
        conn.execute("SET password_encryption = 'scram-sha-256'")
        conn.execute(f"CREATE ROLE \"{monitor}\" LOGIN PASSWORD 'watch-the-pools'")
        row = conn.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s",
            [monitor],
        ).fetchone()
    assert row is not None
    userlist = admin.pgbouncer_userlist(central.admin_url) + f'"{monitor}" "{row[0]}"\n'
    with pgbouncer(central.admin_url, userlist, POOL, extra=f"stats_users = {monitor}") as port:
        for code in (CENTRE_A, CENTRE_B):
            with _connect(central, code, port) as conn:
                conn.execute("SELECT yc_api.server_info_v1()")
        with psycopg.connect(
            f"postgresql://{monitor}@127.0.0.1:{port}/pgbouncer",
            password="watch-the-pools",
            autocommit=True,
        ) as console:
            cur = console.execute("SHOW POOLS")
            names = [d.name for d in cur.description or []]
            pools = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        users = {p["user"] for p in pools if p["database"] != "pgbouncer"}
        assert users == {central.logins[CENTRE_A].role, central.logins[CENTRE_B].role}
        assert all("cl_waiting" in p and "maxwait" in p for p in pools)
        # the monitoring login is no centre: the county database does not let it in
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(
                admin.libpq_url(_via(central, CENTRE_A, port)).replace(
                    central.logins[CENTRE_A].role, monitor
                ),
                password="watch-the-pools",
            ).close()


def test_many_pages_and_batches_in_one_sync_go_through_the_bouncer(
    central: Central, bouncer: int, workstation: Callable[..., Store]
) -> None:
    """A sync that sends many batches (a day offline) or pulls many pages (first start)
    runs the same statement many times on one connection. psycopg prepares a statement
    on the server from its fifth run; in transaction mode the next run may land on
    another server session, where it was never prepared. The client prepares nothing."""
    store = workstation("a1")
    load_demo(store)
    numbers = save_cases(store, 9, tag="离线一天")
    central.register(CENTRE_A, "A1")
    c = SyncClient(
        store,
        CentralConfig(
            _via(central, CENTRE_A, bouncer), central.logins[CENTRE_A].password, CENTRE_A,
            "A1", sslmode="disable", batch_rows=1, pull_limit=1,
        ),
    )  # fmt: skip
    report = c.sync_once()
    assert report.batches == 9 and report.pending == 0
    for no in numbers:
        admin.set_case_status(central.admin_url, no, "已办结", "县审批局")
    assert c.sync_once().pulled == 9
    with store.session() as s:
        done = s.scalars(select(CaseRow.status).where(CaseRow.case_no.in_(numbers))).all()
    assert done == ["已办结"] * 9
