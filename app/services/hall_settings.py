"""The hall's settings as the settings dialog changes them: managers only, every value
checked (app/settings.py) before anything is written, one atomic save."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from app.core.accounts import MANAGER_ROLES
from app.settings import InvalidSettings, Settings, setting

log = logging.getLogger("yichuang.settings")

NOT_A_MANAGER = "只有大厅管理员（管理员、首席代表）可以修改本大厅设置。"


class NotAllowed(PermissionError):
    """The signed-in clerk may not do this; ``str()`` says why, in Chinese."""


def is_manager(role: str) -> bool:
    return role in MANAGER_ROLES


class HallSettingsService:
    def __init__(
        self,
        settings: Settings,
        role: str,
        *,
        login: str = "",
        printers: Callable[[], list[str]] | None = None,
    ) -> None:
        self.settings = settings
        self.role = role
        self.login = login
        self._printers = printers

    @property
    def may_edit(self) -> bool:
        return is_manager(self.role)

    def printers(self) -> list[str]:
        """The printers the machine has (slow: a worker thread calls it)."""
        if self._printers is not None:
            return self._printers()
        from printing.dispatch import installed_printers

        return installed_printers()

    def changes(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The values as they would be kept, for those that differ from the stored
        ones; raises InvalidSettings naming every wrong field (nothing is kept then)."""
        checked = Settings(None, {k: self.settings.raw(k) for k in values})
        kept = checked.update(values)
        return {k: v for k, v in kept.items() if v != self.settings.raw(k)}

    def save(self, values: Mapping[str, Any]) -> list[str]:
        """Check and save; returns the changed keys that apply after a restart.
        Raises NotAllowed for a clerk who is no manager, InvalidSettings when any
        value is wrong (then nothing is saved)."""
        if not self.may_edit:
            log.warning(
                "settings change refused: %s (role %s) is no manager", self.login, self.role
            )
            raise NotAllowed(NOT_A_MANAGER)
        changed = self.changes(values)
        if not changed:
            return []
        before = {k: self.settings._values[k] for k in changed if self.settings.is_set(k)}
        self.settings.update(changed)
        try:
            self.settings.save()
        except OSError:  # a full disk: the program goes on with what is on disk
            for key in changed:
                self.settings._values.pop(key, None)
            self.settings._values.update(before)
            raise
        log.info("settings changed by %s: %s", self.login or "?", ", ".join(sorted(changed)))
        return [k for k in changed if setting(k).restart]


__all__ = ["HallSettingsService", "InvalidSettings", "NotAllowed", "is_manager"]
