"""What a valid per-hall setting looks like: one rule per kind of value.

Pure functions (no Qt, no files, no network). Each returns the value as it is kept
(trimmed, upper-cased where the format says so) or raises ``RuleError`` whose text
says what is expected, in Chinese; the settings registry (app/settings.py) puts the
field's name in front, so a wrong value is always named with its field.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from pathlib import PurePosixPath, PureWindowsPath
from string import Formatter
from typing import Any
from urllib.parse import urlsplit

from app.core.caseno import valid_centre, valid_workstation

SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
RECEIPT_FORMATS = ("A4", "80mm")
QR_FIELDS = ("case_no", "item_code")  # printing/settings.py reads the same two
DEFAULT_PRINTER = "*"
CENTRAL_SCHEMES = ("postgresql", "postgresql+psycopg", "postgres")
# working days a hall may give a 差评 follow-up or a complaint (app/core/feedback.py)
FOLLOW_UP_LIMITS = (5, 15)
QUEUE_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg", "postgres")

_PHONE = re.compile(r"^\+?[0-9()\- ]+\Z")
_PHONE_SPLIT = re.compile(r"[、，,;；/]")
_WINDOW = re.compile(r"^[0-9A-Za-z]{1,4}\Z")


class RuleError(ValueError):
    """A value that breaks its rule; ``str()`` says what is expected, in Chinese."""


def centre_code(value: str) -> str:
    kept = value.strip()
    if not valid_centre(kept):
        raise RuleError(f"应为6至12位数字，现在是“{value}”")
    return kept


def workstation(value: str) -> str:
    kept = value.strip().upper()
    if not valid_workstation(kept):
        raise RuleError(f"应为县中心分配的2位大写字母或数字（如 A1），现在是“{value}”")
    return kept


def text(value: str, longest: int, *, required: bool = True) -> str:
    """One line of text for a document or a title: no line breaks, not too long."""
    kept = value.strip()
    if required and not kept:
        raise RuleError("不能为空")
    if len(kept) > longest:
        raise RuleError(f"最多{longest}个字，现在有{len(kept)}个字")
    if "\n" in kept or "\r" in kept or "\t" in kept:
        raise RuleError("应为一行文字，不能含换行或制表符")
    return kept


def court(value: str) -> str:
    kept = text(value, 40)
    if not kept.endswith("法院"):
        raise RuleError(f"应为法院的全称，以“法院”结尾（如 示范县人民法院），现在是“{value}”")
    return kept


def phones(value: str) -> str:
    """One or more telephone numbers (separated by 、，;/): each 5 to 16 digits, with
    only +, -, spaces and brackets between them (12345, 0538-1230100, 400-123-4567)."""
    kept = value.strip()
    if not kept:
        raise RuleError("不能为空")
    for part in _PHONE_SPLIT.split(kept):
        number = part.strip()
        digits = sum(ch.isdigit() for ch in number)
        if not _PHONE.match(number) or not 5 <= digits <= 16:
            raise RuleError(
                f"“{number}”不像电话号码：应为5至16位数字，可含区号连字符"
                "（如 0538-1230100、12345），多个号码用“、”分开"
            )
    return kept


def window_no(value: str) -> str:
    kept = value.strip()
    if not _WINDOW.match(kept):
        raise RuleError(f"应为1至4位数字或字母（如 3），现在是“{value}”")
    return kept


def integer(value: int, lowest: int, highest: int, unit: str = "") -> int:
    if not lowest <= value <= highest:
        raise RuleError(f"应在{lowest}至{highest}{unit}之间，现在是{value}{unit}")
    return value


def choice(value: str, allowed: Collection[str]) -> str:
    kept = value.strip()
    if kept not in allowed:
        raise RuleError(f"只能是 {' / '.join(allowed)} 之一，现在是“{value}”")
    return kept


def receipt_format(value: str) -> str:
    kept = value.strip()
    for name in RECEIPT_FORMATS:
        if kept.lower() == name.lower():
            return name
    raise RuleError(f"只能是 A4（A4纸）或 80mm（热敏卷纸），现在是“{value}”")


def qr_template(value: str) -> str:
    """Empty (no QR code) or a text with {case_no} and at most the known placeholders."""
    kept = value.strip()
    if not kept:
        return ""
    try:
        names = [name for _, name, _, _ in Formatter().parse(kept) if name is not None]
    except ValueError:
        raise RuleError(f"花括号不成对：{kept}（占位符写作 {{case_no}}）") from None
    for name in names:
        if name not in QR_FIELDS:
            raise RuleError(f"含未知占位符 {{{name}}}，只能使用 {{case_no}}、{{item_code}}")
    if "case_no" not in names:
        raise RuleError("须含 {case_no}（办件编号），如 https://zwfw.example.gov.cn/q?no={case_no}")
    return kept


def central_url(value: str) -> str:
    """Empty (no sync) or postgresql://LOGIN@HOST[:PORT]/DATABASE, never a password."""
    kept = value.strip()
    if not kept:
        return ""
    example = "如 postgresql://yc_370999101@10.1.2.3/yichuang"
    parts = urlsplit(kept)
    if parts.scheme not in CENTRAL_SCHEMES:
        raise RuleError(f"应以 postgresql:// 开头，{example}")
    if parts.password is not None:
        raise RuleError(
            "不能含密码（密码只存入本机钥匙串或密码文件）。请去掉地址中的“:密码”，"
            "再运行 yichuang sync set-up 输入密码"
        )
    if not parts.username:
        raise RuleError(f"须含本中心的同步账号（@ 前），{example}")
    if not parts.hostname:
        raise RuleError(f"须含县中心数据库服务器的地址，{example}")
    try:
        port = parts.port
    except ValueError:
        raise RuleError("端口应为1至65535的数字") from None
    if port == 0:
        raise RuleError("端口应为1至65535的数字")
    if parts.path in ("", "/"):
        raise RuleError(f"须含数据库名（/ 后），{example}")
    return kept


def queue_url(value: str) -> str:
    """Empty (queue.sqlite3 in the data folder) or a sqlite/postgresql SQLAlchemy URL."""
    kept = value.strip()
    if not kept:
        return ""
    scheme, sep, _ = kept.partition("://")
    if not sep or scheme not in QUEUE_SCHEMES:
        raise RuleError(
            "应为 sqlite:///文件路径 或 postgresql://账号@服务器/数据库；留空使用数据目录中的 queue.sqlite3"
        )
    return kept


def absolute_path(value: str) -> str:
    """Empty, or a full path (C:\\…, /etc/…)."""
    kept = value.strip()
    if kept and not (PurePosixPath(kept).is_absolute() or PureWindowsPath(kept).is_absolute()):
        raise RuleError(f"应为完整路径（如 /etc/yichuang/central.pass），现在是“{value}”")
    return kept


def printer_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RuleError("打印机名称不能为空")
    kept = value.strip()
    bad = [ch for ch in kept if ch in "/#\\" or ord(ch) < 32]
    if bad or len(kept) > 127:
        raise RuleError(f"打印机名称“{kept}”无效：不能含 / # \\ 或控制字符，最多127个字符")
    return kept


def printers(value: Mapping[str, Any], kinds: Collection[str]) -> dict[str, str]:
    """Document kind → printer name; "*" is the printer of every kind not named."""
    kept: dict[str, str] = {}
    for kind, name in value.items():
        if kind != DEFAULT_PRINTER and kind not in kinds:
            known = "、".join([*kinds, DEFAULT_PRINTER + "（默认）"])
            raise RuleError(f"未知的文书“{kind}”，可选：{known}")
        kept[kind] = printer_name(name)
    return kept
