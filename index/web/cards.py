"""The sources panel beside the chat: one card per citation of the latest answer, or the
related passages of a "no evidence" answer (styled as related reading, not as support)."""

from __future__ import annotations

import re
from typing import Any

from index.web import spans
from index.web.chat import Turn, ref_id
from index.web.html import badge, esc, link, meta_line, where

BLANK_LINES = re.compile(r"\n\s*\n")
CONTEXT_CHARS = 220  # passage text shown on each side of the supporting sentence

EMPTY = (
    '<div class="cf-sources cf-empty"><p class="cf-panel-title">Sources</p>'
    "<p>Ask a question: the passages behind the answer appear here, one card per citation. "
    "Click a marker like <span class=\"cf-chip\">[1]</span> or a card to read the whole "
    "document with the cited sentence highlighted.</p></div>"
)


def sources_html(turn: Turn | None, index: int) -> str:
    if turn is None:
        return EMPTY
    if turn.status == "no_evidence":
        head = (
            '<p class="cf-panel-title">No supporting passage</p>'
            '<p class="cf-panel-note">Nothing in the corpus answers this question. The closest '
            "passages are listed as related reading; they are not evidence for an answer.</p>"
        )
        cards = [_related_card(p, index, i) for i, p in enumerate(turn.related, 1)]
        return (
            f'<div class="cf-sources cf-sources-related" data-turn="{index}">{head}'
            f'{"".join(cards)}</div>'
        )
    head = (
        f'<p class="cf-panel-title">Sources <span class="cf-count">{len(turn.citations)}</span></p>'
        f'<p class="cf-panel-note">For: “{esc(turn.question)}”</p>'
    )
    cards = [_citation_card(c, index, turn.claims_for(c["n"])) for c in turn.citations]
    return f'<div class="cf-sources" data-turn="{index}">{head}{"".join(cards)}</div>'


def _citation_card(c: dict[str, Any], index: int, claims: list[str]) -> str:
    ref = ref_id(index, "c", c["n"])
    excerpt = highlighted_excerpt(c, claims)
    return (
        f'<article class="cf-card" data-cf-ref="{ref}" tabindex="0" '
        f'aria-label="Open source {c["n"]} in the viewer">'
        f'<div class="cf-card-top"><button type="button" class="cf-num" data-cf-ref="{ref}">'
        f'[{c["n"]}]</button>{badge(c["kind_label"])}</div>'
        f'<h4 class="cf-card-title">{esc(c["title"])}</h4>'
        f'<div class="cf-meta">{_meta(c)}</div>'
        f'<blockquote class="cf-excerpt">{excerpt}</blockquote>{_also_in(c)}'
        f'<div class="cf-card-actions"><button type="button" class="cf-open" data-cf-ref="{ref}">'
        f"Open in source viewer</button>{link(c['url'], 'Original ↗', 'cf-ext')}</div>"
        "</article>"
    )


def _also_in(c: dict[str, Any]) -> str:
    """Companion documents that carry the same passage word for word."""
    twins = c.get("also_in") or []
    if not twins:
        return ""
    links = ", ".join(link(t["url"], t["title"]) for t in twins)
    return f'<p class="cf-also">Same text also in: {links}</p>'


def _related_card(p: dict[str, Any], index: int, i: int) -> str:
    ref = ref_id(index, "r", i)
    text = p["text"]
    short = text if len(text) <= 2 * CONTEXT_CHARS else _trim_end(text, 2 * CONTEXT_CHARS) + " …"
    return (
        f'<article class="cf-card cf-card-related" data-cf-ref="{ref}" tabindex="0">'
        f'<div class="cf-card-top"><span class="cf-related-tag">related, not support</span>'
        f"{badge(p['kind_label'])}</div>"
        f'<h4 class="cf-card-title">{esc(p["title"])}</h4>'
        f'<div class="cf-meta">{_meta(p)}</div>'
        f'<blockquote class="cf-excerpt">{BLANK_LINES.sub(chr(10), esc(short))}</blockquote>'
        f'<div class="cf-card-actions"><button type="button" class="cf-open" data-cf-ref="{ref}">'
        f"Open in source viewer</button>{link(p['url'], 'Original ↗', 'cf-ext')}</div>"
        "</article>"
    )


def _meta(p: dict[str, Any]) -> str:
    return meta_line(p["publisher"], p["date"], where(p["page"], p["section"]))


def highlighted_excerpt(c: dict[str, Any], claims: list[str]) -> str:
    """The passage around its supporting sentences, which are in <mark>."""
    passage = c["text"]
    primary = spans.checked(passage, c["sentence"], c["sentence_start"] - c["start_char"])
    others = spans.disjoint(primary, [spans.locate(claim, passage) for claim in claims])
    placed = ([primary] if primary else []) + others
    if not placed:  # cannot place it: show the passage start, unhighlighted
        short = _trim_end(passage, 2 * CONTEXT_CHARS)
        return esc(short) + (" …" if len(short) < len(passage) else "")
    lo = max(0, min(s for s, _ in placed) - CONTEXT_CHARS)
    hi = min(len(passage), max(e for _, e in placed) + CONTEXT_CHARS)
    # Widen to whole words so the window never starts or ends mid-word.
    while lo > 0 and not passage[lo - 1].isspace():
        lo -= 1
    while hi < len(passage) and not passage[hi].isspace():
        hi += 1
    shift = lambda span: (span[0] - lo, span[1] - lo)  # noqa: E731
    body = spans.marked(passage[lo:hi], shift(primary) if primary else None,
                        [shift(o) for o in others], 'class="cf-main"')
    body = BLANK_LINES.sub("\n", body)  # shown with pre-line: keep breaks, drop blank lines
    return ("… " if lo > 0 else "") + body + (" …" if hi < len(passage) else "")


def _trim_end(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0]
