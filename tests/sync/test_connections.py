"""The connection model (issue 13, "Scale"): a workstation holds a connection only for
one sync; each centre login is capped on the server (CONNECTION LIMIT), the centres'
caps together stay within max_connections; a workstation turned away ("too many
connections") says so in Chinese, loses nothing and syncs at a later turn."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from app import cli
from app.services.sync import SyncService, read_status
from app.ui.sync_view import connection_state
from db.central import admin
from db.central.admin import CentralAdminError
from db.store import Store
from db.sync.client import BUSY_MESSAGE, SyncClient, SyncError, is_too_many_connections, translate
from tests.sync.conftest import CENTRE_A, CENTRE_B, Central, client
from tests.sync.helpers import admin_count, load_demo, save_cases

pytestmark = pytest.mark.pg


def _login(central: Central, code: str = CENTRE_A) -> psycopg.Connection[Any]:
    """A session of the centre's login (another workstation in the middle of a sync)."""
    return psycopg.connect(
        admin.libpq_url(central.centre_url(code)), password=central.logins[code].password
    )


def _sessions(central: Central, code: str = CENTRE_A) -> int:
    return int(
        admin_count(
            central.admin_url,
            "SELECT count(*) FROM pg_stat_activity WHERE usename = %s",
            [central.logins[code].role],
        )
    )


def _limit(central: Central, code: str = CENTRE_A) -> int:
    return int(
        admin_count(
            central.admin_url,
            "SELECT rolconnlimit FROM pg_roles WHERE rolname = %s",
            [central.logins[code].role],
        )
    )


def _county_cases(central: Central) -> int:
    return int(admin_count(central.admin_url, "SELECT count(*) FROM yc.cases"))


def test_a_centre_login_is_capped_by_the_server(central: Central) -> None:
    assert _limit(central) == admin.CENTRE_CONNECTION_LIMIT
    held = [_login(central) for _ in range(admin.CENTRE_CONNECTION_LIMIT)]
    try:
        with pytest.raises(psycopg.OperationalError) as refused:
            _login(central)
        assert is_too_many_connections(refused.value)
        assert _sessions(central) == admin.CENTRE_CONNECTION_LIMIT
        # the other centre is not touched by A's full quota
        _login(central, CENTRE_B).close()
    finally:
        for conn in held:
            conn.close()


def test_the_centres_caps_stay_within_max_connections(central: Central) -> None:
    budget = admin.connection_budget(central.admin_url)
    assert budget.max_connections == int(
        admin_count(central.admin_url, "SELECT current_setting('max_connections')::int")
    )
    assert budget.ok and budget.promised == 2 * admin.CENTRE_CONNECTION_LIMIT
    room = budget.for_centres - budget.promised
    admin.add_centre(central.admin_url, "370999103", "大中心", connection_limit=room - 1)
    with pytest.raises(CentralAdminError) as refused:
        admin.add_centre(central.admin_url, "370999104", "再一个中心", connection_limit=2)
    assert "max_connections" in str(refused.value) and "--per-centre" in str(refused.value)
    # nothing was made for the refused centre
    assert admin_count(central.admin_url, "SELECT count(*) FROM yc.centre") == 3
    assert admin_count(
        central.admin_url, "SELECT count(*) FROM pg_roles WHERE rolname LIKE %s",
        [f"{central.prefix}_370999104"],
    ) == 0  # fmt: skip
    # raising every centre past the budget is refused too; lowering is taken
    with pytest.raises(CentralAdminError):
        admin.set_connection_limit(central.admin_url, budget.for_centres)
    after = admin.set_connection_limit(central.admin_url, 2)
    assert after.ok and {c.limit for c in after.centres} == {2}
    assert _limit(central) == 2
    after = admin.set_connection_limit(central.admin_url, 1, CENTRE_B)
    assert {c.code: c.limit for c in after.centres}[CENTRE_B] == 1
    with pytest.raises(CentralAdminError):
        admin.set_connection_limit(central.admin_url, 0)


