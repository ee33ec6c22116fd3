"""One settings registry: every setting with its type, default and meaning.

Settings live in ``settings.json`` in the data folder (user preferences and hall
configuration); window geometry lives apart in QSettings; secrets never here (they
go to the OS keyring). A file from an older version is upgraded on load.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core import settings_rules as rules

log = logging.getLogger("yichuang.settings")

SCHEMA_VERSION = 1


# Groups of the settings dialog (app/ui/settings_dialog.py), in its order
HALL, SYNC, PRINT, DEVICES, REMEDIES = "大厅", "县中心同步", "打印", "设备", "文书落款"
GROUPS = (HALL, SYNC, PRINT, DEVICES, REMEDIES)
ROLES = ("counter", "kiosk", "display", "manager", "panel")


@dataclass(frozen=True, slots=True)
class Setting:
    key: str
    type: type
    default: Any
    label: str  # shown in the settings dialog, Chinese
    group: str = ""  # a group of the settings dialog; "" = not shown there
    check: Callable[[Any], Any] | None = None  # the value as kept, or raises RuleError
    restart: bool = False  # read once at start: a change applies after a restart

    @property
    def name(self) -> str:
        """The label's head, for messages: 中心行政区划代码（6至12位数字） → 中心行政区划代码."""
        return re.split(r"[（：；，]", self.label, maxsplit=1)[0]

    @property
    def hint(self) -> str:
        """The rest of the label, what is expected: 中心行政区划代码（6至12位数字） → 6至12位数字."""
        rest = self.label[len(self.name) :]
        if rest.startswith("（"):
            close = rest.find("）")
            rest = rest[1:close] + rest[close + 1 :]
        return rest.lstrip("：；，")


def _text(longest: int, required: bool = True) -> Callable[[Any], Any]:
    return lambda v: rules.text(v, longest, required=required)


def _range(lowest: int, highest: int, unit: str = "") -> Callable[[Any], Any]:
    return lambda v: rules.integer(v, lowest, highest, unit)


def _choice(*allowed: str) -> Callable[[Any], Any]:
    return lambda v: rules.choice(v, allowed)


# The documents a printer can be chosen for: printing.documents.DocKind's values (a
# test keeps the two the same; importing printing here would load reportlab at start)
PRINTED_KINDS = (
    "受理通知书",
    "受理回执",
    "一次性告知书",
    "容缺受理承诺书",
    "不予受理通知书",
    "办事指南",
    "打印测试页",
    "联办受理通知书",
    "联办一次性告知书",
    "联办受理回执",
    "材料影像",
)


def printed_kinds() -> tuple[str, ...]:
    return PRINTED_KINDS


def _printers(value: Any) -> Any:
    return rules.printers(value, printed_kinds())


def _devices(value: Any) -> Any:
    from devices.errors import SettingsError
    from devices.settings import device_from_mapping

    for n, item in enumerate(value, 1):
        if not isinstance(item, dict):
            raise rules.RuleError(f'第{n}台设备应为一个对象（{{"kind": …, "port": {{…}}}}）')
        try:
            device_from_mapping(item)
        except SettingsError as exc:
            raise rules.RuleError(f"第{n}台设备：{exc}") from None
    return value


def _voice(value: Any) -> Any:
    from devices.errors import SettingsError
    from devices.settings import voice_from_mapping

    try:
        voice_from_mapping(value)
    except SettingsError as exc:
        raise rules.RuleError(str(exc)) from None
    return value


