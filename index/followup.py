"""Follow-up questions in a chat ("and the Senate version?") borrow the previous question."""

from __future__ import annotations

import re

FOLLOW_UP_START = re.compile(
    r"^(and|also|what about|how about|and what about|same for|what of|y |¿y |then|so)\b",
    re.IGNORECASE,
)
REFERS_BACK = re.compile(
    r"\b(it|its|they|them|their|that|this|those|these|he|she|the (?:same|other|senate|house)"
    r"(?: version| bill)?|the companion)\b",
    re.IGNORECASE,
)
CONTENT_WORD = re.compile(r"[A-Za-z0-9§.]{4,}")


def is_follow_up(question: str) -> bool:
    words = CONTENT_WORD.findall(question)
    if FOLLOW_UP_START.search(question.strip()):
        return True
    return len(words) <= 5 and bool(REFERS_BACK.search(question))


def with_context(question: str, history: list[str]) -> str:
    """The text to search for: the question, preceded by the last one when it leans on it."""
    if history and is_follow_up(question):
        return f"{history[-1]} {question}"
    return question
