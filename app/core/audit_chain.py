"""The audit log's hash chain: the canonical form of an entry and of the case row it
describes, the hash, and the check of a chain read back in order (issue 16 item 3).

Each entry of a workstation's chain carries ``seq`` (1, 2, 3 … without gaps), the
hash of the entry before it (``prev_hash``; the first one carries ``GENESIS``), the
hash of the case row it describes as that row stood when the entry was written
(``row_hash``) and its own hash over all of that (``entry_hash``). Changing an entry
changes its hash; removing or inserting one breaks the seq or the link; changing a
case row (a promised date by plain SQL) no longer matches the row hash of the case's
latest entry.

The hash is SM3 (GB/T 32905, 国密) by default, as 商用密码应用安全性评估 (密评) expects
for integrity, or SHA-256 where the county chooses it (setting ``audit_hash``): each
chain records the algorithm it began with (``audit_chain.algorithm``) and keeps it,
so verifying knows it. Both through Python's ``hashlib`` on OpenSSL (the same
implementation the county's PostgreSQL reaches through pgcrypto's ``digest``).

The canonical form is the text PostgreSQL prints for a ``jsonb`` value
(``jsonb_build_array(…)::text``), UTF-8 encoded: object keys ordered by byte length
then bytes, ``", "`` and ``": "`` as separators, strings escaped as ``escape_json``
does, numbers as ``numeric`` prints them. So the county recomputes the same hash in
SQL from the row it stores, with no Python in the county.

The hash alone has no key: whoever can rewrite the whole chain from an edited row
onwards (and the head) makes it consistent again. Two things close that (docs/audit.md
says what each guards against):

- the workstation's key: each entry written with it carries ``entry_mac``, an
  HMAC-SM3 over its seq and hash, and the head a MAC over the keyed part's start and
  the tail (``entry_mac``/``head_mac``); the key is kept where the sync password is
  (the OS keyring), never in the store, so a rewrite of the store alone cannot make
  new MACs;
- the county keeps each workstation's head as it arrives and compares the
  workstation's head at every sync (c0012): a rewrite of already-synced history is
  caught there even by someone who holds the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any, NamedTuple
from uuid import UUID

ALGORITHM = "sm3"  # the default (国密)
ALGORITHMS = ("sm3", "sha256")
ENTRY_FORM = "yc-audit-1"
GENESIS = "0" * 64  # the prev_hash of a chain's first entry

# The case row an entry describes, hashed as a list of its columns. ONE place: a new
# column of ``cases`` that a clerk's or the county's step changes (due_date,
# clock_stopped_on, owner …) is added by a NEW form with the next number, and
# CURRENT_CASE_FORM moves to it; earlier forms stay as they are, since entries written
# under them name their form (``row_hash`` is "<form>:<hex>").
CASE_FORMS: dict[int, tuple[str, ...]] = {
    1: (
        "id", "case_no", "item_code", "item_name", "decision", "status", "decision_reason",
        "legal_basis", "promised_date", "supply_by", "limit_days", "limit_unit",
        "promised_estimated", "accepted_at", "completed_at", "clerk", "clerk_name",
        "on_behalf_of", "window_no", "workstation", "applicant_name", "applicant_id_no",
        "previous_case_id",
    ),
    # 2: the case lifecycle and 电子监察 (issue 16): the due date after clock stops,
    # the stop under way, the owner (首问负责) and the statutory date
    2: (
        "id", "case_no", "item_code", "item_name", "decision", "status", "decision_reason",
        "legal_basis", "promised_date", "supply_by", "limit_days", "limit_unit",
        "promised_estimated", "accepted_at", "completed_at", "clerk", "clerk_name",
        "on_behalf_of", "window_no", "workstation", "applicant_name", "applicant_id_no",
        "previous_case_id", "due_date", "clock_stopped_on", "owner", "statutory_date",
    ),
}  # fmt: skip
CURRENT_CASE_FORM = 2

_SM3 = hashlib.new(ALGORITHM)  # fetched once: copying is much cheaper than a new fetch


def sm3_hex(text: str) -> str:
    """SM3 of the text's UTF-8 bytes, as 64 lower-case hex digits."""
    h = _SM3.copy()
    h.update(text.encode("utf-8"))
    return h.hexdigest()


