"""The queue's settings and a window that died, pinned in full: every limit of the
hall manager's rules with its message, a category's and a counter's checks, the
issuing hours, and when a call goes stale (呼叫中断) and since when."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from app.core.queue_policy import (
    CategorySpec,
    CounterSpec,
    Presence,
    QueuePolicy,
    QueueRuleError,
    Staleness,
    call_staleness,
    evaluation_problems,
    parse_hours,
)

AT = datetime(2026, 3, 2, 9, 0)


@pytest.mark.parametrize(
    ("field", "good", "bad", "message"),
    [
        ("max_jump", (1, 10_000), (0, 10_001), "插队上限应为1至10000之间的整数，现在是{}"),
        ("priority_run", (1, 100), (0, 101), "连续叫优先号的个数应为1至100之间的整数，现在是{}"),
        (
            "normal_run", (0, 100), (-1, 101),
            "优先号等候时连续叫普通号的个数应为0至100之间的整数（0表示优先号总是先叫），现在是{}",
        ),
        ("recall_limit", (0, 10), (-1, 11), "重呼次数上限应为0至10之间的整数，现在是{}"),
        (
            "window_lease_s", (15, 3600), (14, 3601),
            "窗口程序无响应判定时间应为15至3600秒之间的整数，现在是{}",
        ),
        (
            "stale_call_minutes", (0, 1440), (-1, 1441),
            "呼叫超时应为0至1440分钟之间的整数（0表示不限），现在是{}",
        ),
    ],
)  # fmt: skip
def test_each_limit_of_the_rules_and_its_message(
    field: str, good: tuple[int, int], bad: tuple[int, int], message: str
) -> None:
    for value in good:
        assert QueuePolicy(**{field: value}).problems() == []  # type: ignore[arg-type]
    for value in bad:
        assert QueuePolicy(**{field: value}).problems() == [message.format(value)]  # type: ignore[arg-type]
    assert QueuePolicy(**{field: 1.5}).problems() == [message.format(1.5)]  # type: ignore[arg-type]


def test_yes_or_no_settings() -> None:
    assert QueuePolicy(transfer_keeps_place=1).problems() == ["“转移后保留原排队位置”应为是或否"]  # type: ignore[arg-type]
    assert QueuePolicy(reactivate_keeps_place="否").problems() == [  # type: ignore[arg-type]
        "“过号恢复后保留原排队位置”应为是或否"
    ]
    with pytest.raises(QueueRuleError) as err:
        QueuePolicy(max_jump=0, recall_limit=11).checked()
    assert err.value.problems == [
        "插队上限应为1至10000之间的整数，现在是0",
        "重呼次数上限应为0至10之间的整数，现在是11",
    ]
    assert str(err.value) == "；".join(err.value.problems)
    assert QueuePolicy().checked() == QueuePolicy()


def test_a_categorys_checks_in_full() -> None:
    bad = CategorySpec(
        "bad code!", " ", "a1", number_start=5, number_end=2, daily_cap=0,
        issue_hours=((time(9), time(8)), (time(7), time(12)), (time(11), time(13))),
        item_codes=("x", "x"),
    )  # fmt: skip
    assert bad.problems() == [
        "类别代码“bad code!”应为1至16位字母、数字、下划线或连字符",
        "类别名称应为1至32个字",
        "号码前缀“a1”应为1至2个大写字母",
        "号段应在1至9999之间且起号不大于止号，现在是5至2",
        "每日取号上限应为正整数（不限则留空），现在是0",
        "取号时段09:00–08:00的开始时间应早于结束时间",
        "取号时段09:00–08:00、07:00–12:00、11:00–13:00有重叠",
        "关联事项编码有重复",
    ]
    with pytest.raises(QueueRuleError):
        bad.checked()
    edge = CategorySpec("A" * 16, "名" * 32, "AB", number_start=1, number_end=9999, daily_cap=1)
    assert edge.problems() == []
    assert edge.capacity == 1 and edge.digits == 4
    assert CategorySpec("A", "x", "A", number_start=0).problems() == [
        "号段应在1至9999之间且起号不大于止号，现在是0至999"
    ]
    assert CategorySpec("A", "x", "A", number_end=10_000).problems()
    assert CategorySpec("A", "名" * 33, "A").problems() == ["类别名称应为1至32个字"]
    touching = ((time(8), time(9)), (time(9), time(10)))
    assert CategorySpec("A", "x", "A", issue_hours=touching).problems() == []
    assert CategorySpec("A", "x", "A", number_start=10, number_end=20).capacity == 11


def test_a_counters_checks_in_full() -> None:
    assert CounterSpec("窗口三", weights={"Z": -1, "A": 101}).problems(["A"]) == [
        "窗口号“窗口三”应为1至8位字母或数字",
        "窗口三号窗口的业务类别“Z”不存在",
        "窗口三号窗口类别“Z”的权重应为0至100之间的整数",
        "窗口三号窗口类别“A”的权重应为0至100之间的整数",
    ]
    assert CounterSpec("3").problems() == ["3号窗口至少要办理一个业务类别"]
    assert CounterSpec("A-12345", weights={"Q": 0, "R": 100}).problems() == []  # nothing known
    spec = CounterSpec("9", weights={"A": 1})
    assert spec.checked(["A"]) is spec


def test_hours_as_people_write_them() -> None:
    assert parse_hours("08:30-11:30;13:30～17:00") == (
        (time(8, 30), time(11, 30)),
        (time(13, 30), time(17)),
    )
    assert parse_hours("8：30–9：00；9:30~10:00") == (
        (time(8, 30), time(9)),
        (time(9, 30), time(10)),
    )
    assert parse_hours(" , ") == ()
    with pytest.raises(QueueRuleError) as err:
        parse_hours("08:30-11:30, 下午")
    assert err.value.problems == ["取号时段“下午”应写成“08:30-11:30”的形式"]


def test_evaluation_dimension_checks() -> None:
    assert evaluation_problems({"服务态度": 5, "办事效率": 1}) == []
    assert evaluation_problems({" ": 3, "名" * 17: 0, "x": 6}) == [
        "评价维度名称“ ”应为1至16个字",
        f"评价维度名称“{'名' * 17}”应为1至16个字",
        f"评价维度“{'名' * 17}”的等级应为1至5",
        "评价维度“x”的等级应为1至5",
    ]
    assert evaluation_problems({"名" * 16: "5"}) == ["评价维度“" + "名" * 16 + "”的等级应为1至5"]  # type: ignore[dict-item]


def test_a_live_call_is_not_stale() -> None:
    seen = Presence("run-1", since=AT - timedelta(hours=1), seen_at=AT + timedelta(seconds=50))
    now = AT + timedelta(seconds=110)  # 60 s after the last heartbeat: the lease's edge
    assert call_staleness(AT, seen, QueuePolicy(), now) is None
    assert call_staleness(AT, None, QueuePolicy(), AT + timedelta(days=1)) is None  # no age limit


def test_a_program_gone_quiet_makes_its_call_stale_from_its_last_heartbeat() -> None:
    seen = Presence("run-1", since=AT - timedelta(hours=1), seen_at=AT + timedelta(seconds=50))
    now = AT + timedelta(seconds=111)
    assert call_staleness(AT, seen, QueuePolicy(), now) == Staleness(
        AT + timedelta(seconds=50), "窗口程序自09:00起无响应"
    )
    before_call = Presence(
        "run-1", since=AT - timedelta(hours=1), seen_at=AT - timedelta(minutes=5)
    )
    assert call_staleness(AT, before_call, QueuePolicy(), AT + timedelta(minutes=2)) == Staleness(
        AT, "窗口程序自08:55起无响应"
    )  # never before the call itself


def test_a_restarted_program_makes_the_earlier_runs_call_stale() -> None:
    lapsed = AT + timedelta(minutes=3)
    restarted = Presence(
        "run-2",
        since=AT + timedelta(minutes=10),
        seen_at=AT + timedelta(minutes=11),
        lapsed_at=lapsed,
    )
    assert call_staleness(AT, restarted, QueuePolicy(), AT + timedelta(minutes=11)) == Staleness(
        lapsed, "窗口程序在09:03后中断，已重新启动"
    )
    no_lapse = Presence(
        "run-2", since=AT + timedelta(minutes=10), seen_at=AT + timedelta(minutes=11)
    )
    assert call_staleness(AT, no_lapse, QueuePolicy(), AT + timedelta(minutes=11)) == Staleness(
        AT, "窗口程序在09:00后中断，已重新启动"
    )
    same_run = Presence("run-1", since=AT, seen_at=AT + timedelta(minutes=11))
    assert call_staleness(AT, same_run, QueuePolicy(), AT + timedelta(minutes=11)) is None


def test_a_call_older_than_the_halls_limit_is_stale_from_the_limit() -> None:
    policy = QueuePolicy(stale_call_minutes=15)
    limit = AT + timedelta(minutes=15)
    assert call_staleness(AT, None, policy, limit) is None
    assert call_staleness(AT, None, policy, limit + timedelta(seconds=1)) == Staleness(
        limit, "呼叫已超过15分钟"
    )
    quiet = Presence("run-1", since=AT, seen_at=AT + timedelta(minutes=1))
    both = call_staleness(AT, quiet, policy, AT + timedelta(minutes=20))
    assert both == Staleness(AT + timedelta(minutes=1), "窗口程序自09:01起无响应")  # the earlier
    late_quiet = Presence("run-1", since=AT, seen_at=AT + timedelta(minutes=18))
    assert call_staleness(AT, late_quiet, policy, AT + timedelta(minutes=20)) == Staleness(
        limit, "呼叫已超过15分钟"
    )
