"""One adapter per vendor framing: text → bytes for displays, and bytes → events back.

Each framing module exposes an encoder (a DisplayFraming) and a stream decoder that
the simulators and the input side of the transport share. Decoders never raise on bad
input: garbage and frames that fail their checksum are logged and skipped, and the
decoder resynchronises on the next frame start.
"""

from __future__ import annotations

from devices.errors import SettingsError
from devices.framing.base import BufferedDecoder as BufferedDecoder
from devices.framing.base import DisplayFraming as DisplayFraming
from devices.framing.base import StreamDecoder as StreamDecoder
from devices.framing.base import hex_bytes as hex_bytes

VENDORS = ("pinganlihe", "ruize", "yichuang")
# how people name each protocol (the devices command, the simulator window)
VENDOR_TITLES = {"pinganlihe": "平安力合", "ruize": "瑞泽", "yichuang": "一窗通通用协议"}


def display_framing(vendor: str) -> DisplayFraming:
    """The display framing for a vendor name as written in settings."""
    from devices.framing import pinganlihe, ruize, yichuang

    table: dict[str, DisplayFraming] = {
        "pinganlihe": pinganlihe.PinganliheFraming(),
        "ruize": ruize.RuizeFraming(),
        "yichuang": yichuang.YiChuangFraming(),
    }
    try:
        return table[vendor]
    except KeyError:
        raise SettingsError(
            f"未知的屏幕协议“{vendor}”，可选：pinganlihe（平安力合）、ruize（瑞泽）、yichuang（一窗通通用协议）"
        ) from None
