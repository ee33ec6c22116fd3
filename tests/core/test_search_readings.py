"""Precomputed pinyin readings (app/core/search): the JSON table the shipped catalogue
carries, read back, and the lookup that answers from it before loading pypinyin."""

from __future__ import annotations

from app.core.search import Readings, load_readings, readings, readings_table, readings_with


def test_the_table_of_readings_as_json() -> None:
    assert readings_table(["低保", "银行 卡"]) == {
        "低保": {"full": ["dibao"], "initials": ["db"]},
        "银行 卡": {"full": ["yinhangka", "yinhangqia"], "initials": ["yhk", "yhq"]},
    }
    assert readings_table([]) == {}


def test_the_table_is_read_back_as_tuples() -> None:
    data = {
        "银行卡": {"full": ["yinhangka", "yinhangqia"], "initials": ["yhk", "yhq"]},
        "低保": {"full": ["dibao"], "initials": ["db"]},
    }
    assert load_readings(data) == {
        "银行卡": (("yinhangka", "yinhangqia"), ("yhk", "yhq")),
        "低保": (("dibao",), ("db",)),
    }
    assert load_readings({}) == {}
    assert load_readings(readings_table(["低保"])) == {"低保": readings("低保")}


def test_known_readings_are_answered_as_given_and_others_computed() -> None:
    known: dict[str, Readings] = {"最低生活保障": (("given",), ("g",)), "空": ((), ())}
    lookup = readings_with(known)
    assert lookup("最低生活保障") == (("given",), ("g",))  # not recomputed
    assert lookup("空") == ((), ())  # an empty reading is still a reading given
    assert lookup("低保") == (("dibao",), ("db",))  # not known: computed
    assert readings_with({})("低保") == (("dibao",), ("db",))
