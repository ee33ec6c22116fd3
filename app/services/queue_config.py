"""The hall's queue set-up (categories, counters, rules) as one JSON file, and the
checks that a set-up can be written, shared by the manager's dialogs and
``yichuang queue config export|import``. No Qt here.

The file is for people: the county IT person edits it in Notepad and imports it, so
every problem is reported at once, with its place in the file, in Chinese, and an
import writes nothing unless the whole file is right. Its keys are documented in
``docs/queue-config.md``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, time
from typing import Any, Protocol, TypeVar

from app.core.queue_policy import (
    CategorySpec,
    CounterSpec,
    Hours,
    QueuePolicy,
    QueueRuleError,
    parse_hours,
)
from app.core.queue_records import CounterInfo

FORMAT_VERSION = 1
NOTE = "一窗通大厅排队配置：业务类别、窗口和排队规则。各字段含义见 docs/queue-config.md；修改后用 yichuang queue config import 导入。"

POLICY_KEYS = tuple(f.name for f in fields(QueuePolicy))
CATEGORY_KEYS = (
    "code", "name", "prefix", "number_start", "number_end", "daily_cap", "issue_hours",
    "reset_time", "carry_over", "active", "item_codes",
)  # fmt: skip
COUNTER_KEYS = ("window_no", "name", "weights")
COUNTER_NAME_MAX = 32  # the store's column
TOP_KEYS = ("说明", "version", "policy", "categories", "counters")

# What each key is called on screen (and in problems).
POLICY_LABELS = {
    "max_jump": "插队上限",
    "priority_run": "连续叫优先号个数",
    "normal_run": "连续叫普通号个数",
    "recall_limit": "重呼次数上限",
    "transfer_keeps_place": "转移后保留原排队位置",
    "reactivate_keeps_place": "过号恢复后保留原排队位置",
    "window_lease_s": "窗口程序无响应判定（秒）",
    "stale_call_minutes": "呼叫超时（分钟）",
    "booking_early_min": "预约提前签到（分钟）",
    "booking_late_min": "预约迟到签到（分钟）",
}
# added after files were first exported: a file without them keeps the default
POLICY_OPTIONAL = frozenset(
    {"window_lease_s", "stale_call_minutes", "booking_early_min", "booking_late_min"}
)
CATEGORY_LABELS = {
    "code": "类别代码",
    "name": "类别名称",
    "prefix": "号码前缀",
    "number_start": "起号",
    "number_end": "止号",
    "daily_cap": "每日取号上限",
    "issue_hours": "取号时段",
    "reset_time": "每日重置时间",
    "carry_over": "未叫的号跨日保留",
    "active": "启用",
    "item_codes": "关联事项编码",
}
COUNTER_LABELS = {"window_no": "窗口号", "name": "窗口名称", "weights": "办理类别及权重"}


class ConfigError(ValueError):
    """A set-up that cannot be written; ``problems`` are whole sentences in Chinese,
    each starting with its place. Nothing was written."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True, slots=True)
class HallConfig:
    """The hall's set-up. ``None`` sections are absent from a file: left as they are."""

    categories: tuple[CategorySpec, ...] | None = None
    counters: tuple[CounterSpec, ...] | None = None
    policy: QueuePolicy | None = None
    # Every entry read from a file, with its place in it — those with problems too,
    # unreadable fields standing in as harmless values — so the checks against the
    # hall (problems_against) see the whole file. Empty: ``categories``/``counters``.
    category_entries: tuple[tuple[int, CategorySpec], ...] = field(default=(), compare=False)
    counter_entries: tuple[tuple[int, CounterSpec], ...] = field(default=(), compare=False)

    def all_categories(self) -> list[tuple[int, CategorySpec]]:
        return list(self.category_entries or enumerate(self.categories or ()))

    def all_counters(self) -> list[tuple[int, CounterSpec]]:
        return list(self.counter_entries or enumerate(self.counters or ()))


# ---------------------------------------------------------------- text forms


def hours_field(hours: Hours) -> str:
    """Hours as typed in the dialog and written in the file: ``08:30-12:00,13:30-17:00``."""
    return ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in hours)


def split_codes(text: str) -> tuple[str, ...]:
    """Item codes typed one per line or separated by commas, 、 or spaces."""
    return tuple(c for c in re.split(r"[\s,，、;；]+", text) if c)


