"""Item search as clerks type it: Chinese substring, full pinyin, initials, item code.

"zdshbz" finds 最低生活保障…, "gtgsh" 个体工商户…, "zuidi" 最低…, "370982" by code.
Polyphonic characters (行 xing/hang, 重 zhong/chong, 长 chang/zhang…) are indexed
under each reading, so a clerk who types either finds the item.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin, pinyin

_MAX_READINGS = 16  # per name, to bound the index for names full of polyphones


@dataclass(frozen=True, slots=True)
class SearchEntry:
    code: str
    name: str
    key: object = None  # caller's handle (e.g. database id)


@dataclass(frozen=True, slots=True)
class _Indexed:
    entry: SearchEntry
    code: str
    name: str
    full: tuple[str, ...]  # full pinyin readings, no tones, no separators
    initials: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Hit:
    entry: SearchEntry
    tier: int  # lower is better; see _TIERS
    how: str


_TIERS = (
    "编码完全一致",
    "名称完全一致",
    "编码开头",
    "名称开头",
    "拼音首字母开头",
    "全拼开头",
    "名称包含",
    "拼音首字母包含",
    "全拼包含",
    "编码包含",
)


def normalise_query(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def _readings(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The phrase-aware reading first, then each polyphone read the other way (one at
    a time, which is how a clerk's guess differs from the dictionary's)."""
    text = "".join(name.split())
    preferred = [s.lower() for s in lazy_pinyin(text, style=Style.NORMAL, errors="default")]
    readings = [preferred]
    per_char = pinyin(text, style=Style.NORMAL, heteronym=True, errors="default")
    if len(per_char) == len(preferred):
        for i, options in enumerate(per_char):
            for option in options:
                option = option.lower()
                if option != preferred[i] and len(readings) < _MAX_READINGS:
                    readings.append([*preferred[:i], option, *preferred[i + 1 :]])
    full = tuple(dict.fromkeys("".join(r) for r in readings))
    initials = tuple(dict.fromkeys("".join(s[:1] for s in r) for r in readings))
    return full, initials


class ItemIndex:
    """An in-memory index; rebuilt when the catalogue changes (cheap: ~1 s per 5,000)."""

    def __init__(self, entries: Iterable[SearchEntry]) -> None:
        self._items: list[_Indexed] = []
        for e in entries:
            full, initials = _readings(e.name)
            name = normalise_query(e.name)
            self._items.append(_Indexed(e, e.code.lower(), name, full, initials))

    def __len__(self) -> int:
        return len(self._items)

    def search(self, query: str, recent: Sequence[str] = (), limit: int = 50) -> list[Hit]:
        """Ranked hits; within a tier, recently used codes (most recent first) lead."""
        q = normalise_query(query)
        recency = {code: i for i, code in enumerate(recent)}
        if not q:
            ranked = sorted(
                self._items,
                key=lambda x: (recency.get(x.entry.code, len(recency)), x.entry.code),
            )
            return [Hit(x.entry, len(_TIERS), "") for x in ranked[:limit]]
        ascii_query = q.isascii()
        hits: list[tuple[int, int, int, str, _Indexed]] = []
        for x in self._items:
            tier = self._tier(x, q, ascii_query)
            if tier is not None:
                hits.append(
                    (tier, recency.get(x.entry.code, len(recency)), len(x.name), x.code, x)
                )
        hits.sort(key=lambda h: h[:4])
        return [Hit(h[4].entry, h[0], _TIERS[h[0]]) for h in hits[:limit]]

    @staticmethod
    def _tier(x: _Indexed, q: str, ascii_query: bool) -> int | None:
        if x.code == q:
            return 0
        if x.name == q:
            return 1
        if x.code.startswith(q):
            return 2
        if x.name.startswith(q):
            return 3
        if ascii_query:
            if any(i.startswith(q) for i in x.initials):
                return 4
            if any(f.startswith(q) for f in x.full):
                return 5
        if q in x.name:
            return 6
        if ascii_query:
            if any(q in i for i in x.initials):
                return 7
            if any(q in f for f in x.full):
                return 8
            if q in x.code:
                return 9
        return None
