"""The key export's passphrase rule (app/core/privacy.passphrase_problem)."""

from __future__ import annotations

import pytest

from app.core.privacy import passphrase_problem


@pytest.mark.parametrize(
    ("passphrase", "why"),
    [
        ("", "太短"),
        ("Abc-12345678"[:11], "太短"),  # 11 characters
        ("abcdefghijkl", "至少三种"),  # one kind
        ("abcdefgh1234", "至少三种"),  # two kinds
        ("aaaaaaaA1!aa", "重复"),  # mostly one character
        ("abAB1abAB1ab", "重复"),  # fewer than six different characters
        (" Abcdefg-1234", "首尾"),
    ],
)
def test_weak_passphrases_are_refused_with_the_reason(passphrase: str, why: str) -> None:
    problem = passphrase_problem(passphrase)
    assert problem is not None and why in problem


@pytest.mark.parametrize(
    "passphrase",
    ["Abc-12345678", "城关镇便民中心2026年a", "correct horse Battery 9", "Yichuang-县中心-2026!"],
)
def test_good_passphrases_pass(passphrase: str) -> None:
    assert passphrase_problem(passphrase) is None
