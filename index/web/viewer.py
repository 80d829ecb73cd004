"""The source viewer: the whole document, the cited span highlighted, its metadata and a
ready-to-copy citation."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from index.domain import label
from index.store import DocumentRecord
from index.web import spans
from index.web.chat import Conversation
from index.web.html import badge, esc, link, source_label, where
from index.web.markdown import Mark, render, render_inline

REF = re.compile(r"^(\d+)-([cr])-(\d+)(?:-(\d+))?$")
NEARBY = 300  # chars around the passage where a quoted claim may be looked for (chunk overlap)
# Every render is stamped with a new number: reopening the passage already shown still changes
# the HTML, so the page's script scrolls to it again instead of nothing happening.
_RENDERS = itertools.count(1)


@dataclass
class Source:
    """What a clicked marker or card points at."""

    label: str  # "Source [2] · question 1" or "Related passage 1 (not support)"
    cited: bool
    passage: dict[str, Any]  # Citation.to_dict() or Passage.to_dict()
    claim: str = ""  # the claim whose marker was clicked (empty for a card)
    claims: list[str] = field(default_factory=list)  # every claim this citation backs
    turn: int = -1  # which answer it belongs to (-1: a document opened from the corpus)


def resolve(conversation: Conversation, ref: str) -> Source | None:
    """Turn a click's ref (``turn-c-n[-k]`` / ``turn-r-i``) back into the passage it names."""
    m = REF.match((ref or "").strip())
    if not m:
        return None
    turn_i, kind, n = int(m.group(1)), m.group(2), int(m.group(3))
    if turn_i >= len(conversation.turns):
        return None
    turn = conversation.turns[turn_i]
    which = f" · question {turn_i + 1}"
    if kind == "r":
        if 1 <= n <= len(turn.related):
            return Source(f"Related passage {n} (not support){which}", False,
                          turn.related[n - 1], turn=turn_i)
        return None
    citation = next((c for c in turn.citations if c["n"] == n), None)
    if citation is None:
        return None
    k = int(m.group(4)) if m.group(4) is not None else -1
    claim = turn.claims[k][1] if 0 <= k < len(turn.claims) and turn.claims[k][0] == n else ""
    return Source(f"Source [{n}]{which}", True, citation, claim, turn.claims_for(n), turn_i)


def document_source(record: DocumentRecord) -> Source:
    """A whole document opened from the Corpus tab: nothing cited, nothing highlighted."""
    passage = {
        "doc_id": record.doc_id, "title": record.title, "publisher": record.publisher,
        "kind": record.kind, "kind_label": label(record.kind), "date": record.date,
        "url": record.url, "page": None, "section": None, "text": "", "start_char": 0,
    }
    return Source("Document from the corpus", False, passage)


def viewer_html(source: Source, text: str | None, record: DocumentRecord | None) -> str:
    p = source.passage
    meta = [
        ("Publisher", esc(p.get("publisher"))),
        ("Author", esc(record.author) if record and record.author else ""),
        ("Date", esc(p.get("date"))),
        ("Location", esc(where(p.get("page"), p.get("section")))),
        ("Original", link(p.get("url"), p.get("url") or "", or_text=False)),
        ("Document id", esc(p.get("doc_id"))),
    ]
    rows = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in meta if v)
    doc_label = f"Document text: {p['title']}"
    if text is None:
        body = (
            '<p class="cf-warn">This document is no longer in the corpus; only the cited passage '
            f'is shown.</p><div class="cf-doc cf-md">{document_body(p["text"], 0, source)}</div>'
        )
    else:
        marked = document_body(text, p["start_char"], source)
        body = (f'<div class="cf-doc cf-md" tabindex="0" role="region" '
                f'aria-label="{esc(doc_label)}">{marked}</div>')
    cls = "cf-viewer" if source.cited or source.turn < 0 else "cf-viewer cf-viewer-related"
    return (
        f'<div class="{cls}" data-shown="{next(_RENDERS)}" data-doc="{esc(p["doc_id"])}">'
        f'<div class="cf-viewer-head">{badge(source_label(p))}'
        f'<span class="cf-viewer-ref">{esc(source.label)}</span></div>'
        f'<h3 class="cf-viewer-title">{render_inline(p["title"])}</h3>'
        f'<dl class="cf-viewer-meta">{rows}</dl>{body}</div>'
    )


def document_body(text: str, base: int, source: Source) -> str:
    """``text`` (which starts at ``base`` in the document) rendered, with the passage's blocks
    tinted, the clicked claim in ``<mark id="cf-hl">`` and the citation's other claims marked.

    Offsets that no longer match (a document re-ingested since the answer) fall back to
    searching for the passage. A document opened from the corpus has no passage: it is shown
    from the top.
    """
    p = source.passage
    if not p.get("text"):
        return render(text)
    passage = spans.checked(text, p["text"], p["start_char"] - base)
    if passage is None:
        return '<span id="cf-hl"></span>' + render(text)
    start, end = passage
    if not source.cited:  # a related passage: the passage itself is what is highlighted
        return render(text, [Mark(start, end, "cf-hl cf-hl-related", "cf-hl")], passage)
    lo, hi = start - NEARBY, end + NEARBY
    sentence = spans.checked(text, p["sentence"], p["sentence_start"] - base)
    primary = (spans.locate(source.claim, text, lo, hi) if source.claim else None) or sentence
    others = spans.disjoint(primary, [sentence] + [spans.locate(c, text, lo, hi)
                                                   for c in source.claims])
    placed = ([primary] if primary else []) + others
    # Overlapping chunks: a claim may start before the passage does; widen the passage span.
    start = min([start] + [s for s, _ in placed])
    end = max([end] + [e for _, e in placed])
    marks = [Mark(s, e, "cf-hl", "cf-hl") for s, e in ([primary] if primary else [])]
    marks += [Mark(s, e, "cf-claim") for s, e in others]
    return render(text, marks, (start, end), fragment=base > 0 or text is p["text"])


def citation_text(p: dict[str, Any]) -> str:
    """Plain text a reader pastes into notes: title, publisher, date, page or section, URL."""
    place = f"p. {p['page']}" if p.get("page") else (
        f"section “{p['section']}”" if p.get("section") else ""
    )
    head = f"“{p['title'].rstrip('.')}.”"
    rest = ", ".join(x for x in (p.get("publisher"), p.get("date"), place) if x)
    parts = [head, f"{rest}." if rest else "", p.get("url") or ""]
    return " ".join(x for x in parts if x)
