"""Small rules for putting one message inside another, in Chinese."""

from __future__ import annotations

_FINAL = "。；;，,.!！、 \t\n"


def clause(text: str) -> str:
    """A message made ready to stand inside a sentence: stripped of its own final
    punctuation, so that "保存失败：%1。" never reads "…文件。。" or "…）。）。"."""
    return text.strip().rstrip(_FINAL)
