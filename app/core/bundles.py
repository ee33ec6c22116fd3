"""Bundles of items (主题事项 / 一件事一次办): one intake, materials collected once.

A bundle combines several items of the catalogue (我要开饭店: 营业执照, 食品经营许可 …).
It asks its own shared situation questions once; each shared answer is mapped onto
the items' own situation questions. Its items run in stages: the items of one stage
run in parallel, the stages one after another.

The merged checklist puts every applicable material of every item into one list,
one line per material *identity*: the shared material code of the standard (材料编码)
where the standard gives one, else the name (``material_key``), so a 居民身份证 that
three items ask for is checked once. Copies add up where each department keeps its
own; an original that is only shown (原件核验) is shown once.

The clerk's outcome per merged material goes back to every item that needs it
(``item_outcomes``), and each item's decision comes from the existing per-item check
(``check_materials``): nothing about acceptance is decided twice.

The API, in the order the counter uses it:

- ``Bundle`` (``bundle_from_doc`` / ``bundle_to_doc``; db/catalog_repo.bundle_with_items
  reads a current bundle with its items' current versions): ``default_answers()``,
  ``unanswered(shared)``, ``own_questions(items)``, ``item_answers(shared, own)``,
  ``stages()``; ``bundle_problems(bundle, items)`` for a bundle whose items changed;
- ``merged_checklist(bundle, items, shared, own)`` → ``MergedChecklist`` (one
  ``MergedMaterial`` per identity: ``key``, ``name``, ``items``, ``copies``,
  ``original``, ``necessity``, ``requirement()``);
- the clerk's outcome per ``MergedMaterial.key`` → ``check_bundle(checklist, items,
  outcomes)`` → ``BundleCheck``: ``results[item_code]`` is the item's own
  ``CheckResult`` (its decisions allowed, its notice), ``notice`` the combined one;
  ``item_outcomes`` gives each item's outcomes by seq to save per case;
- ``bundle_notice(checklist, {item: notice lines})`` with only the items whose
  decision carries a notice (补正 / 容缺受理): the combined notice of a mixed decision.

Values only: no Qt, no SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.core.check import CheckResult, MaterialOutcome, NoticeLine, Status, check_materials
from app.core.items import Item, Material, Medium, Necessity, Question, material_key

# ---------------------------------------------------------------- the bundle standard


@dataclass(frozen=True, slots=True)
class SharedQuestion:
    """A situation question the bundle asks once, e.g. 经营者类型: 个人 / 企业."""

    code: str
    text: str
    options: tuple[str, ...]

    def matches(self, ref: str) -> bool:
        return ref in (self.code, self.text)


@dataclass(frozen=True, slots=True)
class AnswerMapping:
    """A shared question's answer carried onto one item's own question.

    ``options`` pairs a shared option with the item's option; a shared option not
    listed is carried as the same text (so an empty mapping means: same options).
    A shared option mapped to "" leaves the item's question unanswered by it."""

    shared: str  # the bundle's question code
    item: str  # item code
    question: str  # the item's question code
    options: tuple[tuple[str, str], ...] = ()

    def item_option(self, shared_option: str) -> str:
        for mine, theirs in self.options:
            if mine == shared_option:
                return theirs
        return shared_option


@dataclass(frozen=True, slots=True)
class BundleItem:
    code: str  # item code
    stage: int = 1  # items of one stage run in parallel; stages in ascending order


