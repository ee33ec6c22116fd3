"""The per-hall settings: every value checked in one place (named with its field), the
hall file the installer leaves beside the program, and its precedence over
settings.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import settings as settings_module
from app.settings import (
    GROUPS,
    REGISTRY,
    InvalidSettings,
    Settings,
    apply_hall_file,
    check_value,
    hall_file_candidates,
    parse_text,
    printed_kinds,
    read_hall_file,
)
from printing.documents import DocKind


def problems_of(values: dict[str, object]) -> dict[str, str]:
    return settings_module.check_values(values)[1]


def test_every_default_is_valid_and_every_hall_setting_has_a_group() -> None:
    assert problems_of({s.key: s.default for s in REGISTRY}) == {}
    shown = {s.key for s in REGISTRY if s.group}
    assert {"centre_code", "workstation", "central_url", "printers", "devices", "review_body",
            "court", "result_delivery", "backup_keep", "sync_interval_s"} <= shown  # fmt: skip
    assert {s.group for s in REGISTRY if s.group} == set(GROUPS)
    assert printed_kinds() == tuple(k.value for k in DocKind)


def test_a_wrong_value_is_named_with_its_field() -> None:
    problems = problems_of(
        {
            "centre_code": "3709",
            "workstation": "A12",
            "central_url": "postgresql://yc:pw@10.1.2.3/yichuang",
            "central_sslmode": "strict",
            "receipt_format": "58mm",
            "sync_interval_s": 1,
            "backup_keep": 0,
            "printers": {"发票": "HP"},
            "qr_template": "https://x/q",
            "hall_phone": "电话",
            "court": "示范县人民政府",
            "devices": [{"kind": "window_display"}],
        }
    )
    assert problems["centre_code"] == "中心行政区划代码：应为6至12位数字，现在是“3709”"
    assert problems["workstation"].startswith("工作站代码：应为县中心分配的2位")
    assert problems["central_url"].startswith("县中心数据库地址：不能含密码")
    assert "yichuang sync set-up" in problems["central_url"] and "pw" not in problems["central_url"]
    assert problems["central_sslmode"] == (
        "连接县中心数据库的 TLS 模式：只能是 disable / allow / prefer / require / verify-ca / "
        "verify-full 之一，现在是“strict”"
    )
    assert problems["receipt_format"].startswith("受理回执纸张：只能是 A4")
    assert problems["sync_interval_s"] == "自动同步间隔：应在5至3600秒之间，现在是1秒"
    assert problems["backup_keep"] == "保留的每日自动备份份数：应在1至365份之间，现在是0份"
    assert problems["printers"].startswith("各类文书使用的打印机：未知的文书“发票”")
    assert problems["qr_template"].startswith("回执二维码内容模板：须含 {case_no}")
    assert problems["hall_phone"].startswith("咨询电话：“电话”不像电话号码")
    assert problems["court"].startswith("行政诉讼管辖法院：应为法院的全称")
    assert problems["devices"] == "排队设备：第1台设备：设备设置缺少 port（端口设置）"
    assert len(problems) == 12


def test_values_are_kept_as_their_rule_says() -> None:
    assert check_value("workstation", " b2 ") == "B2"
    assert check_value("receipt_format", "80MM") == "80mm"
    with pytest.raises(InvalidSettings) as info:
        check_value("no_such_key", 1)
    assert "未知的设置项“no_such_key”" in str(info.value)
    with pytest.raises(InvalidSettings):
        check_value("backup_keep", True)  # a bool is no count


def test_update_applies_all_or_nothing(tmp_path: Path) -> None:
    s = Settings(tmp_path / "settings.json")
    with pytest.raises(InvalidSettings) as info:
        s.update({"hall_name": "新大厅", "centre_code": "x"})
    assert set(info.value.problems) == {"centre_code"}
    assert s.get("hall_name") == "示范县城关镇便民服务中心"  # nothing applied
    assert s.update({"hall_name": " 新大厅 ", "workstation": "c3"}) == {
        "hall_name": "新大厅",
        "workstation": "C3",
    }
    assert s.get("workstation") == "C3"
    s._values["centre_code"] = "12"  # written by hand into settings.json
    assert s.problems() == {"centre_code": "中心行政区划代码：应为6至12位数字，现在是“12”"}


def test_parse_text_reads_a_typed_value_as_its_type() -> None:
    assert parse_text("hall_name", "大厅") == "大厅"
    assert parse_text("backup_keep", " 30 ") == 30
    assert parse_text("print_after_save", "否") is False
    assert parse_text("print_after_save", "TRUE") is True
    assert parse_text("printers", '{"*": "HP"}') == {"*": "HP"}
    for key, text, message in (
        ("backup_keep", "三十", "保留的每日自动备份份数：应为整数，现在是“三十”"),
        ("print_after_save", "maybe", "保存办件后自动打印文书：应为 true（是）或 false（否），现在是“maybe”"),
    ):  # fmt: skip
        with pytest.raises(InvalidSettings) as info:
            parse_text(key, text)
        assert info.value.problems == {key: message}
    with pytest.raises(InvalidSettings) as info:
        parse_text("printers", "{HP}")
    assert info.value.problems["printers"].startswith("各类文书使用的打印机：应为 JSON 对照表")


# ------------------------------------------------------------------ the hall file


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def stored(folder: Path) -> dict[str, object]:
    return json.loads((folder / "settings.json").read_text(encoding="utf-8"))


def test_hall_file_reports_every_wrong_key_and_keeps_the_rest(tmp_path: Path) -> None:
    hall = read_hall_file(write(tmp_path / "hall.json", {
        "_说明": "县信息中心 2026-12",
        "centre_code": "370982101",
        "workstation": "b7",
        "court": "某某",
        "printer": {"*": "HP"},
    }))  # fmt: skip
    assert hall.values == {"centre_code": "370982101", "workstation": "B7"}
    assert set(hall.problems) == {"court", "printer"}
    assert "未知的设置项“printer”" in hall.problems["printer"]
    broken = read_hall_file(write(tmp_path / "b.json", [1]))
    assert list(broken.problems) == [""] and "应为一个 JSON 对象" in broken.problems[""]
    (tmp_path / "c.json").write_text("{centre_code: 1}", encoding="utf-8")
    assert "不是有效的 JSON" in read_hall_file(tmp_path / "c.json").problems[""]
    assert "无法读取" in read_hall_file(tmp_path / "none.json").problems[""]
    # Windows Notepad writes a byte-order mark
    (tmp_path / "bom.json").write_text('{"workstation": "C1"}', encoding="utf-8-sig")
    assert read_hall_file(tmp_path / "bom.json").values == {"workstation": "C1"}


def test_hall_file_seeds_a_new_workstation(tmp_path: Path) -> None:
    data = tmp_path / "data"
    hall = write(tmp_path / "hall.json", {"centre_code": "370982101", "workstation": "B7",
                                          "court": "示范县人民政府"})  # fmt: skip
    assert apply_hall_file(data / "settings.json", hall) == ["centre_code", "workstation"]
    s = Settings.load(data / "settings.json")
    assert (s.get("centre_code"), s.get("workstation")) == ("370982101", "B7")
    assert s.get("court") == "示范县人民法院"  # the wrong value was left out
    # a second start changes nothing and writes nothing
    before = (data / "settings.json").stat().st_mtime_ns
    assert apply_hall_file(data / "settings.json", hall) == []
    assert (data / "settings.json").stat().st_mtime_ns == before


def test_precedence_manager_over_hall_file_over_default(tmp_path: Path) -> None:
    data = tmp_path / "data"
    target = data / "settings.json"
    hall = tmp_path / "hall.json"
    write(hall, {"hall_name": "甲镇便民服务中心", "hall_phone": "0538-1111111", "window_no": "2"})
    apply_hall_file(target, hall)
    # the manager changes the phone in the settings dialog
    s = Settings.load(target)
    s.update({"hall_phone": "0538-2222222"})
    s.save()
    # the IT person corrects the hall file and reinstalls: what nobody changed here
    # follows the new file; the manager's change stays
    write(hall, {"hall_name": "乙镇便民服务中心", "hall_phone": "0538-3333333", "window_no": "2",
                 "court": "乙县人民法院"})  # fmt: skip
    assert sorted(apply_hall_file(target, hall)) == ["court", "hall_name"]
    s = Settings.load(target)
    assert s.get("hall_name") == "乙镇便民服务中心"
    assert s.get("hall_phone") == "0538-2222222"
    assert s.get("court") == "乙县人民法院"
    assert s.get("office_hours") == settings_module.setting("office_hours").default
    assert stored(data)["hall_seeded"] == {
        "hall_name": "乙镇便民服务中心",
        "hall_phone": "0538-1111111",
        "window_no": "2",
        "court": "乙县人民法院",
    }  # fmt: skip  (what the hall file gave and the workstation took)


def test_a_value_set_before_the_hall_file_came_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    s = Settings.load(target)
    s.set("workstation", "C9")
    s.save()
    hall = write(tmp_path / "hall.json", {"workstation": "B7", "centre_code": "370982101"})
    assert apply_hall_file(target, hall) == ["centre_code"]
    assert Settings.load(target).get("workstation") == "C9"


def test_a_value_equal_to_the_hall_file_counts_as_seeded(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    write(target, {"workstation": "B7"})
    hall = write(tmp_path / "hall.json", {"workstation": "B7"})
    assert apply_hall_file(target, hall) == []
    assert stored(tmp_path)["hall_seeded"] == {"workstation": "B7"}
    write(hall, {"workstation": "B8"})
    assert apply_hall_file(target, hall) == ["workstation"]


def test_where_the_hall_file_is_looked_for(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("YICHUANG_HALL_FILE", str(tmp_path / "hall.json"))
    assert hall_file_candidates() == [tmp_path / "hall.json"]
    assert settings_module.find_hall_file() is None
    write(tmp_path / "hall.json", {})
    assert settings_module.find_hall_file() == tmp_path / "hall.json"
    monkeypatch.setenv("YICHUANG_HALL_FILE", "")
    assert hall_file_candidates() == []
    assert apply_hall_file(tmp_path / "settings.json") == []
    monkeypatch.delenv("YICHUANG_HALL_FILE")
    monkeypatch.setattr(settings_module.sys, "platform", "linux")
    monkeypatch.setattr(settings_module.sys, "frozen", True, raising=False)
    monkeypatch.setattr(settings_module.sys, "executable", str(tmp_path / "opt" / "yichuang"))
    assert hall_file_candidates() == [
        Path("/etc/yichuang/hall.json"),
        (tmp_path / "opt" / "hall.json").resolve(),
    ]
    monkeypatch.setattr(settings_module.sys, "platform", "win32")
    assert hall_file_candidates() == [(tmp_path / "opt" / "hall.json").resolve()]


def test_two_programs_saving_never_undo_each_others_change(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    window = Settings.load(target)  # the counter window, open all day
    it = Settings.load(target)  # `yichuang config set` meanwhile
    it.update({"central_sslmode": "require"})
    it.save()
    window.remember_item("ITEM-1")  # the window saves its own change later
    window.save()
    s = Settings.load(target)
    assert s.get("central_sslmode") == "require"
    assert s.get("recent_items") == ["ITEM-1"]
    assert not list(tmp_path.glob("*.tmp"))


def test_the_rules_name_what_printing_knows() -> None:
    from app.core import settings_rules
    from printing import settings as printing_settings

    assert settings_rules.QR_FIELDS == printing_settings.QR_FIELDS


def test_an_old_settings_file_with_warn_days_still_loads_and_sheds_it(tmp_path: Path) -> None:
    """warn_days is retired (the lights use the hall's 电子监察 margins): an old
    settings.json and an old hall file still load whole, without it."""
    path = tmp_path / "settings.json"
    path.write_text(
        json.dumps({"schema": 1, "warn_days": 5, "window_no": "7", "large_font": True}),
        encoding="utf-8",
    )
    s = Settings.load(path)
    assert s.get("window_no") == "7" and s.get("large_font") is True
    assert not s.is_set("warn_days") and s.problems() == {}
    with pytest.raises(KeyError):
        s.get("warn_days")
    s.set("window_no", "8")
    s.save()
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert "warn_days" not in on_disk and on_disk["window_no"] == "8"
    assert on_disk["large_font"] is True

    hall = tmp_path / "hall.json"
    hall.write_text(json.dumps({"warn_days": 3, "hall_name": "示范县便民服务中心"}), "utf-8")
    found = read_hall_file(hall)
    assert found.problems == {} and found.values == {"hall_name": "示范县便民服务中心"}
