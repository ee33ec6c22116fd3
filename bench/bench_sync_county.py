"""A county against one PostgreSQL: many workstations syncing every few seconds while
saving cases at a hall's rate, the county finishing cases meanwhile (issue 13, "Scale").

Prints ``figure NAME VALUE UNIT``:

    county_case_to_county_p95_s      case saved at a workstation → row at the county
    county_status_to_station_p95_s   county status change → the workstation's local row
    county_server_connections_max    sessions on the county database (sampled)
    county_sync_errors               failed syncs (any kind)

Every workstation is a thread with its own SQLite store and a short-lived connection
per sync (the model of ``SyncClient.sync_once``). Threads share one Python process, so
at hundreds of workstations the harness itself (GIL, SQLite) is measured too: run the
issue's 400 on a machine of its own, with several processes
(``YICHUANG_BENCH_PROCESSES``) — not done yet, see the report of issue 13.

Size: ``YICHUANG_BENCH_WORKSTATIONS`` (default 20), ``YICHUANG_BENCH_SECONDS`` (30),
``YICHUANG_BENCH_INTERVAL_S`` (5), cases per workstation per minute
``YICHUANG_BENCH_CASES_PER_MIN`` (2: a busy window). PostgreSQL as in bench_sync.py.
"""

from __future__ import annotations

import os
import random
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
from sqlalchemy import select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.bench_sync import PG, figure  # noqa: E402
from db.central import admin  # noqa: E402
from db.store import open_store  # noqa: E402

CENTRES = [f"3709991{n:02d}" for n in range(1, 31)]
DAY = datetime(2026, 6, 1, 9, 0)  # case numbers and deadlines: a fixed covered day


def p95(values: list[float]) -> float:
    if not values:
        return float("nan")
    if len(values) < 20:
        return max(values)
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    from db.models import CaseRow
    from db.sync.client import CentralConfig, SyncClient, SyncError
    from tests.sync.helpers import load_demo, save_cases

    stations = int(os.environ.get("YICHUANG_BENCH_WORKSTATIONS", "20"))
    seconds = float(os.environ.get("YICHUANG_BENCH_SECONDS", "30"))
    interval = float(os.environ.get("YICHUANG_BENCH_INTERVAL_S", "5"))
    per_min = float(os.environ.get("YICHUANG_BENCH_CASES_PER_MIN", "2"))
    server = make_url(PG).set(drivername="postgresql").render_as_string(False)
    prefix, name = f"ycb{uuid.uuid4().hex[:8]}", f"yc_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(server).set(database=name).render_as_string(False)
    saved: dict[str, float] = {}
    status_set: dict[str, float] = {}
    arrived: dict[str, float] = {}
    lock = threading.Lock()
    stop = threading.Event()
    errors = [0]
    try:
        admin.init_central(url, prefix=prefix)
        per_centre = 15
        centres = CENTRES[: -(-stations // per_centre)]
        logins = {c: admin.add_centre(url, c, f"镇{c[-2:]}") for c in centres}
        tmp = Path(tempfile.mkdtemp(prefix="yc-county-"))

        # set-up one by one (the local migrations are not made for threads)
        made: list[tuple[Any, Any, str, str]] = []
        for i in range(stations):
            centre = centres[i // per_centre]
            ws = f"{chr(65 + (i % per_centre) // 10)}{i % 10}"
            admin.add_workstation(url, centre, ws)
            store = open_store(f"sqlite:///{tmp / f'ws{i}.sqlite3'}")
            load_demo(store)
            login = logins[centre]
            station_url = make_url(url).set(username=login.role).render_as_string(False)
            client = SyncClient(
                store, CentralConfig(station_url, login.password, centre, ws, sslmode="disable")
            )
            client.sync_once()  # first contact: binds the install id
            made.append((store, client, centre, ws))

        def station(i: int) -> None:
            store, client, centre, ws = made[i]
            rnd = random.Random(i)
            next_sync = time.monotonic() + rnd.uniform(0, interval)
            next_case = time.monotonic() + rnd.expovariate(per_min / 60)
            while not stop.is_set():
                now = time.monotonic()
                if now >= next_case:
                    for no in save_cases(store, 1, centre=centre, ws=ws, now=DAY, tag=str(i)):
                        with lock:
                            saved[no] = time.time()
                    next_case = now + rnd.expovariate(per_min / 60)
                if now >= next_sync:
                    try:
                        client.sync_once()
                    except SyncError:
                        errors[0] += 1
                    with lock:
                        waiting = [no for no in status_set if no not in arrived]
                    if waiting:
                        with store.session() as s:
                            done = s.scalars(
                                select(CaseRow.case_no).where(
                                    CaseRow.case_no.in_(waiting), CaseRow.status == "已办结"
                                )
                            ).all()
                        with lock:
                            for no in done:
                                arrived.setdefault(no, time.time())
                    next_sync = now + interval
                stop.wait(max(0.0, min(next_sync, next_case) - time.monotonic()))
            store.close()

        def county() -> None:
            with psycopg.connect(url, autocommit=True) as conn:
                while not stop.wait(1.0):
                    row = conn.execute(
                        "SELECT case_no FROM yc.cases WHERE status = '已受理'"
                        " ORDER BY random() LIMIT 1"
                    ).fetchone()
                    if row:
                        conn.execute(
                            "SELECT yc_api.set_case_status_v1(%s, '已办结', '县审批局')", [row[0]]
                        )
                        with lock:
                            status_set[row[0]] = time.time()

        connections: list[int] = []

        def sampler() -> None:
            with psycopg.connect(url, autocommit=True) as conn:
                while not stop.wait(0.5):
                    got = conn.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]
                    ).fetchone()
                    connections.append(int(got[0]) if got else 0)

        threads = [threading.Thread(target=station, args=(i,)) for i in range(stations)]
        threads += [threading.Thread(target=county), threading.Thread(target=sampler)]
        for t in threads:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join(60)
        with psycopg.connect(url) as conn:
            received = dict(
                conn.execute(
                    "SELECT case_no, extract(epoch FROM received_at) FROM yc.cases"
                ).fetchall()
            )
        up = [float(received[no]) - t for no, t in saved.items() if no in received]
        down = [arrived[no] - t for no, t in status_set.items() if no in arrived]
        figure("county_workstations", stations, "n")
        figure("county_cases_saved", len(saved), "n")
        figure("county_cases_arrived", len(up), "n")
        figure("county_case_to_county_p95", p95(up), "s")
        figure("county_status_changes_arrived", len(down), "n")
        figure("county_status_to_station_p95", p95(down), "s")
        figure("county_server_connections_max", max(connections or [0]), "n")
        figure("county_sync_errors", errors[0], "n")
    finally:
        stop.set()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.drop_roles(server, prefix)


if __name__ == "__main__":
    main()