@dataclass(frozen=True, slots=True)
class Bundle:
    """One published version of a bundle; like an item version it never changes."""

    code: str
    name: str
    version: str
    items: tuple[BundleItem, ...]
    questions: tuple[SharedQuestion, ...] = ()
    mappings: tuple[AnswerMapping, ...] = ()
    description: str = ""  # 说明

    @property
    def item_codes(self) -> tuple[str, ...]:
        """The items in stage order (ties: the order the bundle lists them)."""
        return tuple(b.code for b in sorted(self.items, key=lambda b: b.stage))

    def stages(self) -> tuple[tuple[str, ...], ...]:
        """Item codes per stage, stages in order: each inner tuple runs in parallel."""
        numbers = sorted({b.stage for b in self.items})
        return tuple(tuple(b.code for b in self.items if b.stage == n) for n in numbers)

    def stage_of(self, item_code: str) -> int:
        for b in self.items:
            if b.code == item_code:
                return b.stage
        raise KeyError(item_code)

    def question(self, ref: str) -> SharedQuestion | None:
        return next((q for q in self.questions if q.matches(ref)), None)

    def default_answers(self) -> dict[str, str]:
        """First option of every shared question: what a new intake starts from."""
        return {q.code: q.options[0] for q in self.questions if q.options}

    def unanswered(self, answers: Mapping[str, str]) -> list[SharedQuestion]:
        return [q for q in self.questions if answers.get(q.code) not in q.options]

    def mapped_questions(self, item_code: str) -> frozenset[str]:
        """The item's question codes the shared questions answer (not asked again)."""
        return frozenset(m.question for m in self.mappings if m.item == item_code)

    def own_questions(self, items: Mapping[str, Item]) -> dict[str, tuple[Question, ...]]:
        """Per item (stage order), its questions no shared question answers: the clerk
        asks these item by item, after the shared ones."""
        return {
            code: tuple(
                q for q in items[code].questions if q.code not in self.mapped_questions(code)
            )
            for code in self.item_codes
            if code in items
        }

    def item_answers(
        self,
        shared: Mapping[str, str],
        own: Mapping[str, Mapping[str, str]] | None = None,
    ) -> dict[str, dict[str, str]]:
        """Each item's answers: its own answers to questions no shared question covers
        (``own``, keyed by item code), overlaid with the shared answers mapped onto it.
        A shared question left unanswered leaves the mapped item questions unanswered."""
        own = own or {}
        result: dict[str, dict[str, str]] = {}
        for code in self.item_codes:
            mapped = self.mapped_questions(code)
            answers = {q: a for q, a in own.get(code, {}).items() if q not in mapped}
            for m in self.mappings:
                if m.item != code:
                    continue
                given = shared.get(m.shared)
                if given is None:
                    continue
                option = m.item_option(given)
                if option:
                    answers[m.question] = option
            result[code] = answers
        return result


def bundle_problems(bundle: Bundle, items: Mapping[str, Item]) -> list[str]:
    """What is wrong with a bundle against the catalogue's items, in Chinese (empty: ok).

    The import reports the same with sheet, row and column (app/core/catalog.py)."""
    problems: list[str] = []
    codes = [b.code for b in bundle.items]
    if not codes:
        problems.append(f"一件事“{bundle.name}”没有事项")
    for code in dict.fromkeys(c for c in codes if codes.count(c) > 1):
        problems.append(f"事项“{code}”在一件事中重复")
    for code in codes:
        if code not in items:
            problems.append(f"事项“{code}”不在事项目录中")
    for m in bundle.mappings:
        shared = bundle.question(m.shared)
        if shared is None:
            problems.append(f"共享情形“{m.shared}”不是此一件事的情形")
            continue
        if m.item not in codes:
            problems.append(f"事项“{m.item}”不在此一件事中")
            continue
        item = items.get(m.item)
        if item is None:
            continue
        question = item.question(m.question)
        if question is None:
            problems.append(f"事项“{item.name}”没有情形“{m.question}”")
            continue
        for option in shared.options:
            theirs = m.item_option(option)
            if theirs and theirs not in question.options:
                problems.append(
                    f"共享情形“{shared.text}”的选项“{option}”对应到“{theirs}”，"
                    f"不是事项“{item.name}”情形“{question.text}”的选项"
                )
    return problems


# ---------------------------------------------------------------- material identity


def identity_of(material: Material) -> str:
    """A material's identity across items before names are matched to codes: its
    shared code (材料编码) where the standard gives one, else its name key."""
    return (
        f"code:{material.code}"
        if material.code
        else f"name:{material.key or material_key(material.name)}"
    )


