"""One small interface per kind of device. Services and the UI depend on these only;
which vendor's bytes go on the wire is a matter of settings (see devices.hub)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from devices.events import EvaluationResult, KeyEvent
from devices.printer import PrinterStatus
from devices.transport import TransportStatus

Unsubscribe = Callable[[], None]


class TextDisplay(Protocol):
    name: str

    def show_text(self, text: str) -> None:
        """Queue the text and return at once. Raises UnencodableTextError (nothing is
        sent) when the display's encoding cannot show every character."""
        ...

    def show_call(self, ticket: str, window: int | str) -> None:
        """Show the call through the display's template, e.g. 请A015号到3号窗口."""
        ...

    def clear(self) -> None: ...

    @property
    def status(self) -> TransportStatus: ...


class WindowDisplay(TextDisplay, Protocol):
    """The strip display above one window (窗口条屏)."""


class HallDisplay(TextDisplay, Protocol):
    """The hall's main display (大厅综合屏)."""


class CallerKeypad(Protocol):
    """A caller keypad (呼叫器): next / recall / skip / pause / evaluate."""

    name: str

    def subscribe(self, listener: Callable[[KeyEvent], None]) -> Unsubscribe: ...


class SatisfactionEvaluator(Protocol):
    """A satisfaction evaluator (评价器)."""

    name: str

    def request_evaluation(self, timeout_s: float | None = None, prompt: str = "") -> None:
        """Light the evaluator; exactly one EvaluationResult follows (a score, or
        timed_out), unless cancel() comes first."""
        ...

    def cancel(self) -> None: ...

    def subscribe(self, listener: Callable[[EvaluationResult], None]) -> Unsubscribe: ...


class TicketPrinter(Protocol):
    """A thermal ticket printer speaking ESC/POS (bytes are built in printing/)."""

    name: str

    def print_bytes(self, data: bytes) -> None:
        """Queue ready ESC/POS bytes and return at once."""
        ...

    def request_status(self) -> None:
        """Ask the printer (DLE EOT n); listeners get a PrinterStatus when it answers,
        or one with known=False when it does not answer in time."""
        ...

    def subscribe(self, listener: Callable[[PrinterStatus], None]) -> Unsubscribe: ...


class Voice(Protocol):
    """Announcements, queued so two calls never talk over each other."""

    def announce(self, ticket: str, window: int | str) -> None:
        """Queue the announcement and return at once."""
        ...
