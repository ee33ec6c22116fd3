"""More of the audit chain (app/core/audit_chain): the row hash of a row that is not
a case (a 好差评 follow-up), and the HMAC-SM3 object itself.

The MAC object is tested directly, not only through ``entry_mac``: ``_hmac`` keeps the
objects it made (lru_cache), so once any test has made one for a key, a later test
with that key never runs ``_Hmac.__init__`` again; under mutmut every mutant runs in a
fork of a process that has run the tests once, so a wrong ``__init__`` went unseen."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import date, datetime

import pytest

from app.core.audit_chain import _Hmac, case_form_of, subject_row_hash


def _sm3(text: str) -> str:
    return hashlib.new("sm3", text.encode("utf-8")).hexdigest()


def test_a_follow_up_rows_hash_by_hand() -> None:
    values = [
        uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057"),
        "差评",
        3,
        None,
        date(2026, 2, 12),
        datetime(2026, 2, 12, 9, 30, 5),
        True,
    ]
    text = (
        '["yc-fu1", "01890a5dac96774bbcceb302099a8057", "差评", 3, null, "2026-02-12", '
        '"2026-02-12 09:30:05.000000", true]'
    )
    assert subject_row_hash("fu1", values) == "fu1:" + _sm3(text)


def test_the_form_is_in_the_hash_and_its_name() -> None:
    assert subject_row_hash("fu1", []) == "fu1:" + _sm3('["yc-fu1"]')
    assert subject_row_hash("fu2", []) == "fu2:" + _sm3('["yc-fu2"]')
    assert subject_row_hash("fu1", ["a"]) != subject_row_hash("fu1", ["b"])
    assert case_form_of(subject_row_hash("fu1", ["a"])) is None  # never read as a case form


@pytest.mark.parametrize("length", [0, 1, 32, 63, 64, 65, 100])
def test_the_mac_object_is_rfc_2104_hmac_sm3(length: int) -> None:
    """Keys shorter than SM3's 64-byte block are padded with zeros; exactly 64 bytes
    are used as they are; longer ones are hashed first."""
    key = bytes((7 * i + 1) % 256 for i in range(length))
    mac = _Hmac(key)
    for message in (b"", b"yc-audit-mac-1|7|" + b"ab" * 32):
        assert mac.hex(message) == hmac.new(key, message, "sm3").hexdigest()
    # the object can be used again: its states are copied, never consumed
    assert mac.hex(b"x") == mac.hex(b"x") == hmac.new(key, b"x", "sm3").hexdigest()
