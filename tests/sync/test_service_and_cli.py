"""The background service (own thread, status for the top bar, sync now), the keyring
(explicit backend, never plaintext), and the `central` / `sync` commands."""

from __future__ import annotations

import io
import socket
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from app import cli
from app.commands import sync as cli_sync
from app.services.credentials import Credentials, MemoryKeyring, account_for, secure_backend
from app.services.sync import SyncService, SyncStatus
from db.central import admin
from db.store import Store
from db.sync.client import CentralConfig, SyncClient
from tests.sync.conftest import CENTRE_A, Central, client
from tests.sync.helpers import DEMO_CODE, load_demo, save_cases


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_offline_the_counter_works_and_the_status_says_so(
    workstation: Callable[..., Store],
) -> None:
    store = workstation("offline")
    load_demo(store)
    save_cases(store, 3)  # saving never needs the county
    config = CentralConfig(
        f"postgresql://yc_370999101@127.0.0.1:{_closed_port()}/yichuang", "pw", CENTRE_A, "A1",
        sslmode="disable", connect_timeout=2,
    )  # fmt: skip
    service = SyncService(store, lambda: SyncClient(store, config), interval_s=3600)
    seen: list[tuple[SyncStatus, str]] = []
    done = threading.Event()

    def listener(status: SyncStatus) -> None:
        seen.append((status, threading.current_thread().name))
        if not status.running and status.online is False:
            done.set()

    service.subscribe(listener)
    service.start()
    try:
        assert done.wait(20)
        done.clear()
        service.sync_now()  # manual "sync now": the worker runs again at once
        assert done.wait(20)
    finally:
        service.stop()
    status = service.status
    assert status.online is False and status.pending == 3
    assert "无法连接县中心数据库" in status.last_error and "自动上传" in status.last_error
    assert "离线" in status.text() and "待上传 3" in status.text()
    assert {name for _, name in seen} == {"yichuang-sync"}  # never the caller's thread
    assert any(s.running for s, _ in seen)


def test_unconfigured_service_says_so(workstation: Callable[..., Store]) -> None:
    store = workstation("none")
    status = SyncService(store, lambda: None).run_once()
    assert not status.configured and status.text() == "未设置县中心同步"


@pytest.mark.pg
def test_service_online_after_sync(central: Central, workstation: Callable[..., Store]) -> None:
    store = workstation("on")
    load_demo(store)
    save_cases(store, 2)
    status = SyncService(store, lambda: client(store, central)).run_once()
    assert status.online and status.pending == 0 and status.last_success is not None
    assert "在线" in status.text()


def test_credentials_are_kept_in_the_keyring_or_asked_for_never_in_plaintext() -> None:
    memory = MemoryKeyring()
    kept = Credentials(memory)
    assert kept.secure and kept.set("u@h:5432/db", "s3cret")
    assert Credentials(memory).get("u@h:5432/db") == "s3cret"
    asked: list[str] = []
    session_only = Credentials(None, ask=lambda prompt: asked.append(prompt) or "typed")
    assert not session_only.secure
    assert session_only.get("u@h:5432/db") == "typed"
    assert session_only.get("u@h:5432/db") == "typed"
    assert len(asked) == 1 and "本次运行" in asked[0]
    assert (
        account_for("postgresql://yc_370999101@10.1.2.3/yichuang")
        == "yc_370999101@10.1.2.3:5432/yichuang"
    )
    # no insecure fallback is ever chosen: on this test machine there is no keyring
    backend = secure_backend()
    assert backend is None or "keyrings.alt" not in type(backend).__module__


# ---------------------------------------------------------------- commands