REGISTRY: tuple[Setting, ...] = (
    Setting("centre_code", str, "370999101", "中心行政区划代码（6至12位数字）", HALL,
            rules.centre_code, restart=True),
    Setting("workstation", str, "A1", "工作站代码（县中心分配，2位）", HALL,
            rules.workstation, restart=True),
    Setting("hall_name", str, "示范县城关镇便民服务中心", "大厅名称", HALL, _text(40)),
    Setting("hall_address", str, "示范县城关镇人民路88号", "大厅地址", HALL, _text(60)),
    Setting("hall_phone", str, "0538-1230100", "咨询电话", HALL, rules.phones),
    Setting("supervision_phone", str, "12345", "监督电话", HALL, rules.phones),
    # Centre-level defaults for what an item standard may leave empty (issue 15)
    Setting(
        "review_body",
        str,
        "示范县人民政府",
        "行政复议机关（事项未写明时，印在不予受理通知书和办事指南上）",
        REMEDIES,
        _text(40),
    ),
    Setting("court", str, "示范县人民法院", "行政诉讼管辖法院（事项未写明时）", REMEDIES,
            rules.court),
    Setting(
        "result_delivery", str, "窗口领取；申请人可选择邮寄送达", "办理结果送达方式（事项未写明时）",
        REMEDIES, _text(60),
    ),
    Setting(
        "office_hours", str, "周一至周五 9:00—12:00，13:30—17:30（法定节假日除外）", "办公时间",
        REMEDIES, _text(80, required=False),
    ),
    Setting("window_no", str, "1", "默认窗口号", HALL, rules.window_no),
    Setting(
        "follow_up_days", int, 10, "差评整改和投诉办理时限（5至15个工作日）", HALL,
        _range(*rules.FOLLOW_UP_LIMITS, "个工作日"),
    ),
    Setting(
        "correction_days", int, 30,
        "补正期限（自出具一次性告知书之日起的自然日数；期满未补正的办件自动记为补正逾期）",
        HALL, _range(1, 365, "日"),
    ),
    Setting("large_font", bool, False, "大字体"),
    Setting("recent_items", list, [], "最近使用的事项"),
    Setting("demo_clerks", bool, False, "使用演示账号（登录框显示提示）"),
    Setting("printers", dict, {}, "各类文书使用的打印机（文书名称 → 打印机名称，“*”为默认）",
            PRINT, _printers),
    Setting("receipt_format", str, "A4", "受理回执纸张：A4 或 80mm", PRINT, rules.receipt_format),
    Setting(
        "qr_template", str, "", "回执二维码内容模板，如 https://…/q?no={case_no}；留空不印二维码",
        PRINT, rules.qr_template,
    ),
    Setting("print_after_save", bool, True, "保存办件后自动打印文书", PRINT),
    # The hall queue (issue 5) and its devices (issue 6)
    Setting(
        "role",
        str,
        "counter",
        "程序角色：counter 窗口 / kiosk 取号机 / display 大厅屏 / manager 大厅管理",
        DEVICES,
        _choice(*ROLES),
        restart=True,
    ),
    Setting("queue_panel", bool, True, "在受理窗口中显示排队叫号面板（本大厅不用排队系统时关闭）",
            DEVICES, restart=True),
    Setting("queue_url", str, "", "排队数据库 SQLAlchemy URL；留空使用数据目录中的 queue.sqlite3",
            DEVICES, rules.queue_url, restart=True),
    Setting(
        "devices", list, [], "排队设备（条屏、综合屏、呼叫器、评价器、小票打印机）的端口与参数",
        DEVICES, _devices, restart=True,
    ),
    Setting("voice", dict, {}, "语音播报设置（引擎、模板、重复次数、播放程序）", DEVICES, _voice,
            restart=True),
    Setting(
        "devices_role",
        str,
        "display",
        "本机排队设备由哪个程序驱动：display 大厅屏程序（默认）；counter 窗口程序（窗口电脑自带评价器、呼叫器时）",
        DEVICES,
        _choice("display", "counter"),
        restart=True,
    ),
    # Central sync (issue 7); the password lives in the OS keyring, never here
    Setting(
        "central_url",
        str,
        "",
        "县中心数据库地址（不含密码），如 postgresql://yc_370999101@10.1.2.3/yichuang；留空不同步",
        SYNC,
        rules.central_url,
        restart=True,
    ),
    Setting(
        "central_sslmode",
        str,
        "prefer",
        "连接县中心数据库的 TLS 模式（disable/prefer/require/verify-full）",
        SYNC,
        _choice(*rules.SSL_MODES),
        restart=True,
    ),
    Setting(
        "central_password_file",
        str,
        "",
        "无人值守同步的密码文件（只允许运行同步的用户读取，chmod 600）；留空用系统钥匙串",
        SYNC,
        rules.absolute_path,
        restart=True,
    ),
    Setting(
        "audit_hash",
        str,
        "sm3",
        "审计链哈希算法（县中心统一选择）：sm3 国密（默认）或 sha256；已开始的链保持原算法",
        SYNC,
        _choice("sm3", "sha256"),
        restart=True,
    ),
    Setting("sync_interval_s", int, 30, "自动同步间隔（秒）", SYNC, _range(5, 3600, "秒"),
            restart=True),
    Setting(
        "county_bookings",
        bool,
        True,
        "同步时把县中心的本中心预约下载到本大厅的排队数据库（大厅各工作站都可下载，不会重复）",
        SYNC,
    ),
    # Operations (issue 19)
    # Personal data (issue 23): the county's retention period, in the hall file it hands out
    Setting("personal_data_keep_days", int, 180,
            "办结并经县中心确认后，本机保留申请人个人信息的天数（县中心规定；到期后本机只留办件编号、事项、日期和状态）",
            HALL, _range(1, 3650, "天")),
    Setting("backup_keep", int, 14, "保留的每日自动备份份数（数据目录 backups/ 中，最少1份）", HALL,
            _range(1, 365, "份")),
    Setting("backup_after_purge_days", int, 7,
            "清除个人信息后，此前的自动备份最多再保留的天数（期间已有清除后的新备份）",
            HALL, _range(1, 365, "天")),
)  # fmt: skip
_BY_KEY = {s.key: s for s in REGISTRY}