def test_a_workstation_turned_away_says_so_loses_nothing_and_syncs_later(
    central: Central, workstation: Callable[..., Store]
) -> None:
    admin.set_connection_limit(central.admin_url, 1, CENTRE_A)
    store = workstation("a1")
    load_demo(store)
    numbers = save_cases(store, 3)
    waits: list[float] = []
    c = client(store, central, busy_retries=2, busy_wait_s=2.0)
    c.sleep = waits.append  # no real waiting in the test
    busy = _login(central)  # the centre's one connection is taken
    try:
        with pytest.raises(SyncError) as refused:
            c.sync_once()
        assert refused.value.kind == "busy"
        assert refused.value.message == BUSY_MESSAGE
        assert "连接已满" in BUSY_MESSAGE and "不会丢失" in BUSY_MESSAGE
        assert len(waits) == 2 and all(1.0 <= w <= 3.0 for w in waits)
        # nothing left the workstation, nothing was marked sent, the county has nothing
        status = read_status(store, True)
        assert status.pending == 3 and status.online is False
        assert status.last_error == BUSY_MESSAGE
        assert _county_cases(central) == 0

        # the background service: same message, not online, the next turn is spread out
        service = SyncService(store, lambda: c, interval_s=30.0)
        after = service.run_once()
        assert after.online is False and after.last_error == BUSY_MESSAGE and after.pending == 3
        assert service.busy and after.busy
        # the top bar: the county is busy (not "offline"), the cases go up later
        text, level, detail = connection_state(after)
        assert text.startswith("县中心繁忙 · 待上传 3") and text.endswith(
            "办件照常受理，稍后自动上传"
        )
        assert level == "error" and BUSY_MESSAGE in detail
        assert all(15.0 <= service.next_wait() <= 45.0 for _ in range(50))
    finally:
        busy.close()

    # the connection is free again: the next turn sends everything, once
    after = service.run_once()
    assert after.online is True and after.pending == 0 and after.last_error == ""
    assert not service.busy and not after.busy and service.next_wait() == 30.0
    assert connection_state(after)[0].startswith("在线")
    assert admin_count(
        central.admin_url, "SELECT count(*) FROM yc.cases WHERE case_no = ANY(%s)", [numbers]
    ) == 3  # fmt: skip
    c.sync_once()
    assert _county_cases(central) == 3


def test_a_connection_freed_while_waiting_is_taken(
    central: Central, workstation: Callable[..., Store]
) -> None:
    admin.set_connection_limit(central.admin_url, 1, CENTRE_A)
    store = workstation("a1")
    load_demo(store)
    save_cases(store, 2)
    busy = _login(central)
    c = client(store, central)
    c.sleep = lambda _s: busy.close()  # the other workstation finishes its sync
    report = c.sync_once()
    assert report.rows == 2 and report.pending == 0
    assert _county_cases(central) == 2


def test_many_workstations_of_one_centre_share_its_cap_and_lose_nothing(
    central: Central, tmp_path: Path
) -> None:
    """Eight workstations of one centre capped at 2 connections sync at once, again and
    again: the server never shows more than 2 sessions of the login, syncs are turned
    away (every first attempt is, while two other syncs hold the cap), and every case
    arrives exactly once."""
    from db.store import open_store

    admin.set_connection_limit(central.admin_url, 2, CENTRE_A)
    stations = []
    for i in range(8):
        store = open_store(f"sqlite:///{tmp_path / f'ws{i}.sqlite3'}")
        load_demo(store)
        ws = f"B{i}"
        numbers = save_cases(store, 2, ws=ws, tag=str(i))
        stations.append((store, client(store, central, ws=ws, busy_retries=0), numbers))
    turned_away = [0]
    first_busy = [0]  # counted apart: after the barrier the others go on being turned away
    peak = [0]
    stop = threading.Event()
    lock = threading.Lock()

    def sampler() -> None:
        with psycopg.connect(admin.libpq_url(central.admin_url), autocommit=True) as conn:
            while not stop.is_set():
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE usename = %s",
                    [central.logins[CENTRE_A].role],
                ).fetchone()
                peak[0] = max(peak[0], int(row[0]) if row else 0)

    start = threading.Barrier(len(stations) + 1)

    def run(store: Store, c: SyncClient) -> None:
        try:
            c.sync_once()
            first = "synced"
        except SyncError as exc:
            first = exc.kind
        with lock:
            turned_away[0] += first == "busy"
            first_busy[0] += first == "busy"
        start.wait(60)  # every first attempt made while the cap was held
        for attempt in range(400):
            try:
                if c.sync_once().pending == 0 and attempt >= 3:
                    return
            except SyncError as exc:
                assert exc.kind == "busy", exc.message
                with lock:
                    turned_away[0] += 1

    watch = threading.Thread(target=sampler)
    watch.start()
    held = [_login(central), _login(central)]  # two other syncs hold the cap
    threads = [threading.Thread(target=run, args=(s, c)) for s, c, _ in stations]
    for t in threads:
        t.start()
    try:
        start.wait(60)
        assert first_busy[0] == len(stations)
    finally:  # no thread outlives the test, even when it fails
        for conn in held:
            conn.close()
        for t in threads:
            t.join(300)
        stop.set()
        watch.join()
    try:
        assert peak[0] <= 2
        assert turned_away[0] >= len(stations)  # the cap was really reached
        for store, _c, numbers in stations:
            assert read_status(store, True).pending == 0
            assert admin_count(
                central.admin_url, "SELECT count(*) FROM yc.cases WHERE case_no = ANY(%s)",
                [numbers],
            ) == 2  # fmt: skip
        assert _county_cases(central) == 16
        assert admin_count(central.admin_url, "SELECT count(*) FROM yc.quarantine") == 0
    finally:
        for store, _c, _n in stations:
            store.close()


