"""Item search as clerks type it: Chinese substring, full pinyin, initials, item code.

"zdshbz" finds 最低生活保障…, "gtgsh" 个体工商户…, "zuidi" 最低…, "370982" by code.
Polyphonic characters (行 xing/hang, 重 zhong/chong, 长 chang/zhang…) are indexed
under each reading, so a clerk who types either finds the item.

Speed: each field of every item is laid end to end in one string, so a query is a
few C-level scans (``str.find`` / regex) instead of a Python loop over items; ranks
are filled best tier first and the scan stops once the page is full.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

_MAX_READINGS = 16  # per name, to bound the index for names full of polyphones
_SEP = "\x00"  # precedes every reading in a field string



@dataclass(frozen=True, slots=True)
class BundleKey:
    """The search index's handle of a bundle (一件事), beside items' version ids: the
    clerk picks a bundle like an item (app/core/application builds on it)."""

    version_id: int

@dataclass(frozen=True, slots=True)
class SearchEntry:
    code: str
    name: str
    key: object = None  # caller's handle (e.g. database id)
    full: tuple[str, ...] = ()  # precomputed readings; computed when empty
    initials: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Hit:
    entry: SearchEntry
    tier: int  # lower is better; see TIERS
    how: str


TIERS = (
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


def readings(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Full-pinyin and initials readings of a name: the phrase-aware reading first,
    then each polyphone read the other way, one at a time (how a clerk's guess differs
    from the dictionary's)."""
    from pypinyin import Style, lazy_pinyin, pinyin  # 0.3 s to load: only when indexing

    text = "".join(name.split())
    # no mutate: style and errors spelled out are lazy_pinyin's defaults (equivalent)
    read = lazy_pinyin(text, style=Style.NORMAL, errors="default")  # pragma: no mutate
    preferred = [s.lower() for s in read]
    variants = [preferred]
    per_char = pinyin(text, style=Style.NORMAL, heteronym=True, errors="default")
    if len(per_char) == len(preferred):
        for i, options in enumerate(per_char):
            for option in options:
                option = option.lower()
                if option != preferred[i] and len(variants) < _MAX_READINGS:
                    variants.append([*preferred[:i], option, *preferred[i + 1 :]])
    full = tuple(dict.fromkeys("".join(v) for v in variants))
    initials = tuple(dict.fromkeys("".join(s[:1] for s in v) for v in variants))
    return full, initials


Readings = tuple[tuple[str, ...], tuple[str, ...]]


def readings_with(known: Mapping[str, Readings]) -> Callable[[str], Readings]:
    """:func:`readings`, answered from ``known`` (name → readings computed earlier)
    where it can: loading pypinyin takes 0.4 s, which the first start of a workstation
    should not spend on the twenty names of the shipped demo catalogue."""

    def lookup(name: str) -> Readings:
        found = known.get(name)
        return found if found is not None else readings(name)

    return lookup