def identities(materials: Iterable[tuple[str, Material]]) -> dict[tuple[str, int], str]:
    """Identity per (item code, material seq) over a set of items' materials.

    Materials with the same 材料编码 are one; a material without a code joins the
    coded material of the same name key when exactly one code carries that name;
    otherwise materials with the same name key are one. Two materials of one item
    that would share an identity stay apart (the second gets ``#2`` …)."""
    pairs = list(materials)
    codes_by_name: dict[str, set[str]] = {}
    for _, m in pairs:
        if m.code:
            codes_by_name.setdefault(m.key or material_key(m.name), set()).add(m.code)
    result: dict[tuple[str, int], str] = {}
    seen: dict[tuple[str, str], int] = {}
    for item_code, m in pairs:
        if m.code:
            ident = f"code:{m.code}"
        else:
            name = m.key or material_key(m.name)
            coded = codes_by_name.get(name, set())
            ident = f"code:{next(iter(coded))}" if len(coded) == 1 else f"name:{name}"
        n = seen.get((item_code, ident), 0) + 1
        seen[(item_code, ident)] = n
        result[(item_code, m.seq)] = ident if n == 1 else f"{ident}#{n}"
    return result


# ---------------------------------------------------------------- the merged checklist

_NECESSITY_RANK = {Necessity.OPTIONAL: 0, Necessity.DEFERRABLE: 1, Necessity.REQUIRED: 2}


@dataclass(frozen=True, slots=True)
class Need:
    """One item's need of a merged material: the item's own material of its standard."""

    item: str  # item code
    material: Material

    @property
    def shown_only(self) -> bool:
        """The original is shown and handed back: one showing serves every item."""
        return self.material.medium is Medium.ORIGINAL_SHOWN


@dataclass(frozen=True, slots=True)
class MergedMaterial:
    """One line of the merged checklist: a material checked once for all its items."""

    key: str  # identity across items (see ``identities``)
    name: str  # as the first item (in stage order) names it
    needs: tuple[Need, ...]  # in stage order, one per item that needs it

    @property
    def items(self) -> tuple[str, ...]:
        return tuple(n.item for n in self.needs)

    @property
    def copies(self) -> int:
        """Copies the applicant hands in: each department keeps its own copies (they
        add up); an original only shown counts once (the most any item asks)."""
        kept = sum(n.material.copies for n in self.needs if not n.shown_only)
        if kept:
            return kept
        return max(n.material.copies for n in self.needs)

    @property
    def original(self) -> bool:
        """An original is required by at least one item (kept or shown)."""
        return any(
            n.material.medium in (Medium.ORIGINAL_KEPT, Medium.ORIGINAL_SHOWN) for n in self.needs
        )

    @property
    def original_shown(self) -> bool:
        """The original is shown (checked and handed back) for at least one item."""
        return any(n.shown_only for n in self.needs)

    @property
    def necessity(self) -> Necessity:
        """The strictest of the items' necessities (必需 > 容缺 > 非必需)."""
        return max((n.material.necessity for n in self.needs), key=_NECESSITY_RANK.__getitem__)

    def requirement(self) -> str:
        """What the applicant brings, in one line: the original once, the copies summed,
        and each item's own acceptance standard where they differ."""
        parts: list[str] = []
        if self.original_shown:
            parts.append("原件核验")
        kept = [n for n in self.needs if not n.shown_only]
        if kept:
            by_medium: dict[Medium, int] = {}
            for n in kept:
                by_medium[n.material.medium] = (
                    by_medium.get(n.material.medium, 0) + n.material.copies
                )
            parts.extend(f"{medium.value}{copies}份" for medium, copies in by_medium.items())
        else:
            parts[-1] += f"{self.copies}份"
        head = "、".join(parts)
        standards = list(
            dict.fromkeys(n.material.standard for n in self.needs if n.material.standard)
        )
        return "；".join([head, *standards])


@dataclass(frozen=True, slots=True)
class MergedChecklist:
    bundle: Bundle
    answers: Mapping[str, Mapping[str, str]]  # per item code: the item's answers
    materials: tuple[MergedMaterial, ...]  # in stage order, then each item's seq
    unanswered: tuple[str, ...] = ()  # shared question texts not yet answered

    def by_key(self) -> dict[str, MergedMaterial]:
        return {m.key: m for m in self.materials}

    def key_of(self, item_code: str, seq: int) -> str:
        for m in self.materials:
            for n in m.needs:
                if n.item == item_code and n.material.seq == seq:
                    return m.key
        raise KeyError((item_code, seq))

    def for_item(self, item_code: str) -> tuple[MergedMaterial, ...]:
        return tuple(m for m in self.materials if item_code in m.items)