@pytest.mark.parametrize(
    "server_says",
    [
        'FATAL:  too many connections for role "yc_370999101"',
        "FATAL:  sorry, too many clients already",
        "FATAL:  remaining connection slots are reserved for non-replication superuser connections",
        'FATAL:  角色 "yc_370999101" 的连接过多',
        "FATAL:  客户端连接过多",
        "FATAL:  剩余连接槽位保留给超级用户的非复制连接",
        "ERROR:  no more connections allowed (max_client_conn)",  # PgBouncer
        "ERROR:  query_wait_timeout",  # PgBouncer: waited in its queue too long
    ],
)
def test_every_form_of_a_full_server_is_told_as_busy(server_says: str) -> None:
    exc = psycopg.OperationalError(
        f'connection failed: connection to server at "10.1.2.3", port 5432 failed: {server_says}'
    )
    refused = translate(exc, "10.1.2.3/yichuang")
    assert refused.kind == "busy" and refused.message == BUSY_MESSAGE
    other = translate(psycopg.OperationalError("connection refused"), "10.1.2.3/yichuang")
    assert other.kind == "offline"


def test_the_connections_command_shows_and_sets_the_caps(
    central: Central, capsys: pytest.CaptureFixture[str]
) -> None:
    held = _login(central)
    try:
        assert cli.main(["central", "connections", "--url", central.admin_url]) == 0
        out = capsys.readouterr().out
        budget = admin.connection_budget(central.admin_url)
        assert f"max_connections {budget.max_connections}，" in out
        assert f"{CENTRE_A}（账号 {central.logins[CENTRE_A].role}）：上限 3，当前 1" in out
        code = cli.main(["central", "connections", "--per-centre", "2", "--url", central.admin_url])
        assert code == 0
        assert "已把各中心的连接上限设为 2" in capsys.readouterr().out
        assert _limit(central, CENTRE_A) == _limit(central, CENTRE_B) == 2
        code = cli.main(
            ["central", "connections", "--per-centre", "500", "--url", central.admin_url]
        )
        assert code == 1 and "max_connections" in capsys.readouterr().err
        assert _limit(central, CENTRE_A) == 2
    finally:
        held.close()


def test_an_older_county_over_the_budget_is_told_at_upgrade(
    central: Central, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before issue 13 every centre login had CONNECTION LIMIT 20: 5 centres promised
    the whole server to the workstations. `central upgrade` and `central connections`
    say so and give the command that fixes it."""
    for n in range(3, 6):
        admin.add_centre(central.admin_url, f"37099910{n}", f"中心{n}")
    with psycopg.connect(admin.libpq_url(central.admin_url), autocommit=True) as conn:
        for login in admin.connection_budget(central.admin_url).centres:
            conn.execute(f'ALTER ROLE "{login.role}" CONNECTION LIMIT 20')
    assert not admin.connection_budget(central.admin_url).ok
    assert cli.main(["central", "upgrade", "--url", central.admin_url]) == 0
    err = capsys.readouterr().err
    assert "合计 100 个" in err and "yichuang central connections --per-centre" in err
    assert cli.main(["central", "connections", "--url", central.admin_url]) == 1
    capsys.readouterr()
    assert cli.main(
        ["central", "connections", "--per-centre", "3", "--url", central.admin_url]
    ) == 0  # fmt: skip
    assert admin.connection_budget(central.admin_url).ok
