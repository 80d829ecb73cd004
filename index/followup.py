"""Follow-up questions in a chat ("and the Senate version?") borrow the previous question."""

from __future__ import annotations

import re
from dataclasses import dataclass

FOLLOW_UP_START = re.compile(
    r"^(and|also|what about|how about|and what about|same for|what of|y |¿y |then|so)\b",
    re.IGNORECASE,
)
REFERS_BACK = re.compile(
    r"\b(it|its|they|them|their|that|this|those|these|he|she|the (?:same|other|senate|house)"
    r"(?: version| bill)?|the companion)\b",
    re.IGNORECASE,
)
# Words that only make sense after an earlier question, however long the follow-up is: "does
# the Senate version give a different deadline for the first one?"
POINTS_BACK = re.compile(r"\b(?:the (?:senate|house|other|companion|same) (?:version|bill|one)|"
                         r"the (?:first|second|last|latter|former) one|that one|the latter|"
                         r"the former)\b", re.IGNORECASE)
SHORT_FOLLOW_UP = 8  # content words: a longer question with a bare "it" usually stands alone
CONTENT_WORD = re.compile(r"[A-Za-z0-9§.]{4,}")


def is_follow_up(question: str) -> bool:
    words = CONTENT_WORD.findall(question)
    if FOLLOW_UP_START.search(question.strip()) or POINTS_BACK.search(question):
        return True
    return len(words) <= SHORT_FOLLOW_UP and bool(REFERS_BACK.search(question))


def with_context(question: str, history: list[str]) -> str:
    """The text to search for: the question, preceded by the last one when it leans on it."""
    return Query.of(question, history).search_text


@dataclass(frozen=True)
class Query:
    """A question as the pipeline sees it: the user's own words, and the earlier question a
    follow-up leans on. The standalone text searched is both; what kind of answer is wanted (a
    date, a figure, a reason) is read from the user's words, what it is about from both."""

    text: str
    context: str = ""  # the earlier question a follow-up leans on; "" when it stands alone

    @classmethod
    def of(cls, question: str, history: list[str] | tuple[str, ...] = ()) -> Query:
        leans = bool(history) and is_follow_up(question)
        return cls(question, history[-1] if leans else "")

    @property
    def search_text(self) -> str:
        return f"{self.context} {self.text}" if self.context else self.text

    @property
    def follow_up(self) -> bool:
        return bool(self.context)