def resolve_items(bundle: Bundle, items: Mapping[str, Item]) -> tuple[Item, ...]:
    """The bundle's items in stage order; KeyError names an item the catalogue lacks."""
    missing = [c for c in bundle.item_codes if c not in items]
    if missing:
        raise KeyError("、".join(missing))
    return tuple(items[c] for c in bundle.item_codes)


def merged_checklist(
    bundle: Bundle,
    items: Mapping[str, Item],
    shared: Mapping[str, str],
    own: Mapping[str, Mapping[str, str]] | None = None,
) -> MergedChecklist:
    """Every applicable material of every item of the bundle, one line per identity."""
    answers = bundle.item_answers(shared, own)
    pairs: list[tuple[str, Material]] = []
    for item in resolve_items(bundle, items):
        pairs.extend((item.code, m) for m in item.applicable_materials(answers[item.code]))
    ident = identities(pairs)
    grouped: dict[str, list[Need]] = {}
    for item_code, m in pairs:
        grouped.setdefault(ident[(item_code, m.seq)], []).append(Need(item_code, m))
    merged = tuple(
        MergedMaterial(key, needs[0].material.name, tuple(needs)) for key, needs in grouped.items()
    )
    unanswered = tuple(q.text for q in bundle.unanswered(shared))
    return MergedChecklist(bundle, answers, merged, unanswered)


# ---------------------------------------------------------------- outcomes back to items


def item_outcomes(
    checklist: MergedChecklist, outcomes: Mapping[str, MaterialOutcome]
) -> dict[str, dict[int, MaterialOutcome]]:
    """The clerk's outcome per merged material (keyed by ``MergedMaterial.key``) as
    each item's outcomes (keyed by the item's material seq), for ``check_materials``.

    收到 / 有误: an original only shown serves every item that asks to see it; the
    copies counted go to the items that keep copies in stage order, each taking what
    it needs, so too few copies leave the last items short (份数不足 there).
    缺 (and 容缺, which is 缺 of a material the item allows to defer) and 未核验 reach
    every item as they are."""
    result: dict[str, dict[int, MaterialOutcome]] = {c: {} for c in checklist.bundle.item_codes}
    for merged in checklist.materials:
        outcome = outcomes.get(merged.key)
        if outcome is None:
            continue
        if outcome.status in (Status.UNCHECKED, Status.MISSING):
            for n in merged.needs:
                result[n.item][n.material.seq] = MaterialOutcome(outcome.status, 0, outcome.reason)
            continue
        remaining = outcome.copies
        for n in merged.needs:
            if n.shown_only:
                copies = n.material.copies
            else:
                copies = min(remaining, n.material.copies)
                remaining -= copies
            result[n.item][n.material.seq] = MaterialOutcome(outcome.status, copies, outcome.reason)
    return result


def merged_outcomes(
    checklist: MergedChecklist, per_item: Mapping[str, Mapping[int, MaterialOutcome]]
) -> dict[str, MaterialOutcome]:
    """The reverse of ``item_outcomes`` for showing saved cases: per merged material
    the worst status any item recorded, the copies summed (shown originals once)."""
    order = (Status.RECEIVED, Status.UNCHECKED, Status.DEFECTIVE, Status.MISSING)
    result: dict[str, MaterialOutcome] = {}
    for merged in checklist.materials:
        found = [(n, per_item.get(n.item, {}).get(n.material.seq)) for n in merged.needs]
        known = [(n, o) for n, o in found if o is not None]
        if not known:
            continue
        status = max((o.status for _, o in known), key=order.index)
        reason = next((o.reason for _, o in known if o.reason), "")
        kept = sum(o.copies for n, o in known if not n.shown_only)
        copies = kept or max(o.copies for _, o in known)
        result[merged.key] = MaterialOutcome(status, copies, reason)
    return result


