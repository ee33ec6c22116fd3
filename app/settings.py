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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("yichuang.settings")

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Setting:
    key: str
    type: type
    default: Any
    label: str  # shown in the settings dialog, Chinese


REGISTRY: tuple[Setting, ...] = (
    Setting("centre_code", str, "370999101", "中心行政区划代码（6至12位数字）"),
    Setting("workstation", str, "A1", "工作站代码（县中心分配，2位）"),
    Setting("hall_name", str, "示范县城关镇便民服务中心", "大厅名称"),
    Setting("hall_address", str, "示范县城关镇人民路88号", "大厅地址"),
    Setting("hall_phone", str, "0538-1230100", "咨询电话"),
    Setting("supervision_phone", str, "12345", "监督电话"),
    # Centre-level defaults for what an item standard may leave empty (issue 15)
    Setting(
        "review_body",
        str,
        "示范县人民政府",
        "行政复议机关（事项未写明时，印在不予受理通知书和办事指南上）",
    ),
    Setting("court", str, "示范县人民法院", "行政诉讼管辖法院（事项未写明时）"),
    Setting(
        "result_delivery", str, "窗口领取；申请人可选择邮寄送达", "办理结果送达方式（事项未写明时）"
    ),
    Setting(
        "office_hours", str, "周一至周五 9:00—12:00，13:30—17:30（法定节假日除外）", "办公时间"
    ),
    Setting("window_no", str, "1", "默认窗口号"),
    Setting("warn_days", int, 2, "到期前多少个工作日亮黄灯"),
    Setting("large_font", bool, False, "大字体"),
    Setting("recent_items", list, [], "最近使用的事项"),
    Setting("demo_clerks", bool, False, "使用演示账号（登录框显示提示）"),
    Setting("printers", dict, {}, "各类文书使用的打印机（文书名称 → 打印机名称，“*”为默认）"),
    Setting("receipt_format", str, "A4", "受理回执纸张：A4 或 80mm"),
    Setting(
        "qr_template", str, "", "回执二维码内容模板，如 https://…/q?no={case_no}；留空不印二维码"
    ),
    Setting("print_after_save", bool, True, "保存办件后自动打印文书"),
    # The hall queue (issue 5) and its devices (issue 6)
    Setting(
        "role",
        str,
        "counter",
        "程序角色：counter 窗口 / kiosk 取号机 / display 大厅屏 / manager 大厅管理",
    ),
    Setting("queue_panel", bool, True, "在受理窗口中显示排队叫号面板（本大厅不用排队系统时关闭）"),
    Setting("queue_url", str, "", "排队数据库 SQLAlchemy URL；留空使用数据目录中的 queue.sqlite3"),
    Setting(
        "devices", list, [], "排队设备（条屏、综合屏、呼叫器、评价器、小票打印机）的端口与参数"
    ),
    Setting("voice", dict, {}, "语音播报设置（引擎、模板、重复次数、播放程序）"),
    Setting(
        "devices_role",
        str,
        "display",
        "本机排队设备由哪个程序驱动：display 大厅屏程序（默认）；counter 窗口程序（窗口电脑自带评价器、呼叫器时）",
    ),
    # Central sync (issue 7); the password lives in the OS keyring, never here
    Setting(
        "central_url",
        str,
        "",
        "县中心数据库地址（不含密码），如 postgresql://yc_370999101@10.1.2.3/yichuang；留空不同步",
    ),
    Setting(
        "central_sslmode",
        str,
        "prefer",
        "连接县中心数据库的 TLS 模式（disable/prefer/require/verify-full）",
    ),
    Setting(
        "central_password_file",
        str,
        "",
        "无人值守同步的密码文件（只允许运行同步的用户读取，chmod 600）；留空用系统钥匙串",
    ),
    Setting("sync_interval_s", int, 30, "自动同步间隔（秒）"),
    Setting(
        "county_bookings",
        bool,
        True,
        "同步时把县中心的本中心预约下载到本大厅的排队数据库（大厅各工作站都可下载，不会重复）",
    ),
    # Operations (issue 19)
    Setting("backup_keep", int, 14, "保留的每日自动备份份数（数据目录 backups/ 中，最少1份）"),
)
_BY_KEY = {s.key: s for s in REGISTRY}


class Settings:
    """Typed access to settings.json; unknown keys are kept, bad values fall back."""

    def __init__(self, path: Path | None, values: Mapping[str, Any] | None = None) -> None:
        self.path = path
        self._values: dict[str, Any] = dict(values or {})

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
        return cls(path, _upgrade(values))

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

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = dict(self._values, schema=SCHEMA_VERSION)
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(self.path)  # atomic: a power cut leaves the old or the new file

    def remember_item(self, code: str, keep: int = 20) -> None:
        recent = [c for c in self.get("recent_items") if c != code]
        self.set("recent_items", [code, *recent][:keep])


def _upgrade(values: dict[str, Any]) -> dict[str, Any]:
    version = values.pop("schema", SCHEMA_VERSION)
    if version > SCHEMA_VERSION:
        log.warning("settings written by a newer version (%s); unknown keys are kept", version)
    return values
