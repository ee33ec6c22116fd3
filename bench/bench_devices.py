"""Device-layer figures, over a real pty with the simulator's decoder on the far end.

    figure call_to_bytes_ms VALUE ms
        p95 over 40 calls of the time from show_call() to the whole frame being readable
        on the pty master (the bus idle before each call, as a counter's call is).
    figure strip28_wire_ratio VALUE ratio
        updating 28 strip displays (平安力合 framing, 9600 8N1, 100 ms vendor gap) on one
        bus: time until the last frame's slot has ended, over the wire limit
        Σ(frame bytes × 10 / 9600 s + 0.100 s). A pty does not enforce the baud rate,
        so the transport paces itself; a ratio below 1 would mean it overruns the bus.

Targets: call_to_bytes_ms ≤ 50, strip28_wire_ratio ≤ 1.2.
"""

from __future__ import annotations

import statistics
import sys
import time

from devices.displays import FramedDisplay
from devices.framing import pinganlihe
from devices.settings import PortSettings
from devices.simulate import PtySimulator
from devices.transport import Transport

SAMPLES = 40


def figure(name: str, value: float, unit: str) -> None:
    print(f"figure {name} {value:.3f} {unit}", flush=True)


def call_to_bytes(sim: PtySimulator, transport: Transport) -> float:
    framing = pinganlihe.PinganliheFraming()
    display = FramedDisplay(transport, framing, 3)
    latencies = []
    for n in range(SAMPLES):
        ticket = f"A{n:03d}"
        size = len(framing.encode_text(3, display.template.render(ticket, 3)))
        before = len(sim.received)
        start = time.monotonic()
        display.show_call(ticket, 3)
        sim.wait_bytes(before + size, 5.0)
        done_at = sim.arrival_of_byte(before + size - 1)
        if done_at is None:
            raise SystemExit("frame did not arrive")
        latencies.append((done_at - start) * 1000)
        transport.wait_idle(5.0)  # next call on an idle bus
    return statistics.quantiles(latencies, n=20)[18]  # p95


def strip28(sim: PtySimulator, transport: Transport) -> float:
    framing = pinganlihe.PinganliheFraming()
    displays = [FramedDisplay(transport, framing, a) for a in range(1, 29)]
    transport.wait_idle(5.0)
    frames_before = len(sim.frames)
    texts = [display.template.render(f"A{a:03d}", a) for a, display in enumerate(displays, 1)]
    limit = sum(
        transport.settings.wire_time_s(len(framing.encode_text(a, t))) + framing.default_gap_s
        for a, t in enumerate(texts, 1)
    )
    start = time.monotonic()
    for a, display in enumerate(displays, 1):
        display.show_call(f"A{a:03d}", a)
    if not transport.wait_idle(limit * 3):
        raise SystemExit("the 28 frames did not go out")
    elapsed = time.monotonic() - start
    got = sim.wait_frames(frames_before + 28, 5.0)[frames_before:]
    if [f.address for f in got] != list(range(1, 29)):
        raise SystemExit(f"wrong frames on the wire: {got}")
    return elapsed / limit


def main() -> int:
    with PtySimulator(pinganlihe.PinganliheDecoder(), name="bench") as sim:
        assert isinstance(sim, PtySimulator)
        settings = PortSettings(sim.path, baudrate=9600)
        with Transport(settings) as transport:
            if not transport.wait_connected(5.0):
                print("bench: the pty did not open", file=sys.stderr)
                return 1
            figure("call_to_bytes_ms", call_to_bytes(sim, transport), "ms")
            figure("strip28_wire_ratio", strip28(sim, transport), "ratio")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
