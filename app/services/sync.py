"""The background sync worker: Qt-free, one thread, never the GUI thread.

The window binds ``subscribe`` to a queued Qt signal to show the status in the top
bar (online/offline, pending count, last success, last error, conflicts) and calls
``sync_now()`` from its "立即同步" action. ``yichuang sync --once`` uses ``run_once``.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from app.core.clock import clock_from_env
from app.core.listeners import Listeners
from app.core.sync_records import SyncIssues
from app.services.credentials import (
    CredentialFileError,
    Credentials,
    account_for,
    read_password_file,
    systemd_credential_path,
)
from app.settings import Settings
from db.page_repo import pending_upload_count
from db.store import LocalStore
from db.sync import issues, state
from db.sync.bookings import BookingFeed
from db.sync.client import CentralConfig, SyncClient, SyncError, SyncReport, first_sync
from db.sync.outbox import pending_count

log = logging.getLogger("yichuang.sync")


@dataclass(frozen=True, slots=True)
class SyncStatus:
    configured: bool = False
    online: bool | None = None  # None: not tried yet
    running: bool = False
    pending: int = 0
    quarantined: int = 0
    conflicts: int = 0
    last_success: datetime | None = None
    last_error: str = ""
    last_error_at: datetime | None = None
    notice: str = ""  # e.g. "this program is one version behind the county"
    busy: bool = False  # the last sync was turned away: the county's connections were full
    pages_pending: int = 0  # page images of saved cases the county has not confirmed

    def text(self) -> str:
        """One line for the top bar."""
        if not self.configured:
            return "未设置县中心同步"
        link = {True: "在线", False: "离线", None: "尚未连接"}[self.online]
        if self.busy and not self.online:
            link = "县中心繁忙"
        parts = ["同步中…" if self.running else link]
        parts.append(f"待上传 {self.pending}")
        if self.pages_pending:
            parts.append(f"影像待传 {self.pages_pending}")
        if self.last_success:
            parts.append(f"上次成功 {self.last_success:%m-%d %H:%M}")
        if self.quarantined:
            parts.append(f"拒收 {self.quarantined}")
        if self.conflicts:
            parts.append(f"冲突 {self.conflicts}")
        return " · ".join(parts)


def _parse(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def read_status(store: LocalStore, configured: bool) -> SyncStatus:
    """The status as the local store remembers it. ``online`` is the outcome of the last
    sync (True: it succeeded and no error since; False: it ended with an error; None:
    never synced), so `sync status` right after a successful sync says 在线."""
    with store.session() as s:
        quarantined, conflicts = issues.counts(s)
        last_success = _parse(state.get(s, state.LAST_SUCCESS))
        last_error = state.get(s, state.LAST_ERROR)
        online = False if last_error else (True if last_success else None)
        return SyncStatus(
            configured=configured,
            online=online if configured else None,
            pending=pending_count(s),
            pages_pending=pending_upload_count(s),
            quarantined=quarantined,
            conflicts=conflicts,
            last_success=_parse(state.get(s, state.LAST_SUCCESS)),
            last_error=state.get(s, state.LAST_ERROR),
            last_error_at=_parse(state.get(s, state.LAST_ERROR_AT)),
            notice=state.get(s, state.NOTICE),
        )


def read_issues(
    store: LocalStore, *, newest_first: bool = True, limit: int | None = None
) -> SyncIssues:
    """The conflicts met and the rows the county refused, kept on this workstation."""
    with store.session() as s:
        return issues.read_issues(s, newest_first=newest_first, limit=limit)


def password_for(url: str, settings: Settings, credentials: Credentials) -> str:
    """The central password: from the password file when one is set (setting
    ``central_password_file``, or the systemd credential ``yichuang-central``), else
    from the OS keyring (or asked for). Raises SyncError (kind auth) with a Chinese
    message that never contains the password."""
    configured = str(settings.get("central_password_file")).strip()
    path = Path(configured) if configured else systemd_credential_path()
    if path is not None:
        try:
            return read_password_file(path)
        except CredentialFileError as exc:
            raise SyncError(str(exc), "auth") from exc
    password = credentials.get(account_for(url))
    if not password:
        raise SyncError(
            "没有县中心同步密码：请运行 yichuang sync set-up 输入县中心分配的密码（存入系统钥匙串）；"
            "没有系统钥匙串的无人值守电脑用密码文件：yichuang sync set-up … --password-file 文件"
            "（见 docs/sync.md）。",
            "auth",
        )
    return password


def booking_feed(settings: Settings, data_dir: str | Path | None) -> BookingFeed | None:
    """The hall's queue store to pull the county's bookings into: the ``queue_url``
    setting, or the data folder's queue.sqlite3 once the hall's programs have made it;
    None when this workstation has none or ``county_bookings`` is off."""
    if not settings.get("county_bookings"):
        return None
    setting = str(settings.get("queue_url")).strip()
    if not setting and (data_dir is None or not (Path(data_dir) / "queue.sqlite3").exists()):
        return None
    from app.services.queue import queue_url

    return BookingFeed.for_url(queue_url(setting, data_dir or "."), clock_from_env().now)


def client_from_settings(
    store: LocalStore,
    settings: Settings,
    credentials: Credentials,
    data_dir: str | Path | None = None,
) -> SyncClient | None:
    """A client for the configured county database, or None when none is set up.
    Raises SyncError when the password is needed and not given. With ``data_dir``, the
    client also pulls the county's bookings into the hall's queue store (booking_feed)."""
    url = str(settings.get("central_url")).strip()
    if not url:
        return None
    password = password_for(url, settings, credentials)
    return SyncClient(
        store,
        CentralConfig(
            url=url,
            password=password,
            centre=str(settings.get("centre_code")),
            workstation=str(settings.get("workstation")),
            sslmode=str(settings.get("central_sslmode")),
        ),
        bookings=booking_feed(settings, data_dir),
    )


def needs_first_start(store: LocalStore, settings: Settings) -> bool:
    """Central sync is set up and this store has no catalogue or no clerks yet."""
    if not str(settings.get("central_url")).strip():
        return False
    with store.session() as s:
        return not state.has_catalogue_and_clerks(s)


def first_start(
    store: LocalStore,
    settings: Settings,
    credentials: Credentials,
    progress: Callable[[int, int, str], None],
) -> str | None:
    """The first pull of a new workstation (catalogue, calendar, clerks), reporting
    ``progress(done, total, message)`` from the calling thread. None when the
    workstation is usable, else what went wrong, in Chinese, for the person."""
    try:
        client = client_from_settings(store, settings, credentials)
        if client is None:
            raise SyncError("未设置县中心地址（central_url）", "config")
        first_sync(store, client, progress)
    except SyncError as exc:
        return exc.message
    except Exception as exc:  # shown to the person; the log has the rest
        log.exception("first start failed")
        return str(exc)
    return None


class SyncService:
    """Runs ``sync_once`` every ``interval_s`` seconds and on ``sync_now()``, on its own
    thread. Listeners get a fresh SyncStatus after every change, on that thread.

    A thread of its own, not a lane of the shared pool (app/background.py): one sync
    may take minutes on a slow county link (many batches, retries with pauses while
    the county is full), and on the pool it would hold one of the few workers the
    windows' saves and prints need for all that time."""

    def __init__(
        self,
        store: LocalStore,
        client_factory: Callable[[], SyncClient | None],
        interval_s: float = 30.0,
    ) -> None:
        self.store = store
        self.client_factory = client_factory
        self.interval_s = interval_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._listeners: Listeners[SyncStatus] = Listeners("sync status")
        self._status = SyncStatus()
        self.last_report: SyncReport | None = None
        self.busy = False  # the last sync found the county's connections full

    # ------------------------------------------------------------ status

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def subscribe(self, listener: Callable[[SyncStatus], None]) -> Callable[[], None]:
        """Status changes, on the sync thread; returns the unsubscribe."""
        return self._listeners.add(listener)

    def _publish(self, status: SyncStatus) -> None:
        with self._lock:
            self._status = status
        self._listeners.publish(status)  # a listener's bug never stops sync

    def refresh(self) -> SyncStatus:
        """Re-read pending count and the rest from the local store (e.g. after a save)."""
        current = self.status
        fresh = read_status(self.store, current.configured)
        status = replace(fresh, online=current.online, running=current.running, busy=current.busy)
        self._publish(status)
        return status

    # ------------------------------------------------------------ running

    def run_once(self) -> SyncStatus:
        try:
            client = self.client_factory()
        except SyncError as exc:
            return self._finish(True, False, exc.message)
        if client is None:
            return self._finish(False, None, "")
        self._publish(replace(self.status, configured=True, running=True))
        self.busy = False
        try:
            self.last_report = client.sync_once()
        except SyncError as exc:
            log.warning("sync failed (%s): %s", exc.kind, exc.message)
            self.busy = exc.kind == "busy"
            return self._finish(
                True, exc.kind not in ("offline", "busy"), exc.message, busy=self.busy
            )
        except Exception as exc:  # a bug or a local-store failure: shown, never fatal
            log.exception("sync failed")
            return self._finish(True, None, f"同步出错：{exc}")
        return self._finish(True, True, "")

    def _finish(
        self, configured: bool, online: bool | None, error: str, busy: bool = False
    ) -> SyncStatus:
        status = replace(
            read_status(self.store, configured), online=online, running=False, busy=busy
        )
        if error and not status.last_error:
            status = replace(status, last_error=error, last_error_at=datetime.now())
        self._publish(status)
        return status

    def sync_now(self) -> None:
        """Ask the worker to sync at once (returns immediately)."""
        self._wake.set()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="yichuang-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def next_wait(self) -> float:
        """Seconds to the next sync: the interval; after a "connections full" refusal a
        random 0.5–1.5 × the interval, so that the workstations turned away together do
        not all come back in the same second."""
        if self.busy:
            return self.interval_s * random.uniform(0.5, 1.5)
        return self.interval_s

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._wake.wait(self.next_wait())
            self._wake.clear()
