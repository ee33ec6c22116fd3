"""Device-layer figures, over a real pty with the simulator's decoder on the far end.

    figure call_to_bytes_ms VALUE ms
        p95 over 40 calls of the time from show_call() to the whole frame being readable
        on the pty master (the bus idle before each call, as a counter's call is).
    figure strip28_wire_ratio VALUE ratio
        updating 28 strip displays (平安力合 framing, 9600 8N1, 100 ms vendor gap) on one
        bus: time until the last frame's slot has ended, over the wire limit
        Σ(frame bytes × 10 / 9600 s + 0.100 s). A pty does not enforce the baud rate,
        so the transport paces itself; a ratio below 1 would mean it overruns the bus.

    figure queue_call_to_strip_bytes_ms VALUE ms
        p95 over 40 calls of the time from QueueStore.call_next() returning (the
        counter's own store, this thread) to the strip's whole 平安力合 frame being
        readable on the pty master, through the hall bridge (app/services/hall_devices.py) on
        its own thread with its own store on the same SQLite file: it notices the
        commit by the database files' stat (every 20 ms), reads the new events and
        queues the frame. Nobody tells it: this is also how a call made by another
        process on the machine reaches the strip.
    figure queue_call_to_strip_bytes_woken_ms VALUE ms
        the same, with the caller's bridge.wake() after call_next() (an operation
        made in the bridge's own process).
    figure queue_call_to_strip_bytes_polled_ms VALUE ms
        the same with the file check off: the bridge polls last_event_no() every
        150 ms, as it does on a PostgreSQL store (no target; it shows the poll).
    figure queue_call_to_strip_bytes_pg_ms VALUE ms
        the same on a PostgreSQL queue store (a scratch database): the bridge is
        woken by the write's NOTIFY (db/queue_notify.py), its safety-net poll every 2 s.
    figure queue_call_to_strip_bytes_pg_polled_ms VALUE ms
        the same without LISTEN: the 150 ms poll alone, as before issue 20.
    Each call comes after a random pause of 0–200 ms, so calls fall anywhere in the
    bridge's polling cycle.

Targets: call_to_bytes_ms ≤ 50, strip28_wire_ratio ≤ 1.2, queue_call_to_strip_bytes_ms
≤ 50, queue_call_to_strip_bytes_pg_ms ≤ 50. Figures are wall-clock latencies: other processes loading the machine's cores
while it runs make them worse.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

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


def queue_call_to_strip(
    tmp: Path, *, wake: bool, hint: bool, url: str | None = None, listen: bool = True
) -> float:
    """p95 ms from call_next() returning to the strip frame readable on the pty."""
    from app.core.queue_policy import CategorySpec, CounterSpec
    from app.services.hall_devices import HallDeviceBridge
    from db.queue import QueueStore
    from devices.hub import DeviceHub
    from devices.settings import DeviceKind, DeviceSettings

    url = url or f"sqlite:///{tmp / f'queue-{wake}-{hint}.sqlite3'}"
    counter = QueueStore.open(url)
    framing = pinganlihe.PinganliheFraming()
    try:
        counter.save_category(CategorySpec("ZH", "综合业务", "A"), actor="bench")
        counter.save_counter(CounterSpec("1", "一号窗口", {"ZH": 1}), actor="bench")
        for _ in range(SAMPLES + 1):
            counter.issue_ticket("ZH")
        with PtySimulator(pinganlihe.PinganliheDecoder(), name="strip") as sim:
            assert isinstance(sim, PtySimulator)
            port = PortSettings(sim.path, baudrate=9600)
            hub = DeviceHub([DeviceSettings(DeviceKind.WINDOW_DISPLAY, "pinganlihe", port, 1)])
            bridge = HallDeviceBridge(
                url,
                hub,
                clerk_for_window=lambda window: "bench",
                hint_interval_s=0.02 if hint else None,
                listen=listen,
            )
            with bridge:
                transport = hub.transports[sim.path]
                if not bridge.wait_ready(10.0) or not sim.wait_frames(1, 10.0):
                    raise SystemExit("bench: the bridge did not start")
                if listen and url.startswith("postgresql"):
                    deadline = time.monotonic() + 10
                    while not (bridge.waker and bridge.waker.active):
                        if time.monotonic() > deadline:
                            raise SystemExit("bench: the bridge is not listening")
                        time.sleep(0.01)
                latencies = []
                jitter = random.Random(6)
                for _ in range(SAMPLES):
                    transport.wait_idle(5.0)  # each call on an idle bus, as a counter's is
                    # at a random moment: a fixed loop period would lock onto the poll
                    time.sleep(jitter.uniform(0.0, 0.2))
                    before = len(sim.received)
                    ticket = counter.call_next("1", clerk="bench")
                    start = time.monotonic()
                    if wake:
                        bridge.wake()
                    assert ticket is not None
                    frame = framing.encode_text(1, f"请{ticket.display}号到1号窗口")
                    end = _wait_for_frame(sim, frame, before, 5.0)
                    done_at = sim.arrival_of_byte(end)
                    if done_at is None:
                        raise SystemExit(f"bench: {ticket.display} never reached the strip")
                    latencies.append((done_at - start) * 1000)
    finally:
        counter.close()
    return statistics.quantiles(latencies, n=20)[18]  # p95


def _wait_for_frame(sim: PtySimulator, frame: bytes, since: int, timeout: float) -> int:
    """Index of the frame's last byte in everything the simulator received."""
    deadline = time.monotonic() + timeout
    while True:
        got = sim.wait_bytes(since + len(frame), max(0.0, deadline - time.monotonic()))
        at = got.find(frame, since)
        if at >= 0:
            return at + len(frame) - 1
        if time.monotonic() >= deadline:
            raise SystemExit("bench: the call's frame did not arrive")
        since_len = len(got)
        sim.wait_bytes(since_len + 1, min(0.05, max(0.0, deadline - time.monotonic())))


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
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        figure(
            "queue_call_to_strip_bytes_ms",
            queue_call_to_strip(folder, wake=False, hint=True),
            "ms",
        )
        figure(
            "queue_call_to_strip_bytes_woken_ms",
            queue_call_to_strip(folder, wake=True, hint=True),
            "ms",
        )
        figure(
            "queue_call_to_strip_bytes_polled_ms",
            queue_call_to_strip(folder, wake=False, hint=False),
            "ms",
        )
        from bench.bench_queue import drop_pg_database, pg_database

        for listen, name in ((True, "pg"), (False, "pg_polled")):
            pg = pg_database()
            if pg is None:
                break
            try:
                latency = queue_call_to_strip(folder, wake=False, hint=False, url=pg,
                                              listen=listen)  # fmt: skip
            finally:
                drop_pg_database(pg)
            figure(f"queue_call_to_strip_bytes_{name}_ms", latency, "ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
