"""Citizens' personal data at the workstation (issue 23, 《个人信息保护法》): the ONE
place for how ID numbers and phones are masked on screen and in exports, what a look
at personal data is called in the audit record, and when a case's personal data may
leave the local store. Pure functions: no Qt, no SQL.

Masking (minimal on screen): a resident ID number keeps its region (first 6) and
last 4 characters, as printed documents and the booking lists always showed it, a
mobile its first 3 and last 4, a fixed line its area code and last 4; everything
between is ``*``. printing/text.py and app/core/booking.py call these (mask_id
reads a typed number as app/core/identity.normalise does first). Lists, queue
screens, hall displays and exports show masked values; the case view of the
centre's own clerks shows them whole.

Retention (kept no longer than needed): a case's personal data is purged from the
local store once the case is concluded, the county has acknowledged the case as it
now stands (the county keeps the record), and the county's period has run since that
acknowledgement. The acknowledgement is the county's, recorded when a push is
answered, so setting the workstation's clock forward cannot purge a case the county
does not hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.identity import normalise

# ---------------------------------------------------------------- masking

_MOBILE = re.compile(r"^1[3-9]\d{9}\Z")
_FIXED = re.compile(r"^(0\d{2,3})[- ]?(\d{7,8})((?:-\d{1,6})?)\Z")


def mask_id_no(value: str | None) -> str:
    """Hide the middle of an identity number: ``370982********1234``. An 18- or
    15-character resident ID keeps its region (6) and last 4; other numbers (passport,
    permit) keep about their first and last quarter, so the applicant and the clerk
    recognise it. The same rule for screens, exports and printed documents."""
    n = (value or "").strip().upper()
    if len(n) <= 4:
        return "*" * len(n)
    if len(n) in (15, 18):
        head, tail = 6, 4
    else:
        head, tail = max(1, len(n) // 4), max(1, len(n) // 4)
    return n[:head] + "*" * (len(n) - head - tail) + n[-tail:]


def mask_id(number: str) -> str:
    """A typed or read ID number, masked: written the way the checks read it (full-width
    digits, spaces and dashes as app/core/identity.normalise takes them) first."""
    return mask_id_no(normalise(number))


def mask_phone(value: str | None, *, landline: bool = True) -> str:
    """``13812345678`` → ``138****5678``; an applicant's fixed line ``0531-87654321`` →
    ``0531-****4321`` (``landline=False``: shown whole, as a document prints a
    number that may be an office's)."""
    v = (value or "").strip()
    if not v:
        return ""
    digits = v.replace(" ", "")
    if _MOBILE.match(digits):
        return digits[:3] + "****" + digits[-4:]
    if not landline:
        return v
    m = _FIXED.match(digits)
    if m:
        area, number, ext = m.groups()
        return f"{area}-{'*' * (len(number) - 4)}{number[-4:]}{ext}"
    d = "".join(ch for ch in digits if ch.isdigit())
    if len(d) >= 8:  # another number: its first 3 and last 4, as a mobile
        return d[:3] + "*" * (len(d) - 7) + d[-4:]
    return mask_id_no(d)


def mask_name(value: str | None) -> str:
    """``张三丰`` → ``张**``: for an export without a recorded reason (the lists show
    names whole: a clerk calls the applicant by name)."""
    v = (value or "").strip()
    return v[:1] + "*" * (len(v) - 1) if v else ""


# ---------------------------------------------------------------- looks at personal data

# The audit actions of a look (who, when, what, from which window): one name each.
VIEW_CASE = "查看个人信息"
SEARCH_ID = "按证件号码查找"
EXPORT = "导出个人信息"
REPRINT = "补打文书"
PURGE = "清除个人信息"
ACCESS_ACTIONS = (VIEW_CASE, SEARCH_ID, EXPORT, REPRINT)


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who looks, from where: the signed-in clerk, the window and the workstation."""

    login: str
    name: str = ""
    window_no: str = ""
    workstation: str = ""
    role: str = "clerk"

    def detail(self) -> dict[str, str]:
        return {"name": self.name, "window_no": self.window_no, "workstation": self.workstation}


@dataclass(frozen=True, slots=True)
class AccessEntry:
    """One look at an applicant's data, as the manager's list shows it."""

    at: datetime
    actor: str
    actor_name: str
    action: str
    case_no: str
    window_no: str
    workstation: str
    what: str  # the search text (masked), the export's reason, the document reprinted …


EXPORT_REASON_MIN = 4  # characters: "查询" is not a reason


def export_reason_problem(reason: str, *, manager: bool) -> str | None:
    """Why an unmasked export is not allowed, in Chinese; None when it is."""
    if not manager:
        return "只有大厅管理员（管理员、首席代表）可以导出完整的证件号码和电话，其他人导出的为脱敏数据。"
    if len(reason.strip()) < EXPORT_REASON_MIN:
        return f"导出完整个人信息须写明理由（至少{EXPORT_REASON_MIN}个字，如“县局来函调取第12号”），理由将记入审计记录。"
    return None


# ---------------------------------------------------------------- retention

DEFAULT_KEEP_DAYS = 180  # after the county acknowledged the concluded case
DRAFT_KEEP = timedelta(days=1)


def purge_due(
    concluded: bool,
    row_version: int,
    acked_version: int | None,
    acked_at: datetime | None,
    pending: bool,
    now: datetime,
    keep_days: int,
) -> bool:
    """May this case's personal data leave the local store now? Only when concluded
    (its status among app/core/lifecycle.CONCLUDED: the caller says, as this module
    knows nothing of the lifecycle), acknowledged by the county at (at least) its
    current version with nothing of it still waiting to go up, and ``keep_days``
    after that acknowledgement."""
    if not concluded or pending:
        return False
    if acked_version is None or acked_at is None or acked_version < row_version:
        return False
    return now >= acked_at + timedelta(days=keep_days)


# ---------------------------------------------------------------- the key export's passphrase

PASSPHRASE_MIN = 12


def passphrase_problem(passphrase: str) -> str | None:
    """Why a passphrase may not guard an exported store key (in Chinese); None when
    it may. At least 12 characters of at least three kinds (lower case, upper case,
    digits, others — a Chinese character counts as an other), and not mostly one
    character repeated: whoever holds the file can try passphrases offline."""
    p = passphrase
    if len(p) < PASSPHRASE_MIN:
        return f"口令太短：至少{PASSPHRASE_MIN}个字符（建议用一句只有您知道的话加数字和符号）。"
    kinds = sum(
        (
            any(c.islower() and c.isascii() for c in p),
            any(c.isupper() and c.isascii() for c in p),
            any(c.isdigit() for c in p),
            any(not (c.isascii() and c.isalnum()) for c in p),
        )
    )
    if kinds < 3:
        return "口令太简单：须含小写字母、大写字母、数字、符号（或汉字）中至少三种。"
    if max(p.count(c) for c in set(p)) * 2 > len(p) or len(set(p)) < 6:
        return "口令太简单：重复的字符太多。"
    if p.strip() != p:
        return "口令首尾不能是空格。"
    return None
