"""Voice: Chinese number reading, clip choice and sequencing (pure), the clip library
with real WAV files, the announcement queue, and clip generation with espeak-ng."""

from __future__ import annotations

import math
import struct
import threading
import wave
from pathlib import Path

import pytest
from device_helpers import returns_promptly
from hypothesis import given
from hypothesis import strategies as st

from devices.errors import ClipMissingError
from devices.text import CallTemplate
from devices.voice.announcer import Announcer, ClipEngine, TtsEngine
from devices.voice.clips import (
    SHIPPED_VOCABULARY,
    Audio,
    AudioFormat,
    ClipGenerator,
    ClipLibrary,
    Slot,
    choose_clips,
    clip_filename,
    concatenate,
    schedule,
    text_of_filename,
)
from devices.voice.numbers import (
    announcement_words,
    read_code,
    read_integer,
    read_window,
    spoken_text,
)
from devices.voice.players import WavFilePlayer

READINGS = {
    0: "零",
    1: "一",
    2: "二",
    9: "九",
    10: "十",
    11: "十一",
    19: "十九",
    20: "二十",
    21: "二十一",
    99: "九十九",
    100: "一百",
    101: "一百零一",
    105: "一百零五",
    110: "一百一十",
    111: "一百一十一",
    12: "十二",
    22: "二十二",
    200: "两百",
    202: "两百零二",
    220: "两百二十",
    1200: "一千两百",
    1000: "一千",
    1001: "一千零一",
    1010: "一千零一十",
    1100: "一千一百",
    2000: "两千",
    2005: "两千零五",
    2019: "两千零一十九",
    2222: "两千两百二十二",
    9999: "九千九百九十九",
    10000: "一万",
    10001: "一万零一",
    10010: "一万零一十",
    10100: "一万零一百",
    100000: "十万",
    120034: "十二万零三十四",
    20000: "两万",
    20002: "两万零二",
    22000: "两万两千",
    200000: "二十万",
    220000: "二十二万",
    2000000: "两百万",
    20000000: "两千万",
    12000: "一万两千",
    99999999: "九千九百九十九万九千九百九十九",
}


@pytest.mark.parametrize(("n", "reading"), READINGS.items())
def test_read_integer(n: int, reading: str) -> None:
    assert "".join(read_integer(n)) == reading


def test_read_integer_range() -> None:
    with pytest.raises(ValueError, match="超出"):
        read_integer(10**8)
    with pytest.raises(ValueError):
        read_integer(-1)


@given(st.integers(min_value=1, max_value=10**8 - 1))
def test_read_integer_never_doubles_zero_or_ends_with_it(n: int) -> None:
    reading = "".join(read_integer(n))
    assert "零零" not in reading
    assert not reading.endswith("零")
    assert not reading.startswith("一十")
    # 两 only before 百, 千 and a bare 万; 二 before 十 and as the last digit
    assert "两十" not in reading and not reading.endswith("两")
    assert "二百" not in reading and "二千" not in reading


def test_ticket_numbers_are_read_digit_by_digit() -> None:
    assert read_code("A105") == ["A", "一", "零", "五"]
    assert read_code("a015") == ["A", "零", "一", "五"]
    assert read_code("VIP3") == ["V", "I", "P", "三"]
    with pytest.raises(ValueError, match="无法朗读"):
        read_code("A-1")


def test_window_numbers_are_read_as_quantities() -> None:
    assert read_window(10) == ["十"]
    assert read_window("21") == ["二", "十", "一"]
    assert read_window(101) == ["一", "百", "零", "一"]
    assert read_window("B2") == ["B", "二"]
    assert read_window(2005) == ["两", "千", "零", "五"]  # issue 20: not 二千零五
    assert read_window("2000") == ["两", "千"]
    assert read_window(12) == ["十", "二"] and read_window(2) == ["二"]


def test_every_word_of_a_reading_has_a_shipped_clip() -> None:
    for n in (2, 12, 20, 200, 2005, 22000, 99999999):
        assert set(read_integer(n)) <= set(SHIPPED_VOCABULARY)


def test_announcement_words_follow_the_template() -> None:
    words = announcement_words(CallTemplate(), "A105", 10)
    assert words == ["请", "A", "一", "零", "五", "号到", "十", "号窗口"]
    custom = CallTemplate("{ticket}号 请到 {window}号窗口办理")
    assert announcement_words(custom, "B7", 3) == ["B", "七", "号 请到", "三", "号窗口办理"]
    assert spoken_text(CallTemplate(), "A015", 21) == "请A零一五号到二十一号窗口"


