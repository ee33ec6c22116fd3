"""All devices of one workstation or hall, built from settings.

Devices that name the same port share one Transport (one RS-485 bus, one writer,
one pacing clock); each device gets the adapter of its vendor framing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from devices.displays import FramedDisplay
from devices.events import DisplayTarget
from devices.framing import display_framing
from devices.framing.yichuang import YiChuangFraming
from devices.inputs import GenericEvaluator, GenericKeypad, InputBus
from devices.printer import EscPosTicketPrinter
from devices.settings import DeviceKind, DeviceSettings, PortSettings
from devices.text import CallTemplate
from devices.transport import Opener, StatusEvent, Transport, TransportStatus, open_port

log = logging.getLogger("devices.hub")

Device = FramedDisplay | GenericKeypad | GenericEvaluator | EscPosTicketPrinter


class DeviceHub:
    def __init__(self, devices: Sequence[DeviceSettings], *, opener: Opener = open_port) -> None:
        from devices.errors import SettingsError

        # an ID-card reader serves the counter's intake, not the queue: the counter
        # opens it itself (app/services/id_reader.py), so its port is never held here
        devices = [d for d in devices if d.kind is not DeviceKind.ID_READER]
        ports: dict[str, PortSettings] = {}
        for device in devices:
            known = ports.setdefault(device.port.url, device.port)
            if known != device.port:
                raise SettingsError(
                    f"端口“{device.port.url}”被多个设备使用，但各自的端口参数不一致"
                )
        needs_input = {
            d.port.url for d in devices if d.kind in (DeviceKind.KEYPAD, DeviceKind.EVALUATOR)
        }
        self.transports: dict[str, Transport] = {
            url: Transport(port, opener=opener) for url, port in ports.items()
        }
        self._buses: dict[str, InputBus] = {
            url: InputBus(self.transports[url]) for url in needs_input
        }
        self.window_displays: dict[int, FramedDisplay] = {}
        self.hall_displays: list[FramedDisplay] = []
        self.keypads: dict[int, GenericKeypad] = {}
        self.evaluators: dict[int, GenericEvaluator] = {}
        self.printers: list[EscPosTicketPrinter] = []
        self.built: list[tuple[DeviceSettings, Device]] = []
        """Every device with the settings it was made from, in settings order (the
        dicts above key by address only; two buses may reuse an address)."""
        for device in devices:
            self.built.append((device, self._build(device)))

    def _build(self, d: DeviceSettings) -> Device:
        transport = self.transports[d.port.url]
        if d.kind in (DeviceKind.WINDOW_DISPLAY, DeviceKind.HALL_DISPLAY):
            framing = (
                YiChuangFraming(utf8=d.utf8)
                if d.vendor == "yichuang"
                else display_framing(d.vendor)
            )
            target = (
                DisplayTarget.STRIP if d.kind is DeviceKind.WINDOW_DISPLAY else DisplayTarget.MAIN
            )
            display = FramedDisplay(
                transport,
                framing,
                d.address,
                target=target,
                template=CallTemplate(d.template),
                name=d.display_name,
            )
            if d.kind is DeviceKind.WINDOW_DISPLAY:
                self.window_displays[d.address] = display
            else:
                self.hall_displays.append(display)
            return display
        if d.kind is DeviceKind.KEYPAD:
            keypad = GenericKeypad(self._buses[d.port.url], d.address, name=d.display_name)
            self.keypads[d.address] = keypad
            return keypad
        if d.kind is DeviceKind.EVALUATOR:
            evaluator = GenericEvaluator(
                self._buses[d.port.url],
                d.address,
                name=d.display_name,
                default_timeout_s=d.evaluation_timeout_s,
                utf8=d.utf8,
            )
            self.evaluators[d.address] = evaluator
            return evaluator
        printer = EscPosTicketPrinter(transport, name=d.display_name)
        self.printers.append(printer)
        return printer

    def subscribe(self, listener: Callable[[StatusEvent], None]) -> None:
        for transport in self.transports.values():
            transport.subscribe(listener)

    def statuses(self) -> dict[str, TransportStatus]:
        return {url: t.status for url, t in self.transports.items()}

    def start(self) -> DeviceHub:
        for transport in self.transports.values():
            transport.start()
        for url, bus in self._buses.items():
            interval = self.transports[url].settings.poll_interval_s
            if interval is not None:
                addresses = sorted(
                    {
                        d.address
                        for d, _ in self.built
                        if d.port.url == url and d.kind in (DeviceKind.KEYPAD, DeviceKind.EVALUATOR)
                    }
                )
                bus.start_polling(addresses, interval)
        return self

    def close(self) -> None:
        for bus in self._buses.values():
            bus.close()
        for evaluator in self.evaluators.values():
            evaluator.close()
        for printer in self.printers:
            printer.close()
        for transport in self.transports.values():
            transport.close()

    def __enter__(self) -> DeviceHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
