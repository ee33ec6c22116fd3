"""A county against one PostgreSQL: hundreds of workstations syncing every few seconds
while saving cases at a hall's rate, the county finishing cases meanwhile, and one
centre's login holding a transaction open all along (issue 13, "Scale").

Prints ``figure NAME VALUE UNIT``:

    county_case_to_county_p95            case saved at a workstation → row at the county
    county_status_to_station_p95         county status change → the workstation's local row
    county_server_connections_max        sessions on the county database (pg_stat_activity,
                                         sampled every 0.1 s)
    county_centre_connections_max        the most sessions one centre login had (sampled)
    county_syncs_in_flight_max           syncs connected at once, counted by the workstations
    county_sync_p95                      one sync (connect, push, pull, disconnect)
    county_syncs_turned_away             syncs refused "connections full" (retried later)
    county_sync_errors                   any other failed sync
    county_held_txn_seconds              how long centre 1's login held its transaction
    county_held_txn_pull_delay_max       while it held: a county status change on another
                                         centre's case → in that centre's next pull, started
                                         at once (the stated bound: that first pull)
    county_held_txn_pulls_needed_max     pulls that took (the bound: 1)

The workstations: ``YICHUANG_BENCH_WORKSTATIONS`` (default 400), 15 to a centre, each
with its own SQLite file, its centre's login and its own registered workstation code,
running the real ``SyncClient.sync_once`` (one short-lived connection per sync) every
``YICHUANG_BENCH_INTERVAL_S`` (5) seconds, and saving a case through the real counter
service ``YICHUANG_BENCH_CASES_PER_MIN`` (1) times a minute on average (a busy window;
a typical one is well below). They are threads spread over ``YICHUANG_BENCH_PROCESSES``
(4) processes, so the harness's own Python is shared out; the county finishes
``YICHUANG_BENCH_STATUS_PER_S`` (2) cases a second. The run lasts
``YICHUANG_BENCH_SECONDS`` (120) after all workstations have made first contact.

Connections: each sync connects and disconnects. ``YICHUANG_BENCH_BOUNCER=1`` puts a
real pgbouncer in transaction mode between the workstations and PostgreSQL (a pool of
``YICHUANG_BENCH_POOL`` (2) server connections per centre login; tests/sync/bouncer.py):
the workstations still connect per sync, to the bouncer, and the server's sessions
stay open with their caches warm.

Heavy: run it alone, ``flock /tmp/bench.lock python bench/bench_sync_county.py``.
PostgreSQL as in bench_sync.py (``YICHUANG_BENCH_PG``).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.bench_sync import PG, figure  # noqa: E402

PER_CENTRE = int(os.environ.get("YICHUANG_BENCH_PER_CENTRE", "15"))  # workstations a centre
DAY = datetime(2026, 6, 1, 9, 0)  # case numbers and deadlines: a fixed covered day
WS_CODES = [a + b for a in "ABCDEFGHJKLMNPQRSTUVWXY" for b in "123456789"]


def centre_code(n: int) -> str:
    return f"3709{n:05d}"


def p95(values: list[float]) -> float:
    if not values:
        return float("nan")
    if len(values) < 20:
        return max(values)
    return statistics.quantiles(values, n=20)[-1]


# ---------------------------------------------------------------- workstations


def _worker(
    spec: dict[str, Any], ready: Any, go: Any, stop: Any, results: Any, inflight: Any, peak: Any
) -> None:
    """One harness process: its share of the workstations, a thread each."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select

    from db.models import CaseRow
    from db.store import open_store
    from db.sync.client import CentralConfig, SyncClient, SyncError
    from tests.sync.helpers import save_cases

    interval, per_min = spec["interval"], spec["per_min"]
    made = []
    for st in spec["stations"]:
        path = Path(spec["dir"]) / f"ws{st['i']}.sqlite3"
        shutil.copyfile(spec["template"], path)
        store = open_store(f"sqlite:///{path}")
        config = CentralConfig(
            st["url"], st["password"], st["centre"], st["ws"], sslmode="disable",
            busy_retries=0,  # a turned-away sync waits for its next turn, as the service does
        )  # fmt: skip
        client = SyncClient(store, config)
        while True:
            try:
                client.sync_once()  # first contact: binds the install id
                break
            except SyncError as exc:
                if exc.kind != "busy":
                    raise
                time.sleep(0.2)
        made.append((st, store, client))
    ready.put(len(made))
    go.wait()

    saved: dict[str, float] = {}
    arrived: dict[str, float] = {}
    durations: list[float] = []
    counts = {"busy": 0, "errors": 0, "syncs": 0}
    messages: list[str] = []
    lock = threading.Lock()

    def station(st: dict[str, Any], store: Any, client: Any) -> None:
        rnd = random.Random(st["i"])
        outstanding: set[str] = set()  # saved here, not yet seen finished by the county
        next_sync = time.monotonic() + rnd.uniform(0, interval)
        next_case = time.monotonic() + rnd.expovariate(per_min / 60)
        while not stop.is_set():
            now = time.monotonic()
            if now >= next_case:
                for no in save_cases(
                    store, 1, centre=st["centre"], ws=st["ws"], now=DAY, tag=str(st["i"])
                ):
                    with lock:
                        saved[no] = time.time()
                    outstanding.add(no)
                next_case = now + rnd.expovariate(per_min / 60)
            if now >= next_sync:
                started = time.perf_counter()
                with inflight.get_lock():
                    inflight.value += 1
                    peak.value = max(peak.value, inflight.value)
                try:
                    report = client.sync_once()
                except SyncError as exc:
                    with lock:
                        if exc.kind == "busy":
                            counts["busy"] += 1
                        else:
                            counts["errors"] += 1
                            messages.append(exc.message)
                    report = None
                finally:
                    with inflight.get_lock():
                        inflight.value -= 1
                took = time.perf_counter() - started
                if report is not None:
                    with lock:
                        durations.append(took)
                        counts["syncs"] += 1
                    if report.pulled and outstanding:
                        with store.session() as s:
                            done = s.scalars(
                                select(CaseRow.case_no).where(
                                    CaseRow.case_no.in_(outstanding), CaseRow.status == "已办结"
                                )
                            ).all()
                        seen = time.time()
                        with lock:
                            for no in done:
                                arrived.setdefault(no, seen)
                        outstanding.difference_update(done)
                next_sync = now + interval
            stop.wait(max(0.0, min(next_sync, next_case) - time.monotonic()))

    threads = [threading.Thread(target=station, args=m) for m in made]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for _st, store, _c in made:
        store.close()
    results.put(
        json.dumps(
            {
                "saved": saved, "arrived": arrived, "durations": durations,
                "counts": counts, "messages": messages[:5],
            }
        )
    )  # fmt: skip