def _run(
    argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str = ""
) -> tuple[int, str, str]:
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = cli.main(argv)
    finally:
        sys.stdin = old
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.pg
def test_commands_from_an_empty_server_to_a_synced_workstation(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.engine import make_url

    from app.core.paths import resource

    memory = MemoryKeyring()
    monkeypatch.setattr(cli_sync, "CREDENTIALS_FACTORY", lambda: Credentials(memory))
    prefix = f"yct{uuid.uuid4().hex[:8]}"
    url = make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        code, out, _ = _run(["central", "init", "--url", url, "--role-prefix", prefix], capsys)
        assert code == 0 and "已就绪" in out
        code, out, _ = _run(
            ["central", "add-centre", CENTRE_A, "城关镇便民服务中心", "--url", url], capsys
        )
        assert code == 0
        password = next(
            line.split("：", 1)[1] for line in out.splitlines() if line.startswith("密码：")
        )
        set_up = next(line.strip() for line in out.splitlines() if "sync set-up" in line)
        assert "--centre 370999101 --workstation 工作站代码" in set_up
        code, out, err = _run(["central", "add-workstation", CENTRE_A, "b2", "--url", url], capsys)
        assert code == 0, err
        set_up = next(line.strip() for line in out.splitlines() if "sync set-up" in line)
        assert set_up.endswith(f"--centre {CENTRE_A} --workstation B2")
        code, out, err = _run(["central", "add-centre", "12ab", "x", "--url", url], capsys)
        assert code == 2 and "6至12位数字" in err
        code, out, _ = _run(
            [
                "central",
                "publish-catalog",
                str(resource("catalog", "demo-catalog.xlsx")),
                "--url",
                url,
            ],
            capsys,
        )
        assert code == 0 and "新增" in out
        code, out, _ = _run(["central", "publish-calendar", "--url", url], capsys)
        assert code == 0 and "2026 年日历" in out
        code, out, _ = _run(
            ["central", "add-clerk", CENTRE_A, "zhouli", "周丽", "--window", "2", "--password-stdin", "--url", url],
            capsys, stdin="abc123\n",
        )  # fmt: skip
        assert code == 0

        data = tmp_path / "station"
        # the printed line, as it stands, plus where this station keeps its data
        code, out, err = _run(
            ["--data-dir", str(data), *set_up.split()[1:], "--sslmode", "disable",
             "--password-stdin"],
            capsys, stdin=password + "\n",
        )  # fmt: skip
        assert code == 0, err
        assert "已连接县中心" in out
        code, out, err = _run(["--data-dir", str(data), "sync", "first-start"], capsys)
        assert code == 0, err
        assert "完成" in out and "#" in out
        # the password is nowhere on disk
        for f in data.rglob("*"):
            if f.is_file():
                assert password.encode() not in f.read_bytes(), f

        from app.context import open_context
        from db.catalog_repo import current_version

        ctx = open_context(data_dir=str(data), demo=False)
        try:
            with ctx.store.session() as s:
                assert current_version(s, DEMO_CODE) is not None
            save_cases(ctx.store, 2, ws="B2")
        finally:
            ctx.close()
        code, out, err = _run(["--data-dir", str(data), "sync", "--once"], capsys)
        assert code == 0, err
        assert "上传 2 条变更" in out and "待上传 0" in out
        code, out, _ = _run(["--data-dir", str(data), "sync", "status"], capsys)
        # right after a successful sync: not "尚未连接" (issue 13)
        assert "尚未连接" not in out and "在线" in out and "待上传 0" in out
        code, out, _ = _run(["central", "status", "--url", url], capsys)
        assert "办件 2" in out and "工作站 370999101-B2" in out
        code, out, err = _run(["--data-dir", str(data), "sync"], capsys)
        assert code == 2 and "--once" in err
    finally:
        from sqlalchemy import create_engine, text

        db = make_url(pg_url).database
        engine = create_engine(
            make_url(pg_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        engine.dispose()
        admin.drop_roles(
            make_url(pg_url)
            .set(drivername="postgresql", database="postgres")
            .render_as_string(False),
            prefix,
        )


def test_sync_once_without_set_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["--data-dir", str(tmp_path), "sync", "--once"], capsys)
    assert code == 2 and "sync set-up" in err


def test_set_up_refuses_a_password_in_the_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        [
            "--data-dir",
            str(tmp_path),
            "sync",
            "set-up",
            "--url",
            "postgresql://yc_1:pw@h/db",
            "--centre",
            CENTRE_A,
            "--workstation",
            "A1",
        ],
        capsys,
    )
    assert code == 2 and "不要写密码" in err


def test_sync_status_lists_refused_rows_and_conflicts_oldest_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sync status` shows what the county refused and the conflicts settled, oldest
    first and at most 50 of each; the counter's dialog reads the same rows newest first."""
    from datetime import datetime, timedelta

    from app.context import open_context
    from app.services.sync import read_issues, read_status
    from db.models import SyncConflictRow, SyncQuarantineRow

    ctx = open_context(data_dir=str(tmp_path), demo=False)
    start = datetime(2026, 3, 2, 9, 0)
    try:
        with ctx.store.session() as s, s.begin():
            for i in range(55):
                s.add(SyncQuarantineRow(at=start + timedelta(minutes=i), batch_seq=i + 1,
                                        tbl="cases", row_key=f"row-{i}", reason=f"原因{i}",
                                        payload={}))  # fmt: skip
            s.add(SyncConflictRow(at=start, side="push", tbl="cases", row_key="k", rule="r",
                                  message="本机保留", detail={}))  # fmt: skip
        status = read_status(ctx.store, configured=True)
        assert (status.quarantined, status.conflicts) == (55, 1)
        newest = read_issues(ctx.store)
        assert newest.refused[0].row_key == "row-54" and len(newest.refused) == 55
        assert newest.conflicts[0].direction == "上传"
    finally:
        ctx.close()
    code, out, _ = _run(["--data-dir", str(tmp_path), "sync", "status"], capsys)
    assert code == 0
    refused = [line for line in out.splitlines() if line.startswith("拒收")]
    assert len(refused) == 50
    assert refused[0] == "拒收 第1批 cases row-0：原因0" and refused[-1].endswith("原因49")
    assert "冲突 2026-03-02 09:00 本机保留" in out
