"""Where a quoted claim sits in a document (``index.web.markdown`` then marks those spans).

The answer quotes sentences with light Markdown clean-up (``**``, ``__``, heading hashes and
table pipes removed), and one citation [n] can back several quoted sentences while
``Citation.sentence`` holds only one; so each claim is located again in the text, exactly if
possible, otherwise ignoring whitespace and Markdown punctuation.
"""

from __future__ import annotations

IGNORED = set("*_`#|—")
MIN_FUZZY_CHARS = 12  # a shorter claim could match by accident: don't place it loosely

Span = tuple[int, int]


def _skeleton(text: str) -> tuple[str, list[int]]:
    """The text without whitespace or Markdown punctuation, and each kept char's offset."""
    kept: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        if not ch.isspace() and ch not in IGNORED:
            kept.append(ch)
            offsets.append(i)
    return "".join(kept), offsets


def locate(claim: str, text: str, lo: int = 0, hi: int | None = None) -> Span | None:
    """Offsets of ``claim`` inside ``text[lo:hi]`` (in ``text`` coordinates), or None."""
    claim = (claim or "").strip()
    if not claim:
        return None
    lo = max(0, lo)
    hi = len(text) if hi is None else min(hi, len(text))
    exact = text.find(claim, lo, hi)
    if exact >= 0:
        return exact, exact + len(claim)
    wanted, _ = _skeleton(claim)
    if len(wanted) < MIN_FUZZY_CHARS:
        return None
    haystack, offsets = _skeleton(text[lo:hi])
    i = haystack.find(wanted)
    if i < 0:
        return None
    return lo + offsets[i], lo + offsets[i + len(wanted) - 1] + 1


def checked(text: str, sentence: str, start: int) -> Span | None:
    """The given offsets if they really hold ``sentence``, else wherever it is found."""
    if sentence and start >= 0 and text[start : start + len(sentence)] == sentence:
        return start, start + len(sentence)
    return locate(sentence, text)


def disjoint(primary: Span | None, others: list[Span | None]) -> list[Span]:
    """Secondary spans that neither overlap the primary nor each other, in text order."""
    taken = [primary] if primary else []
    out: list[Span] = []
    for span in sorted({s for s in others if s}):
        if all(span[1] <= t[0] or span[0] >= t[1] for t in taken):
            taken.append(span)
            out.append(span)
    return out
