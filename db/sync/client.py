"""Push and pull between one workstation's local store and the county's PostgreSQL.

Push: pending outbox rows are formed into a numbered batch in a local transaction
(the number never changes once given), sent as one call of ``yc_api.sync_push_v1``
(one central transaction, set-based upserts per table), and marked sent locally only
after that call has returned. A batch whose acknowledgement was lost is sent again and
the county answers "duplicate": exactly once, whatever breaks in between.

Pull: ``yc_api.sync_pull_v1`` pages through the county's change log by a cursor
bounded by the oldest running transaction; each page is applied locally together with
the new cursor, so an interrupted pull resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

import psycopg
from sqlalchemy import delete, func, select, update

from db.models import SyncOutboxRow
from db.store import LocalStore
from db.sync import state
from db.sync.apply import PullApplied, apply_changes
from db.sync.outbox import TABLES, pending_count

if TYPE_CHECKING:
    from db.sync.bookings import BookingFeed

log = logging.getLogger("yichuang.sync")

SYNC_SCHEMA = 2  # the central schema version this program speaks (db/central migrations)
Progress = Callable[[int, int, str], None]


class Identity(TypedDict):
    """Who is calling, at the head of every push and pull request: the county checks the
    schema version and that the workstation code belongs to this installation."""

    schema: int
    centre: str
    workstation: str
    install_id: str
    machine: str


KEEP_SENT_DAYS = 30  # acknowledged outbox rows are kept this long, then removed
# An outbox row the county refused (quarantined) is never marked sent: it is held with
# this batch number (no real batch has it), counted as pending, listed as refused, and
# sent again in a new batch once ``retry_refused_s`` has passed.
HELD_BATCH = 0


class SyncError(RuntimeError):
    """Sync failed; ``message`` is Chinese and says what to do. ``kind``: offline (no
    link: retry later), busy (the county's connections are all taken: retry later),
    auth (password), refused (the county said no), error."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


@dataclass
class CentralConfig:
    url: str  # without password, e.g. postgresql://yc_370999101@10.1.2.3/yichuang
    password: str | None
    centre: str
    workstation: str
    sslmode: str = "prefer"
    connect_timeout: int = 5
    schema: int = SYNC_SCHEMA
    batch_rows: int = 1000  # outbox rows (≈ cases) per batch
    pull_limit: int = 1000
    retry_refused_s: int = 3600  # a row the county refused is sent again after this
    # "too many connections" (the centre's CONNECTION LIMIT, or the server's
    # max_connections): connecting is tried again this many times, after a random
    # 0.5–1.5 × busy_wait_s each, before the sync gives up until its next turn
    busy_retries: int = 2
    busy_wait_s: float = 1.0


@dataclass
class SyncReport:
    batches: int = 0
    rows: int = 0
    duplicates: int = 0
    quarantined: int = 0
    conflicts: int = 0
    pulled: int = 0
    items_added: int = 0
    bundles_added: int = 0  # 一件事 versions
    notice: str = ""
    pending: int = 0
    warnings: list[str] = field(default_factory=list)
    bookings_added: int = 0  # county bookings placed in the hall's queue store
    bookings_cancelled: int = 0
    booking_issues: int = 0  # new ones for the manager (db/booking_county.py)
    pages_uploaded: int = 0  # material page images the county confirmed (db/sync/pages.py)
    pages_pending: int = 0
    follow_ups_pulled: int = 0  # follow-ups other workstations of the centre moved

    def text(self) -> str:
        parts = [f"上传 {self.rows} 条变更（{self.batches} 批）", f"下载 {self.pulled} 条"]
        if self.duplicates:
            parts.append(f"{self.duplicates} 批县中心已收到（未重复写入）")
        if self.quarantined:
            parts.append(f"{self.quarantined} 行被县中心拒收（见隔离区）")
        if self.conflicts:
            parts.append(f"{self.conflicts} 处冲突（已按规则处理）")
        if self.items_added:
            parts.append(f"新增事项版本 {self.items_added} 个")
        if self.bundles_added:
            parts.append(f"新增一件事版本 {self.bundles_added} 个")
        if self.bookings_added or self.bookings_cancelled:
            parts.append(
                f"县中心预约新增 {self.bookings_added} 条、取消 {self.bookings_cancelled} 条"
            )
        if self.booking_issues:
            parts.append(
                f"{self.booking_issues} 条县中心预约需大厅管理员处理（yichuang queue county-bookings）"
            )
        if self.follow_ups_pulled:
            parts.append(f"其他电脑的好差评/投诉 {self.follow_ups_pulled} 条")
        if self.pages_uploaded:
            parts.append(f"材料影像上传 {self.pages_uploaded} 张")
        parts += self.warnings
        parts.append(f"待上传 {self.pending} 条")
        if self.pages_pending:
            parts.append(f"材料影像待上传 {self.pages_pending} 张")
        return "，".join(parts)


def libpq_url(url: str) -> str:
    return re.sub(r"^postgres(?:ql)?(\+\w+)?://", "postgresql://", url)


def _message(exc: psycopg.Error) -> str:
    diag = getattr(exc, "diag", None)
    return (diag.message_primary if diag is not None else None) or str(exc).strip()


# A refused connection carries no SQLSTATE in psycopg (libpq gives only the text), so
# "too many connections" (53300) is known by its words, English or the server's
# zh_CN translation: the centre login's CONNECTION LIMIT, the server's max_connections,
# and the slots kept for superusers; through PgBouncer, its client limit and a sync
# that waited in its queue longer than query_wait_timeout.
_TOO_MANY = (
    "too many connections", "too many clients", "remaining connection slots",
    "连接过多", "连接槽位", "no more connections allowed", "query_wait_timeout",
)  # fmt: skip

BUSY_MESSAGE = (
    "县中心数据库的连接已满（同时同步的电脑较多），本次同步没有进行，稍后自动重试。"
    "办件照常保存在本机，不会丢失。"
)


def is_too_many_connections(exc: BaseException) -> bool:
    sqlstate = getattr(exc, "sqlstate", None) or ""
    return sqlstate == "53300" or any(words in str(exc) for words in _TOO_MANY)


def translate(exc: psycopg.Error, host: str) -> SyncError:
    sqlstate = getattr(exc, "sqlstate", None) or ""
    text = str(exc)
    if sqlstate.startswith("YC"):
        return SyncError(_message(exc), "refused")
    if is_too_many_connections(exc):
        return SyncError(BUSY_MESSAGE, "busy")
    if sqlstate in ("28P01", "28000") or "password authentication failed" in text:
        return SyncError(
            "县中心拒绝登录：同步账号或密码不正确，或账号已停用。"
            "请向县中心核对后运行 yichuang sync set-up 重新输入。",
            "auth",
        )
    if sqlstate == "42501":
        return SyncError(
            f"县中心拒绝了本账号的操作（权限不足：{_message(exc)}）。请联系县中心核对同步账号。",
            "refused",
        )
    if isinstance(exc, psycopg.OperationalError) or sqlstate.startswith("08"):
        reason = text.splitlines()[0] if text else "连接中断"
        return SyncError(
            f"无法连接县中心数据库 {host}（{reason}）。办件照常保存在本机，恢复连接后自动上传。",
            "offline",
        )
    return SyncError(f"县中心数据库出错：{_message(exc)}", "error")


@dataclass
class _Batch:
    seq: int
    first: int
    last: int
    rows: int
    request: str


class SyncClient:
    def __init__(
        self,
        store: LocalStore,
        config: CentralConfig,
        clock: Callable[[], datetime] = datetime.now,
        sleep: Callable[[float], None] = time.sleep,
        bookings: BookingFeed | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.bookings = bookings  # the hall's queue store, if this workstation has one
        self.clock = clock  # local wall time for bookkeeping only; it orders nothing
        self.sleep = sleep  # the wait between connection attempts when the county is full
        self.upload_images = True  # material page images go up after push and pull
        self.page_pause_s = 0.0  # a pause between image chunks (a slow hall link)
        self.page_chunk = 256 * 1024

    # ------------------------------------------------------------ connection

    @property
    def host(self) -> str:
        return libpq_url(self.config.url).split("@")[-1]

    def connect(self) -> psycopg.Connection[Any]:
        """One short-lived connection (a sync connects, pushes, pulls and disconnects:
        no pool on the workstation). When the county has no connection free, tries
        again ``busy_retries`` times after a random wait, then raises SyncError (busy)."""
        attempt = 0
        while True:
            try:
                return self._connect_once()
            except SyncError as exc:
                if exc.kind != "busy" or attempt >= self.config.busy_retries:
                    raise
                attempt += 1
                log.info("county connections full, attempt %d: waiting", attempt)
                self.sleep(self.config.busy_wait_s * random.uniform(0.5, 1.5))

    def _connect_once(self) -> psycopg.Connection[Any]:
        c = self.config
        try:
            return psycopg.connect(
                libpq_url(c.url),
                password=c.password or None,
                sslmode=c.sslmode or "prefer",
                connect_timeout=c.connect_timeout,
                # no centre or workstation code: pg_stat_activity shows every login the
                # application names of all sessions
                application_name="yichuang-sync",
                keepalives=1,
                keepalives_idle=30,
                keepalives_interval=10,
                keepalives_count=3,
                tcp_user_timeout=60_000,  # unacknowledged data: a dead link is noticed
                autocommit=True,  # each function call is one central transaction
                # nothing is prepared on the server: behind PgBouncer in transaction
                # mode the next call may run in another server session
                prepare_threshold=None,
            )
        except psycopg.Error as exc:
            raise translate(exc, self.host) from exc

    @contextmanager
    def _session(self) -> Iterator[psycopg.Connection[Any]]:
        conn = self.connect()
        try:
            yield conn
        except psycopg.Error as exc:
            raise translate(exc, self.host) from exc
        finally:
            conn.close()

    def _identity(self) -> Identity:
        with self.store.session() as s, s.begin():
            install = state.install_id(s)
        return {
            "schema": self.config.schema,
            "centre": self.config.centre,
            "workstation": self.config.workstation,
            "install_id": install,
            "machine": state.machine_fingerprint(),
        }

    def server_info(self) -> dict[str, Any]:
        with self._session() as conn:
            row = conn.execute("SELECT yc_api.server_info_v1()").fetchone()
            assert row is not None
            info: dict[str, Any] = row[0]
            return info

    # ------------------------------------------------------------ push

    def _release_held(self, now: datetime) -> None:
        """Rows the county refused go out again (in a new batch) once the retry
        interval since the last refusal has passed."""
        with self.store.session() as s, s.begin():
            state.lock(s)
            last = state.get(s, state.REFUSED_AT)
            if last and now < datetime.fromisoformat(last) + timedelta(
                seconds=self.config.retry_refused_s
            ):
                return
            s.execute(
                update(SyncOutboxRow)
                .where(SyncOutboxRow.batch_seq == HELD_BATCH, SyncOutboxRow.sent_at.is_(None))
                .values(batch_seq=None)
            )

    def _form_batch(
        self, identity: Identity, exclude: frozenset[int] = frozenset()
    ) -> _Batch | None:
        with self.store.session() as s, s.begin():
            state.lock(s)
            open_seq = s.scalar(
                select(func.min(SyncOutboxRow.batch_seq)).where(
                    SyncOutboxRow.batch_seq.is_not(None),
                    SyncOutboxRow.batch_seq != HELD_BATCH,
                    SyncOutboxRow.sent_at.is_(None),
                )
            )
            if open_seq is None:
                rows = s.execute(
                    select(SyncOutboxRow.seq, SyncOutboxRow.payload)
                    .where(
                        SyncOutboxRow.sent_at.is_(None),
                        SyncOutboxRow.batch_seq.is_(None),
                        SyncOutboxRow.seq.not_in(exclude),
                    )
                    .order_by(SyncOutboxRow.seq)
                    .limit(self.config.batch_rows)
                ).all()
                if not rows:
                    return None
                bseq = int(state.get(s, state.BATCH_SEQ, "0")) + 1
                state.put(s, state.BATCH_SEQ, str(bseq))
                s.execute(
                    update(SyncOutboxRow)
                    .where(
                        SyncOutboxRow.seq >= rows[0].seq,
                        SyncOutboxRow.seq <= rows[-1].seq,
                        SyncOutboxRow.sent_at.is_(None),
                        SyncOutboxRow.batch_seq.is_(None),
                        SyncOutboxRow.seq.not_in(exclude),
                    )
                    .values(batch_seq=bseq)
                )
            else:
                bseq = int(open_seq)
                rows = s.execute(
                    select(SyncOutboxRow.seq, SyncOutboxRow.payload)
                    .where(SyncOutboxRow.batch_seq == bseq)
                    .order_by(SyncOutboxRow.seq)
                ).all()
        tables: dict[str, list[dict[str, Any]]] = {}
        centre, ws = self.config.centre, self.config.workstation
        for seq, payload in rows:
            for table in TABLES:
                for r in payload.get(table, ()):
                    r = dict(r, ws_seq=seq)
                    r.setdefault("centre_code", centre)
                    if table == "audit_entry":
                        r.setdefault("workstation", ws)
                    tables.setdefault(table, []).append(r)
        body = json.dumps(tables, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        first, last = rows[0].seq, rows[-1].seq
        digest = hashlib.sha256(f"{first}:{last}:{body}".encode()).hexdigest()
        head = dict(identity, batch_seq=bseq, first_seq=first, last_seq=last, digest=digest)
        request = json.dumps(head, ensure_ascii=False)[:-1] + ',"tables":' + body + "}"
        return _Batch(bseq, first, last, len(rows), request)

    def _record_push(self, batch: _Batch, reply: dict[str, Any], report: SyncReport) -> set[int]:
        """Mark the batch's rows sent, except those the county refused: they are held
        (never marked sent) and listed in the local quarantine. Returns the held seqs."""
        from db.models import SyncConflictRow, SyncQuarantineRow
        from db.privacy_repo import record_acks

        now = self.clock()
        quarantined = reply.get("quarantined") or []
        conflicts = reply.get("conflicts") or []
        refused = {_ws_seq(q) for q in quarantined} - {None}
        held = {int(seq) for seq in refused if seq is not None}
        if quarantined and not held:
            # a refusal that names no outbox row: hold the whole batch rather than lose it
            held = set(range(batch.first, batch.last + 1))
        with self.store.session() as s, s.begin():
            in_batch = set(
                s.scalars(
                    select(SyncOutboxRow.seq).where(
                        SyncOutboxRow.batch_seq == batch.seq, SyncOutboxRow.sent_at.is_(None)
                    )
                )
            )
            held &= in_batch
            # what the county took of each case (the purge of personal data waits for it)
            record_acks(
                s,
                s.scalars(
                    select(SyncOutboxRow.payload).where(
                        SyncOutboxRow.batch_seq == batch.seq,
                        SyncOutboxRow.sent_at.is_(None),
                        SyncOutboxRow.seq.not_in(held),
                    )
                ),
                now,
            )
            s.execute(
                update(SyncOutboxRow)
                .where(
                    SyncOutboxRow.batch_seq == batch.seq,
                    SyncOutboxRow.sent_at.is_(None),
                    SyncOutboxRow.seq.not_in(held),
                )
                .values(sent_at=now)
            )
            if held:
                s.execute(
                    update(SyncOutboxRow)
                    .where(SyncOutboxRow.seq.in_(held))
                    .values(batch_seq=HELD_BATCH)
                )
                state.put(s, state.REFUSED_AT, now.isoformat(timespec="seconds"))
            # earlier refusals of this batch's rows are replaced: by nothing when the
            # row has now gone up, by the new refusal when it was refused again
            for old in s.scalars(select(SyncQuarantineRow)):
                if old.batch_seq == batch.seq or _ws_seq_of(old.payload) in in_batch:
                    s.delete(old)
            for q in quarantined:
                s.add(
                    SyncQuarantineRow(
                        at=now, batch_seq=batch.seq, tbl=str(q.get("tbl", "")),
                        row_key=str(q.get("key", ""))[:100], reason=str(q.get("reason", "")),
                        payload=q.get("row") or {},
                    )
                )  # fmt: skip
            for c in conflicts:
                s.add(
                    SyncConflictRow(
                        at=now, side="push", tbl=str(c.get("tbl", "")),
                        row_key=str(c.get("key", ""))[:100], rule=str(c.get("rule", "")),
                        message=str(c.get("message", "")), detail=c.get("detail") or {},
                    )
                )  # fmt: skip
        report.batches += 1
        report.rows += batch.rows
        report.quarantined += len(quarantined)
        report.conflicts += len(conflicts)
        if reply.get("status") == "duplicate":
            report.duplicates += 1
        if reply.get("notice"):
            report.notice = str(reply["notice"])
        for q in quarantined:
            log.warning("county refused %s %s: %s", q.get("tbl"), q.get("key"), q.get("reason"))
        return held

    def push(self, conn: psycopg.Connection[Any], report: SyncReport | None = None) -> SyncReport:
        report = report or SyncReport()
        identity = self._identity()
        self._release_held(self.clock())
        held: set[int] = set()  # refused in this push: not sent again before the interval
        while True:
            batch = self._form_batch(identity, frozenset(held))
            if batch is None:
                return report
            row = conn.execute("SELECT yc_api.sync_push_v1(%s::jsonb)", [batch.request]).fetchone()
            assert row is not None
            # the county has committed: only now is the batch marked sent here
            held |= self._record_push(batch, row[0], report)
            log.info("pushed batch %d (%d rows, %s)", batch.seq, batch.rows, row[0].get("status"))

    # ------------------------------------------------------------ pull

    def pull(
        self,
        conn: psycopg.Connection[Any],
        report: SyncReport | None = None,
        progress: Progress | None = None,
    ) -> SyncReport:
        report = report or SyncReport()
        identity = self._identity()
        with self.store.session() as s:
            after_xid = state.get(s, state.PULL_XID, "0")
            after_seq = int(state.get(s, state.PULL_SEQ, "0"))
        done, total = 0, 0
        first = True
        while True:
            req = dict(
                identity,
                after_xid=after_xid,
                after_seq=after_seq,
                limit=self.config.pull_limit,
                count=first and progress is not None,
            )
            row = conn.execute(
                "SELECT yc_api.sync_pull_v1(%s::jsonb)", [json.dumps(req, ensure_ascii=False)]
            ).fetchone()
            assert row is not None
            reply: dict[str, Any] = row[0]
            if first and reply.get("remaining") is not None:
                total = int(reply["remaining"])
            first = False
            changes = reply.get("changes") or []
            cursor = reply["cursor"]
            with self.store.session() as s, s.begin():
                applied: PullApplied = apply_changes(s, changes)
                state.put(s, state.PULL_XID, str(cursor["xid"]))
                state.put(s, state.PULL_SEQ, str(cursor["seq"]))
            after_xid, after_seq = str(cursor["xid"]), int(cursor["seq"])
            report.pulled += len(changes)
            report.items_added += applied.items_added
            report.bundles_added += applied.bundles_added
            report.conflicts += applied.conflicts
            if reply.get("notice"):
                report.notice = str(reply["notice"])
            done += len(changes)
            if progress is not None:
                progress(done, max(total, done), f"已下载 {done} 条目录、日历、账号与办件状态")
            if not reply.get("more"):
                return report

    def pull_follow_ups(self, conn: psycopg.Connection[Any], report: SyncReport) -> None:
        """The centre's follow-ups other workstations pushed (c0016), under a cursor of
        their own (db/sync/follow_ups.py). A county before c0016 has no such feed: the
        rest of the sync goes on."""
        from db.sync.follow_ups import apply_follow_ups

        with self.store.session() as s:
            after_xid = state.get(s, state.FOLLOW_UP_XID, "0")
            after_id = state.get(s, state.FOLLOW_UP_ID, "")
        while True:
            req = dict(self._identity(), after_xid=after_xid, limit=self.config.pull_limit)
            if after_id:
                req["after_id"] = after_id
            try:
                row = conn.execute(
                    "SELECT yc_api.sync_follow_ups_v1(%s::jsonb)",
                    [json.dumps(req, ensure_ascii=False)],
                ).fetchone()
            except psycopg.errors.UndefinedFunction:
                log.info("the county does not send follow-ups down yet (before c0016)")
                return
            assert row is not None
            reply: dict[str, Any] = row[0]
            cursor = reply["cursor"]
            with self.store.session() as s, s.begin():
                got = apply_follow_ups(s, reply.get("changes") or [], self.clock())
                state.put(s, state.FOLLOW_UP_XID, str(cursor["xid"]))
                state.put(s, state.FOLLOW_UP_ID, str(cursor["id"]))
            after_xid, after_id = str(cursor["xid"]), str(cursor["id"])
            report.follow_ups_pulled += got.added + got.updated
            report.conflicts += got.conflicts
            if not reply.get("more"):
                return

    def pull_bookings(self, conn: psycopg.Connection[Any], report: SyncReport) -> None:
        """The centre's county bookings into the hall's queue store, and the hall's
        check-ins and no-shows up (db/sync/bookings.py); never fails the sync."""
        assert self.bookings is not None
        got = self.bookings.sync(
            conn, self._identity(), f"{self.config.centre}-{self.config.workstation}"
        )
        report.bookings_added += got.added
        report.bookings_cancelled += got.cancelled
        report.booking_issues += got.issues
        if got.warning:
            report.warnings.append(got.warning)

    def upload_pages(self, conn: psycopg.Connection[Any], report: SyncReport) -> None:
        """The page images of saved cases, in chunks (db/sync/pages.py); never fails
        the sync (the cases are up already)."""
        from db.page_repo import PageFiles, pages_folder, pending_upload_count
        from db.sync.pages import upload_pages

        files = PageFiles(pages_folder(self.store.url))
        got = upload_pages(
            conn,
            self.store,
            files,
            self._identity(),
            now=self.clock,
            chunk=self.page_chunk,
            pause_s=self.page_pause_s,
        )
        report.pages_uploaded += got.uploaded
        report.warnings += got.warnings
        with self.store.session() as s:
            report.pages_pending = pending_upload_count(s)

    def anchor(self, conn: psycopg.Connection[Any], report: SyncReport) -> None:
        """Show the county this store's audit chain head (c0012): the county compares
        it with the entry it received at that seq, so a rewrite of history already
        synced (even with the chain recomputed) is caught there and listed for the
        county's administrator (``central audit-breaks``). Never fails the sync."""
        from db.models import AuditChainRow

        with self.store.session() as s:
            head = s.get(AuditChainRow, 1)
            if head is None or not head.seq:
                return
            seq, entry_hash = head.seq, head.entry_hash
        req = dict(self._identity(), head={"seq": seq, "entry_hash": entry_hash})
        try:
            row = conn.execute(
                "SELECT yc_api.audit_anchor_v1(%s::jsonb)", [json.dumps(req, ensure_ascii=False)]
            ).fetchone()
        except psycopg.errors.UndefinedFunction:
            log.info("the county does not compare audit chain heads yet (before c0012)")
            return
        reply: dict[str, Any] = row[0] if row is not None else {}
        if reply.get("compared") and not reply.get("ok"):
            message = str(reply.get("message") or "县中心发现本机审计链被改写")
            log.error("county: %s", message)
            report.warnings.append(message)

    # ------------------------------------------------------------ both

    def sync_once(self, progress: Progress | None = None) -> SyncReport:
        """Push everything pending, then pull everything new. Records the outcome in
        the local sync state. Raises SyncError (Chinese message) on failure."""
        report = SyncReport()
        try:
            with self._session() as conn:
                self.push(conn, report)
                self.anchor(conn, report)
                self.pull(conn, report, progress)
                self.pull_follow_ups(conn, report)
                if self.bookings is not None:
                    self.pull_bookings(conn, report)
                if self.upload_images:
                    self.upload_pages(conn, report)
        except SyncError as exc:
            self._remember_error(exc.message)
            raise
        with self.store.session() as s, s.begin():
            state.put(s, state.LAST_SUCCESS, self.clock().isoformat(timespec="seconds"))
            state.put(s, state.LAST_ERROR, "")
            state.put(s, state.NOTICE, report.notice)
            report.pending = pending_count(s)
            # rows the county acknowledged long ago are no longer needed (the batch
            # counter lives in sync_state, so numbering goes on); the cases stay
            s.execute(
                delete(SyncOutboxRow).where(
                    SyncOutboxRow.sent_at.is_not(None),
                    SyncOutboxRow.sent_at < self.clock() - timedelta(days=KEEP_SENT_DAYS),
                )
            )
        return report

    def _remember_error(self, message: str) -> None:
        try:
            with self.store.session() as s, s.begin():
                state.put(s, state.LAST_ERROR, message)
                state.put(s, state.LAST_ERROR_AT, self.clock().isoformat(timespec="seconds"))
        except Exception:  # the local store itself is the problem: the caller shows it
            log.exception("could not record the sync error")


def _ws_seq_of(row: Any) -> int | None:
    try:
        return (
            int(row["ws_seq"]) if isinstance(row, dict) and row.get("ws_seq") is not None else None
        )
    except (TypeError, ValueError):
        return None


def _ws_seq(quarantined: dict[str, Any]) -> int | None:
    """The outbox row a refused row came from (each pushed row carries its ws_seq)."""
    return _ws_seq_of(quarantined.get("row"))


def first_sync(store: LocalStore, client: SyncClient, progress: Progress) -> SyncReport:
    """First start of a new workstation: from an empty store to a usable catalogue.

    ``progress(done, total, message)`` is called from this (worker) thread after every
    page; ``total`` is the number of changes waiting at the county when the pull began."""
    from db.catalog_repo import count_items

    progress(0, 0, "正在连接县中心……")
    report = client.sync_once(progress=progress)
    with store.session() as s:
        items = count_items(s)
    if not items:
        raise SyncError("县中心尚未发布事项目录，本机暂不能受理。请联系县中心发布目录。", "refused")
    progress(report.pulled, report.pulled, f"完成：本机共有 {items} 个事项")
    return report
