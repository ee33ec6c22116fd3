"""Errors every layer may raise and every layer may catch, so that a widget can handle
a store that cannot be read without importing the store."""

from __future__ import annotations


class StoreError(RuntimeError):
    """The store cannot be opened or used; the message is for people, in Chinese."""