# ---------------------------------------------------------------- the county


def _county(
    url: str, stop: threading.Event, status_set: dict[str, float], rate: float, skip: set[str]
) -> dict[str, int]:
    """Finishes ``rate`` received cases a second (set_case_status_v1, as `central
    set-status` does); a case a workstation is pushing at that moment fails at once
    (YC013) and another is taken."""
    busy = {"locked": 0}
    with psycopg.connect(url, autocommit=True) as conn:
        while not stop.wait(1.0 / rate):
            row = conn.execute(
                "SELECT case_no FROM yc.cases WHERE status = '已受理'"
                " AND NOT (case_no = ANY(%s)) ORDER BY random() LIMIT 1",
                [list(skip)],
            ).fetchone()
            if not row:
                continue
            try:
                conn.execute("SELECT yc_api.set_case_status_v1(%s, '已办结', '县审批局')", [row[0]])
            except psycopg.Error as exc:
                if getattr(exc, "sqlstate", "") == "YC013":
                    busy["locked"] += 1
                    continue
                raise
            status_set[row[0]] = time.time()
    return busy


def _sampler(
    url: str, name: str, stop: threading.Event, total: list[int], per_role: list[int]
) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        while not stop.wait(0.1):
            rows = conn.execute(
                "SELECT usename, count(*) FROM pg_stat_activity WHERE datname = %s"
                " GROUP BY usename",
                [name],
            ).fetchall()
            total.append(sum(int(r[1]) for r in rows))
            per_role.append(max((int(r[1]) for r in rows if r[0] and "_3709" in r[0]), default=0))