def weights_text(weights: Mapping[str, int], prefixes: Mapping[str, str] | None = None) -> str:
    """``A×3、B×1`` (the category's prefix when known, else its code)."""
    prefixes = prefixes or {}
    return "、".join(f"{prefixes.get(code, code)}×{w}" for code, w in weights.items())


def policy_guarantees(policy: QueuePolicy) -> list[str]:
    """What the numbers promise applicants, in plain Chinese (the rules dialog shows
    them as the manager types)."""
    a, p, n, r = policy.max_jump, policy.priority_run, policy.normal_run, policy.recall_limit
    out = [
        f"任何一个号最多被 {a - 1} 个后来取号的人超过；绿色通道和预约的号最多往前提 {a - 1} 位。"
        if a > 1
        else "严格按取号先后叫号：不论类别和优先，谁先取号谁先叫。"
    ]
    if n == 0:
        out.append("优先号（绿色通道、预约）等候时总是先叫优先号，叫完再叫普通号。")
    else:
        out.append(
            f"优先号和普通号都在等候时，每叫 {n} 个普通号后叫 {p} 个优先号"
            f"（优先号约占 {p}/{p + n} 的叫号）。"
        )
    out.append(
        "不能重呼：按重呼即记为过号。"
        if r == 0
        else f"同一个号每次叫号后可重呼 {r} 次，第 {r + 1} 次按重呼时记为过号。"
    )
    out.append(
        "转移的号保留原来的排队位置。"
        if policy.transfer_keeps_place
        else "转移的号排到新队伍的队尾。"
    )
    out.append(
        "过号后恢复排队的号回到原来的位置。"
        if policy.reactivate_keeps_place
        else "过号后恢复排队的号排到队尾。"
    )
    return out


# ---------------------------------------------------------------- to and from JSON


def category_dict(spec: CategorySpec) -> dict[str, Any]:
    return {
        "code": spec.code,
        "name": spec.name,
        "prefix": spec.prefix,
        "number_start": spec.number_start,
        "number_end": spec.number_end,
        "daily_cap": spec.daily_cap,
        "issue_hours": [f"{a:%H:%M}-{b:%H:%M}" for a, b in spec.issue_hours],
        "reset_time": f"{spec.reset_time:%H:%M}",
        "carry_over": spec.carry_over,
        "active": spec.active,
        "item_codes": list(spec.item_codes),
    }


def counter_dict(spec: CounterSpec) -> dict[str, Any]:
    return {"window_no": spec.window_no, "name": spec.name, "weights": dict(spec.weights)}


def to_json(config: HallConfig) -> str:
    """The file: UTF-8 text, two-space indent, keys in a fixed order."""
    data: dict[str, Any] = {"说明": NOTE, "version": FORMAT_VERSION}
    if config.policy is not None:
        data["policy"] = config.policy.to_dict()
    if config.categories is not None:
        data["categories"] = [category_dict(c) for c in config.categories]
    if config.counters is not None:
        data["counters"] = [counter_dict(c) for c in config.counters]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def from_json(text: str) -> HallConfig:
    """Read a file; every problem of form and value at once (``ConfigError``).
    ``read_json`` also returns the parts that were right, for the checks against
    the hall (``problems_against``)."""
    config, problems = read_json(text)
    if problems:
        raise ConfigError(problems)
    return config


def read_json(text: str) -> tuple[HallConfig, list[str]]:
    """The file's set-up (the sections and entries without problems) and every
    problem of form and value found in it."""
    try:
        data = json.loads(text.lstrip("\ufeff"), object_pairs_hook=_no_duplicates)
    except _DuplicateKeys as exc:
        return HallConfig(), exc.problems
    except json.JSONDecodeError as exc:
        return HallConfig(), [
            f"第{exc.lineno}行第{exc.colno}列：不是有效的 JSON，{_json_reason(exc.msg)}"
        ]
    return read_data(data)


