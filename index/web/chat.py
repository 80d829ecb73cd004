"""The conversation a session keeps, and how an answer becomes a chat message.

A session's state is a ``Conversation`` of plain dataclasses and dicts (Gradio deep-copies it per
user). The source viewer resolves a clicked marker from it, so a marker in an *earlier* answer
still opens that answer's source.

An answer arrives as its claims as data (``AnswerSentence``: text, citation numbers, speaker,
flag), never re-parsed from its text. Each becomes a ``Segment`` rendered on its own: the claim's
Markdown rendered and sanitised, each marker a link with a hover card (the cited sentence,
title, kind and date) kept hidden in the same message. A run of claims by one speaker names the
speaker once, as the plain-text answer does (``index.answers.answer_text``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from index.answers import Answer
from index.web.html import PRIMER_LABEL, badge, esc, is_primer, md, meta_line, source_label, where
from index.web.markdown import render_inline

STREAM_WORDS = 6  # words per streamed chunk: smooth without flooding the socket


@dataclass
class Segment:
    """One claim of an answer: its text (Markdown, as the answer words it), who says it when
    the source must be attributed, and the citation numbers after it."""

    text: str
    markers: list[int] = field(default_factory=list)
    speaker: str = ""
    # Why a generated claim stands unsupported ("not found in the cited source"): it is shown
    # marked, never with a marker (index/llm/verify.py).
    flag: str = ""


@dataclass
class Turn:
    question: str
    status: str
    answer: str
    citations: list[dict[str, Any]] = field(default_factory=list)
    related: list[dict[str, Any]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    filters: str = ""  # human-readable summary of the filters this answer was searched with
    claims: list[tuple[int, str]] = field(default_factory=list)  # (n, quoted text) per marker
    # The answer's claims as data (AnswerSentence.to_dict()): what the chat renders.
    sentences: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_answer(cls, answer: Answer, filters: str = "") -> Turn:
        sentences = [s.to_dict() for s in answer.sentences]
        return cls(
            question=answer.question, status=answer.status, answer=answer.answer,
            citations=[c.to_dict() for c in answer.citations],
            related=[p.to_dict() for p in answer.related], notices=list(answer.notices),
            filters=filters, sentences=sentences,
            claims=[(n, s["text"]) for s in sentences for n in s["citations"]],
        )

    def claims_for(self, n: int) -> list[str]:
        return [text for m, text in self.claims if m == n]

    def citation(self, n: int) -> dict[str, Any] | None:
        return next((c for c in self.citations if c["n"] == n), None)

    def segments(self) -> list[Segment]:
        return [Segment(s["text"], list(s["citations"]), s.get("speaker", ""), s["flag"])
                for s in self.sentences]


@dataclass
class Conversation:
    messages: list[dict[str, str]] = field(default_factory=list)  # what the Chatbot shows
    turns: list[Turn] = field(default_factory=list)  # answered questions, oldest first

    @property
    def history(self) -> list[str]:
        """Earlier questions, for follow-ups ("and the Senate version?")."""
        return [t.question for t in self.turns]

    def latest(self) -> tuple[int, Turn] | None:
        return (len(self.turns) - 1, self.turns[-1]) if self.turns else None


def ref_id(turn: int, kind: str, n: int, claim: int | None = None) -> str:
    """What a click sends back: turn index, 'c'ited or 'r'elated, citation number / index,
    and for a marker in the answer, which claim (k-th marker) it stands after."""
    return f"{turn}-{kind}-{n}" + ("" if claim is None else f"-{claim}")


def user_message(question: str) -> dict[str, str]:
    return {"role": "user", "content": md(question)}


def draft_message(text: str) -> dict[str, str]:
    """A generated answer as it streams in, before its sentences are checked."""
    return {"role": "assistant", "content": re.sub(
        r"\n+", " ", '<div class="cf-answer cf-draft"><p class="cf-draft-note">Writing; not yet '
        f'checked against the sources…</p><p>{esc(text)}</p></div>')}


def notice_message(text: str, css: str = "cf-error") -> dict[str, str]:
    """An error or warning shown in the chat; the class lets CSS tell it from an answer."""
    return {"role": "assistant", "content": f'<span class="{css}"></span>⚠️ {md(text)}'}


def answer_markdown(turn: Turn, index: int) -> str:
    """The full assistant message for a turn, as one HTML block (the Chatbot passes a block
    that starts with a tag and holds no blank line through as HTML, sanitised)."""
    if turn.status == "no_evidence":
        body = _no_evidence_html(turn, index)
        css = "cf-answer cf-noevidence"
    else:
        body, pops = _answer_html(turn, index)
        jump = (f'<p class="cf-jump-row"><a class="cf-jump" href="#cf-sources">'
                f"Sources ({len(turn.citations)}) ↓</a></p>")
        body += "".join(_footer(turn)) + jump + f'<div class="cf-pops">{pops}</div>'
        css = "cf-answer"
    return re.sub(r"\n+", " ", f'<div class="{css}" data-turn="{index}">{body}</div>')


def stream_chunks(message: str) -> Iterator[str]:
    """Growing prefixes of the message, cut only between words and never inside a tag."""
    pieces = re.split(r"(\s+)", message)
    shown: list[str] = []
    words = 0
    for piece in pieces:
        shown.append(piece)
        if piece.strip():
            words += 1
            if words % STREAM_WORDS == 0 and _balanced("".join(shown)):
                yield "".join(shown)
    yield message


def _balanced(text: str) -> bool:
    return text.count("<") == text.count(">") and text.count("<a ") == text.count("</a>")


def _answer_html(turn: Turn, index: int) -> tuple[str, str]:
    """The answer's claims with their markers, and the hidden hover cards of those markers."""
    claims: list[str] = []
    pops: list[str] = []
    k = 0
    previous = ""
    for segment in turn.segments():
        cited = [turn.citation(n) for n in segment.markers]
        text = render_inline(segment.text)
        if segment.flag:
            text = (f'<span class="cf-unsupported">{text}</span> '
                    f'<span class="cf-flag">({esc(segment.flag)})</span>')
        if segment.speaker:
            text = f"“{text}”"
            if segment.speaker != previous:
                primer = any(c and is_primer(c.get("kind", ""), c.get("publisher"))
                             for c in cited)
                speaker = f"the {PRIMER_LABEL}" if primer else esc(segment.speaker)
                text = f'According to <span class="cf-speaker">{speaker}</span>: {text}'
        previous = segment.speaker
        markers = []
        for n, c in zip(segment.markers, cited):
            if c is None:
                continue
            pop = f"cf-pop-{index}-{k}"
            # The Chatbot's sanitiser keeps class, id and href only (no aria-*, no data-*): the
            # name comes from hidden text, the page's script finds the card by the ref's numbers.
            markers.append(
                f'<a class="cf-cite" href="#cf-ref-{ref_id(index, "c", n, k)}">'
                f'<span class="cf-sr">Source </span>[{n}]</a>'
            )
            pops.append(_pop(pop, c, segment.text))
            k += 1
        claims.append(text + (" " + "".join(markers) if markers else ""))
    return f'<p class="cf-claims">{" ".join(claims)}</p>', "".join(pops)


