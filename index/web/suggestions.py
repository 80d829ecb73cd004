"""Suggested follow-up questions after an answer, drawn from the cited documents' section
headings and titles, and kept only when Casefile really answers them (each is asked first).

A suggestion names its document ("What does H.R. 9001 say about the report?"), so it stands
on its own whatever the conversation was; it is kept when the answer is a full sentence cited
from that same document and says something the current answer did not.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from index.answers import Answer
from index.service import Casefile
from index.web.chat import Turn
from index.web.html import esc

log = logging.getLogger("casefile.web")

SHOWN = 3  # at most this many suggestions
TRIED = 6  # candidates asked per answer: each costs one question (~0.1–0.3 s)
MIN_WORDS = 6  # an answer's first claim shorter than this reads as a fragment

HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.M)
# Numbering and legal enumerators at the start of a heading: "4.", "(b)", "§ 7902.", "Sec. 3."
NUMBERING = re.compile(r"^(?:(?:sec(?:tion)?\.?|§+)\s*)?(?:\d+[a-z]?[.)]?|\([a-z0-9]+\))\s*",
                       re.I)
PARENTHESIS = re.compile(r"\s*\([^)]*\)")
GENERIC = {"short title", "table of contents", "definitions", "in general", "sources",
           "contents", "references", "notes", "purposes", "findings; purposes"}
ENUMERATOR = re.compile(r"^\(?[a-zA-Z0-9]{1,3}\)\s")
# A topic that is already a clause or carries its own determiner takes no "the".
NO_ARTICLE = re.compile(r"^(?:what|who|when|where|why|how|whether|which|the|a|an|its|their)\b",
                        re.I)


def short_name(title: str) -> str:
    """'H.R. 9001 — Fixture Southbound Screening Act (119th Congress)' -> 'H.R. 9001';
    'Case-file primer: Mexico v. …' -> 'the Case-file primer'."""
    for sep in (" — ", " – ", ": "):
        if sep in title:
            head = title.split(sep, 1)[0].strip()
            if 3 <= len(head) <= 40:
                return head if re.search(r"\d", head) else f"the {head}"
    return PARENTHESIS.sub("", title).strip()


def topic(heading: str) -> str:
    """A heading as a topic: numbering and parentheses dropped, sentence case kept."""
    text = NUMBERING.sub("", heading.strip())
    text = PARENTHESIS.sub("", text).strip(" .;:—-")
    if text and text[0].isupper() and not text[:2].isupper():
        text = text[0].lower() + text[1:]
    if text and not NO_ARTICLE.match(text):
        text = f"the {text}"
    return text


def candidates(turn: Turn, texts: dict[str, str | None]) -> Iterator[tuple[str, str]]:
    """(question, doc_id) pairs: sections of the cited documents that the answer did not cite,
    nearest to the cited section first, then each document as a whole."""
    seen_topics: set[str] = set()
    for c in turn.citations:
        doc_id = c["doc_id"]
        text = texts.get(doc_id) or ""
        headings = [h for h in HEADING.findall(text)]
        cited = c.get("section") or ""
        order = sorted(range(len(headings)),
                       key=lambda i: abs(i - headings.index(cited)) if cited in headings else i)
        name = short_name(c["title"])
        for i in order:
            t = topic(headings[i])
            bare = t.removeprefix("the ").casefold()
            if not t or headings[i] == cited or bare in GENERIC or t.casefold() in seen_topics:
                continue
            if len(t.split()) > 9:
                continue
            seen_topics.add(t.casefold())
            yield f"What does {name} say about {t}?", doc_id
    for c in turn.citations:
        if c.get("kind") in ("legislation", "bill"):
            yield f"What would {short_name(c['title'])} do?", c["doc_id"]


def looks_complete(answer: Answer) -> bool:
    """An answer whose first claim is a sentence, not a list fragment or a heading."""
    if answer.status != "answered" or not answer.citations:
        return False
    first = answer.sentences[0].text.strip() if answer.sentences else ""
    words = re.findall(r"\w+", first)
    return (len(words) >= MIN_WORDS and not ENUMERATOR.match(first)
            and not first[:1].islower() and first.rstrip("”\"*_ ").endswith((".", "!", "?")))


def suggest(casefile: Casefile, turn: Turn, history: list[str]) -> list[str]:
    """Up to SHOWN follow-ups that Casefile answers from the document each one names."""
    if turn.status != "answered":
        return []
    texts = {c["doc_id"]: casefile.document_text(c["doc_id"]) for c in turn.citations}
    asked = {q.casefold() for q in history}
    current = {s for _, s in turn.claims}
    kept: list[str] = []
    tried = 0
    for question, doc_id in candidates(turn, texts):
        if question.casefold() in asked or question in kept:
            continue
        if tried >= TRIED or len(kept) >= SHOWN:
            break
        tried += 1
        answer = casefile.ask(question, history=history)
        new = {c.sentence for c in answer.citations} - current
        if looks_complete(answer) and answer.citations[0].passage.doc_id == doc_id and new:
            kept.append(question)
    return kept


def followups_html(questions: list[str]) -> str:
    if not questions:
        return ""
    buttons = "".join(
        f'<li><button type="button" class="cf-suggest" data-cf-ask="{esc(q)}">{esc(q)}</button>'
        "</li>" for q in questions
    )
    return (
        '<nav class="cf-followups" aria-label="Suggested follow-up questions">'
        f'<p class="cf-followups-title">Ask next</p><ul>{buttons}</ul></nav>'
    )