def read_data(data: Any) -> tuple[HallConfig, list[str]]:
    problems: list[str] = []
    if not isinstance(data, dict):
        return HallConfig(), ["文件：最外层应为一个 JSON 对象 { … }"]
    for key in data:
        if key not in TOP_KEYS:
            problems.append(f"文件：不认识的键“{key}”（可用的键：{'、'.join(TOP_KEYS)}）")
    version = data.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        problems.append(f"version：文件格式版本应为 {FORMAT_VERSION}，现在是 {version!r}")
    policy = None
    if "policy" in data:
        policy = _policy(data["policy"], problems)
    categories = None
    if "categories" in data:
        categories = _list(data["categories"], "categories", _category, problems)
        raw_categories = data["categories"] if isinstance(data["categories"], list) else []
        for key in ("code", "prefix"):
            _duplicates(raw_categories, "categories", key, "code", CATEGORY_LABELS[key], problems)
    counters = None
    if "counters" in data:
        counters = _list(data["counters"], "counters", _counter, problems)
        raw = data["counters"] if isinstance(data["counters"], list) else []
        _duplicates(raw, "counters", "window_no", "window_no", "窗口号", problems)
    return (
        HallConfig(
            _right(categories) if categories is not None else None,
            _right(counters) if counters is not None else None,
            policy,
            tuple((i, spec) for i, (spec, _) in enumerate(categories or ()) if spec is not None),
            tuple((i, spec) for i, (spec, _) in enumerate(counters or ()) if spec is not None),
        ),
        problems,
    )


def _right(entries: list[tuple[_Spec | None, bool]]) -> tuple[_Spec, ...]:
    """The entries read without a problem (an entry not read at all had one)."""
    return tuple(spec for spec, ok in entries if ok and spec is not None)


def from_data(data: Any) -> HallConfig:
    config, problems = read_data(data)
    if problems:
        raise ConfigError(problems)
    return config


class _DuplicateKeys(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    twice = []
    for key, _ in pairs:
        if key in seen:
            twice.append(key)
        seen.add(key)
    if twice:
        raise _DuplicateKeys([f"文件：同一个对象中键“{k}”出现了不止一次" for k in twice])
    return dict(pairs)


_JSON_REASONS = {
    "Expecting value": "此处缺少值",
    "Expecting ',' delimiter": "此处缺少逗号",
    "Expecting ':' delimiter": "此处缺少冒号",
    "Expecting property name enclosed in double quotes": "键名应使用英文双引号（或多了一个逗号）",
    "Unterminated string starting at": "字符串缺少结尾的双引号",
    "Extra data": "数据结束后还有多余内容",
    "Invalid control character at": "字符串中有不允许的控制字符",
}


def _json_reason(msg: str) -> str:
    return _JSON_REASONS.get(msg, msg)


def _place(section: str, index: int, code: object = None) -> str:
    """``categories 第2项（SB）``: the list, the entry counted from 1, its code."""
    named = f"（{code}）" if isinstance(code, str | int) and str(code).strip() else ""
    return f"{section} 第{index + 1}项{named}"


_Spec = TypeVar("_Spec")


def _list(
    value: Any,
    section: str,
    read: Callable[[Any, int, list[str]], _Spec | None],
    problems: list[str],
) -> list[tuple[_Spec | None, bool]]:
    """Each entry read (None: not even an object, reported), and whether it was right."""
    if not isinstance(value, list):
        problems.append(f"{section}：应为一个列表 [ … ]")
        return []
    out: list[tuple[_Spec | None, bool]] = []
    for i, item in enumerate(value):
        count = len(problems)
        spec = read(item, i, problems)
        out.append((spec, len(problems) == count))
    return out


def _duplicates(
    items: Sequence[Any], section: str, key: str, name_key: str, label: str, problems: list[str]
) -> None:
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get(key), str | int):
            continue
        value = str(item[key])
        if value in first:
            where = _place(section, i, item.get(name_key))
            problems.append(f"{where}.{key}：{label}“{value}”与第{first[value] + 1}项重复")
        else:
            first[value] = i


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _policy(value: Any, problems: list[str]) -> QueuePolicy | None:
    if not isinstance(value, dict):
        problems.append("policy：应为一个对象 { … }")
        return None
    count = len(problems)
    for key in value:
        if key not in POLICY_KEYS:
            problems.append(f"policy：不认识的键“{key}”（可用的键：{'、'.join(POLICY_KEYS)}）")
    for key in POLICY_KEYS:
        if key not in value and key not in POLICY_OPTIONAL:
            problems.append(f"policy.{key}：缺少“{POLICY_LABELS[key]}”")
    policy = QueuePolicy.from_dict(value)  # missing keys: the default, to check the rest
    problems.extend(f"policy：{p}" for p in policy.problems())
    return policy if len(problems) == count else None


