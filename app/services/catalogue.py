"""Reading the local catalogue for screens other than the counter's: what each item
asks the applicant to bring (the kiosk's guide after a ticket)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from db.store import LocalStore

# item codes → (item name, its materials with their requirements), in the given order
MaterialsLookup = Callable[[Sequence[str]], list[tuple[str, list[str]]]]


def materials_lookup(store: LocalStore) -> MaterialsLookup:
    """The current standard's materials of each item, from the local catalogue; an
    item not in it is left out."""

    def lookup(codes: Sequence[str]) -> list[tuple[str, list[str]]]:
        from db.catalog_repo import current_version

        out = []
        with store.session() as s:
            for code in codes:
                found = current_version(s, code)
                if found is None:
                    continue
                item = found[1]
                lines = [f"{m.name}（{m.requirement()}）" for m in item.materials]
                out.append((item.name, lines))
        return out

    return lookup