@dataclass(frozen=True, slots=True)
class BundleNoticeLine:
    """One line of the combined one-time notice: a material once, with its items."""

    key: str
    material: str
    problem: str  # the items' problems, distinct ones joined with "；"
    requirement: str
    deferrable: bool  # every item that lists it may take it later (容缺)
    items: tuple[str, ...]  # item codes whose notice lists it


@dataclass(frozen=True, slots=True)
class BundleCheck:
    checklist: MergedChecklist
    results: Mapping[str, CheckResult]  # per item code: the existing per-item check
    notice: tuple[BundleNoticeLine, ...] = field(default=())

    def result(self, item_code: str) -> CheckResult:
        return self.results[item_code]


def bundle_notice(
    checklist: MergedChecklist,
    notices: Mapping[str, Sequence[NoticeLine]],
) -> tuple[BundleNoticeLine, ...]:
    """The items' one-time notices as one: every line of every item's notice, a shared
    material once. Pass only the items whose decision carries a notice (补正, 容缺受理)
    to get the notice of a mixed decision."""
    keys = {(n.item, n.material.seq): m.key for m in checklist.materials for n in m.needs}
    lines: dict[str, list[tuple[str, NoticeLine]]] = {}
    for item_code in checklist.bundle.item_codes:
        for line in notices.get(item_code, ()):
            lines.setdefault(keys[(item_code, line.seq)], []).append((item_code, line))
    result: list[BundleNoticeLine] = []
    for merged in checklist.materials:  # checklist order
        listed = lines.get(merged.key)
        if not listed:
            continue
        problems = "；".join(dict.fromkeys(line.problem for _, line in listed))
        result.append(
            BundleNoticeLine(
                key=merged.key,
                material=merged.name,
                problem=problems,
                # what the listed items need: copies for an item not on the notice
                # are not asked for again
                requirement=MergedMaterial(
                    merged.key,
                    merged.name,
                    tuple(n for n in merged.needs if n.item in {code for code, _ in listed}),
                ).requirement(),
                deferrable=all(line.deferrable for _, line in listed),
                items=tuple(code for code, _ in listed),
            )
        )
    return tuple(result)


def check_bundle(
    checklist: MergedChecklist,
    items: Mapping[str, Item],
    outcomes: Mapping[str, MaterialOutcome],
) -> BundleCheck:
    """Each item's check from the merged outcomes, and the combined notice of all."""
    per_item = item_outcomes(checklist, outcomes)
    results = {
        code: check_materials(items[code], checklist.answers[code], per_item[code])
        for code in checklist.bundle.item_codes
    }
    notice = bundle_notice(checklist, {code: r.notice for code, r in results.items()})
    return BundleCheck(checklist, results, notice)


# ---------------------------------------------------------------- as a document


def bundle_to_doc(bundle: Bundle) -> dict[str, Any]:
    """A bundle version as JSON (the local store keeps it so; the county publishes it so)."""
    return {
        "code": bundle.code,
        "name": bundle.name,
        "version": bundle.version,
        "description": bundle.description,
        "items": [[b.code, b.stage] for b in bundle.items],
        "questions": [[q.code, q.text, list(q.options)] for q in bundle.questions],
        "mappings": [
            [m.shared, m.item, m.question, [list(pair) for pair in m.options]]
            for m in bundle.mappings
        ],
    }


def bundle_from_doc(doc: Mapping[str, Any]) -> Bundle:
    return Bundle(
        code=str(doc["code"]),
        name=str(doc["name"]),
        version=str(doc["version"]),
        description=str(doc.get("description", "")),
        items=tuple(BundleItem(str(c), int(s)) for c, s in doc.get("items", [])),
        questions=tuple(
            SharedQuestion(str(c), str(t), tuple(str(o) for o in opts))
            for c, t, opts in doc.get("questions", [])
        ),
        mappings=tuple(
            AnswerMapping(str(s), str(i), str(q), tuple((str(a), str(b)) for a, b in pairs))
            for s, i, q, pairs in doc.get("mappings", [])
        ),
    )