def _category(value: Any, index: int, problems: list[str]) -> CategorySpec | None:
    """A category entry. A field of the wrong kind is reported and replaced by a
    harmless value, so the entry's other checks are still made."""
    if not isinstance(value, dict):
        problems.append(f"{_place('categories', index)}：应为一个对象 {{ … }}")
        return None
    where = _place("categories", index, value.get("code"))
    fields_: dict[str, Any] = {}

    def take(key: str, ok: bool, want: str, stand_in: Any, converted: Any = None) -> None:
        if key not in value:
            return
        if ok:
            fields_[key] = value[key] if converted is None else converted
        else:
            problems.append(
                f"{where}.{key}：{CATEGORY_LABELS[key]}应为{want}，现在是 {_shown(value[key])}"
            )
            fields_[key] = stand_in

    for key in value:
        if key not in CATEGORY_KEYS:
            problems.append(f"{where}：不认识的键“{key}”（可用的键：{'、'.join(CATEGORY_KEYS)}）")
    for key, stand_in in (("code", "X"), ("name", "X"), ("prefix", "X")):
        if key not in value:
            problems.append(f"{where}.{key}：缺少“{CATEGORY_LABELS[key]}”")
            fields_[key] = stand_in
        take(key, isinstance(value.get(key), str), "文字（加英文双引号）", stand_in)
    take("number_start", _is_int(value.get("number_start")), "整数", 1)
    take("number_end", _is_int(value.get("number_end")), "整数", 9999)
    cap = value.get("daily_cap")
    take("daily_cap", cap is None or _is_int(cap), "整数（不限则写 null）", None)
    for key in ("carry_over", "active"):
        take(key, isinstance(value.get(key), bool), " true 或 false", False)
    if "issue_hours" in value:
        raw = value["issue_hours"]
        if isinstance(raw, list) and all(isinstance(x, str) for x in raw):
            raw = ",".join(raw)
        if isinstance(raw, str):
            try:
                fields_["issue_hours"] = parse_hours(raw)
            except QueueRuleError as exc:
                problems.extend(f"{where}.issue_hours：{p}" for p in exc.problems)
        else:
            take(
                "issue_hours", False,
                '时段列表，如 ["08:30-12:00", "13:30-17:00"]（全天可取号则写 []）', (),
            )  # fmt: skip
        fields_.setdefault("issue_hours", ())
    reset = value.get("reset_time")
    clock = _clock(reset) if isinstance(reset, str) else None
    take("reset_time", clock is not None, '“时:分”形式的时间，如 "00:00"', time(0, 0), clock)
    codes = value.get("item_codes")
    good = isinstance(codes, list) and all(isinstance(x, str) and x.strip() for x in codes)
    take(
        "item_codes", good, '事项编码的列表，如 ["370999-MZ-001"]（没有则写 []）', (),
        tuple(x.strip() for x in codes or ()) if good else None,
    )  # fmt: skip
    spec = CategorySpec(**fields_)
    problems.extend(f"{where}：{p}" for p in spec.problems())
    return spec


def _clock(text: str) -> time | None:
    match = re.fullmatch(r"\s*(\d{1,2})[:：](\d{2})\s*", text)
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    return time(hour, minute) if hour < 24 and minute < 60 else None