def test_choose_clips_prefers_whole_words_then_longest_pieces() -> None:
    have = {"请", "号", "到", "号窗口", "A", "一", "零", "五", "十"}
    words = ["请", "A", "一", "零", "五", "号到", "十", "号窗口"]
    assert choose_clips(words, have.__contains__) == [
        "请",
        "A",
        "一",
        "零",
        "五",
        "号",
        "到",
        "十",
        "号窗口",
    ]
    with pytest.raises(ClipMissingError, match="“办”"):
        choose_clips(["办理"], have.__contains__)


def test_schedule_starts_each_clip_after_the_previous_one() -> None:
    slots = schedule([("请", 0.5), ("A", 0.25), ("一", 0.4)], gap_s=0.05)
    assert [s.clip for s in slots] == ["请", "A", "一"]
    assert [s.start_s for s in slots] == pytest.approx([0.0, 0.55, 0.85])
    assert [s.duration_s for s in slots] == [0.5, 0.25, 0.4]
    assert slots[0] == Slot("请", 0.0, 0.5)
    assert slots[-1].end_s == pytest.approx(1.25)
    assert schedule([]) == []


def test_clip_filenames_are_ascii_and_reversible() -> None:
    assert clip_filename("号窗口") == "u53f7-u7a97-u53e3.wav"
    assert clip_filename("A") == "u0041.wav"
    for word in SHIPPED_VOCABULARY:
        assert clip_filename(word).isascii()
        assert text_of_filename(clip_filename(word)) == word


# --- real WAV clips ----------------------------------------------------------------------

FMT = AudioFormat(1, 2, 8000)


def tone(seconds: float, level: int) -> Audio:
    """A constant-level clip, so where each clip lands in the result can be read back."""
    frames = round(seconds * FMT.rate)
    return Audio(FMT, struct.pack(f"<{frames}h", *([level] * frames)))


def write_clips(directory: Path, clips: dict[str, Audio]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for text, audio in clips.items():
        (directory / clip_filename(text)).write_bytes(audio.to_wav())


def samples(audio: Audio) -> tuple[int, ...]:
    return struct.unpack(f"<{len(audio.frames) // 2}h", audio.frames)


def test_concatenate_plays_clips_in_order_by_their_real_durations() -> None:
    clips = [tone(0.3, 1000), tone(0.125, 2000), tone(0.5, 3000)]
    audio = concatenate(clips, gap_s=0.05)
    assert audio.duration_s == pytest.approx(0.3 + 0.125 + 0.5 + 2 * 0.05)
    data = samples(audio)
    slots = schedule([(str(i), c.duration_s) for i, c in enumerate(clips)], 0.05)
    for slot, level in zip(slots, (1000, 2000, 3000), strict=True):
        start, end = round(slot.start_s * 8000), round(slot.end_s * 8000)
        assert set(data[start:end]) == {level}
    assert set(data[round(0.3 * 8000) : round(0.35 * 8000)]) == {0}  # the gap is silence


def test_clip_library_builds_the_announcement(tmp_path: Path) -> None:
    vocabulary = {
        "请": 0.4,
        "A": 0.2,
        "一": 0.25,
        "零": 0.25,
        "五": 0.25,
        "号": 0.2,
        "到": 0.2,
        "十": 0.2,
        "号窗口": 0.6,
    }
    write_clips(
        tmp_path / "shipped", {t: tone(d, 100 + i) for i, (t, d) in enumerate(vocabulary.items())}
    )
    library = ClipLibrary([tmp_path / "cache", tmp_path / "shipped"])
    words = announcement_words(CallTemplate(), "A105", 10)
    audio, slots = library.build(words, gap_s=0.0)
    assert [s.clip for s in slots] == ["请", "A", "一", "零", "五", "号", "到", "十", "号窗口"]
    assert audio.duration_s == pytest.approx(sum(vocabulary[s.clip] for s in slots))
    with pytest.raises(ClipMissingError):
        library.build(["办理"])


def test_clip_engine_writes_one_wav_per_announcement(tmp_path: Path) -> None:
    write_clips(tmp_path / "clips", {t: tone(0.1, 500) for t in SHIPPED_VOCABULARY})
    player = WavFilePlayer(tmp_path / "out")
    engine = ClipEngine(
        ClipLibrary([tmp_path / "clips"]), player, gap_s=0.05, repeat=2, pause_between_repeats_s=0.5
    )
    engine.say("A105", 10)
    [path] = player.written
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 8000)
        seconds = w.getnframes() / w.getframerate()
    one = 8 * 0.1 + 7 * 0.05  # 8 clips: 请 A 一 零 五 号到 十 号窗口
    assert seconds == pytest.approx(2 * one + 0.5)


