"""The announcement queue: one thread speaks, calls wait their turn, callers never wait."""

from __future__ import annotations

import logging
import queue
import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from devices.errors import DeviceError
from devices.settings import VoiceSettings
from devices.text import CallTemplate
from devices.voice.clips import ClipLibrary, concatenate, default_library
from devices.voice.numbers import announcement_words, spoken_text
from devices.voice.players import Player, default_player

log = logging.getLogger("devices.voice")


class Engine(Protocol):
    def say(self, ticket: str, window: int | str) -> None:
        """Speak one announcement to the end (blocks)."""
        ...


class ClipEngine:
    """Recorded clips, joined by their real durations, played as one piece."""

    def __init__(
        self,
        library: ClipLibrary,
        player: Player,
        *,
        template: CallTemplate | None = None,
        gap_s: float = 0.05,
        repeat: int = 1,
        pause_between_repeats_s: float = 0.6,
    ) -> None:
        self.library = library
        self.player = player
        self.template = template or CallTemplate()
        self.gap_s = gap_s
        self.repeat = repeat
        self.pause_s = pause_between_repeats_s

    def say(self, ticket: str, window: int | str) -> None:
        words = announcement_words(self.template, ticket, window)
        audio, _slots = self.library.build(words, self.gap_s)
        if self.repeat > 1:
            audio = concatenate([audio] * self.repeat, self.pause_s)
        self.player.play(audio)


class TtsEngine:
    """Any text-to-speech command (espeak-ng by default); {text} is the reading with
    numbers already spelt out (请A一零五号到十号窗口), so every engine reads them right."""

    def __init__(
        self,
        argv: Sequence[str] = ("espeak-ng", "-v", "cmn", "{text}"),
        *,
        template: CallTemplate | None = None,
        repeat: int = 1,
    ) -> None:
        self.argv = list(argv)
        self.template = template or CallTemplate()
        self.repeat = repeat

    def command(self, ticket: str, window: int | str) -> list[str]:
        text = spoken_text(self.template, ticket, window)
        return [part.replace("{text}", text) for part in self.argv]

    def say(self, ticket: str, window: int | str) -> None:
        for _ in range(self.repeat):
            subprocess.run(
                self.command(ticket, window), check=True, capture_output=True, timeout=60
            )


@dataclass(frozen=True)
class Announcement:
    ticket: str
    window: int | str


class Announcer:
    """Voice: announce() queues and returns; one worker speaks them in order.

    The same call queued twice before it is spoken is said once. When the primary
    engine fails (a clip missing, no sound device) the fallback engine is tried, and
    errors are reported to on_error, never raised into the caller.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        fallback: Engine | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.engine = engine
        self.fallback = fallback
        self.on_error = on_error
        self._queue: queue.Queue[Announcement | None] = queue.Queue()
        self._pending: set[Announcement] = set()
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._run, name="devices-voice", daemon=True)
        self._thread.start()

    def announce(self, ticket: str, window: int | str) -> None:
        item = Announcement(ticket, window)
        with self._lock:
            if item in self._pending:
                return
            self._pending.add(item)
            self._idle.clear()
        self._queue.put(item)

    def wait_idle(self, timeout: float) -> bool:
        return self._idle.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Finish the announcement being spoken, drop the rest."""
        with self._lock:
            self._pending.clear()
        self._queue.put(None)
        self._thread.join(timeout)

    def __enter__(self) -> Announcer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            with self._lock:
                if item not in self._pending:  # dropped by close()
                    continue
            try:
                self._speak(item)
            finally:
                with self._lock:
                    self._pending.discard(item)
                    if not self._pending:
                        self._idle.set()

    def _speak(self, item: Announcement) -> None:
        engines = [e for e in (self.engine, self.fallback) if e is not None]
        problems = []
        for engine in engines:
            try:
                engine.say(item.ticket, item.window)
                return
            except (DeviceError, OSError, ValueError, subprocess.SubprocessError) as exc:
                problems.append(str(exc))
                log.warning("语音播报失败（%s）：%s", type(engine).__name__, exc)
        message = f"无法播报 {item.ticket} → {item.window} 号窗口：" + "；".join(problems)
        if self.on_error is not None:
            try:
                self.on_error(message)
            except Exception:
                log.exception("语音错误回调出错")


def build_announcer(
    settings: VoiceSettings,
    *,
    library: ClipLibrary | None = None,
    player: Player | None = None,
    on_error: Callable[[str], None] | None = None,
) -> Announcer:
    """The announcer the settings ask for: clips with TTS as the fallback when
    espeak-ng is installed, or TTS alone."""
    template = CallTemplate(settings.template)
    tts = TtsEngine(settings.tts_command, template=template, repeat=settings.repeat)
    if settings.engine == "tts":
        return Announcer(tts, on_error=on_error)
    clips = ClipEngine(
        library or default_library(),
        player or default_player(settings.player),
        template=template,
        gap_s=settings.gap_s,
        repeat=settings.repeat,
        pause_between_repeats_s=settings.pause_between_repeats_s,
    )
    fallback = tts if shutil.which(settings.tts_command[0]) else None
    return Announcer(clips, fallback=fallback, on_error=on_error)
