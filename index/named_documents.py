"""Documents a question names by number: "18 U.S.C. 554", "H.R. 6736", "section 7903".

A reader who cites a bill or a code section means that document. Keyword search ranks it first,
but reciprocal-rank fusion rewards passages both searches found at middling ranks over one
that only keyword search found, so an exact citation could end up below the fold. The
numbers are matched against document titles only, and only numbers that pick out at most two
documents count (a year names nothing; "S. 367" names one bill).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

# Numbers of three to six digits that are not years: bill and section numbers. Shorter ones are
# days of a month, counts and chapters ("April 12" must not name "NSPM-12"). "932–934" is a
# range of sections.
NUMBER = re.compile(r"(?<![\w.,])(\d{3,6})(?:\s*[–-]\s*(\d{3,6}))?(?!\w|[.,]\d)")
YEAR = re.compile(r"^(?:19|20)\d\d$")
MAX_RANGE = 50
MAX_DOCUMENTS = 2  # a number in more titles than this identifies nothing


def numbers_in(text: str) -> set[str]:
    found: set[str] = set()
    for first, last in NUMBER.findall(text):
        if last and int(first) < int(last) <= int(first) + MAX_RANGE:
            found.update(str(n) for n in range(int(first), int(last) + 1))
        else:
            found.update(n for n in (first, last) if n)
    return {n for n in found if not YEAR.match(n)}


class DocumentNumbers:
    """Which documents each title number picks out; built once per index refresh, so a
    question costs one scan of itself, not of every title."""

    def __init__(self, titles: Iterable[tuple[str, str]]) -> None:
        self.by_number: dict[str, list[str]] = defaultdict(list)
        for doc_id, title in titles:
            for number in numbers_in(title):
                self.by_number[number].append(doc_id)

    def named_in(self, question: str) -> list[str]:
        """The ids of the documents whose titles carry a number the question cites."""
        named: list[str] = []
        for number in sorted(numbers_in(question)):
            docs = self.by_number.get(number, [])
            if 0 < len(docs) <= MAX_DOCUMENTS:
                named.extend(d for d in docs if d not in named)
        return named


def named_documents(question: str, titles: Iterable[tuple[str, str]]) -> list[str]:
    return DocumentNumbers(titles).named_in(question)
