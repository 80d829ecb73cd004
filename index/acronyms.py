"""Acronyms the corpus itself defines ("Protection of Lawful Commerce in Arms Act (PLCAA)"),
so a question that uses only the short form still finds text that uses only the long one.

A statute never calls itself by its acronym, and the readers who ask about it rarely spell it
out: keyword search needs both forms. The map is read off the served chunks, never written by
hand, and only where the long form's initials spell the acronym.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

# Up to eight capitalised words (small joining words allowed between them), then "(ACRONYM)".
DEFINED = re.compile(
    r"((?:[A-Z][\w’'-]*\s+(?:(?:of|in|and|for|the|on|to|a)\s+){0,2}){1,8})\(([A-Z]{2,8})s?\)"
)
SMALL_WORDS = frozenset({"of", "in", "and", "for", "the", "on", "to", "a"})


def defined_acronyms(texts: Iterable[str]) -> dict[str, str]:
    """ACRONYM -> its long form, as most often written in ``texts``."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for match in DEFINED.finditer(text):
            long_form = _spelled_by(match.group(1).split(), match.group(2))
            if long_form:
                seen[match.group(2)][long_form] += 1
    return {acronym: forms.most_common(1)[0][0] for acronym, forms in seen.items()}


def _spelled_by(words: list[str], acronym: str) -> str | None:
    """The shortest tail of ``words`` whose capitalised initials spell ``acronym``."""
    for start in range(len(words) - 1, -1, -1):
        tail = words[start:]
        if tail[0].lower() in SMALL_WORDS:
            continue
        initials = "".join(w[0] for w in tail if w.lower() not in SMALL_WORDS)
        if initials == acronym:
            return re.sub(r"[’']s$", "", " ".join(tail))  # "… Policy’s (ONDCP)"
        if len(initials) > len(acronym):
            return None
    return None


def expand(query: str, acronyms: dict[str, str]) -> str:
    """The query with the long form of each corpus-defined acronym it uses appended."""
    extra = [
        acronyms[word]
        for word in dict.fromkeys(re.findall(r"\b[A-Z]{2,8}\b", query))
        if word in acronyms and acronyms[word].lower() not in query.lower()
    ]
    return f"{query} ({'; '.join(extra)})" if extra else query