def readings_table(names: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    """The JSON form of precomputed readings (what :func:`load_readings` reads)."""
    table = {}
    for name in names:
        full, initials = readings(name)
        table[name] = {"full": list(full), "initials": list(initials)}
    return table


def load_readings(data: Mapping[str, Mapping[str, Sequence[str]]]) -> dict[str, Readings]:
    return {name: (tuple(entry["full"]), tuple(entry["initials"])) for name, entry in data.items()}


class _Field:
    """One field of every entry laid end to end, each reading preceded by \0, entries
    in rank order; ``starts`` maps a position back to its entry."""

    def __init__(self, values: Iterable[Sequence[str]]) -> None:
        parts: list[str] = []
        self.starts: list[int] = []
        pos = 0
        for readings_ in values:
            # no mutate: any joiner in capitals is equivalent (queries are lower case)
            segment = "".join(_SEP + r for r in readings_)  # pragma: no mutate
            self.starts.append(pos)
            parts.append(segment)
            pos += len(segment)
        self.text = "".join(parts)

    def _entries(self, needle: str) -> Iterator[int]:
        """Entries containing ``needle``, ascending, each once (lazily): after a match
        the search goes on from the next entry's start, so no entry comes twice."""
        text, starts, find = self.text, self.starts, self.text.find
        pos = find(needle)
        while pos >= 0:
            entry = bisect.bisect_right(starts, pos) - 1
            yield entry
            nxt = starts[entry + 1] if entry + 1 < len(starts) else len(text)
            pos = find(needle, nxt)

    def prefixed(self, query: str) -> Iterator[int]:
        return self._entries(_SEP + query)

    def containing(self, query: str) -> Iterator[int]:
        return self._entries(query)


class ItemIndex:
    """An in-memory index; rebuilt when the catalogue changes.

    Entries are stored in their static rank (shorter name first, then code), so each
    tier's matches come out already ranked and a tier is read only as far as the page
    needs; recently used items are checked one by one and put first."""

    def __init__(self, entries: Iterable[SearchEntry]) -> None:
        prepared: list[SearchEntry] = []
        for e in entries:
            if not e.full or not e.initials:
                full, initials = readings(e.name)
                e = SearchEntry(e.code, e.name, e.key, full, initials)
            prepared.append(e)
        prepared.sort(key=lambda e: (len(normalise_query(e.name)), e.code))
        self._entries = prepared
        self._codes = [e.code.lower() for e in prepared]
        self._names = [normalise_query(e.name) for e in prepared]
        self._position = {e.code: i for i, e in enumerate(prepared)}
        self._by_code = {c: i for i, c in enumerate(self._codes)}
        self._by_name: dict[str, list[int]] = {}
        for i, n in enumerate(self._names):
            self._by_name.setdefault(n, []).append(i)
        self._code = _Field((c,) for c in self._codes)
        self._name = _Field((n,) for n in self._names)
        self._full = _Field(e.full for e in prepared)
        self._initials = _Field(e.initials for e in prepared)

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> tuple[SearchEntry, ...]:
        """Every entry, in the index's static rank."""
        return tuple(self._entries)

    def search(self, query: str, recent: Sequence[str] = (), limit: int = 50) -> list[Hit]:
        """Ranked hits; within a tier, recently used codes (most recent first) lead,
        then shorter names, then codes."""
        q = normalise_query(query)
        recent_ids = [self._position[c] for c in recent if c in self._position]
        if not q:
            first = list(dict.fromkeys(recent_ids))
            chosen = set(first)
            rest = (i for i in range(len(self._entries)) if i not in chosen)
            ranked = [*first, *rest][:limit]
            return [Hit(self._entries[i], len(TIERS), "") for i in ranked]

        ascii_query = q.isascii()
        seen: set[int] = set()
        hits: list[Hit] = []
        for tier, matches, source in self._tiers(q, ascii_query):
            if len(hits) >= limit:
                break
            for i in recent_ids:
                if i not in seen and matches(i):
                    seen.add(i)
                    hits.append(Hit(self._entries[i], tier, TIERS[tier]))
            for i in source:
                if len(hits) >= limit:
                    break
                if i not in seen:
                    seen.add(i)
                    hits.append(Hit(self._entries[i], tier, TIERS[tier]))
        return hits

    def _tiers(
        self, q: str, ascii_query: bool
    ) -> Iterator[tuple[int, Callable[[int], bool], Iterable[int]]]:
        """Each tier as (its number in TIERS, does entry i match?, matching entries in
        rank order). A query with Chinese in it skips the pinyin tiers: the numbers
        say which tier each one is (counting them in order called a name match
        拼音首字母开头)."""
        codes, names, entries = self._codes, self._names, self._entries
        exact_code = self._by_code.get(q)
        yield 0, (lambda i: codes[i] == q), (() if exact_code is None else (exact_code,))
        yield 1, (lambda i: names[i] == q), self._by_name.get(q, ())
        yield 2, (lambda i: codes[i].startswith(q)), self._code.prefixed(q)
        yield 3, (lambda i: names[i].startswith(q)), self._name.prefixed(q)
        if ascii_query:
            yield (
                4,
                (lambda i: any(r.startswith(q) for r in entries[i].initials)),
                self._initials.prefixed(q),
            )
            yield (
                5,
                (lambda i: any(r.startswith(q) for r in entries[i].full)),
                self._full.prefixed(q),
            )
        yield 6, (lambda i: q in names[i]), self._name.containing(q)
        if ascii_query:
            yield (
                7,
                (lambda i: any(q in r for r in entries[i].initials)),
                self._initials.containing(q),
            )
            yield 8, (lambda i: any(q in r for r in entries[i].full)), self._full.containing(q)
        yield 9, (lambda i: q in codes[i]), self._code.containing(q)
