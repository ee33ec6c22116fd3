"""Typed events that devices report: decoded frames, key presses, evaluations.

Plain frozen dataclasses, so the UI layer can forward them to the GUI thread as they
are and tests can compare them with ==.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class DisplayTarget(enum.Enum):
    """Which kind of display a text frame is for: some framings differ by target."""

    STRIP = "strip"  # window strip display (窗口条屏)
    MAIN = "main"  # hall main display (大厅综合屏)


class Key(enum.IntEnum):
    """Keys of a caller keypad (呼叫器); values are the generic protocol's key codes."""

    NEXT = 0x01
    RECALL = 0x02
    SKIP = 0x03
    PAUSE = 0x04
    EVALUATE = 0x05

    @property
    def label(self) -> str:
        return _KEY_LABELS[self]


_KEY_LABELS = {
    Key.NEXT: "呼叫下一位",
    Key.RECALL: "重呼",
    Key.SKIP: "过号",
    Key.PAUSE: "暂停",
    Key.EVALUATE: "请评价",
}


class Satisfaction(enum.IntEnum):
    """An evaluator score, 5 best; values are the generic protocol's score bytes."""

    VERY_DISSATISFIED = 1
    DISSATISFIED = 2
    BASIC = 3
    SATISFIED = 4
    VERY_SATISFIED = 5

    @property
    def label(self) -> str:
        return _SATISFACTION_LABELS[self]

    @classmethod
    def parse(cls, value: str | int) -> Satisfaction:
        """Read 1–5 or a label such as 非常满意; raise ValueError (Chinese) otherwise."""
        if isinstance(value, int) or value.strip().isdigit():
            number = int(value)
            if 1 <= number <= 5:
                return cls(number)
        else:
            for member, label in _SATISFACTION_LABELS.items():
                if value.strip() == label:
                    return member
        raise ValueError(
            f"无法识别的评价“{value}”：应为 1–5 或 非常满意/满意/基本满意/不满意/非常不满意"
        )


_SATISFACTION_LABELS = {
    Satisfaction.VERY_SATISFIED: "非常满意",
    Satisfaction.SATISFIED: "满意",
    Satisfaction.BASIC: "基本满意",
    Satisfaction.DISSATISFIED: "不满意",
    Satisfaction.VERY_DISSATISFIED: "非常不满意",
}


# --- what decoders turn bytes back into -------------------------------------------


@dataclass(frozen=True)
class TextFrame:
    """A display text frame (host → display)."""

    vendor: str
    address: int
    text: str
    target: DisplayTarget = DisplayTarget.STRIP


@dataclass(frozen=True)
class ClearFrame:
    """Clear a display (host → display)."""

    vendor: str
    address: int


@dataclass(frozen=True)
class KeyFrame:
    """A key pressed on a caller keypad (device → host)."""

    address: int
    key: Key


@dataclass(frozen=True)
class EvaluationFrame:
    """An evaluator's answer (device → host); score None: nobody pressed a key in time."""

    address: int
    score: Satisfaction | None


@dataclass(frozen=True)
class EvaluationRequestFrame:
    """Ask an evaluator to light up and wait for a score (host → device)."""

    address: int
    timeout_s: int
    prompt: str = ""


@dataclass(frozen=True)
class EvaluationCancelFrame:
    address: int


@dataclass(frozen=True)
class PollFrame:
    """Host asks a device on a shared bus for its oldest pending event."""

    address: int


@dataclass(frozen=True)
class AckFrame:
    """Device has nothing to report (answer to a poll)."""

    address: int


@dataclass(frozen=True)
class UnknownCommandFrame:
    """A well-formed generic frame with a command this version does not know."""

    address: int
    command: int
    payload: bytes


Decoded = (
    TextFrame
    | ClearFrame
    | KeyFrame
    | EvaluationFrame
    | EvaluationRequestFrame
    | EvaluationCancelFrame
    | PollFrame
    | AckFrame
    | UnknownCommandFrame
)


# --- what input devices report to the application ------------------------------------


@dataclass(frozen=True)
class KeyEvent:
    """A keypad key press, as the queue service receives it."""

    device: str
    address: int
    key: Key


@dataclass(frozen=True)
class EvaluationResult:
    """The end of one evaluation: a score, or timed_out when nobody answered."""

    device: str
    address: int
    score: Satisfaction | None
    timed_out: bool = False
