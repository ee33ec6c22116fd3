"""The operator's path in docs/sync.md, run as written: the two command blocks marked
``docs-test``, line by line, with only the placeholders the page tells the reader to
replace (database host, data folder, catalogue file) and the test's own database name
and role prefix (roles are server-wide)."""

from __future__ import annotations

import io
import re
import shlex
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app import cli
from app.commands import sync as cli_sync
from app.core.paths import resource
from app.services.credentials import Credentials, MemoryKeyring
from db.central import admin

pytestmark = pytest.mark.pg

DOC = Path(__file__).resolve().parents[2] / "docs" / "sync.md"


def blocks() -> dict[str, list[str]]:
    text = DOC.read_text(encoding="utf-8")
    found = re.findall(r"<!-- docs-test: (\w+) -->\s*```sh\n(.*?)```", text, re.S)
    return {name: [ln for ln in body.splitlines() if ln.strip()] for name, body in found}


def test_the_docs_have_both_blocks() -> None:
    got = blocks()
    assert set(got) == {"county", "station"}
    assert got["county"][0].startswith("createdb ")  # step 1 makes the database
    assert any("--role-prefix" in ln for ln in got["county"])
    assert all("--data-dir" in ln for ln in got["station"])


def test_the_operators_commands_run_as_written(
    pg_server: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = make_url(pg_server)
    host, port = server.host or "127.0.0.1", server.port or 5432
    db = f"yc_docs_{uuid.uuid4().hex[:10]}"
    prefix = f"yct{uuid.uuid4().hex[:8]}"
    station = tmp_path / "station"
    catalogue = str(resource("catalog", "demo-catalog.xlsx"))

    def as_here(line: str) -> str:
        line = line.replace("-h 数据库主机", f"-h {host} -p {port}")
        line = line.replace("数据库主机", f"{host}:{port}")
        line = re.sub(r"/yichuang\b", f"/{db}", line)
        line = re.sub(r"^(createdb .*) yichuang$", rf"\1 {db}", line)
        line = line.replace("--role-prefix yc", f"--role-prefix {prefix}")
        line = line.replace("yc_370982101", f"{prefix}_370982101")
        line = line.replace("实施清单.xlsx", catalogue)
        return line.replace("数据目录", str(station))

    keyring = MemoryKeyring()
    monkeypatch.setattr(cli_sync, "CREDENTIALS_FACTORY", lambda: Credentials(keyring))
    answers: dict[str, str] = {"clerk": "abc123"}

    def ask(prompt: str) -> str | None:  # the person at the terminal
        return answers["centre"] if "同步密码" in prompt else answers["clerk"]

    monkeypatch.setattr(cli_sync, "_ask_in_terminal", ask)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    out = ""
    try:
        for block in ("county", "station"):
            for written in blocks()[block]:
                line = as_here(written)
                argv = shlex.split(line)
                if argv[0] == "createdb":
                    subprocess.run(argv, check=True, timeout=60)
                    continue
                if argv[0] == "export":
                    key, value = argv[1].split("=", 1)
                    monkeypatch.setenv(key, value)
                    continue
                assert argv[0] == "yichuang", written
                code = cli.main(argv[1:])
                out, err = capsys.readouterr()
                assert code == 0, f"{written}\n{out}\n{err}"
                if "add-centre" in argv:
                    answers["centre"] = next(
                        ln.split("：", 1)[1] for ln in out.splitlines() if ln.startswith("密码：")
                    )
                    shown = next(ln.strip() for ln in out.splitlines() if "sync set-up" in ln)
                    assert "--centre 370982101 --workstation" in shown
                if "add-workstation" in argv:
                    printed = next(ln.strip() for ln in out.splitlines() if "sync set-up" in ln)
                    written_set_up = next(ln for ln in blocks()["station"] if "set-up" in ln)
                    # the docs' set-up line is the one the county's command prints
                    assert as_here(written_set_up).replace(f"--data-dir {station} ", "") == printed
        status = out  # the last line of the station block: sync status
        assert "尚未连接" not in status and "在线" in status and "待上传 0" in status
        assert (station / "settings.json").exists()
        assert answers["centre"] not in (station / "settings.json").read_text(encoding="utf-8")
    finally:
        admin_url = server.set(database="postgres").render_as_string(hide_password=False)
        subprocess.run(
            ["dropdb", "--if-exists", "--force", "-h", host, "-p", str(port), "-U",
             server.username or "postgres", db],
            check=False, timeout=60,
        )  # fmt: skip
        admin.drop_roles(admin_url, prefix)
