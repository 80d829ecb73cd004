"""The answer contract shared by the CLI, the evaluation and the web chat.

``Answerer`` is the seam for answer backends: the embedded default composes answers from the
retrieved sentences (``index.extractive``); a generative LLM backend would implement the same
protocol and leave retrieval and the UI untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from index.followup import Query
from index.passages import Hit, Passage

Status = Literal["answered", "no_evidence"]
# A Markdown heading line inside a passage: the section a sentence after it belongs to.
HEADING_LINE = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


class CasefileError(Exception):
    """A problem the user should read as a plain message (never a traceback)."""


class InvalidQuestion(CasefileError):
    pass


class EmptyIndex(CasefileError):
    pass


@dataclass
class Citation:
    n: int
    passage: Passage
    sentence: str  # the supporting sentence, verbatim from the passage
    sentence_start: int  # offsets of that sentence in the document text
    sentence_end: int
    # Other documents with the same passage word for word (a companion bill's section).
    also_in: list[Passage] = field(default_factory=list)

    @property
    def section(self) -> str:
        """The section the cited sentence is in. A passage is labelled with the heading in
        force where it starts, but one can run on past the next heading ("## Defendants")."""
        before = self.passage.text[: max(0, self.sentence_start - self.passage.start_char)]
        headings = HEADING_LINE.findall(before)
        return headings[-1].strip()[:120] if headings else self.passage.section

    def to_dict(self) -> dict[str, Any]:
        p = self.passage
        return {
            "n": self.n,
            "doc_id": p.doc_id,
            "title": p.title,
            "publisher": p.publisher,
            "kind": p.kind,
            "kind_label": p.kind_label,
            "date": p.date,
            "url": p.url,
            "source_file": p.source_file,
            "page": p.page,
            "section": self.section,
            "start_char": p.start_char,
            "end_char": p.end_char,
            "text": p.text,
            "score": round(p.score, 4),
            "sentence": self.sentence,
            "sentence_start": self.sentence_start,
            "sentence_end": self.sentence_end,
            "also_in": [{"doc_id": o.doc_id, "source_file": o.source_file, "title": o.title,
                         "url": o.url, "start_char": o.start_char, "end_char": o.end_char}
                        for o in self.also_in],
        }


@dataclass
class AnswerSentence:
    """One sentence of an answer and how it stands against its sources. A quoted (extractive)
    sentence is supported by construction; a generated one is checked (index/llm/verify.py)."""

    text: str  # without its [n] markers or attribution: for a quote, the source's own words
    citations: list[int]  # the citation numbers it carries (none when unsupported)
    supported: bool
    support_score: float  # the support model's probability (index/ranker.py)
    flag: str = ""  # why it is not supported, shown after it: "not found in the cited source"
    # Who asserts it, when the source must be named ("National Shooting Sports Foundation (NSSF,
    # advocacy)"): the text is then their words, quoted.
    speaker: str = ""
    start: int | None = None  # the quoted sentence's offsets in the cited document
    end: int | None = None

    @property
    def shown(self) -> str:
        """The sentence as it stands in the answer text."""
        if self.supported:
            return f"{self.text} " + "".join(f"[{n}]" for n in self.citations)
        return f"{self.text} ({self.flag})"

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "citations": self.citations, "supported": self.supported,
                "support_score": round(self.support_score, 4), "flag": self.flag,
                "speaker": self.speaker, "start": self.start, "end": self.end}


def answer_text(sentences: list[AnswerSentence]) -> str:
    """The one plain-text rendering of an answer's claims (CLI, API, the answer field). A run
    of claims by one speaker names the speaker once: "According to X: “a.” [1] “b.” [2]"."""
    parts: list[str] = []
    previous = ""
    for sentence in sentences:
        if not sentence.speaker:
            parts.append(sentence.shown)
        else:
            quoted = AnswerSentence(f"“{sentence.text}”", sentence.citations, sentence.supported,
                                    sentence.support_score, sentence.flag).shown
            opens = "" if sentence.speaker == previous else f"According to {sentence.speaker}: "
            parts.append(opens + quoted)
        previous = sentence.speaker
    return " ".join(parts)


@dataclass
class Composed:
    """What an answerer returns: the text with [n] markers and the citations they point at."""

    status: Status
    answer: str
    citations: list[Citation] = field(default_factory=list)
    related: list[Passage] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    backend: str = "extractive"  # what wrote the answer: "extractive", "openai", "ollama", "local"
    sentences: list[AnswerSentence] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)  # the backend's own steps


@dataclass
class Answer:
    question: str
    status: Status
    answer: str
    citations: list[Citation]
    retrieved: list[Passage]
    related: list[Passage] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    search_query: str = ""  # the question as searched (with a follow-up's context)
    backend: str = "extractive"
    sentences: list[AnswerSentence] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        brief = lambda p: {  # noqa: E731
            "doc_id": p.doc_id,
            "source_file": p.source_file,
            "title": p.title,
            "kind": p.kind,
            "score": round(p.score, 4),
            "text": p.text,
        }
        return {
            "question": self.question,
            "search_query": self.search_query,
            "status": self.status,
            "answer": self.answer,
            "citations": [c.to_dict() for c in self.citations],
            "retrieved": [brief(p) for p in self.retrieved],
            "related": [{**brief(p), "publisher": p.publisher, "start_char": p.start_char,
                         "end_char": p.end_char, "url": p.url, "page": p.page,
                         "kind_label": p.kind_label, "date": p.date} for p in self.related],
            "notices": self.notices,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "backend": self.backend,
            "sentences": [s.to_dict() for s in self.sentences],
        }


RELATED_SHOWN = 3


def no_evidence(hits: list[Hit], reason: str) -> Composed:
    """The abstention every backend gives: say so, and show the closest passages (one per
    document) as related reading, never as support."""
    related: list[Passage] = []
    for hit in hits:
        if hit.passage.doc_id not in {p.doc_id for p in related}:
            related.append(hit.passage)
    return Composed(
        status="no_evidence",
        answer=f"The corpus does not answer this question. {reason} The closest passages are "
        "listed as related reading, not as support.",
        related=related[:RELATED_SHOWN],
    )


class Answerer(Protocol):
    def compose(self, query: Query, hits: list[Hit]) -> Composed: ...
