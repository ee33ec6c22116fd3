"""Text displays (strip and main) over any display framing."""

from __future__ import annotations

import logging

from devices.events import DisplayTarget
from devices.framing import DisplayFraming
from devices.text import CallTemplate
from devices.transport import Transport, TransportStatus

log = logging.getLogger("devices.displays")


class FramedDisplay:
    """A window strip or hall display: WindowDisplay and HallDisplay both."""

    def __init__(
        self,
        transport: Transport,
        framing: DisplayFraming,
        address: int,
        *,
        target: DisplayTarget = DisplayTarget.STRIP,
        template: CallTemplate | None = None,
        name: str = "",
    ) -> None:
        framing.check_address(address, target)
        self.transport = transport
        self.framing = framing
        self.address = address
        self.target = target
        self.template = template or CallTemplate()
        self.name = name or f"{framing.title} {address}"

    def show_text(self, text: str) -> None:
        try:
            frame = self.framing.encode_text(self.address, text, self.target)
        except ValueError as exc:
            log.warning("%s: 文字未发送：%s", self.name, exc)
            raise
        self._send(frame)

    def show_call(self, ticket: str, window: int | str) -> None:
        self.show_text(self.template.render(ticket, window))

    def clear(self) -> None:
        self._send(self.framing.encode_clear(self.address, self.target))

    @property
    def status(self) -> TransportStatus:
        return self.transport.status

    def _send(self, frame: bytes) -> None:
        self.transport.send(
            frame, key=("display", self.address, self.target), gap_s=self.framing.default_gap_s
        )
