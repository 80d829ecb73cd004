"""The sources panel beside the chat: one card per citation of an answer (the latest, or an
earlier one whose marker was clicked — the panel says which question it is for), or the related
passages of a "no evidence" answer (styled as related reading, not as support)."""

from __future__ import annotations

from typing import Any

from index.web import spans
from index.web.chat import Turn, ref_id
from index.web.html import badge, esc, link, meta_line, source_label, where
from index.web.markdown import Mark, render, render_inline

CONTEXT_CHARS = 220  # passage text shown on each side of the supporting sentence
LINE_REACH = 160  # widen an excerpt to its line's start when that is this close (table rows)

EMPTY = (
    '<div class="cf-sources cf-empty"><p class="cf-panel-title">Sources</p>'
    "<p>Ask a question: the passages behind the answer appear here, one card per citation. "
    "Hover a marker like <span class=\"cf-chip\">[1]</span> to preview its sentence; click it "
    "or a card to read the whole document with the cited sentence highlighted.</p></div>"
)


def sources_html(turn: Turn | None, index: int, latest: int | None = None) -> str:
    """The panel for answer number ``index``; ``latest`` is the newest answer's index when the
    panel shows an earlier one (it then says so and offers the way back)."""
    if turn is None:
        return EMPTY
    earlier = latest is not None and latest != index
    which = _which_question(turn, index, latest if earlier else None)
    if turn.status == "no_evidence":
        head = (
            '<h2 class="cf-panel-title">No supporting passage</h2>'
            f"{which}"
            '<p class="cf-panel-note">Nothing in the corpus answers this question. The closest '
            "passages are listed as related reading; they are not evidence for an answer.</p>"
        )
        cards = [_related_card(p, index, i) for i, p in enumerate(turn.related, 1)]
        return (
            f'<div class="cf-sources cf-sources-related" data-turn="{index}">{head}'
            f'{"".join(cards)}</div>'
        )
    head = (f'<h2 class="cf-panel-title">Sources <span class="cf-count">{len(turn.citations)}'
            f"</span></h2>{which}")
    cards = [_citation_card(c, index, turn.claims_for(c["n"])) for c in turn.citations]
    css = "cf-sources cf-sources-earlier" if earlier else "cf-sources"
    return f'<div class="{css}" data-turn="{index}">{head}{"".join(cards)}</div>'


def _which_question(turn: Turn, index: int, latest: int | None) -> str:
    note = f'<p class="cf-panel-note">For question {index + 1}: “{esc(turn.question)}”</p>'
    if latest is None:
        return note
    return (
        f'<div class="cf-earlier" role="status">{note}<p class="cf-panel-note">'
        "You opened a source of an earlier answer. "
        f'<button type="button" class="cf-back" data-cf-turn="{latest}">Show the sources of '
        f"question {latest + 1} (latest)</button></p></div>"
    )


def _citation_card(c: dict[str, Any], index: int, claims: list[str]) -> str:
    ref = ref_id(index, "c", c["n"])
    title = render_inline(c["title"])
    return (
        f'<article class="cf-card" data-cf-ref="{ref}" data-doc="{esc(c["doc_id"])}" tabindex="0" '
        f'aria-label="Source {c["n"]}: {esc(c["title"])}">'
        f'<div class="cf-card-top"><button type="button" class="cf-num" data-cf-ref="{ref}" '
        f'aria-label="Open source {c["n"]} in the viewer">[{c["n"]}]</button>'
        f"{badge(source_label(c))}</div>"
        f'<h3 class="cf-card-title">{title}</h3>'
        f'<div class="cf-meta">{_meta(c)}</div>'
        f'<div class="cf-excerpt">{highlighted_excerpt(c, claims)}</div>{_also_in(c)}'
        f'<div class="cf-card-actions"><button type="button" class="cf-open" data-cf-ref="{ref}">'
        f"Open in source viewer</button>{_original(c)}</div>"
        "</article>"
    )


def _original(p: dict[str, Any]) -> str:
    return link(p.get("url"), "Original ↗", "cf-ext", or_text=False)


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
    hi = len(text) if len(text) <= 2 * CONTEXT_CHARS else _line_end(text, 2 * CONTEXT_CHARS)
    excerpt = render(text[:hi], fragment=True) + (_GAP if hi < len(text) else "")
    return (
        f'<article class="cf-card cf-card-related" data-cf-ref="{ref}" tabindex="0" '
        f'aria-label="Related passage {i} (not support): {esc(p["title"])}">'
        f'<div class="cf-card-top"><span class="cf-related-tag">related, not support</span>'
        f"{badge(source_label(p))}</div>"
        f'<h3 class="cf-card-title">{render_inline(p["title"])}</h3>'
        f'<div class="cf-meta">{_meta(p)}</div>'
        f'<div class="cf-excerpt">{excerpt}</div>'
        f'<div class="cf-card-actions"><button type="button" class="cf-open" data-cf-ref="{ref}">'
        f"Open in source viewer</button>{_original(p)}</div>"
        "</article>"
    )


def _meta(p: dict[str, Any]) -> str:
    return meta_line(p["publisher"], p["date"], where(p["page"], p["section"]))


_GAP = '<p class="cf-gap" aria-hidden="true">…</p>'


def highlighted_excerpt(c: dict[str, Any], claims: list[str]) -> str:
    """The passage around its supporting sentences (rendered Markdown), which are in <mark>."""
    passage = c["text"]
    primary = spans.checked(passage, c["sentence"], c["sentence_start"] - c["start_char"])
    others = spans.disjoint(primary, [spans.locate(claim, passage) for claim in claims])
    placed = ([primary] if primary else []) + others
    if not placed:  # cannot place it: show the passage start, unhighlighted
        hi = _line_end(passage, 2 * CONTEXT_CHARS)
        return render(passage[:hi], fragment=True) + (_GAP if hi < len(passage) else "")
    lo = _line_start(passage, max(0, min(s for s, _ in placed) - CONTEXT_CHARS))
    hi = _line_end(passage, min(len(passage), max(e for _, e in placed) + CONTEXT_CHARS))
    marks = [Mark(s - lo, e - lo, "cf-main") for s, e in ([primary] if primary else [])]
    marks += [Mark(s - lo, e - lo, "cf-claim") for s, e in others]
    body = render(passage[lo:hi], marks, fragment=True)
    return (_GAP if lo > 0 else "") + body + (_GAP if hi < len(passage) else "")


def _line_start(text: str, lo: int) -> int:
    """Widen to the line's start when it is near (a table row, a list item), else to a word."""
    line = text.rfind("\n", 0, lo) + 1
    if lo - line <= LINE_REACH:
        return line
    while lo > 0 and not text[lo - 1].isspace():
        lo -= 1
    return lo


def _line_end(text: str, hi: int) -> int:
    line = text.find("\n", hi)
    line = len(text) if line < 0 else line
    if line - hi <= LINE_REACH:
        return line
    while hi < len(text) and not text[hi].isspace():
        hi += 1
    return hi