def test_tts_engine_gets_the_numbers_spelt_out() -> None:
    engine = TtsEngine(["say-it", "--voice=zh", "{text}"])
    assert engine.command("A105", 101) == ["say-it", "--voice=zh", "请A一零五号到一百零一号窗口"]


# --- the queue -----------------------------------------------------------------------------


class GatedEngine:
    """Blocks in say() until released; records overlap if two calls ever speak at once."""

    def __init__(self) -> None:
        self.started: list[tuple[str, int | str]] = []
        self.overlaps = 0
        self._speaking = False
        self._lock = threading.Lock()
        self.gate = threading.Semaphore(0)
        self.first_started = threading.Event()

    def say(self, ticket: str, window: int | str) -> None:
        with self._lock:
            if self._speaking:
                self.overlaps += 1
            self._speaking = True
            self.started.append((ticket, window))
        self.first_started.set()
        self.gate.acquire()
        with self._lock:
            self._speaking = False


def test_announcements_queue_and_never_overlap() -> None:
    engine = GatedEngine()
    with Announcer(engine) as announcer:
        announcer.announce("A001", 1)
        assert engine.first_started.wait(5)
        # callers return at once while the first call is still being spoken
        assert returns_promptly(lambda: [announcer.announce(f"A00{n}", n) for n in (2, 3, 2)])
        assert engine.started == [("A001", 1)]
        for _ in range(3):
            engine.gate.release()
        assert announcer.wait_idle(5)
    assert engine.started == [("A001", 1), ("A002", 2), ("A003", 3)]  # A002 queued once
    assert engine.overlaps == 0


class FailingEngine:
    def say(self, ticket: str, window: int | str) -> None:
        raise ClipMissingError("缺少“办”的语音片段")


def test_fallback_engine_and_error_report() -> None:
    backup = GatedEngine()
    backup.gate.release()
    errors: list[str] = []
    with Announcer(FailingEngine(), fallback=backup, on_error=errors.append) as announcer:
        announcer.announce("A001", 1)
        assert announcer.wait_idle(5)
    assert backup.started == [("A001", 1)] and errors == []
    with Announcer(FailingEngine(), on_error=errors.append) as announcer:
        announcer.announce("A002", 2)
        assert announcer.wait_idle(5)
    assert len(errors) == 1 and "缺少“办”" in errors[0]


# --- shipped and generated clips ---------------------------------------------------------------


def test_shipped_clips_are_complete_small_and_8khz_mono() -> None:
    from app.core.paths import resource

    directory = resource("voice")
    total = 0
    for word in SHIPPED_VOCABULARY:
        path = directory / clip_filename(word)
        assert path.is_file(), f"missing clip for {word}"
        audio = Audio.from_wav(path.read_bytes())
        assert audio.format == FMT
        assert 0.05 < audio.duration_s < 2.0
        total += path.stat().st_size
    assert total < 1.5 * 1024 * 1024


@pytest.mark.skipif(not ClipGenerator.available(), reason="espeak-ng and sox not installed")
def test_espeak_generates_a_trimmed_8khz_clip(tmp_path: Path) -> None:
    library = ClipLibrary([tmp_path], generator=ClipGenerator())
    audio = library.load("办理")
    assert (tmp_path / clip_filename("办理")).is_file()
    assert audio.format == FMT
    assert 0.2 < audio.duration_s < 2.0
    level = max(abs(s) for s in samples(audio)[:80])  # trimmed: sound starts at once
    assert level > 0 and not math.isnan(level)


def test_build_announcer_from_settings(tmp_path: Path) -> None:
    from devices.settings import VoiceSettings
    from devices.voice.announcer import build_announcer

    write_clips(tmp_path / "clips", {t: tone(0.05, 500) for t in SHIPPED_VOCABULARY})
    player = WavFilePlayer(tmp_path / "out")
    settings = VoiceSettings(template="请{ticket}号到{window}号窗口", repeat=2)
    with build_announcer(
        settings, library=ClipLibrary([tmp_path / "clips"]), player=player
    ) as announcer:
        announcer.announce("A015", 21)
        announcer.announce("A016", 3)
        assert announcer.wait_idle(5)
    assert len(player.written) == 2
    tts = build_announcer(VoiceSettings(engine="tts", tts_command=("true", "{text}")))
    tts.close()
