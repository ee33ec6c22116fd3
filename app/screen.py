"""Is there a screen to open a window on? Asked before QApplication is created: without
one, Qt's xcb plugin aborts the process with a message that names a plugin, not the
missing screen. No Qt here."""

from __future__ import annotations

import sys
from collections.abc import Mapping

# Qt platforms that need no display server
HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay")

NO_SCREEN = (
    "一窗通无法打开窗口：本机没有图形屏幕（未设置 DISPLAY 或 WAYLAND_DISPLAY）。"
    "请在有屏幕的电脑上运行；无屏幕时可用虚拟屏幕 xvfb-run ./yc run，"
    "或只保存窗口截图 QT_QPA_PLATFORM=offscreen ./yc run --screenshot shot.png"
    " | YiChuang cannot open its window: no screen (neither DISPLAY nor WAYLAND_DISPLAY"
    " is set). Run it at a screen, under Xvfb (xvfb-run ./yc run), or save a picture"
    " of the window: QT_QPA_PLATFORM=offscreen ./yc run --screenshot shot.png"
)


def missing_screen(env: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """The line to print when no window can be shown here, or None when one can."""
    if not platform.startswith("linux"):
        return None  # Windows and macOS always have their own window system
    qpa = env.get("QT_QPA_PLATFORM", "").split(":", 1)[0].strip().lower()
    if qpa.startswith(HEADLESS_PLATFORMS):
        return None
    if qpa.startswith("wayland"):
        return None if env.get("WAYLAND_DISPLAY") else NO_SCREEN
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return NO_SCREEN
