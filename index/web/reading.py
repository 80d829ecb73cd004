"""Events of reading around an answer (beside ``handlers.Handlers``, which answers): the sources
panel following a clicked marker of an earlier answer, a Corpus-tab document opened in the
viewer, and the suggested follow-up questions."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from index.service import Casefile
from index.web import cards, suggestions, viewer
from index.web.chat import Conversation

log = logging.getLogger("casefile.web")


def _event_data(evt: gr.EventData) -> dict[str, Any]:
    data = getattr(evt, "_data", None)  # what the page's trigger('click', {...}) sent
    return data if isinstance(data, dict) else {}


def _turn_of(ref: str) -> int | None:
    m = viewer.REF.match(ref or "")
    return int(m.group(1)) if m else None


class Reading:
    def __init__(self, casefile: Casefile) -> None:
        self.casefile = casefile

    def sources_for_click(self, conversation: Conversation, evt: gr.EventData) -> Any:
        """A clicked marker or card: the sources panel shows the answer it belongs to."""
        return self._sources(conversation, _turn_of(str(_event_data(evt).get("ref", ""))))

    def act(self, conversation: Conversation, evt: gr.EventData) -> tuple[Any, Any, Any, Any]:
        """Corpus viewer box, its HTML, its citation text, the sources panel."""
        data = _event_data(evt)
        keep = gr.update()
        if data.get("action") == "turn":
            try:
                turn = int(data.get("turn", -1))
            except (TypeError, ValueError):
                turn = None
            return keep, keep, keep, self._sources(conversation, turn)
        if data.get("action") == "doc":
            return (*self.open_document(str(data.get("doc", ""))), keep)
        return keep, keep, keep, keep

    def open_document(self, doc_id: str) -> tuple[Any, Any, Any]:
        try:
            record = next((r for r in self.casefile.documents() if r.doc_id == doc_id), None)
            if record is None:
                return gr.update(visible=True), (
                    '<p class="cf-warn">This document is no longer in the corpus.</p>'), ""
            source = viewer.document_source(record)
            html = viewer.viewer_html(source, self.casefile.document_text(doc_id), record)
            return gr.update(visible=True), html, viewer.citation_text(source.passage)
        except Exception:
            log.exception("opening document %r failed", doc_id)
            return gr.update(visible=True), (
                '<p class="cf-warn">This document could not be opened; the details are in the '
                "server log.</p>"), ""

    def followups(self, conversation: Conversation) -> str:
        latest = (conversation or Conversation()).latest()
        if latest is None:
            return ""
        index, turn = latest
        try:
            questions = suggestions.suggest(self.casefile, turn, conversation.history)
        except Exception:  # suggestions are a convenience: never an error in the reader's face
            log.exception("suggesting follow-ups failed")
            return ""
        return suggestions.followups_html(questions)

    @staticmethod
    def _sources(conversation: Conversation, turn: int | None) -> Any:
        conversation = conversation or Conversation()
        latest = conversation.latest()
        if turn is None or latest is None or not 0 <= turn < len(conversation.turns):
            return gr.update()
        return cards.sources_html(conversation.turns[turn], turn, latest[0])
