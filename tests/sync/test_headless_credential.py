"""Issue 13, point 4: unattended sync without a keyring reads a password file that only
the service user may read; an open file is refused with a Chinese message; the
password never reaches a log, a message or settings.json."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from app.services.credentials import CredentialFileError, Credentials, read_password_file
from app.services.sync import SyncService, client_from_settings, password_for
from app.settings import Settings
from db.store import Store
from db.sync.client import SyncError
from tests.sync.conftest import CENTRE_A, Central
from tests.sync.helpers import load_demo, save_cases

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def _file(tmp_path: Path, text: str, mode: int) -> Path:
    path = tmp_path / "central.pw"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o666, 0o620, 0o602])
def test_a_password_file_others_may_touch_is_refused(tmp_path: Path, mode: int) -> None:
    path = _file(tmp_path, "s3cret-pw\n", mode)
    with pytest.raises(CredentialFileError) as refused:
        read_password_file(path)
    message = str(refused.value)
    assert "权限过宽" in message and f"chmod 600 {path}" in message
    assert "s3cret-pw" not in message


@posix_only
def test_a_private_password_file_is_read(tmp_path: Path) -> None:
    assert read_password_file(_file(tmp_path, "s3cret-pw\n", 0o600)) == "s3cret-pw"
    assert read_password_file(_file(tmp_path, "s3cret-pw", 0o400)) == "s3cret-pw"


@posix_only
def test_missing_empty_linked_files_are_refused_in_chinese(tmp_path: Path) -> None:
    with pytest.raises(CredentialFileError, match="找不到同步密码文件"):
        read_password_file(tmp_path / "none.pw")
    with pytest.raises(CredentialFileError, match="是空的"):
        read_password_file(_file(tmp_path, "\n", 0o600))
    target = _file(tmp_path, "s3cret-pw", 0o600)
    link = tmp_path / "link.pw"
    link.symlink_to(target)
    with pytest.raises(CredentialFileError, match="不能是链接"):
        read_password_file(link)


@posix_only
def test_the_file_wins_over_the_keyring_and_systemd_credentials_are_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "postgresql://yc_370999101@10.1.2.3/yichuang"
    settings = Settings(None, {"central_url": url})
    no_keyring = Credentials(None)  # no Secret Service, nobody to ask
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    with pytest.raises(SyncError) as missing:
        password_for(url, settings, no_keyring)
    assert "--password-file" in missing.value.message
    creds = tmp_path / "creds"
    creds.mkdir(mode=0o700)
    _file(creds, "from-systemd", 0o400).rename(creds / "yichuang-central")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    assert password_for(url, settings, no_keyring) == "from-systemd"
    settings.set("central_password_file", str(_file(tmp_path, "from-file", 0o600)))
    assert password_for(url, settings, no_keyring) == "from-file"
    (tmp_path / "central.pw").chmod(0o644)
    with pytest.raises(SyncError) as open_file:
        password_for(url, settings, no_keyring)
    assert open_file.value.kind == "auth" and "权限过宽" in open_file.value.message


@posix_only
@pytest.mark.pg
def test_unattended_sync_once_from_a_password_file_logs_no_password(
    central: Central,
    workstation: Callable[..., Store],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    store = workstation("headless")
    load_demo(store)
    save_cases(store, 2, now=datetime(2026, 6, 1, 10, 0))
    config = central.config(CENTRE_A, "A1")
    password = central.logins[CENTRE_A].password
    path = _file(tmp_path, password + "\n", 0o644)
    settings = Settings(
        tmp_path / "settings.json",
        {"central_url": config.url, "central_sslmode": "disable", "centre_code": CENTRE_A,
         "workstation": "A1", "central_password_file": str(path)},
    )  # fmt: skip
    caplog.set_level(logging.DEBUG)
    service = SyncService(store, lambda: client_from_settings(store, settings, Credentials(None)))
    status = service.run_once()
    assert status.online is not True and "权限过宽" in status.last_error
    assert status.pending == 2
    os.chmod(path, 0o600)
    status = service.run_once()
    assert status.online and status.pending == 0, status.last_error
    settings.save()
    assert password not in (tmp_path / "settings.json").read_text(encoding="utf-8")
    assert password not in caplog.text
    assert all(password not in str(r.args) for r in caplog.records)