def _probe(
    admin_url: str, client: Any, store: Any, stop: threading.Event, out: dict[str, list[float]]
) -> None:
    """Another centre's probe workstation: every 5 s a case of its own is finished at the
    county and the probe pulls at once, counting the pulls until it is there."""
    from sqlalchemy import select

    from db.central import admin
    from db.models import CaseRow
    from tests.sync.helpers import save_cases

    while not stop.wait(5.0):
        (no,) = save_cases(store, 1, centre=client.config.centre, ws=client.config.workstation,
                           now=DAY, tag="probe")  # fmt: skip
        client.sync_once()
        admin.set_case_status(admin_url, no, "已办结", "县审批局")
        committed = time.time()
        for pulls in range(1, 100):
            client.sync_once()
            with store.session() as s:
                status = s.scalars(select(CaseRow.status).where(CaseRow.case_no == no)).one()
            if status == "已办结":
                out["delay"].append(time.time() - committed)
                out["pulls"].append(float(pulls))
                break


def _session_cost(client: Any) -> tuple[float, float]:
    """Median seconds of a pull as the first call of a new connection, and of the next
    pull on the same connection (a new PostgreSQL session compiles the functions and
    fills its caches; through PgBouncer the server session is an old one)."""
    identity = client._identity()
    req = json.dumps(dict(identity, after_xid="0", after_seq=0, limit=1, count=False))
    first: list[float] = []
    again: list[float] = []
    for _ in range(30):
        with client.connect() as conn:
            for out in (first, again):
                started = time.perf_counter()
                conn.execute("SELECT yc_api.sync_pull_v1(%s::jsonb)", [req]).fetchone()
                out.append(time.perf_counter() - started)
    return statistics.median(first), statistics.median(again)


