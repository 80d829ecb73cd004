"""The conversation a session keeps, and how an answer becomes a chat message.

A session's state is a ``Conversation`` of plain dataclasses and dicts (Gradio deep-copies it per
user). The source viewer resolves a clicked marker from it, so a marker in an *earlier* answer
still opens that answer's source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from index.answers import Answer
from index.web.html import md, where

MARKER = re.compile(r"\[(\d+)\]")
QUOTED = re.compile(r"“(.+)”\s*$", re.S)  # an attributed claim: According to X (kind): “…”
STREAM_WORDS = 6  # words per streamed chunk: smooth without flooding the socket


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

    @classmethod
    def from_answer(cls, answer: Answer, filters: str = "") -> Turn:
        return cls(
            question=answer.question,
            status=answer.status,
            answer=answer.answer,
            citations=[c.to_dict() for c in answer.citations],
            related=[p.to_dict() for p in answer.related],
            notices=list(answer.notices),
            filters=filters,
            claims=claims_of(answer.answer, {c.n for c in answer.citations}),
        )

    def claims_for(self, n: int) -> list[str]:
        return [text for m, text in self.claims if m == n]


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


def claims_of(answer: str, known: set[int]) -> list[tuple[int, str]]:
    """The text each known marker stands after, unwrapped from its attribution quotes."""
    claims: list[tuple[int, str]] = []
    last, previous = 0, ""
    for m in MARKER.finditer(answer):
        if int(m.group(1)) not in known:
            continue
        segment = answer[last : m.start()].strip()
        last = m.end()
        quoted = QUOTED.search(segment)
        claim = (quoted.group(1) if quoted else segment) or previous  # "[1][2]": same claim
        claims.append((int(m.group(1)), claim))
        previous = claim
    return claims


def user_message(question: str) -> dict[str, str]:
    return {"role": "user", "content": md(question)}


def notice_message(text: str, css: str = "cf-error") -> dict[str, str]:
    """An error or warning shown in the chat; the class lets CSS tell it from an answer."""
    return {"role": "assistant", "content": f'<span class="{css}"></span>⚠️ {md(text)}'}


def answer_markdown(turn: Turn, index: int) -> str:
    """The full assistant message for a turn: text with clickable markers, then notes."""
    if turn.status == "no_evidence":
        return _no_evidence_markdown(turn, index)
    parts = [_with_markers(turn.answer, turn, index)]
    parts.extend(_footer(turn))
    return "\n\n".join(parts)


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


def _with_markers(answer: str, turn: Turn, index: int) -> str:
    """Escape the answer text and turn each known ``[n]`` into a link the page's script opens."""
    known = {c["n"] for c in turn.citations}
    out: list[str] = []
    last, k = 0, 0
    for m in MARKER.finditer(answer):
        n = int(m.group(1))
        if n not in known:
            continue  # a bracketed number quoted from a document, not one of ours
        out.append(md(answer[last : m.start()]))
        out.append(
            f'<a class="cf-cite" href="#cf-ref-{ref_id(index, "c", n, k)}" '
            f'title="Open source {n}">[{n}]</a>'
        )
        last, k = m.end(), k + 1
    out.append(md(answer[last:]))
    return "".join(out)


def _no_evidence_markdown(turn: Turn, index: int) -> str:
    parts = ['<span class="cf-noevidence"></span>**No evidence found.** ' + md(turn.answer)]
    if turn.related:
        items = []
        for i, p in enumerate(turn.related, 1):
            title = md(p.get("title") or p.get("doc_id", ""))
            place = where(p.get("page"), p.get("section"))
            source = md(" · ".join(x for x in (p.get("publisher"), p.get("date"), place) if x))
            items.append(
                f'- <a class="cf-related" href="#cf-ref-{ref_id(index, "r", i)}">{title}</a>'
                + (f" — {source}" if source else "")
            )
        parts.append("**Related reading** (not support):")
        parts.append("\n".join(items))
    parts.extend(_footer(turn))
    return "\n\n".join(parts)


def _footer(turn: Turn) -> list[str]:
    notes = [f"_ℹ️ {md(n)}_" for n in turn.notices]
    if turn.filters:
        notes.append(f"_Searched with filters: {md(turn.filters)}_")
    return notes
