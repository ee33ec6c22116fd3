"""Whatever breaks, every case arrives exactly once: a link cut at random byte counts
mid-batch (100 trials), and the syncing process SIGKILLed mid-push (50 trials). Then
the county and the workstation agree row for row."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from db.store import Store
from db.sync import state
from db.sync.client import SyncClient, SyncError
from db.sync.outbox import pending_count
from tests.sync.conftest import CENTRE_A, Central, client
from tests.sync.helpers import admin_count, assert_agree, load_demo, save_cases
from tests.sync.proxy import CuttingProxy

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.pg, pytest.mark.slow]


def _check_exactly_once(store: Store, central: Central) -> dict[str, int]:
    report = client(store, central).sync_once()
    assert report.pending == 0
    counts = assert_agree(store, central.admin_url)
    with store.session() as s:
        batches = int(state.get(s, state.BATCH_SEQ, "0"))
        assert pending_count(s) == 0
    # one inbox row per local batch, numbered 1..n without a gap or a double
    assert admin_count(central.admin_url, "SELECT count(*) FROM yc.inbox") == batches
    assert admin_count(central.admin_url, "SELECT max(batch_seq) FROM yc.inbox") == batches
    assert admin_count(central.admin_url, "SELECT count(*) FROM yc.quarantine") == 0
    return counts


def test_connection_cut_at_random_points_100_trials(
    central: Central, workstation: Callable[..., Store]
) -> None:
    store = workstation("cut")
    load_demo(store)
    u = make_url(central.admin_url)
    proxy = CuttingProxy((u.host or "127.0.0.1", u.port or 5432))
    rnd = random.Random(20261129)
    try:
        config = central.config(CENTRE_A, batch_rows=3)
        config.url = (
            make_url(config.url).set(host="127.0.0.1", port=proxy.port).render_as_string(False)
        )
        c = SyncClient(store, config)
        failures = 0
        for trial in range(100):
            save_cases(store, rnd.randint(1, 7), tag=f"t{trial}-")
            with store.session() as s:
                pending = pending_count(s)
            # a sync moves about 2.5 kB plus 2.7 kB a case: cut somewhere inside it
            proxy.cut_after = rnd.randint(100, 2_500 + 2_700 * pending)
            try:
                c.sync_once()
            except SyncError as exc:
                assert exc.kind == "offline", exc.message
                failures += 1
        assert proxy.cuts >= 70 and failures >= 70  # the cuts did land, most mid-sync
    finally:
        proxy.close()
    counts = _check_exactly_once(store, central)
    assert counts["cases"] > 300


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_mid_push_50_trials(
    central: Central, workstation: Callable[..., Store], tmp_path: Path
) -> None:
    store = workstation("killed")
    load_demo(store)
    central.register(CENTRE_A, "A1")
    store_url = store.engine.url.render_as_string(hide_password=False)
    store.close()
    login = central.logins[CENTRE_A]
    rnd = random.Random(7)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    errors = mid_sync = 0
    for trial in range(50):
        child = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "sync" / "sync_forever.py"), store_url,
             central.centre_url(CENTRE_A), login.password, CENTRE_A, str(trial)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        assert line == "READY", child.stderr.read() if child.stderr else ""
        time.sleep(rnd.uniform(0.02, 0.4))
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=30)
        assert child.returncode == -signal.SIGKILL, err
        errors += out.count("ERROR")
        whole = [line.strip() for line in out.splitlines(keepends=True) if line.endswith("\n")]
        mid_sync += bool(whole) and whole[-1] == "SYNC"
    assert errors == 0  # the link itself never failed: only kills
    assert mid_sync >= 10, mid_sync  # many kills landed inside a push or pull
    from db.store import open_store

    store = open_store(store_url)
    try:
        counts = _check_exactly_once(store, central)
        assert counts["cases"] >= 50
    finally:
        store.close()