def _counter(value: Any, index: int, problems: list[str]) -> CounterSpec | None:
    if not isinstance(value, dict):
        problems.append(f"{_place('counters', index)}：应为一个对象 {{ … }}")
        return None
    where = _place("counters", index, value.get("window_no"))
    for key in value:
        if key not in COUNTER_KEYS:
            problems.append(f"{where}：不认识的键“{key}”（可用的键：{'、'.join(COUNTER_KEYS)}）")
    window = value.get("window_no")
    if window is None:
        problems.append(f"{where}.window_no：缺少“窗口号”")
        window = "X"
    elif _is_int(window):  # 3 for "3": what anyone would mean
        window = str(window)
    elif not isinstance(window, str):
        problems.append(f'{where}.window_no：窗口号应为文字，如 "3"，现在是 {_shown(window)}')
        window = "X"
    name = value.get("name", "")
    if not isinstance(name, str):
        problems.append(f"{where}.name：窗口名称应为文字（加英文双引号），现在是 {_shown(name)}")
        name = ""
    weights = value.get("weights")
    if weights is None:
        problems.append(f'{where}.weights：缺少“办理类别及权重”，如 {{"ZH": 3, "SB": 1}}')
        weights = {"X": 1}
    elif not isinstance(weights, dict):
        problems.append(
            f'{where}.weights：办理类别及权重应为对象，如 {{"ZH": 3, "SB": 1}}，现在是 {_shown(weights)}'
        )
        weights = {"X": 1}
    spec = CounterSpec(window, name, dict(weights))
    problems.extend(f"{where}：{p}" for p in counter_problems(spec))
    return spec


def counter_problems(spec: CounterSpec, known: Iterable[str] | None = None) -> list[str]:
    """A counter's own checks, and a name that fits the store's column."""
    out = spec.problems(known)
    if len(spec.name) > COUNTER_NAME_MAX:
        out.append(f"{spec.window_no}号窗口的名称应不超过{COUNTER_NAME_MAX}个字")
    return out


# ---------------------------------------------------------------- against the hall


class ConfigStore(Protocol):
    """The part of ``db.queue.QueueStore`` the set-up uses."""

    def categories(self) -> list[CategorySpec]: ...
    def counters(self) -> Sequence[CounterInfo]: ...
    def policy(self) -> QueuePolicy: ...
    def save_category(
        self, spec: CategorySpec, *, actor: str, now: datetime | None = None, ord: int = 0,
        reason: str = "",
    ) -> None: ...  # fmt: skip
    def save_counter(
        self, spec: CounterSpec, *, actor: str, now: datetime | None = None, reason: str = ""
    ) -> None: ...
    def set_policy(
        self, policy: QueuePolicy, *, actor: str, reason: str = "", now: datetime | None = None
    ) -> None: ...


def read_config(store: ConfigStore) -> HallConfig:
    """The hall's set-up now (active counters; weights in the categories' order)."""
    categories = tuple(store.categories())
    order = {c.code: i for i, c in enumerate(categories)}
    counters = tuple(
        CounterSpec(
            c.window_no,
            c.name,
            dict(sorted(c.weights.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))),
        )
        for c in store.counters()
    )
    return HallConfig(categories, counters, store.policy())


def merged_categories(
    current: Sequence[CategorySpec], new: Iterable[CategorySpec]
) -> list[CategorySpec]:
    """The hall's categories after ``new`` are saved (in the file's order, then the
    ones the file leaves alone)."""
    new = list(new)
    codes = {c.code for c in new}
    return new + [c for c in current if c.code not in codes]


def shared_problems(
    spec: CategorySpec, others: Iterable[CategorySpec], *, prefix: bool = True
) -> list[str]:
    """What a category may not share with the hall's other categories: its prefix
    (the store refuses it) and a linked item (the kiosk and counter look a
    category up by item, so an item belongs to one)."""
    out = []
    for other in others:
        if other.code == spec.code:
            continue
        if prefix and other.prefix == spec.prefix:
            out.append(f"号码前缀“{spec.prefix}”已被类别“{other.name}（{other.code}）”使用")
        shared = [c for c in spec.item_codes if c in other.item_codes]
        if shared:
            out.append(
                f"事项{'、'.join(shared)}已关联到类别“{other.name}（{other.code}）”，"
                "一个事项只能关联一个类别"
            )
    return out


