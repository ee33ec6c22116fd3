"""Errors every layer may raise and every layer may catch, so that a widget can handle
a store that cannot be read, or an intake the rules refuse, without importing either."""

from __future__ import annotations


class StoreError(RuntimeError):
    """The store cannot be opened or used; the message is for people, in Chinese."""


class IntakeRejected(ValueError):
    """The intake breaks a rule; ``problems`` says every one, in Chinese, for the clerk."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("；".join(problems))
