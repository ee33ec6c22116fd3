"""Fixtures for the device tests: pty/TCP simulators and transports that are always
closed, and a recorder that waits on status events instead of sleeping."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from device_helpers import FAST

from devices.settings import PortSettings
from devices.simulate import PtySimulator, TcpSimulator
from devices.transport import Transport, open_port


@pytest.fixture
def make_sim() -> Iterator[Callable[..., PtySimulator]]:
    sims: list[PtySimulator] = []

    def factory(decoder: Any = None, **kwargs: Any) -> PtySimulator:
        sim = PtySimulator(decoder, **kwargs)
        sim.start()
        sims.append(sim)
        return sim

    yield factory
    for sim in sims:
        sim.close()


@pytest.fixture
def make_tcp_sim() -> Iterator[Callable[..., TcpSimulator]]:
    sims: list[TcpSimulator] = []

    def factory(decoder: Any = None, **kwargs: Any) -> TcpSimulator:
        sim = TcpSimulator(decoder, **kwargs)
        sim.start()
        sims.append(sim)
        return sim

    yield factory
    for sim in sims:
        sim.close()


@pytest.fixture
def make_transport() -> Iterator[Callable[..., Transport]]:
    transports: list[Transport] = []

    def factory(
        url: str, *, opener: Any = open_port, start: bool = True, **kwargs: Any
    ) -> Transport:
        transport = Transport(PortSettings(url, **{**FAST, **kwargs}), opener=opener)
        transports.append(transport)
        return transport.start() if start else transport

    yield factory
    for transport in transports:
        transport.close()
