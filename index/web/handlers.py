"""What the page's events do. Every handler catches its own failures: the reader gets a
plain message in the chat, the log gets the traceback."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from index.answers import CasefileError
from index.llm.streaming import ask_streaming
from index.service import Casefile
from index.store import DocumentRecord, StoreUnavailable
from index.web import cards, chat, corpus, viewer
from index.web.chat import Conversation, Turn
from index.web.filters import FilterError, build_filters, describe
from index.web.html import esc

log = logging.getLogger("casefile.web")

SEARCHING = '<span class="cf-pending"></span>_Searching the corpus…_'
UNEXPECTED = "Something went wrong while answering. The details are in the server log."
STREAM_PAUSE = 0.02  # seconds between streamed chunks, so the answer visibly arrives

# respond() outputs: chatbot messages, conversation state, sources panel, question box.
ChatUpdate = tuple[list[dict[str, str]], Conversation, str, str]


class Handlers:
    def __init__(self, casefile: Casefile) -> None:
        self.casefile = casefile

    # -- the chat ------------------------------------------------------------------------

    def respond(
        self,
        question: str,
        conversation: Conversation,
        labels: list[str] | None,
        doc_ids: list[str] | None,
        date_from: str | None,
        date_to: str | None,
    ) -> Iterator[ChatUpdate]:
        conversation = conversation or Conversation()
        sources = self._latest_sources(conversation)
        if not (question or "").strip():
            conversation.messages.append(chat.notice_message("Please type a question."))
            yield list(conversation.messages), conversation, sources, ""
            return
        conversation.messages.append(chat.user_message(question))
        conversation.messages.append({"role": "assistant", "content": SEARCHING})
        yield list(conversation.messages), conversation, sources, ""
        try:
            records = self._records()
            filters = build_filters(labels, doc_ids, date_from, date_to,
                                    {r.kind for r in records.values()}, set(records))
            answer = None
            # A generative backend's draft streams in first (index/llm/streaming.py).
            for item in ask_streaming(self.casefile, question, filters=filters,
                                      history=conversation.history):
                if isinstance(item, str):
                    conversation.messages[-1] = chat.draft_message(item)
                    yield list(conversation.messages), conversation, sources, ""
                else:
                    answer = item
        except (CasefileError, StoreUnavailable, FilterError) as exc:
            log.warning("question not answered: %s", exc)
            conversation.messages[-1] = chat.notice_message(str(exc))
            yield list(conversation.messages), conversation, sources, ""
            return
        except Exception:
            log.exception("answering %r failed", question)
            conversation.messages[-1] = chat.notice_message(UNEXPECTED)
            yield list(conversation.messages), conversation, sources, ""
            return
        turn = Turn.from_answer(
            answer, describe(filters, labels, {d: r.title for d, r in records.items()})
        )
        conversation.turns.append(turn)
        index = len(conversation.turns) - 1
        message = chat.answer_markdown(turn, index)
        for chunk in chat.stream_chunks(message):
            conversation.messages[-1] = {"role": "assistant", "content": chunk}
            yield list(conversation.messages), conversation, sources, ""
            time.sleep(STREAM_PAUSE)
        yield list(conversation.messages), conversation, cards.sources_html(turn, index), ""

    def new_chat(self) -> tuple[list, Conversation, str, Any, str, str]:
        """Messages, state, sources panel, viewer box, viewer, citation text."""
        return [], Conversation(), cards.EMPTY, gr.update(visible=False), "", ""

    # -- the source viewer ---------------------------------------------------------------

    def open_source(
        self, conversation: Conversation, evt: gr.EventData
    ) -> tuple[Any, str, str]:
        """Viewer box visibility, viewer HTML, citation text for a clicked marker or card."""
        data = getattr(evt, "_data", None)  # what the page's trigger('click', {ref}) sent
        ref = str(data.get("ref", "")) if isinstance(data, dict) else ""
        try:
            source = viewer.resolve(conversation or Conversation(), ref)
            if source is None:
                log.info("stale or unknown source reference %r", ref)
                return gr.update(), gr.update(), gr.update()
            doc_id = source.passage["doc_id"]
            text = self.casefile.document_text(doc_id)
            html = viewer.viewer_html(source, text, self._records().get(doc_id))
            return gr.update(visible=True), html, viewer.citation_text(source.passage)
        except StoreUnavailable as exc:
            log.warning("opening source %r: %s", ref, exc)
            return gr.update(visible=True), f'<p class="cf-warn">{esc(str(exc))}</p>', ""
        except Exception:
            log.exception("opening source %r failed", ref)
            return gr.update(visible=True), (
                '<p class="cf-warn">This source could not be opened; the details are in the '
                "server log.</p>"
            ), ""

    def close_source(self) -> Any:
        return gr.update(visible=False)

    # -- the corpus ----------------------------------------------------------------------

    def corpus_view(self, query: str = "") -> str:
        try:
            return corpus.corpus_html(self.casefile.documents(), query or "")
        except Exception as exc:
            log.exception("listing the corpus failed")
            message = (
                str(exc) if isinstance(exc, StoreUnavailable) else "The corpus could not be listed."
            )
            return f'<p class="cf-warn">{esc(message)}</p>'

    def on_load(self, query: str = "") -> tuple[str, Any, Any]:
        """Fresh corpus table and filter choices for each page load (the store may have grown)."""
        try:
            records = self.casefile.documents()
        except Exception:
            log.exception("loading the corpus failed")
            return self.corpus_view(query), gr.update(), gr.update()
        return (
            corpus.corpus_html(records, query or ""),
            gr.update(choices=corpus.kind_choices(records)),
            gr.update(choices=corpus.document_choices(records)),
        )

    # -- helpers -------------------------------------------------------------------------

    def _records(self) -> dict[str, DocumentRecord]:
        return {r.doc_id: r for r in self.casefile.documents()}

    @staticmethod
    def _latest_sources(conversation: Conversation) -> str:
        latest = conversation.latest()
        return cards.sources_html(latest[1], latest[0]) if latest else cards.EMPTY