def _pop(pop_id: str, c: dict[str, Any], claim: str) -> str:
    """A marker's hover card: kind badge and date, document title, the cited sentence."""
    meta = meta_line(c.get("date"), where(c.get("page"), c.get("section")))
    return (
        f'<span class="cf-pop-src" id="{pop_id}"><span class="cf-pop-top">{badge(source_label(c))}'
        f'<span class="cf-pop-date">{meta}</span></span>'
        f'<span class="cf-pop-title">{render_inline(c.get("title", ""))}</span>'
        f'<span class="cf-pop-text">“{render_inline(claim or c.get("sentence", ""))}”</span></span>'
    )


def _no_evidence_html(turn: Turn, index: int) -> str:
    parts = [f'<p><strong>No evidence found.</strong> {esc(turn.answer)}</p>']
    if turn.related:
        items = []
        for i, p in enumerate(turn.related, 1):
            title = render_inline(p.get("title") or p.get("doc_id", ""))
            place = where(p.get("page"), p.get("section"))
            source = meta_line(p.get("publisher"), p.get("date"), place)
            items.append(
                f'<li><a class="cf-related" href="#cf-ref-{ref_id(index, "r", i)}">{title}</a>'
                + (f" — {source}" if source else "") + "</li>"
            )
        parts.append("<p><strong>Related reading</strong> (not support):</p>")
        parts.append(f'<ul class="cf-related-list">{"".join(items)}</ul>')
    parts.extend(_footer(turn))
    return "".join(parts)


def _footer(turn: Turn) -> list[str]:
    notes = [f'<p class="cf-note">ℹ️ {esc(n)}</p>' for n in turn.notices]
    if turn.filters:
        notes.append(f'<p class="cf-note">Searched with filters: {esc(turn.filters)}</p>')
    return notes
