"""Voice clips: choosing them (pure), lining them up by their real durations (pure),
and finding them on disk: shipped under resources/voice, cached, or generated once with
espeak-ng.

Why ship clips: a counter PC is usually Windows without espeak-ng, and the fixed
vocabulary (digits, 十百千万, letters, a few phrases) is about 60 clips, a few hundred
KB at 8 kHz mono. A template with other words gets its extra clips generated at first
use into the user cache directory when espeak-ng is installed; without it the
announcer falls back to the TTS engine or reports the missing clip.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from devices.errors import ClipMissingError, DeviceError

log = logging.getLogger("devices.voice")

SAMPLE_RATE = 8000


# --- pure: which clips, in which order, starting when ---------------------------------


def choose_clips(words: Sequence[str], available: Callable[[str], bool]) -> list[str]:
    """Map words to clip names: a word with its own clip keeps it, else it is cut into
    the longest available pieces (号到 → 号, 到). Raises ClipMissingError naming what
    has no clip."""
    out: list[str] = []
    for word in words:
        i = 0
        while i < len(word):
            for j in range(len(word), i, -1):
                if available(word[i:j]):
                    out.append(word[i:j])
                    i = j
                    break
            else:
                raise ClipMissingError(f"缺少“{word[i]}”的语音片段（来自“{word}”）")
    return out


@dataclass(frozen=True)
class Slot:
    clip: str
    start_s: float
    duration_s: float

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


def schedule(clips: Sequence[tuple[str, float]], gap_s: float = 0.0) -> list[Slot]:
    """Each clip starts when the one before it has finished (its real duration) plus gap."""
    slots: list[Slot] = []
    t = 0.0
    for index, (name, duration) in enumerate(clips):
        if index:
            t += gap_s
        slots.append(Slot(name, t, duration))
        t += duration
    return slots


# --- audio ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AudioFormat:
    channels: int
    sample_width: int
    rate: int

    def silence(self, seconds: float) -> bytes:
        frames = round(seconds * self.rate)
        fill = b"\x80" if self.sample_width == 1 else b"\x00"  # 8-bit WAV is unsigned
        return fill * (frames * self.channels * self.sample_width)


@dataclass(frozen=True)
class Audio:
    format: AudioFormat
    frames: bytes

    @property
    def duration_s(self) -> float:
        per_second = self.format.rate * self.format.channels * self.format.sample_width
        return len(self.frames) / per_second

    def to_wav(self) -> bytes:
        out = io.BytesIO()
        with wave.open(out, "wb") as w:
            w.setnchannels(self.format.channels)
            w.setsampwidth(self.format.sample_width)
            w.setframerate(self.format.rate)
            w.writeframes(self.frames)
        return out.getvalue()

    @classmethod
    def from_wav(cls, data: bytes) -> Audio:
        with wave.open(io.BytesIO(data), "rb") as w:
            fmt = AudioFormat(w.getnchannels(), w.getsampwidth(), w.getframerate())
            return cls(fmt, w.readframes(w.getnframes()))


def concatenate(clips: Sequence[Audio], gap_s: float = 0.0) -> Audio:
    """One Audio playing the clips in order with gap_s of silence between them."""
    if not clips:
        raise ValueError("没有语音片段")
    fmt = clips[0].format
    for clip in clips:
        if clip.format != fmt:
            raise DeviceError(f"语音片段格式不一致：{clip.format} 与 {fmt}")
    gap = fmt.silence(gap_s)
    return Audio(fmt, gap.join(clip.frames for clip in clips))


# --- the library -----------------------------------------------------------------------------


def clip_filename(text: str) -> str:
    """ASCII, stable and reversible: 号窗口 → u53f7-u7a97-u53e3.wav, A → u0041.wav."""
    return "-".join(f"u{ord(c):04x}" for c in text) + ".wav"


def text_of_filename(name: str) -> str:
    return "".join(chr(int(part[1:], 16)) for part in Path(name).stem.split("-"))


# Clips shipped in resources/voice: enough for the default template and any variant
# made of these words.
SHIPPED_VOCABULARY: tuple[str, ...] = (
    *"零一二三四五六七八九十百千万两",
    *"ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "请",
    "号",
    "到",
    "号窗口",
    "窗口",
    "办理",
    "号到",
)


class ClipGenerator:
    """Makes a clip from text with espeak-ng (cmn voice) and sox: 8 kHz mono 16-bit,
    leading and trailing silence trimmed so clips join without holes."""

    def __init__(self, *, voice: str = "cmn", speed: int = 150, rate: int = SAMPLE_RATE) -> None:
        self.voice = voice
        self.speed = speed
        self.rate = rate

    @staticmethod
    def available() -> bool:
        return shutil.which("espeak-ng") is not None and shutil.which("sox") is not None

    def generate(self, text: str, dest: Path) -> None:
        if not self.available():
            raise ClipMissingError(f"缺少“{text}”的语音片段，且未安装 espeak-ng/sox，无法生成")
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            raw = Path(tmp) / "raw.wav"
            out = Path(tmp) / dest.name
            subprocess.run(
                ["espeak-ng", "-v", self.voice, "-s", str(self.speed), "-w", str(raw), text],
                check=True,
                capture_output=True,
                timeout=30,
            )
            trim = ["silence", "1", "0.01", "0.5%"]
            subprocess.run(
                [
                    "sox",
                    str(raw),
                    "-r",
                    str(self.rate),
                    "-c",
                    "1",
                    "-b",
                    "16",
                    str(out),
                    *trim,
                    "reverse",
                    *trim,
                    "reverse",
                ],
                check=True,
                capture_output=True,
                timeout=30,
            )
            os.replace(out, dest)  # atomic: a reader never sees half a file


class ClipLibrary:
    """Clips looked up in order: directories (cache first, then shipped), then made by
    the generator into the first directory."""

    def __init__(
        self, directories: Sequence[Path], *, generator: ClipGenerator | None = None
    ) -> None:
        if not directories:
            raise ValueError("至少需要一个语音片段目录")
        self.directories = [Path(d) for d in directories]
        self.generator = generator
        self._cache: dict[str, Audio] = {}
        self._lock = threading.Lock()

    def _find(self, text: str) -> Path | None:
        name = clip_filename(text)
        for directory in self.directories:
            path = directory / name
            if path.is_file():
                return path
        return None

    def has(self, text: str) -> bool:
        return text in self._cache or self._find(text) is not None

    def can_generate(self) -> bool:
        return self.generator is not None and self.generator.available()

    def load(self, text: str) -> Audio:
        with self._lock:
            if text in self._cache:
                return self._cache[text]
        path = self._find(text)
        if path is None:
            if not self.can_generate():
                raise ClipMissingError(f"缺少“{text}”的语音片段")
            assert self.generator is not None
            path = self.directories[0] / clip_filename(text)
            log.info("生成语音片段“%s” → %s", text, path)
            self.generator.generate(text, path)
        audio = Audio.from_wav(path.read_bytes())
        with self._lock:
            self._cache[text] = audio
        return audio

    def build(self, words: Sequence[str], gap_s: float = 0.0) -> tuple[Audio, list[Slot]]:
        """The announcement for these words and where each clip sits in it."""
        available = self.can_generate()
        names = choose_clips(words, lambda t: available or self.has(t))
        clips = [self.load(name) for name in names]
        slots = schedule([(n, c.duration_s) for n, c in zip(names, clips, strict=True)], gap_s)
        return concatenate(clips, gap_s), slots


def default_library(*, cache_dir: Path | None = None) -> ClipLibrary:
    """Cache (generated clips) first, then the shipped resources/voice."""
    from app.core.paths import resource

    if cache_dir is None:
        import platformdirs

        cache_dir = Path(platformdirs.user_cache_dir("yichuang")) / "voice"
    return ClipLibrary([cache_dir, resource("voice")], generator=ClipGenerator())


def generate_vocabulary(dest: Path, words: Sequence[str] = SHIPPED_VOCABULARY) -> list[Path]:
    """Write the shipped clip set (run once by a developer; see resources/voice/README)."""
    generator = ClipGenerator()
    paths = []
    for word in words:
        path = dest / clip_filename(word)
        generator.generate(word, path)
        paths.append(path)
    return paths
