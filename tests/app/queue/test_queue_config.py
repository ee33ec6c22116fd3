"""`yichuang queue config export|import`: the hall's set-up as one JSON file that the
county IT person edits; an import checks the whole file and writes nothing unless
all of it is right, and export → import round-trips exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.core.queue_policy import CategorySpec, CounterSpec, QueuePolicy, parse_hours
from app.core.queue_records import Action
from app.services.queue import QueueService, queue_url
from app.services.queue_config import (
    ConfigError,
    HallConfig,
    export_config,
    from_json,
    import_config,
    policy_guarantees,
    to_json,
)
from db.queue import QueueStore


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "hall"
    assert main(["--data-dir", str(folder), "queue", "seed-demo"]) == 0
    return folder


@pytest.fixture
def store(data: Path) -> Any:
    s = QueueStore.open(queue_url("", data))
    yield s
    s.close()


def export(folder: Path, file: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["--data-dir", str(folder), "queue", "config", "export", str(file)]) == 0
    assert f"排队配置已导出到 {file}" in capsys.readouterr().out
    result: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
    return result


def run_import(folder: Path, file: Path, *extra: str) -> int:
    return main(["--data-dir", str(folder), "queue", "config", "import", str(file), *extra])


def test_export_is_readable_json_with_every_part(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = export(data, tmp_path / "hall.json", capsys)
    text = (tmp_path / "hall.json").read_text(encoding="utf-8")
    assert "综合受理" in text  # UTF-8, not \u escapes
    assert doc["version"] == 1 and "docs/queue-config.md" in doc["说明"]
    assert doc["policy"] == QueuePolicy(max_jump=20).to_dict()
    assert [c["code"] for c in doc["categories"]] == ["ZH", "SB", "BH", "QY"]
    assert doc["categories"][0] == {
        "code": "ZH", "name": "综合受理", "prefix": "A", "number_start": 1, "number_end": 999,
        "daily_cap": 300, "issue_hours": [], "reset_time": "00:00", "carry_over": False,
        "active": True, "item_codes": doc["categories"][0]["item_codes"],
    }  # fmt: skip
    assert doc["counters"][0] == {
        "window_no": "1",
        "name": "一号窗口",
        "weights": {"ZH": 3, "SB": 1},
    }


def test_export_then_import_round_trips_exactly(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], store: QueueStore
) -> None:
    # a hall set up by hand, with everything a category can have
    zh = next(c for c in store.categories() if c.code == "ZH")
    store.save_category(
        CategorySpec(
            "ZH", zh.name, "A", 100, 4999, None, parse_hours("08:30-12:00,13:30-17:00"),
            parse_hours("06:00-07:00")[0][0], True, zh.item_codes, True,
        ),
        actor="t", ord=0,
    )  # fmt: skip
    store.save_category(
        CategorySpec("QY", "企业开办", "D", active=False, item_codes=("370999-SJ-001",)),
        actor="t", ord=3,
    )  # fmt: skip
    first = tmp_path / "first.json"
    export(data, first, capsys)

    fresh = tmp_path / "fresh"
    assert run_import(fresh, first) == 0
    out = capsys.readouterr().out
    assert "已导入" in out and "业务类别已改动：ZH、SB、BH、QY" in out
    assert "窗口已改动：1、2、3、4" in out and "排队规则已改动" in out
    second = tmp_path / "second.json"
    export(fresh, second, capsys)
    assert second.read_bytes() == first.read_bytes()

    # importing the same file again changes nothing and writes nothing
    before = store.last_event_no()
    assert run_import(data, first) == 0
    assert "与本大厅现有配置相同，未作改动" in capsys.readouterr().out
    assert store.last_event_no() == before


def test_an_edited_file_is_applied_and_logged(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], store: QueueStore
) -> None:
    file = tmp_path / "hall.json"
    doc = export(data, file, capsys)
    doc["policy"]["max_jump"] = 5
    doc["categories"][1]["daily_cap"] = None
    doc["categories"][1]["issue_hours"] = "08:30-11:30，13:30-17:00"  # typed as one text
    doc["categories"].append(
        {"code": "JY", "name": "就业创业", "prefix": "E", "item_codes": ["370999-JY-001"]}
    )
    doc["counters"].append({"window_no": 5, "name": "五号窗口", "weights": {"JY": 2, "ZH": 0}})
    file.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    assert run_import(data, file, "--check") == 0
    out = capsys.readouterr().out
    assert "未写入" in out and "业务类别将改动：SB、JY" in out and "窗口将改动：5" in out
    assert store.policy().max_jump == 20

    assert run_import(data, file, "--reason", "新设就业窗口", "--actor", "xianit") == 0
    out = capsys.readouterr().out
    assert "业务类别已改动：SB、JY" in out and "窗口已改动：5" in out and "排队规则已改动" in out
    specs = {c.code: c for c in store.categories()}
    assert specs["SB"].daily_cap is None
    assert specs["SB"].issue_hours == parse_hours("08:30-11:30,13:30-17:00")
    assert specs["JY"] == CategorySpec("JY", "就业创业", "E", item_codes=("370999-JY-001",))
    assert [c.code for c in store.categories()][-1] == "JY"
    assert next(c for c in store.counters() if c.window_no == "5").weights == {"JY": 2, "ZH": 0}
    assert store.policy().max_jump == 5
    logged = [e for e in store.events_after(0) if e.actor == "xianit"]
    assert [e.action for e in logged] == [
        Action.SET_CATEGORY, Action.SET_CATEGORY, Action.SET_COUNTER, Action.SET_POLICY,
    ]  # fmt: skip
    assert {e.reason for e in logged} == {"新设就业窗口"}
    # without --reason the file's name is the reason, and the actor is admin
    doc["policy"]["max_jump"] = 6
    file.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert run_import(data, file) == 0
    last = store.events_after(0)[-1]
    assert (last.actor, last.reason) == ("admin", "导入排队配置 hall.json")


def test_a_broken_file_writes_nothing_and_lists_every_problem(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], store: QueueStore
) -> None:
    file = tmp_path / "hall.json"
    doc = export(data, file, capsys)
    doc["policy"]["max_jump"] = 0
    doc["policy"]["normal_run"] = "2"
    doc["categories"][0]["daily_cap"] = 0  # category 1: two problems of its own
    doc["categories"][0]["carry_over"] = "否"
    doc["categories"][1]["prefix"] = "A"  # category 2: the prefix of category 1
    doc["categories"][2]["issue_hours"] = ["13:30-17:00", "8:30-12"]
    doc["categories"][2]["colour"] = "red"
    doc["categories"][3]["item_codes"] = ["370999-MZ-001"]  # ZH's already
    doc["counters"][1]["weights"] = {"XX": 3, "SB": 101}
    doc["counters"][2]["window_no"] = "1"
    doc["policy"]["max_jump"] = 0
    file.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    before = (store.last_event_no(), store.categories(), store.policy())

    assert run_import(data, file, "--reason", "试导入") == 2
    err = capsys.readouterr().err
    assert "未导入任何内容" in err
    for expected in (
        "policy：插队上限应为1至10000之间的整数，现在是0",
        "policy：优先号等候时连续叫普通号的个数应为0至100之间的整数",
        "categories 第1项（ZH）：每日取号上限应为正整数（不限则留空），现在是0",
        '"categories 第1项（ZH）.carry_over：未叫的号跨日保留应为 true 或 false，现在是 "否"'[1:],
        "categories 第2项（SB）.prefix：号码前缀“A”与第1项重复",
        "categories 第3项（BH）.issue_hours：取号时段“8:30-12”应写成“08:30-11:30”的形式",
        "categories 第3项（BH）：不认识的键“colour”",
        "categories 第4项（QY）：事项370999-MZ-001已关联到类别“综合受理（ZH）”",
        "counters 第2项（2）：2号窗口类别“SB”的权重应为0至100之间的整数",
        "counters 第2项（2）：2号窗口的业务类别“XX”不存在",
        "counters 第3项（1）.window_no：窗口号“1”与第1项重复",
    ):
        assert expected in err, (expected, err)
    assert f"有 {len(err.strip().splitlines()) - 1} 处问题" in err
    assert (store.last_event_no(), store.categories(), store.policy()) == before


def test_not_json_and_not_utf8_are_told_plainly(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "hall.json"
    file.write_text('{\n  "policy": {\n    "max_jump": 20\n    "normal_run": 2\n  }\n}\n')
    assert run_import(data, file) == 2
    assert "第4行第5列：不是有效的 JSON，此处缺少逗号" in capsys.readouterr().err
    file.write_text('{"policy": {}, "policy": {}}')
    assert run_import(data, file) == 2
    assert "键“policy”出现了不止一次" in capsys.readouterr().err
    file.write_bytes('{"categories": [{"name": "综合"}]}'.encode("gbk"))
    assert run_import(data, file) == 2
    assert "不是 UTF-8 编码" in capsys.readouterr().err
    assert run_import(data, tmp_path / "missing.json") == 2
    assert "无法读取文件" in capsys.readouterr().err


def test_a_prefix_swap_needs_two_imports(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], store: QueueStore
) -> None:
    file = tmp_path / "hall.json"
    doc = export(data, file, capsys)
    doc["categories"][0]["prefix"], doc["categories"][1]["prefix"] = "B", "A"
    file.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    before = store.last_event_no()
    assert run_import(data, file) == 2
    assert "互换前缀请分两次导入" in capsys.readouterr().err
    assert store.last_event_no() == before


def test_sections_left_out_stay_as_they_are(store: QueueStore) -> None:
    text = json.dumps({"policy": QueuePolicy(max_jump=8).to_dict()})
    report = import_config(store, text, actor="admin", reason="只改规则")
    assert report.policy_changed and not report.categories_changed
    assert store.policy().max_jump == 8 and len(store.categories()) == 4
    # categories and counters absent from a file are kept (never deleted) and named
    only_zh = to_json(HallConfig(categories=(store.categories()[0],), counters=()))
    report = import_config(store, only_zh, actor="admin", reason="r", check_only=True)
    assert report.untouched_categories == ["SB", "BH", "QY"]
    assert report.untouched_counters == ["1", "2", "3", "4"]
    with pytest.raises(ConfigError) as caught:
        import_config(store, only_zh, actor="admin", reason=" ")
    assert caught.value.problems == ["请说明导入原因（--reason）"]


def test_the_module_round_trips_without_a_store() -> None:
    config = HallConfig(
        (CategorySpec("A1", "综合", "A", 5, 50, 40, parse_hours("8:00-9:00"), carry_over=True),),
        (CounterSpec("7", "七号", {"A1": 2}),),
        QueuePolicy(normal_run=0),
    )
    assert from_json(to_json(config)) == config


def test_the_guarantees_say_what_the_numbers_mean() -> None:
    text = policy_guarantees(QueuePolicy(max_jump=20, priority_run=2, normal_run=3))
    assert text[0].startswith("任何一个号最多被 19 个后来取号的人超过")
    assert (
        text[1]
        == "优先号和普通号都在等候时，每叫 3 个普通号后叫 2 个优先号（优先号约占 2/5 的叫号）。"
    )
    assert "第 3 次按重呼时记为过号" in text[2]
    strict = policy_guarantees(QueuePolicy(max_jump=1, normal_run=0, recall_limit=0))
    assert strict[:3] == [
        "严格按取号先后叫号：不论类别和优先，谁先取号谁先叫。",
        "优先号（绿色通道、预约）等候时总是先叫优先号，叫完再叫普通号。",
        "不能重呼：按重呼即记为过号。",
    ]


def test_the_service_store_exports_the_seeded_demo_hall(tmp_path: Path) -> None:
    service = QueueService(queue_url("", tmp_path), seed=True)
    try:
        doc = json.loads(service.run(export_config))
    finally:
        service.close()
    assert [c["prefix"] for c in doc["categories"]] == ["A", "B", "C", "D"]
