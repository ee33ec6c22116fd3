"""Caller keypads and evaluators on the generic framing, through a real pty."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from device_helpers import Recorder

from devices.events import (
    EvaluationRequestFrame,
    EvaluationResult,
    Key,
    KeyEvent,
    PollFrame,
    Satisfaction,
)
from devices.framing import yichuang as generic
from devices.inputs import GenericEvaluator, GenericKeypad, InputBus
from devices.simulate import PtySimulator
from devices.transport import Transport

Sim = Callable[..., PtySimulator]
Tx = Callable[..., Transport]


def test_keypad_keys_arrive_as_events(make_sim: Sim, make_transport: Tx) -> None:
    sim = make_sim(generic.YiChuangDecoder())
    transport = make_transport(sim.path, start=False)
    bus = InputBus(transport)
    keypad3, keypad4 = GenericKeypad(bus, 3, name="3号窗口呼叫器"), GenericKeypad(bus, 4)
    got3, got4 = Recorder(), Recorder()
    keypad3.subscribe(got3)
    keypad4.subscribe(got4)
    transport.start()
    assert transport.wait_connected(5)
    for key in Key:
        sim.inject_key(3, key)
    sim.inject_key(4, Key.PAUSE)
    assert got3.wait_count(5) == [KeyEvent("3号窗口呼叫器", 3, key) for key in Key]
    assert got4.wait_count(1) == [KeyEvent("呼叫器 4", 4, Key.PAUSE)]


def test_evaluator_score(make_sim: Sim, make_transport: Tx) -> None:
    sim = make_sim(generic.YiChuangDecoder())
    transport = make_transport(sim.path, start=False)
    evaluator = GenericEvaluator(InputBus(transport), 3, name="评价器3")
    results = Recorder()
    evaluator.subscribe(results)
    transport.start()
    try:
        evaluator.request_evaluation(timeout_s=20, prompt="请对本次服务作出评价")
        assert sim.wait_for(
            lambda frames: EvaluationRequestFrame(3, 20, "请对本次服务作出评价") in frames, 5
        )
        sim.inject_evaluation(3, Satisfaction.parse("非常满意"))
        assert results.wait_count(1) == [
            EvaluationResult("评价器3", 3, Satisfaction.VERY_SATISFIED)
        ]
    finally:
        evaluator.close()


def test_evaluator_times_out_when_nobody_answers(make_sim: Sim, make_transport: Tx) -> None:
    sim = make_sim(generic.YiChuangDecoder())
    transport = make_transport(sim.path, start=False)
    evaluator = GenericEvaluator(InputBus(transport), 3, grace_s=0.0)
    results = Recorder()
    evaluator.subscribe(results)
    transport.start()
    try:
        evaluator.request_evaluation(timeout_s=0.2)
        assert results.wait_count(1) == [EvaluationResult("评价器 3", 3, None, timed_out=True)]
        assert sim.wait_frames(1, 5)[0] == EvaluationRequestFrame(3, 1, "")
    finally:
        evaluator.close()


def test_evaluator_reports_its_own_timeout(make_sim: Sim, make_transport: Tx) -> None:
    sim = make_sim(generic.YiChuangDecoder())
    transport = make_transport(sim.path, start=False)
    evaluator = GenericEvaluator(InputBus(transport), 8)
    results = Recorder()
    evaluator.subscribe(results)
    transport.start()
    try:
        evaluator.request_evaluation(timeout_s=30)
        assert transport.wait_connected(5)
        sim.inject_evaluation(8, None)  # the device gave up waiting
        assert results.wait_count(1) == [EvaluationResult("评价器 8", 8, None, timed_out=True)]
    finally:
        evaluator.close()


def test_polled_bus_delivers_held_events_on_poll(make_sim: Sim, make_transport: Tx) -> None:
    sim = make_sim(generic.YiChuangDecoder(), polled_addresses=[5, 6])
    transport = make_transport(sim.path, start=False, gap_s=0.0)
    bus = InputBus(transport)
    keypad = GenericKeypad(bus, 5)
    keys = Recorder()
    keypad.subscribe(keys)
    sim.inject_key(5, Key.RECALL)  # held by the device until it is polled
    transport.start()
    bus.start_polling([5, 6], interval_s=0.02)
    try:
        assert keys.wait_count(1) == [KeyEvent("呼叫器 5", 5, Key.RECALL)]
        assert sim.wait_for(lambda frames: PollFrame(6) in frames, 5)
    finally:
        bus.close()


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("5", Satisfaction.VERY_SATISFIED),
        ("非常不满意", Satisfaction.VERY_DISSATISFIED),
        ("基本满意", Satisfaction.BASIC),
        (2, Satisfaction.DISSATISFIED),
    ],
)
def test_satisfaction_parse(text: str | int, score: Satisfaction) -> None:
    assert Satisfaction.parse(text) is score


@pytest.mark.parametrize("text", ["0", "6", "很好", ""])
def test_satisfaction_parse_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="无法识别的评价"):
        Satisfaction.parse(text)
