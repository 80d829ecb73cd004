"""Cheap checks that a question asks about something the retrieved evidence does not cover.

Dense similarity alone can't tell "the 2024 rule" from "the 2025 bill"; these checks catch
two common near-misses: a year the evidence never mentions, and a name the corpus never uses.
"""

from __future__ import annotations

import re

from index.passages import Hit, Passage

YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
NAME = re.compile(r"(?<![.?!¿¡]\s)(?<!^)\b[A-Z][a-z]{2,}(?:\s+[A-Z][a-z]{2,})*")
WORD = re.compile(r"[^\W_]+")


def vocabulary_of(texts: list[str]) -> frozenset[str]:
    return frozenset(w for text in texts for w in WORD.findall(text.lower()))


def uncovered_years(question: str, passages: list[Passage]) -> list[str]:
    """Years the question names that no passage mentions in its text, title or date."""
    asked = set(YEAR.findall(question))
    if not asked:
        return []
    seen = set()
    for p in passages:
        seen.update(YEAR.findall(p.text))
        seen.update(YEAR.findall(p.title))
        seen.update(YEAR.findall(p.date))
    return sorted(asked - seen)


def unknown_names(question: str, vocabulary: frozenset[str]) -> list[str]:
    """Capitalised names in the question (not its first word) that the corpus never uses."""
    names = []
    for match in NAME.finditer(question.strip()):
        words = WORD.findall(match.group(0).lower())
        if words and all(w not in vocabulary for w in words):
            names.append(match.group(0))
    return names


# Calibrated on ../shared/eval/dev.jsonl (README "Evaluation"): every answerable English question
# there had a best passage at cosine >= 0.47; the floor sits below that with room for short
# documents, whose whole-text chunks score lower. It only stops clearly off-topic questions:
# near-misses that share the corpus's vocabulary are the job of the checks above.
MIN_DENSE = 0.35
# An unknown name is decisive only when the dense match is not strong either (a question in
# Spanish names "Departamento de Estado" and still matches the right passage well).
NAME_DENSE_CEILING = 0.6


def why_not_covered(question: str, hits: list[Hit], vocabulary: frozenset[str]) -> str | None:
    """A reason to abstain, in words for the reader, or None when the evidence looks usable."""
    if not hits:
        return "Nothing in the corpus matches this question."
    best = max(h.dense for h in hits)
    names = unknown_names(question, vocabulary)
    if names and best < NAME_DENSE_CEILING:
        return f"The corpus never mentions {', '.join(names)}."
    if best < MIN_DENSE:
        return "No passage in the corpus is close enough to this question."
    years = uncovered_years(question, [h.passage for h in hits[:5]])
    if years:
        return f"The closest passages say nothing about {', '.join(years)}."
    return None
