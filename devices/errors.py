"""Errors of the device layer.

Every error carries a message in Simplified Chinese that the UI may show as is: a
device problem is an environment problem (told to the user, recoverable), never a bug.
"""

from __future__ import annotations


class DeviceError(Exception):
    """Base class: the message (str(error)) is user-visible Chinese text."""


class UnencodableTextError(DeviceError, ValueError):
    """Text that a display cannot show: reported to the caller, never sent as garbage."""

    def __init__(self, text: str, bad_chars: str, encoding: str = "GBK") -> None:
        self.text = text
        self.bad_chars = bad_chars
        self.encoding = encoding
        shown = "、".join(f"“{c}”(U+{ord(c):04X})" for c in bad_chars)
        super().__init__(f"文字“{text}”中有无法用 {encoding} 编码显示的字符：{shown}")


class AddressError(DeviceError, ValueError):
    """An address outside what a vendor framing allows."""


class TextTooLongError(DeviceError, ValueError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"显示文字过长：编码后 {size} 字节，最多 {limit} 字节")


class TemplateError(DeviceError, ValueError):
    """A call text template with unknown or malformed placeholders."""


class SettingsError(DeviceError, ValueError):
    """Device settings that cannot work (unknown vendor, bad baud rate...)."""


class ClipMissingError(DeviceError, LookupError):
    """A voice clip that is neither shipped, cached, nor can be generated."""
