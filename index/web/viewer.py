"""The source viewer: the whole document, the cited span highlighted, its metadata and a
ready-to-copy citation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from index.store import DocumentRecord
from index.web import spans
from index.web.chat import Conversation
from index.web.html import badge, esc, link, where

REF = re.compile(r"^(\d+)-([cr])-(\d+)(?:-(\d+))?$")
NEARBY = 300  # chars around the passage where a quoted claim may be looked for (chunk overlap)
PRIMARY = 'class="cf-hl" id="cf-hl"'


@dataclass
class Source:
    """What a clicked marker or card points at."""

    label: str  # "Source [2]" or "Related passage 1 (not support)"
    cited: bool
    passage: dict[str, Any]  # Citation.to_dict() or Passage.to_dict()
    claim: str = ""  # the claim whose marker was clicked (empty for a card)
    claims: list[str] = field(default_factory=list)  # every claim this citation backs


def resolve(conversation: Conversation, ref: str) -> Source | None:
    """Turn a click's ref (``turn-c-n[-k]`` / ``turn-r-i``) back into the passage it names."""
    m = REF.match((ref or "").strip())
    if not m:
        return None
    turn_i, kind, n = int(m.group(1)), m.group(2), int(m.group(3))
    if turn_i >= len(conversation.turns):
        return None
    turn = conversation.turns[turn_i]
    if kind == "r":
        if 1 <= n <= len(turn.related):
            return Source(f"Related passage {n} (not support)", False, turn.related[n - 1])
        return None
    citation = next((c for c in turn.citations if c["n"] == n), None)
    if citation is None:
        return None
    k = int(m.group(4)) if m.group(4) is not None else -1
    claim = turn.claims[k][1] if 0 <= k < len(turn.claims) and turn.claims[k][0] == n else ""
    return Source(f"Source [{n}]", True, citation, claim, turn.claims_for(n))


def viewer_html(source: Source, text: str | None, record: DocumentRecord | None) -> str:
    p = source.passage
    meta = [
        ("Publisher", esc(p.get("publisher"))),
        ("Author", esc(record.author) if record and record.author else ""),
        ("Date", esc(p.get("date"))),
        ("Location", esc(where(p.get("page"), p.get("section")))),
        ("Original", link(p.get("url"), p.get("url") or "")),
        ("Document id", esc(p.get("doc_id"))),
    ]
    rows = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in meta if v)
    if text is None:
        body = (
            '<p class="cf-warn">This document is no longer in the corpus; only the cited passage '
            f'is shown.</p><div class="cf-doc">{document_body(p["text"], 0, source)}</div>'
        )
    else:
        marked = document_body(text, p["start_char"], source)
        body = f'<div class="cf-doc" tabindex="0">{marked}</div>'
    cls = "cf-viewer" if source.cited else "cf-viewer cf-viewer-related"
    return (
        f'<div class="{cls}"><div class="cf-viewer-head">{badge(p["kind_label"])}'
        f'<span class="cf-viewer-ref">{esc(source.label)}</span></div>'
        f'<h3 class="cf-viewer-title">{esc(p["title"])}</h3>'
        f'<dl class="cf-viewer-meta">{rows}</dl>{body}</div>'
    )


def document_body(text: str, base: int, source: Source) -> str:
    """Escape ``text`` (which starts at ``base`` in the document) with the passage in a span,
    the clicked claim in ``<mark id="cf-hl">`` and the citation's other claims marked too.

    Offsets that no longer match (a document re-ingested since the answer) fall back to
    searching for the passage.
    """
    p = source.passage
    passage = spans.checked(text, p["text"], p["start_char"] - base)
    if passage is None:
        return f'<span id="cf-hl"></span>{esc(text)}'
    start, end = passage
    if not source.cited:  # a related passage: the passage itself is what is highlighted
        return spans.marked(text, passage, [], 'class="cf-hl cf-hl-related" id="cf-hl"')
    lo, hi = start - NEARBY, end + NEARBY
    sentence = spans.checked(text, p["sentence"], p["sentence_start"] - base)
    primary = (spans.locate(source.claim, text, lo, hi) if source.claim else None) or sentence
    others = spans.disjoint(primary, [sentence] + [spans.locate(c, text, lo, hi)
                                                   for c in source.claims])
    placed = ([primary] if primary else []) + others
    # Overlapping chunks: a claim may start before the passage does; widen the passage span.
    start = min([start] + [s for s, _ in placed])
    end = max([end] + [e for _, e in placed])
    shift = lambda span: (span[0] - start, span[1] - start)  # noqa: E731
    inner = spans.marked(text[start:end], shift(primary) if primary else None,
                         [shift(o) for o in others], PRIMARY)
    return f'{esc(text[:start])}<span class="cf-passage">{inner}</span>{esc(text[end:])}'


def citation_text(p: dict[str, Any]) -> str:
    """Plain text a reader pastes into notes: title, publisher, date, page or section, URL."""
    place = f"p. {p['page']}" if p.get("page") else (
        f"section “{p['section']}”" if p.get("section") else ""
    )
    head = f"“{p['title'].rstrip('.')}.”"
    rest = ", ".join(x for x in (p.get("publisher"), p.get("date"), place) if x)
    parts = [head, f"{rest}." if rest else "", p.get("url") or ""]
    return " ".join(x for x in parts if x)