def main() -> None:
    from db.central import admin
    from db.store import open_store
    from db.sync.client import CentralConfig, SyncClient
    from tests.sync.helpers import load_demo

    stations_n = int(os.environ.get("YICHUANG_BENCH_WORKSTATIONS", "400"))
    seconds = float(os.environ.get("YICHUANG_BENCH_SECONDS", "120"))
    interval = float(os.environ.get("YICHUANG_BENCH_INTERVAL_S", "5"))
    per_min = float(os.environ.get("YICHUANG_BENCH_CASES_PER_MIN", "1"))
    processes = int(os.environ.get("YICHUANG_BENCH_PROCESSES", "4"))
    status_rate = float(os.environ.get("YICHUANG_BENCH_STATUS_PER_S", "2"))
    per_centre_limit = int(
        os.environ.get("YICHUANG_BENCH_CENTRE_LIMIT", str(admin.CENTRE_CONNECTION_LIMIT))
    )
    use_bouncer = os.environ.get("YICHUANG_BENCH_BOUNCER", "") not in ("", "0")
    pool = int(os.environ.get("YICHUANG_BENCH_POOL", "2"))
    server = make_url(PG).set(drivername="postgresql").render_as_string(False)
    prefix, name = f"ycb{uuid.uuid4().hex[:8]}", f"yc_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(server).set(database=name).render_as_string(False)
    tmp = Path(tempfile.mkdtemp(prefix="yc-county-"))
    stop = threading.Event()
    ctx = mp.get_context("spawn")
    mstop, go = ctx.Event(), ctx.Event()
    procs: list[Any] = []
    cleanups: list[Any] = []
    try:
        admin.init_central(url, prefix=prefix)
        with psycopg.connect(server, autocommit=True) as conn:
            # the functions' own time at the server (pg_stat_user_functions)
            conn.execute(f"ALTER DATABASE \"{name}\" SET track_functions = 'pl'")
        centres = [centre_code(n + 1) for n in range(-(-stations_n // PER_CENTRE))]
        # the centre being probed and the one holding on are extra: not among the n
        probe_centre, holder_centre = centre_code(900), centre_code(901)
        logins = {
            c: admin.add_centre(url, c, f"镇{c[-3:]}", connection_limit=per_centre_limit)
            for c in [*centres, probe_centre, holder_centre]
        }
        template = tmp / "template.sqlite3"
        store = open_store(f"sqlite:///{template}")
        load_demo(store)
        store.close()

        bouncer_port = None
        if use_bouncer:
            from tests.sync.bouncer import pgbouncer

            bouncing = pgbouncer(url, admin.pgbouncer_userlist(url), pool)
            bouncer_port = bouncing.__enter__()
            cleanups.append(lambda: bouncing.__exit__(None, None, None))

        def station_url(centre: str) -> str:
            target = make_url(url).set(username=logins[centre].role)
            if bouncer_port is not None:
                target = target.set(host="127.0.0.1", port=bouncer_port)
            return target.render_as_string(False)

        stations = []
        for i in range(stations_n):
            centre, ws = centres[i // PER_CENTRE], WS_CODES[i % PER_CENTRE]
            admin.add_workstation(url, centre, ws)
            stations.append({"i": i, "centre": centre, "ws": ws, "url": station_url(centre),
                             "password": logins[centre].password})  # fmt: skip
        ready, results = ctx.Queue(), ctx.Queue()
        inflight, peak = ctx.Value("i", 0), ctx.Value("i", 0)
        for p in range(processes):
            share = stations[p * stations_n // processes : (p + 1) * stations_n // processes]
            spec = {"stations": share, "dir": str(tmp), "template": str(template),
                    "interval": interval, "per_min": per_min}  # fmt: skip
            proc = ctx.Process(
                target=_worker, args=(spec, ready, go, mstop, results, inflight, peak)
            )
            proc.start()
            procs.append(proc)
        set_up = time.perf_counter()
        got = sum(ready.get(timeout=3600) for _ in procs)
        assert got == stations_n
        print(f"# {stations_n} workstations in {len(centres)} centres set up and first synced"
              f" in {time.perf_counter() - set_up:.0f} s", flush=True)  # fmt: skip

        # the probe (another centre's workstation) and the holder (centre 1's login)
        admin.add_workstation(url, probe_centre, "Z9")
        admin.add_workstation(url, holder_centre, "Z8")
        probe_path = tmp / "probe.sqlite3"
        shutil.copyfile(template, probe_path)
        probe_store = open_store(f"sqlite:///{probe_path}")
        probe = SyncClient(probe_store, CentralConfig(
            station_url(probe_centre), logins[probe_centre].password, probe_centre, "Z9",
            sslmode="disable"))  # fmt: skip
        probe.sync_once()
        new_session, same_session = _session_cost(probe)
        holder_path = tmp / "holder.sqlite3"
        shutil.copyfile(template, holder_path)
        holder_store = open_store(f"sqlite:///{holder_path}")
        SyncClient(holder_store, CentralConfig(
            station_url(holder_centre), logins[holder_centre].password, holder_centre, "Z8",
            sslmode="disable")).sync_once()  # fmt: skip
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT install_id::text FROM yc.workstation WHERE centre_code = %s",
                [holder_centre],
            ).fetchone()
        assert row is not None
        holder = _hold_as(url, logins[holder_centre], holder_centre, "Z8", row[0])
        held_from = time.monotonic()

        status_set: dict[str, float] = {}
        totals: list[int] = []
        per_role: list[int] = []
        probe_out: dict[str, list[float]] = {"delay": [], "pulls": []}
        county_busy: dict[str, int] = {}
        skip: set[str] = set()

        def county() -> None:
            county_busy.update(_county(url, stop, status_set, status_rate, skip))

        threads = [
            threading.Thread(target=county),
            threading.Thread(target=_sampler, args=(url, name, stop, totals, per_role)),
            threading.Thread(target=_probe, args=(url, probe, probe_store, stop, probe_out)),
        ]
        with psycopg.connect(url) as conn:
            size_before = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        go.set()
        for t in threads:
            t.start()
        time.sleep(seconds)
        stop.set()
        mstop.set()
        for t in threads:
            t.join(120)
        still_held = holder.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        held_s = time.monotonic() - held_from
        holder.close()
        merged: dict[str, Any] = {"saved": {}, "arrived": {}, "durations": [], "messages": [],
                                  "counts": {"busy": 0, "errors": 0, "syncs": 0}}  # fmt: skip
        for _ in procs:
            part = json.loads(results.get(timeout=600))
            merged["saved"].update(part["saved"])
            merged["arrived"].update(part["arrived"])
            merged["durations"] += part["durations"]
            merged["messages"] += part["messages"]
            for k, v in part["counts"].items():
                merged["counts"][k] += v
        for proc in procs:
            proc.join(60)
        with psycopg.connect(url) as conn:
            fn_ms = {
                r[0]: (int(r[1]), float(r[2]))
                for r in conn.execute(
                    "SELECT funcname, calls, total_time / greatest(calls, 1)"
                    " FROM pg_stat_user_functions WHERE schemaname = 'yc_api'"
                ).fetchall()
            }
            size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
            received: dict[str, float] = dict(
                conn.execute(
                    "SELECT case_no, extract(epoch FROM received_at) FROM yc.cases"
                ).fetchall()
            )
        saved, arrived = merged["saved"], merged["arrived"]
        up = [float(received[no]) - t for no, t in saved.items() if no in received]
        down = [arrived[no] - t for no, t in status_set.items() if no in arrived]
        # a case saved in the last interval before the end may not have gone up yet
        late = [no for no, t in saved.items() if no not in received and t < time.time() - 30]
        figure("county_workstations", stations_n, "n")
        figure("county_centres", len(centres), "n")
        figure("county_centre_connection_limit", per_centre_limit, "n")
        figure("county_pgbouncer_pool", pool if use_bouncer else 0, "n")
        figure("county_seconds", seconds, "s")
        figure("county_sync_interval", interval, "s")
        figure("county_cases_saved", len(saved), "n")
        figure("county_cases_arrived", len(up), "n")
        figure("county_cases_missing", len(late), "n")
        figure("county_case_to_county_p95", p95(up), "s")
        figure("county_case_to_county_max", max(up or [float("nan")]), "s")
        figure("county_status_changes", len(status_set), "n")
        figure("county_status_changes_arrived", len(down), "n")
        figure("county_status_to_station_p95", p95(down), "s")
        figure("county_status_to_station_max", max(down or [float("nan")]), "s")
        figure("county_server_connections_max", max(totals or [0]), "n")
        figure("county_centre_connections_max", max(per_role or [0]), "n")
        figure("county_syncs_in_flight_max", peak.value, "n")
        figure("county_syncs", merged["counts"]["syncs"], "n")
        figure("county_sync_p95", p95(merged["durations"]), "s")
        figure("county_sync_median", statistics.median(merged["durations"] or [0]), "s")
        figure("county_syncs_turned_away", merged["counts"]["busy"], "n")
        for fn in ("sync_push_v1", "sync_pull_v1"):
            calls, mean = fn_ms.get(fn, (0, float("nan")))
            figure(f"county_server_{fn}_calls", calls, "n")
            figure(f"county_server_{fn}_mean", mean, "ms")
        figure("county_pull_first_in_connection_median", new_session * 1000, "ms")
        figure("county_pull_again_in_connection_median", same_session * 1000, "ms")
        figure("county_database_size", (size[0] if size else 0) / 1e6, "MB")
        if size and size_before and up:
            grown = (size[0] - size_before[0]) / len(up)
            figure("county_database_growth_per_case", grown / 1e3, "kB")
        figure("county_sync_errors", merged["counts"]["errors"], "n")
        figure("county_status_locked_by_push", county_busy.get("locked", 0), "n")
        figure("county_held_txn_seconds", held_s if still_held else 0.0, "s")
        figure("county_held_txn_probes", len(probe_out["delay"]), "n")
        figure("county_held_txn_pull_delay_max", max(probe_out["delay"] or [float("nan")]), "s")
        figure("county_held_txn_pulls_needed_max", max(probe_out["pulls"] or [float("nan")]), "n")
        for m in sorted(set(merged["messages"]))[:5]:
            print(f"# sync error: {m}")
        probe_store.close()
        holder_store.close()
    finally:
        stop.set()
        mstop.set()
        go.set()
        for proc in procs:
            proc.join(30)
            if proc.is_alive():
                proc.terminate()
        for cleanup in cleanups:
            cleanup()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.drop_roles(server, prefix)
        shutil.rmtree(tmp, ignore_errors=True)


def _hold_as(url: str, login: Any, centre: str, ws: str, install: str) -> psycopg.Connection[Any]:
    """A centre's login opens a transaction after a pull, takes a transaction id and
    advisory locks, switches its timeouts off, and holds on (the issue's attack)."""
    from db.central.admin import libpq_url

    target = libpq_url(
        make_url(url).set(username=login.role, password=None).render_as_string(False)
    )
    conn = psycopg.connect(target, password=login.password)
    conn.execute("SET idle_in_transaction_session_timeout = 0")
    conn.execute("SET statement_timeout = 0")
    req = {"schema": 2, "centre": centre, "workstation": ws, "install_id": install,
           "after_xid": "0", "after_seq": 0, "limit": 10}  # fmt: skip
    conn.execute("SELECT yc_api.sync_pull_v1(%s::jsonb)", [json.dumps(req)])
    conn.execute("SELECT pg_current_xact_id()")
    conn.execute("SELECT pg_advisory_xact_lock(1), pg_advisory_xact_lock_shared(2)")
    return conn


if __name__ == "__main__":
    main()