def problems_against(
    config: HallConfig, current: HallConfig, *, complete: bool = True
) -> list[str]:
    """A file's set-up against the hall as it is: prefixes and linked items unique
    across the hall, counters naming categories that exist, and (for a ``complete``
    file, one read without problems) an order of writing in which each step is
    allowed. Each problem is told once, at the later of the two entries."""
    problems: list[str] = []
    present = list(current.categories or ())
    mine = config.all_categories()
    in_file = {spec.code for _, spec in mine}
    kept = [c for c in present if c.code not in in_file]  # the file leaves these alone
    for n, (place, spec) in enumerate(mine):
        where = _place("categories", place, spec.code)
        problems += [f"{where}：{p}" for p in shared_problems(spec, kept)]
        earlier = [other for _, other in mine[:n]]  # a prefix twice was told on reading
        problems += [f"{where}：{p}" for p in shared_problems(spec, earlier, prefix=False)]
    if complete and not problems:  # each save must be allowed when it is made
        prefixes = {c.code: c.prefix for c in present}
        for place, spec in mine:
            holder = next(
                (k for k, p in prefixes.items() if p == spec.prefix and k != spec.code), None
            )
            if holder is not None:
                problems.append(
                    f"{_place('categories', place, spec.code)}：号码前缀“{spec.prefix}”"
                    f"目前属于类别“{holder}”，导入到这一项时仍未让出。"
                    "互换前缀请分两次导入：先改为一个未用的前缀"
                )
            prefixes[spec.code] = spec.prefix
    known = {c.code for c in kept} | in_file
    for place, counter in config.all_counters():
        where = _place("counters", place, counter.window_no)
        problems += [
            f"{where}：{counter.window_no}号窗口的业务类别“{code}”不存在"
            for code in counter.weights
            if code not in known
        ]
    return problems


@dataclass(slots=True)
class ImportReport:
    """What an import changed (or would change)."""

    categories_changed: list[str] = field(default_factory=list)  # codes
    categories_same: int = 0
    counters_changed: list[str] = field(default_factory=list)  # window numbers
    counters_same: int = 0
    policy_changed: bool = False
    untouched_categories: list[str] = field(default_factory=list)  # in the hall, not the file
    untouched_counters: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.categories_changed or self.counters_changed or self.policy_changed)


def plan(config: HallConfig, current: HallConfig) -> ImportReport:
    report = ImportReport()
    present = list(current.categories or ())
    index = {c.code: i for i, c in enumerate(present)}
    if config.categories is not None:
        codes = {c.code for c in config.categories}
        for i, spec in enumerate(config.categories):
            at = index.get(spec.code)
            if at is None or present[at] != spec or at != i:
                report.categories_changed.append(spec.code)
            else:
                report.categories_same += 1
        report.untouched_categories = [c.code for c in present if c.code not in codes]
    counters = {c.window_no: c for c in current.counters or ()}
    if config.counters is not None:
        windows = {c.window_no for c in config.counters}
        for counter in config.counters:
            old = counters.get(counter.window_no)
            if (
                old is None
                or old.name != counter.name
                or dict(old.weights) != dict(counter.weights)
            ):
                report.counters_changed.append(counter.window_no)
            else:
                report.counters_same += 1
        report.untouched_counters = [w for w in counters if w not in windows]
    if config.policy is not None and config.policy != current.policy:
        report.policy_changed = True
    return report


def import_config(
    store: ConfigStore,
    config: HallConfig | str,
    *,
    actor: str,
    reason: str,
    check_only: bool = False,
    now: datetime | None = None,
) -> ImportReport:
    """Check a set-up (or a file's text) against the hall, then write what differs
    (categories in the file's order, then counters, then the rules), each change
    logged with ``actor`` and ``reason``. ``ConfigError`` with every problem, and
    nothing written, when anything is wrong."""
    problems = [] if reason.strip() else ["请说明导入原因（--reason）"]
    found: list[str] = []
    if isinstance(config, str):
        config, found = read_json(config)
        problems += found
    current = read_config(store)
    problems += problems_against(config, current, complete=not found)
    if problems:
        raise ConfigError(problems)
    report = plan(config, current)
    if check_only:
        return report
    changed = set(report.categories_changed)
    for i, spec in enumerate(config.categories or ()):
        if spec.code in changed:
            store.save_category(spec, actor=actor, now=now, ord=i, reason=reason)
    changed = set(report.counters_changed)
    for counter in config.counters or ():
        if counter.window_no in changed:
            store.save_counter(counter, actor=actor, now=now, reason=reason)
    if report.policy_changed and config.policy is not None:
        store.set_policy(config.policy, actor=actor, reason=reason, now=now)
    return report


def export_config(store: ConfigStore) -> str:
    return to_json(read_config(store))
