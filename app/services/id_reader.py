"""The counter's ID-card reader (二代证阅读器), from the ``devices`` setting. No Qt.

The first device of kind ``id_reader`` in the setting, e.g.
``{"kind": "id_reader", "name": "身份证阅读器", "port": {"url": "COM7"}}`` (SAM_V frames,
115200 baud unless the port says otherwise), is opened on this machine and polled; the
UI subscribes and gets an ``IdCardRead`` (or ``IdCardFailed``) per card placed, on the
reader's thread. A reader that is unplugged never blocks the counter: the transport
retries in the background and ``problem`` says what is wrong.

Readers that type like a keyboard need no setting: they type into the focused field.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from devices.errors import SettingsError
from devices.id_reader import POLL_INTERVAL_S, SamIdReader
from devices.idcard import IdCardFailed, IdCardRead, IdReaderEvent
from devices.settings import DeviceKind, DeviceSettings, device_from_mapping
from devices.transport import Opener, Transport, TransportStatus, open_port

log = logging.getLogger("yichuang.id_reader")

__all__ = ["IdCardFailed", "IdCardRead", "IdReaderEvent", "IdReaderService", "reader_settings"]


def reader_settings(
    devices: Sequence[Mapping[str, Any]] | None, window: str | None = None
) -> DeviceSettings | None:
    """The first ``id_reader`` of the ``devices`` setting for this window (an entry
    with a ``window`` belongs to that window's counter only: the demo hall's counters
    share one settings file); None when there is none. Raises SettingsError (Chinese)
    when its entry cannot work."""
    for entry in devices or []:
        if isinstance(entry, Mapping) and entry.get("kind") == DeviceKind.ID_READER.value:
            own = str(entry.get("window") or "")
            if own and window is not None and own != str(window):
                continue
            return device_from_mapping(entry)
    return None


class IdReaderService:
    """One reader on one port: start(), subscribe(), close()."""

    def __init__(
        self,
        settings: DeviceSettings,
        *,
        today: Callable[[], date] | None = None,
        opener: Opener = open_port,
    ) -> None:
        self.settings = settings
        self.transport = Transport(settings.port, name=settings.display_name, opener=opener)
        interval = settings.port.poll_interval_s or POLL_INTERVAL_S
        self.reader = SamIdReader(
            self.transport,
            name=settings.name or DeviceKind.ID_READER.label,
            poll_interval_s=interval,
            today=today,
        )

    @classmethod
    def from_settings(
        cls,
        devices: Sequence[Mapping[str, Any]] | None,
        *,
        today: Callable[[], date] | None = None,
        window: str | None = None,
    ) -> IdReaderService | None:
        found = reader_settings(devices, window)
        return None if found is None else cls(found, today=today)

    def subscribe(self, listener: Callable[[IdReaderEvent], None]) -> Callable[[], None]:
        return self.reader.subscribe(listener)

    def start(self) -> IdReaderService:
        self.transport.start()
        self.reader.start()
        return self

    @property
    def status(self) -> TransportStatus:
        return self.transport.status

    @property
    def problem(self) -> str | None:
        """The link's Chinese error, if it is failing."""
        status = self.transport.status
        return status.message if status.error else None

    def link_state(self) -> tuple[str, str, str]:
        """(level, short text, detail) for the top bar's devices entry: level as the
        top bar knows them (ok, busy, error, off)."""
        return reader_link_state(self.settings.name or "身份证阅读器", self.transport.status)

    def close(self) -> None:
        self.reader.close()
        self.transport.close()


def reader_link_state(name: str, status: TransportStatus) -> tuple[str, str, str]:
    from devices.transport import LinkState

    if status.state is LinkState.CONNECTED:
        return "ok", "阅读器正常", f"{name}：已连接（{status.url}）"
    if status.state is LinkState.ERROR:
        return "error", "阅读器未连接", f"{name}：{status.message}"
    if status.state is LinkState.CONNECTING:
        return "busy", "阅读器连接中", f"{name}：{status.message}"
    return "off", "阅读器已关闭", f"{name}：{status.message}"


def start_from_settings(
    devices: Sequence[Mapping[str, Any]] | None,
    *,
    today: Callable[[], date] | None = None,
    window: str | None = None,
) -> tuple[IdReaderService | None, str | None]:
    """(the started service or None, a Chinese problem with the setting or None)."""
    try:
        service = IdReaderService.from_settings(devices, today=today, window=window)
    except SettingsError as exc:
        return None, f"身份证阅读器设置有误：{exc}"
    return (service.start() if service else None), None
