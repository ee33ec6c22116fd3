"""Playing an announcement. play() returns when the audio has finished, so the
announcer's queue is what keeps two calls apart."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Protocol

from devices.voice.clips import Audio

log = logging.getLogger("devices.voice")


class Player(Protocol):
    def play(self, audio: Audio) -> None:
        """Play to the end (block), or raise DeviceError/OSError."""
        ...


class WavFilePlayer:
    """Writes each announcement as a numbered WAV file: for tests and for halls that
    feed a separate PA system from a folder."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.written: list[Path] = []
        self._lock = threading.Lock()

    def play(self, audio: Audio) -> None:
        with self._lock:
            path = self.directory / f"announcement-{len(self.written) + 1:04d}.wav"
            path.write_bytes(audio.to_wav())
            self.written.append(path)


class CommandPlayer:
    """Plays through a command that blocks until done: aplay, paplay, afplay."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv

    def play(self, audio: Audio) -> None:
        with tempfile.NamedTemporaryFile(suffix=".wav", delete=False) as f:
            f.write(audio.to_wav())
            path = Path(f.name)
        try:
            subprocess.run(
                [*self.argv, str(path)],
                check=True,
                capture_output=True,
                timeout=audio.duration_s + 10,
            )
        finally:
            path.unlink(missing_ok=True)


class WinsoundPlayer:
    def play(self, audio: Audio) -> None:
        import winsound

        play: Any = getattr(winsound, "PlaySound")  # noqa: B009 - Windows-only names
        play(audio.to_wav(), getattr(winsound, "SND_MEMORY"))  # noqa: B009


class SilentPlayer:
    """No sound device: waits the audio's real duration so pacing stays true."""

    def __init__(self) -> None:
        self._never = threading.Event()

    def play(self, audio: Audio) -> None:
        self._never.wait(audio.duration_s)


def default_player(name: str = "auto") -> Player:
    commands = {
        "paplay": ["paplay"],
        "aplay": ["aplay", "-q"],
        "afplay": ["afplay"],
    }
    if name == "auto":
        if sys.platform == "win32":
            return WinsoundPlayer()
        for candidate in ("paplay", "aplay", "afplay"):
            if shutil.which(candidate):
                return CommandPlayer(commands[candidate])
        log.warning("未找到音频播放程序（paplay/aplay/afplay），语音将静音")
        return SilentPlayer()
    if name == "winsound":
        return WinsoundPlayer()
    if name == "none":
        return SilentPlayer()
    if name in commands:
        return CommandPlayer(commands[name])
    raise ValueError(f"未知的播放方式“{name}”")
