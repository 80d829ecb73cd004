"""Lists inside a passage: a lead-in ending in a colon and the items under it.

"What would the X Act do?", "what are the main parts of the strategy?" are answered by the
document's own outline (a bill's table of contents, a fact sheet's bullet list) far better than
by any one sentence of it. This module only finds such lists in text; ``index.extractive``
decides when a question asks for one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# "Summarize …", "the main parts of …", "what would the … Act do?": the question asks for the
# shape of one thing, not one fact of it.
PARTS = (r"(?:parts?|points?|provisions?|elements?|components?|pillars?|goals?|objectives?|"
         r"priorities|features?|measures?|steps?|actions?|areas?|commitments?)")
ASKS_OUTLINE = re.compile(
    r"\b(?:summar\w+|overview|outline|in (?:broad|general) (?:strokes|terms)|"
    rf"(?:main|key|major|principal|central) {PARTS}|"
    rf"(?:what|which) (?:are|were) (?:the|its|their) (?:\w+ )?{PARTS}\b|"
    r"what (?:would|does|did|will) (?:the |this |that |it\b)[^?]{0,80}?\b(?:do|change|require|"
    r"propose|establish)\b)", re.I)
# A line that opens an item: a bullet, a number, a bill's "Sec. 4." entry.
ITEM = re.compile(r"^[ \t]*(?:[-*•][ \t]+|\d{1,2}[.)][ \t]+|Sec\.\s*\d+[A-Z]?\.\s*)", re.M)
LEAD_IN_END = re.compile(r":[*_\s]*$")
MIN_ITEMS = 3
# A bill's housekeeping sections are in every table of contents and tell a reader nothing.
HOUSEKEEPING = re.compile(r"^(?:short titles?|table of contents|findings|definitions|sense of "
                          r"congress|authorization of appropriations)\b[^.]*\.?$", re.I)


@dataclass(frozen=True)
class Outline:
    lead_in: tuple[int, int]  # offsets in the passage text
    items: list[tuple[int, int]]


def outlines(text: str) -> list[Outline]:
    """Every list of at least ``MIN_ITEMS`` items under a lead-in line, in text order. An item
    runs to the next item or blank line; indented lines continue it."""
    found: list[Outline] = []
    lines = _lines(text)
    i = 0
    while i < len(lines):
        start, end = lines[i]
        line = text[start:end]
        if not LEAD_IN_END.search(line) or ITEM.match(line):
            i += 1
            continue
        items: list[tuple[int, int]] = []
        j = i + 1
        while j < len(lines):
            s, e = lines[j]
            if not text[s:e].strip():
                j += 1
                continue
            if not ITEM.match(text[s:e]):
                break
            item_end = e
            j += 1
            # Continuation lines: indented, not a new item, not blank.
            while j < len(lines):
                s2, e2 = lines[j]
                more = text[s2:e2]
                if not more.strip() or ITEM.match(more) or not more[:1].isspace():
                    break
                item_end = e2
                j += 1
            items.append((s, item_end))
        if len(items) >= MIN_ITEMS:
            found.append(Outline(_sentence_of(text, _paragraph_start(text, lines, i), end),
                                 items))
        i = j if items else i + 1
    return found


def item_words(text: str) -> str:
    """An item without its bullet or number: "Sec. 5. Increasing participation …" →
    "Increasing participation …"."""
    return ITEM.sub("", text, count=1).strip()


def is_housekeeping(item: str) -> bool:
    return bool(HOUSEKEEPING.match(re.sub(r"[*_]", "", item_words(item)).strip()))


def _lines(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in re.finditer(r"\n", text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


def _paragraph_start(text: str, lines: list[tuple[int, int]], i: int) -> int:
    """Where the lead-in's paragraph starts: after a blank line, an item or a heading."""
    while i > 0:
        above = text[lines[i - 1][0]:lines[i - 1][1]]
        if not above.strip() or ITEM.match(above) or above.lstrip().startswith("#"):
            break
        i -= 1
    return lines[i][0]


def _sentence_of(text: str, start: int, end: int) -> tuple[int, int]:
    """The lead-in's own sentence: from the last sentence end before the colon."""
    paragraph = text[start:end]
    cut = max(paragraph.rfind(m, 0, len(paragraph) - 1) for m in (". ", ".\n", "? ", "! "))
    if cut >= 0:
        start += cut + 2
    while start < end and text[start].isspace():
        start += 1
    return start, end
