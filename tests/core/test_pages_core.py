"""Page records (app/core/pages.py): a page is named by the SHA-256 of its bytes."""

from __future__ import annotations

import hashlib

from app.core.pages import SIGNATURE_SEQ, SOURCES, is_sha256


def test_is_sha256_takes_a_lower_case_hex_digest_and_nothing_else() -> None:
    digest = hashlib.sha256(b"page").hexdigest()
    assert is_sha256(digest)
    assert not is_sha256(digest.upper())
    assert not is_sha256(digest[:-1])
    assert not is_sha256(digest + "0")
    assert not is_sha256(digest[:-1] + "g")
    assert not is_sha256("../" + digest[3:])
    assert not is_sha256(digest + "\n")
    assert not is_sha256("")


def test_sources_and_the_signature_slot() -> None:
    assert SOURCES == ("高拍仪", "文件", "签名")
    assert SIGNATURE_SEQ == 0