# Keys older versions wrote that mean nothing now: dropped on load (settings.json) and
# passed over with a note in a hall file, so an old file still loads whole.
# warn_days: the counter's own 黄灯 rule; the lights are 电子监察's now, with the margins
# the hall's manager sets on the 电子监察 screen (app/core/supervision.Margins).
RETIRED = {"warn_days": "黄灯、红灯预警天数已改由大厅管理人员在“电子监察”中统一设置"}


class Settings:
    """Typed access to settings.json; unknown keys are kept, bad values fall back.

    Several programs may hold the same file (the counter window, the kiosk, `yichuang
    config set`): save() writes only the keys this object changed over what the file
    holds then, so one program never undoes another's change with a stale copy."""

    def __init__(self, path: Path | None, values: Mapping[str, Any] | None = None) -> None:
        self.path = path
        self._values: dict[str, Any] = dict(values or {})
        self._changed: set[str] = set(self._values)

    @classmethod
    def load(cls, path: Path) -> Settings:
        values: dict[str, Any] = {}
        if path.exists():
            try:
                values = json.loads(path.read_text(encoding="utf-8"))
                if not isinstance(values, dict):
                    raise ValueError("not an object")
            except (OSError, ValueError) as exc:
                log.warning("settings file %s unreadable (%s); using defaults", path, exc)
                backup = path.with_suffix(".broken.json")
                with contextlib.suppress(OSError):
                    path.replace(backup)
                values = {}
        loaded = cls(path, _upgrade(values))
        loaded._changed.clear()
        return loaded

    def get(self, key: str) -> Any:
        setting = _BY_KEY[key]
        value = self._values.get(key, setting.default)
        if not isinstance(value, setting.type) or (setting.type is int and isinstance(value, bool)):
            return setting.default
        return value

    def set(self, key: str, value: Any) -> None:
        setting = _BY_KEY[key]
        if not isinstance(value, setting.type):
            raise TypeError(f"{key} must be {setting.type.__name__}")
        self._values[key] = value
        self._changed.add(key)

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = _read_object(self.path)
        data.update({key: self._values[key] for key in self._changed if key in self._values})
        for key in RETIRED:
            data.pop(key, None)
        data["schema"] = SCHEMA_VERSION
        tmp = self.path.with_name(f"{self.path.stem}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(self.path)  # atomic: a power cut leaves the old or the new file
        self._changed.clear()

    def remember_item(self, code: str, keep: int = 20) -> None:
        recent = [c for c in self.get("recent_items") if c != code]
        self.set("recent_items", [code, *recent][:keep])

    def raw(self, key: str) -> Any:
        """The value as stored (or the default), before get()'s fall-back on a wrong type."""
        return self._values.get(key, _BY_KEY[key].default)

    def is_set(self, key: str) -> bool:
        return key in self._values

    def update(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Check every change and apply them all, or none: raises InvalidSettings naming
        each wrong field. Returns the values as kept (trimmed, normalised); the caller
        saves."""
        kept, problems = check_values(changes)
        if problems:
            raise InvalidSettings(problems)
        self._values.update(kept)
        self._changed.update(kept)
        return kept

    def problems(self) -> dict[str, str]:
        """Every stored value that breaks its rule (key → message naming the field)."""
        stored = {k: v for k, v in self._values.items() if k in _BY_KEY}
        return check_values(stored)[1]


# ------------------------------------------------------------------ checking values


class InvalidSettings(ValueError):
    """One or more wrong values; ``problems`` maps each key to a Chinese message that
    starts with the field's name."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("\n".join(self.problems.values()))


_TYPE_NAMES = {
    str: "文字",
    int: "整数",
    bool: "是/否",
    list: "列表（JSON 数组）",
    dict: "对照表（JSON 对象）",
}


def setting(key: str) -> Setting:
    return _BY_KEY[key]


def check_value(key: str, value: Any) -> Any:
    """The value as it is kept, or raises InvalidSettings naming the field."""
    known = _BY_KEY.get(key)
    if known is None:
        raise InvalidSettings({key: f"未知的设置项“{key}”（yichuang config show 列出全部设置项）"})
    wrong_type = not isinstance(value, known.type) or (
        known.type is int and isinstance(value, bool)
    )
    if wrong_type:
        raise InvalidSettings({key: f"{known.name}：应为{_TYPE_NAMES[known.type]}"})
    if known.check is None:
        return value
    try:
        return known.check(value)
    except rules.RuleError as exc:
        raise InvalidSettings({key: f"{known.name}：{exc}"}) from None


def check_values(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(the valid values as kept, key → message for each wrong one)."""
    kept: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for key, value in values.items():
        try:
            kept[key] = check_value(key, value)
        except InvalidSettings as exc:
            problems.update(exc.problems)
    return kept, problems


_TRUE = ("true", "1", "yes", "on", "是")
_FALSE = ("false", "0", "no", "off", "否")


def parse_text(key: str, text: str) -> Any:
    """A value typed on the command line (or in a text field) as its setting's type:
    text as it is; integers; true/false (是/否); lists and mappings as JSON."""
    known = _BY_KEY.get(key)
    if known is None:
        raise InvalidSettings({key: f"未知的设置项“{key}”（yichuang config show 列出全部设置项）"})
    if known.type is str:
        return text
    if known.type is bool:
        word = text.strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise InvalidSettings({key: f"{known.name}：应为 true（是）或 false（否），现在是“{text}”"})
    if known.type is int:
        try:
            return int(text.strip())
        except ValueError:
            raise InvalidSettings({key: f"{known.name}：应为整数，现在是“{text}”"}) from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InvalidSettings(
            {key: f"{known.name}：应为 JSON {_TYPE_NAMES[known.type]}（{exc}）"}
        ) from None


def as_text(key: str, value: Any) -> str:
    """The inverse of parse_text, for showing a value."""
    known = _BY_KEY[key]
    if known.type is str:
        return str(value)
    if known.type is bool:
        return "true" if value else "false"
    if known.type is int:
        return str(value)
    return json.dumps(value, ensure_ascii=False)


# ------------------------------------------------------------------ the hall file

HALL_FILE = "hall.json"
HALL_FILE_ENV = "YICHUANG_HALL_FILE"  # a path; empty: no hall file (tests)
SEEDED = "hall_seeded"  # in settings.json: the values the hall file gave, per key


def hall_file_candidates() -> list[Path]:
    """Where the installer puts the hall file, in the order looked at: the
    administrator's /etc/yichuang/hall.json (Linux, the .deb's conffile), then
    hall.json beside the installed program (the NSIS /HALL= parameter puts it there)."""
    env = os.environ.get(HALL_FILE_ENV)
    if env is not None:
        return [Path(env)] if env else []
    found = []
    if sys.platform != "win32":
        found.append(Path("/etc/yichuang") / HALL_FILE)
    if getattr(sys, "frozen", False):
        found.append(Path(sys.executable).resolve().parent / HALL_FILE)
    return found


def find_hall_file() -> Path | None:
    for path in hall_file_candidates():
        if path.is_file():
            return path
    return None


@dataclass(frozen=True)
class HallFile:
    path: Path
    values: dict[str, Any]  # the valid values
    problems: dict[str, str]  # key ("" for the file itself) → message


def read_hall_file(path: Path) -> HallFile:
    """A hall file: a JSON object of settings (keys starting with "_" are comments).
    Every wrong key or value is reported; the others are usable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        return HallFile(path, {}, {"": f"无法读取 {path}：{exc}"})
    except ValueError as exc:
        return HallFile(path, {}, {"": f"{path} 不是有效的 JSON：{exc}"})
    if not isinstance(data, dict):
        return HallFile(path, {}, {"": f'{path} 应为一个 JSON 对象（{{"设置项": 值, …}}）'})
    values = {k: v for k, v in data.items() if not k.startswith("_")}
    for key in RETIRED.keys() & values.keys():
        log.info("hall file %s: %s no longer used (%s)", path, key, RETIRED[key])
        del values[key]
    kept, problems = check_values(values)
    return HallFile(path, kept, problems)


def seed_from_hall(settings: Settings, hall: Mapping[str, Any]) -> list[str]:
    """Put the hall file's values into the settings; returns the keys changed.

    Precedence, per key: a value set on this workstation (by its manager in the
    settings dialog, by `yichuang config set`, or before the hall file came) wins;
    else the hall file's; else the registry default. A value the hall file gave and
    nobody changed since follows a newer hall file (the IT person corrects a file and
    reinstalls); settings.json remembers what the hall file gave under ``hall_seeded``.
    """
    values = settings._values
    seeded = dict(values.get(SEEDED) or {})
    changed = []
    for key, value in hall.items():
        if values.get(key, _MISSING) == value:
            seeded[key] = value  # the same: follows the hall file from now on
            continue
        if key in values and (key not in seeded or values[key] != seeded[key]):
            continue  # changed on this workstation: kept
        values[key] = value
        seeded[key] = value
        changed.append(key)
    if seeded != (values.get(SEEDED) or {}):
        values[SEEDED] = seeded
        settings._changed.add(SEEDED)
    settings._changed.update(changed)
    return changed


_MISSING = object()


def apply_hall_file(settings_file: Path, hall_file: Path | None = None) -> list[str]:
    """At a start: seed settings.json from the hall file found (or given); returns the
    keys changed. Wrong values in the hall file are logged and left out."""
    path = hall_file or find_hall_file()
    if path is None:
        return []
    hall = read_hall_file(path)
    for message in hall.problems.values():
        log.warning("hall file %s: %s", path, message)
    settings = Settings.load(settings_file)
    changed = seed_from_hall(settings, hall.values)
    if settings._changed:
        settings.save()
    if changed:
        log.info("hall file %s set %s", path, ", ".join(changed))
    return changed


def _read_object(path: Path) -> dict[str, Any]:
    """The file's settings as they are now ({} when missing or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _upgrade(values: dict[str, Any]) -> dict[str, Any]:
    version = values.pop("schema", SCHEMA_VERSION)
    if version > SCHEMA_VERSION:
        log.warning("settings written by a newer version (%s); unknown keys are kept", version)
    for key in RETIRED.keys() & values.keys():
        del values[key]  # the next save() writes the file without it
    return values