def _sm3_bytes(data: bytes) -> str:
    h = _SM3.copy()
    h.update(data)
    return h.hexdigest()


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_algorithm(algorithm: str) -> str:
    if algorithm not in ALGORITHMS:
        raise ValueError(f"审计链的哈希算法应为 {' 或 '.join(ALGORITHMS)}，而不是 {algorithm!r}")
    return algorithm


def bytes_hasher(algorithm: str) -> Callable[[bytes], str]:
    """The chain's hash of UTF-8 bytes, as 64 lower-case hex digits."""
    return _sm3_bytes if check_algorithm(algorithm) == "sm3" else _sha256_bytes


def text_hex(text: str, algorithm: str = ALGORITHM) -> str:
    if algorithm == "sm3":
        return sm3_hex(text)
    return bytes_hasher(algorithm)(text.encode("utf-8"))


# ---------------------------------------------------------------- canonical text


def _key_order(key: str) -> tuple[int, bytes]:
    raw = key.encode("utf-8")
    return len(raw), raw


def _number(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("审计记录中的数值不能是 NaN 或无穷大")
    if value == 0:
        return "0.0"  # numeric has no negative zero
    return format(Decimal(repr(value)), "f")


class _Slow(Exception):
    """A value the fast path does not handle (a float, a key that is not text …)."""


def _ordered(value: Any) -> Any:
    """``value`` with every object's keys in jsonb's order, for the C JSON encoder
    (whose strings and separators are then PostgreSQL's, ``ensure_ascii=False``)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        try:
            keys = sorted(value, key=_key_order)
        except AttributeError:
            raise _Slow from None
        return {k: _ordered(value[k]) for k in keys}
    if kind is list or kind is tuple:
        if set(map(type, value)) <= _SCALARS:
            return value  # a row of plain values (a case row) is written as it is
        return [_ordered(v) for v in value]
    raise _Slow


_SCALARS = frozenset({str, int, bool, type(None)})


_encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "), allow_nan=False).encode


def jsonb_text(value: Any) -> str:
    """``value`` as PostgreSQL prints it as jsonb (``value::jsonb::text``)."""
    try:
        return str(_encode(_ordered(value)))
    except _Slow:
        return _jsonb_text(value)


def _jsonb_text(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return str(encode_basestring(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, Mapping):
        for k in value:
            if not isinstance(k, str):
                raise TypeError(f"审计记录的键须为文字：{k!r}")
        keys = sorted(value, key=_key_order)
        return (
            "{" + ", ".join(f"{encode_basestring(k)}: {_jsonb_text(value[k])}" for k in keys) + "}"
        )
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_jsonb_text(v) for v in value) + "]"
    raise TypeError(f"审计记录中不能保存 {type(value).__name__} 类型的值")


def plain(value: Any) -> Any:
    """A column value as the canonical form holds it: the text SQLite keeps for it
    (SQLAlchemy's storage), so a workstation verifies its store without converting a
    million values: UUIDs as 32 hex digits, times as "YYYY-MM-DD HH:MM:SS.ffffff"
    (PostgreSQL: ``replace(id::text, '-', '')``, ``to_char(at, 'YYYY-MM-DD
    HH24:MI:SS.US')``), dates as ISO text."""
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    if isinstance(value, UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


# ---------------------------------------------------------------- hashes


def case_row_hash(
    row: Mapping[str, Any], form: int = CURRENT_CASE_FORM, algorithm: str = ALGORITHM
) -> str:
    """The hash of a case row under a form: ``"<form>:<hex>"``."""
    columns = CASE_FORMS[form]
    values = [f"yc-case-{form}", *map(plain, map(row.__getitem__, columns))]
    return f"{form}:{text_hex(jsonb_text(values), algorithm)}"


def subject_row_hash(form: str, values: Sequence[Any]) -> str:
    """The hash of a row that is not a case (a 好差评 follow-up, ``form`` "fu1"), for the
    entries of its steps, which carry no case: ``"<form>:<sm3 hex>"``. Never parsed as
    a case form (those are numbers)."""
    return f"{form}:{sm3_hex(jsonb_text([f'yc-{form}', *map(plain, values)]))}"


def case_form_of(row_hash: str) -> int | None:
    """The form a row hash was made under, or None when it names no known form."""
    head, sep, _ = row_hash.partition(":")
    if not sep or not head.isdigit():
        return None
    form = int(head)
    return form if form in CASE_FORMS else None


class EntryFields(NamedTuple):
    """What an entry hash covers besides the chain fields, as canonical text pieces
    (a named tuple: a million are made by one verify)."""

    id: str  # 32 hex digits
    case_id: str | None  # None: an entry of a follow-up's step (no case)
    at: str  # YYYY-MM-DD HH:MM:SS.ffffff
    actor: str
    action: str
    detail: Any  # the value, or its canonical text already (``DetailText``)

    @classmethod
    def of(cls, entry: Mapping[str, Any]) -> EntryFields:
        return cls(
            plain(entry["id"]), plain(entry["case_id"]), plain(entry["at"]),
            entry["actor"], entry["action"], entry.get("detail") or {},
        )  # fmt: skip


class DetailText(str):
    """A detail already in canonical text (as a SQLite store keeps it): used as is."""


def entry_text(seq: int, prev_hash: str, fields: EntryFields, row_hash: str) -> str:
    """The canonical text of a chained entry (what the county builds with
    ``jsonb_build_array('yc-audit-1', seq, prev_hash, id, case_id, at, actor, action,
    detail, row_hash)::text``, id and at in the forms of ``plain``)."""
    f, q = fields, encode_basestring
    return (
        f'["{ENTRY_FORM}", {int(seq)}, {q(prev_hash)}, {q(f.id)}, '
        f"{'null' if f.case_id is None else q(f.case_id)}, {q(f.at)}, "
        f"{q(f.actor)}, {q(f.action)}, "
        f"{f.detail if type(f.detail) is DetailText else jsonb_text(f.detail)}, {q(row_hash)}]"
    )


def entry_hash(
    seq: int, prev_hash: str, fields: EntryFields, row_hash: str, algorithm: str = ALGORITHM
) -> str:
    return text_hex(entry_text(seq, prev_hash, fields, row_hash), algorithm)


def content_digest(fields: EntryFields, algorithm: str = ALGORITHM) -> str:
    """The hash of an unchained entry's content (an entry made at the county): the
    workstation's receipt entry lists it, so the copy kept here is covered too."""
    return entry_hash(0, GENESIS, fields, "", algorithm)


class Link(NamedTuple):
    """The tail of a chain: its last seq and that entry's hash."""

    seq: int
    entry_hash: str


START = Link(0, GENESIS)


@dataclass(frozen=True, slots=True)
class Chained:
    seq: int
    prev_hash: str
    row_hash: str
    entry_hash: str


def link_entries(
    tail: Link, entries: Sequence[tuple[EntryFields, str]], algorithm: str = ALGORITHM
) -> tuple[list[Chained], Link]:
    """Chain entries (fields, row hash) after ``tail``: their chain columns, and the new tail."""
    out: list[Chained] = []
    seq, prev = tail.seq, tail.entry_hash
    for fields, row_hash in entries:
        seq += 1
        h = entry_hash(seq, prev, fields, row_hash, algorithm)
        out.append(Chained(seq, prev, row_hash, h))
        prev = h
    return out, Link(seq, prev)


MAC_FORM = "yc-audit-mac-1"


class _Hmac:
    """HMAC-SM3 (RFC 2104) under one key, its padded-key states absorbed once: a
    verify computes a million of them (hmac.new per entry costs twice as much)."""

    BLOCK = 64  # SM3's block size in bytes

    def __init__(self, key: bytes) -> None:
        if len(key) > self.BLOCK:
            key = hashlib.new(ALGORITHM, key).digest()
        padded = key.ljust(self.BLOCK, b"\0")
        self._inner = _SM3.copy()
        self._inner.update(bytes(b ^ 0x36 for b in padded))
        self._outer = _SM3.copy()
        self._outer.update(bytes(b ^ 0x5C for b in padded))

    def hex(self, message: bytes) -> str:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


@lru_cache(maxsize=8)
def _hmac(key: bytes) -> _Hmac:
    return _Hmac(key)


def entry_mac(key: bytes, seq: int, entry_hash: str) -> str:
    """HMAC-SM3 of a chained entry's position and hash under the workstation's key."""
    return _hmac(key).hex(f"{MAC_FORM}|{int(seq)}|{entry_hash}".encode())


def fingerprint(key: bytes, purpose: str, value: str) -> str:
    """HMAC-SM3 of a piece of personal data under the workstation's key, for an audit
    detail that keeps it only masked (app/core/lifecycle.personal_fingerprints)."""
    return _hmac(key).hex(f"yc-fp-1|{purpose}|{value}".encode())


def head_mac(key: bytes, keyed_from: int, seq: int, entry_hash: str) -> str:
    """HMAC-SM3 of the head: where the keyed part starts and the tail it reached (so
    the keyed mark cannot be moved or removed, nor the tail rewound, without the key)."""
    return _hmac(key).hex(f"{MAC_FORM}|head|{int(keyed_from)}|{int(seq)}|{entry_hash}".encode())


# ---------------------------------------------------------------- checking


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first place a chain does not hold: the entry (seq, id), what broke, and a
    Chinese message that says what happened and what to do."""

    kind: str  # missing | link | content | row | tail | unchained | county | mac
    seq: int | None
    entry_id: str
    message: str


def shown_id(value: str | None) -> str:
    """An id as people see it (8-4-4-4-12), whatever form it was read in ("无" for
    the missing case of a follow-up's entry)."""
    if value is None:
        return "无"
    try:
        return str(UUID(value))
    except ValueError:
        return value


ADVICE = "请勿再修改数据库，保留本机数据库文件并报告县中心（可用 yichuang backup 备份一份留证）。"


def _subject(fields: EntryFields) -> str:
    if fields.case_id is None:  # a follow-up's step: its number is in the detail
        detail = fields.detail
        if type(detail) is DetailText:
            detail = json.loads(detail)
        no = detail.get("follow_up", "") if isinstance(detail, dict) else ""
        return f"好差评/投诉 {no}"
    return f"办件 {shown_id(fields.case_id)}"


class ChainCheck:
    """Feed a chain's entries in seq order; the first break is kept (``broken``).

    ``gaps`` (after seq -> the link the chain resumes from) are the places where a
    backup was restored (db/backup.restore): the entries after the backup stayed in
    the replaced file and went up to the county from there, and this store's chain
    continues after the last of them. Each gap passed is listed in ``resumed``."""

    def __init__(
        self,
        start: Link = START,
        gaps: Mapping[int, Link] | None = None,
        algorithm: str = ALGORITHM,
        *,
        key: bytes | None = None,
        keyed_from: int | None = None,
    ) -> None:
        """``algorithm``: the chain's hash (sm3 or sha256). ``key``/``keyed_from``:
        entries from seq ``keyed_from`` on must carry a valid ``entry_mac`` under
        ``key`` (None: not checked; ``sound`` is then the fast path)."""
        self.last = start
        self.count = 0
        self.broken: ChainBreak | None = None
        self.gaps = dict(gaps or {})
        self.resumed: list[tuple[int, int]] = []
        self.key = key
        self.keyed_from = keyed_from
        self.algorithm = check_algorithm(algorithm)
        self.hash_bytes = bytes_hasher(algorithm)

    def sound(self, seq: int, prev_hash: str, stored_hash: str, text: bytes) -> bool:
        """The common case, fast: the entry whose canonical text the store built
        (``text``, UTF-8) follows the last one and hashes to its stored hash. False
        (nothing counted) for anything else: ``entry`` then looks at it properly."""
        last = self.last
        if (
            self.broken is not None
            or self.key is not None  # a keyed check reads each entry's MAC: ``entry``
            or seq != last.seq + 1
            or prev_hash != last.entry_hash
            or self.hash_bytes(text) != stored_hash
        ):
            return False
        self.count += 1
        self.last = Link(seq, stored_hash)
        return True

    def _resume(self, seq: int) -> None:
        gap = self.gaps.get(self.last.seq)
        if gap is not None and seq == gap.seq + 1 and gap.seq > self.last.seq:
            self.resumed.append((self.last.seq + 1, gap.seq))
            self.last = gap

    def entry(
        self,
        seq: int,
        prev_hash: str,
        stored_hash: str,
        fields: EntryFields,
        row_hash: str,
        mac: str | None = None,
    ) -> ChainBreak | None:
        if self.broken is not None:
            return self.broken
        self.count += 1
        if seq != self.last.seq + 1:
            self._resume(seq)
        expected = self.last.seq + 1
        found: ChainBreak | None = None
        if seq != expected:
            eid = shown_id(fields.id)
            lost = f"第 {expected} 条" if seq == expected + 1 else f"第 {expected}–{seq - 1} 条"
            found = ChainBreak(
                "missing", seq, eid,
                f"审计链在第 {seq} 条处断开：{lost}记录不见了（被删除）。{ADVICE}",
            )  # fmt: skip
        elif prev_hash != self.last.entry_hash:
            found = ChainBreak(
                "link", seq, shown_id(fields.id),
                f"审计链在第 {seq} 条处断开：它记下的前一条哈希与第 {self.last.seq} 条不符，"
                f"此处有记录被插入或替换。{ADVICE}",
            )  # fmt: skip
        elif entry_hash(seq, prev_hash, fields, row_hash, self.algorithm) != stored_hash:
            found = ChainBreak(
                "content", seq, shown_id(fields.id),
                f"审计链第 {seq} 条（{_subject(fields)}，{fields.action}）的内容被改动过，"
                f"与其哈希不符。{ADVICE}",
            )  # fmt: skip
        elif self._mac_wrong(seq, stored_hash, mac):
            what = "没有本机密钥校验值" if not mac else "的本机密钥校验值不符"
            found = ChainBreak(
                "mac", seq, shown_id(fields.id),
                f"审计链第 {seq} 条（办件 {shown_id(fields.case_id)}，{fields.action}）{what}："
                f"该记录连同其后的哈希链在本机被重算改写过（不知道本机密钥的人做不出校验值）。"
                f"{ADVICE}",
            )  # fmt: skip
        self.last = Link(seq, stored_hash)
        self.broken = found
        return found

    def _mac_wrong(self, seq: int, stored_hash: str, mac: str | None) -> bool:
        """A keyed entry whose MAC is missing or not the key's (False: not checked)."""
        if self.key is None or self.keyed_from is None or seq < self.keyed_from:
            return False
        return not mac or not hmac.compare_digest(mac, entry_mac(self.key, seq, stored_hash))

    def tail(self, head: Link | None) -> ChainBreak | None:
        """The chain's head as recorded apart must be its last entry."""
        if self.broken is not None:
            return self.broken
        if head is None:
            if self.count:
                self.broken = ChainBreak(
                    "tail", None, "",
                    f"审计链的链尾记录不见了（共 {self.count} 条记录）：链尾被删除。{ADVICE}",
                )  # fmt: skip
            return self.broken
        if head.seq > self.last.seq:
            self._resume(head.seq + 1)
        if head.seq > self.last.seq:
            self.broken = ChainBreak(
                "tail", self.last.seq + 1, "",
                f"审计链最后的第 {self.last.seq + 1}–{head.seq} 条记录不见了（被删除）。{ADVICE}",
            )  # fmt: skip
        elif head != self.last:
            self.broken = ChainBreak(
                "tail", self.last.seq, "",
                f"审计链的链尾（第 {head.seq} 条）与最后一条记录（第 {self.last.seq} 条）不符："
                f"链尾被改动，或其后有记录被插入。{ADVICE}",
            )  # fmt: skip
        return self.broken


def case_row_break(
    case_no: str,
    row: Mapping[str, Any],
    last_seq: int | None,
    last_row_hash: str | None,
    algorithm: str = ALGORITHM,
) -> ChainBreak | None:
    """A case row must be as its latest chained entry describes it."""
    if last_seq is None or last_row_hash is None:
        return ChainBreak(
            "row", None, "",
            f"办件 {case_no} 没有任何入链的审计记录：办件是绕过程序写入的，或其记录被删除。{ADVICE}",
        )  # fmt: skip
    form = case_form_of(last_row_hash)
    if form is None or case_row_hash(row, form, algorithm) != last_row_hash:
        return ChainBreak(
            "row", last_seq, "",
            f"办件 {case_no} 的数据（如承诺日期、状态、申请人）与审计链第 {last_seq} 条记下的"
            f"不符：办件在程序之外被改动过。{ADVICE}",
        )  # fmt: skip
    return None
