"""The chat's event handlers called directly: streaming, state, filters and errors."""

from __future__ import annotations

import logging

import pytest

from index.web.chat import Conversation
from index.web.handlers import UNEXPECTED, Handlers
from index.web.html import md

STATUTE_Q = "How long can someone be imprisoned for an unlawful cross-border transfer?"


def run(handlers: Handlers, question: str, conversation: Conversation | None = None, **filters):
    args = [filters.get(k) for k in ("labels", "doc_ids", "date_from", "date_to")]
    return list(handlers.respond(question, conversation or Conversation(), *args))


def test_answer_streams_in_growing_chunks_then_shows_sources(casefile):
    updates = run(Handlers(casefile), STATUTE_Q)
    texts = [messages[-1]["content"] for messages, *_ in updates]
    assert "Searching" in texts[0]
    answer_texts = texts[1:]
    assert len(answer_texts) >= 3, "the answer should arrive in several chunks"
    for a, b in zip(answer_texts, answer_texts[1:], strict=False):
        assert b.startswith(a)
    messages, conversation, sources, box = updates[-1]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert 'class="cf-cite"' in messages[-1]["content"]
    assert 'class="cf-card"' in sources and box == ""
    assert conversation.history == [STATUTE_Q]


def test_follow_up_keeps_the_conversation(casefile):
    handlers = Handlers(casefile)
    *_, (_, conversation, _, _) = run(handlers, STATUTE_Q)
    follow_up = "And what does the term quokka license mean?"
    *_, (messages, conversation, _, _) = run(handlers, follow_up, conversation)
    assert len(messages) == 4 and len(conversation.turns) == 2
    # Markers of the second answer point at the second turn.
    assert "#cf-ref-1-c-" in messages[-1]["content"]


def test_empty_question_gets_a_plain_message(casefile):
    updates = run(Handlers(casefile), "   ")
    messages, conversation, _, _ = updates[-1]
    assert len(updates) == 1 and len(messages) == 1
    content = messages[0]["content"]
    assert "Please type a question" in content and "cf-error" in content
    assert conversation.turns == []


def test_filters_apply_and_bad_dates_are_explained(casefile):
    handlers = Handlers(casefile)
    *_, (_, conversation, _, _) = run(handlers, STATUTE_Q, labels=["news"])
    turn = conversation.turns[-1]
    assert all(c["kind"] == "news" for c in turn.citations)
    assert "kind: news" in turn.filters
    *_, (messages, conversation, _, _) = run(handlers, STATUTE_Q, date_from="20x1")
    assert "From" in messages[-1]["content"] and "cf-error" in messages[-1]["content"]
    assert conversation.turns == []


def test_unexpected_failure_is_a_chat_message_and_a_logged_traceback(casefile, caplog):
    class Broken:
        def __getattr__(self, name):
            return getattr(casefile, name)

        def ask(self, *args, **kwargs):
            raise RuntimeError("internal detail <b>x</b>")

    with caplog.at_level(logging.ERROR, logger="casefile.web"):
        messages, *_ = run(Handlers(Broken()), STATUTE_Q)[-1]
    assert messages[-1]["content"].endswith(md(UNEXPECTED))
    assert "internal detail" not in messages[-1]["content"]
    assert "Traceback" in caplog.text and "internal detail" in caplog.text


@pytest.mark.parametrize("ref", ["0-c-1", "9-c-1", "nonsense"])
def test_open_source_resolves_clicks_and_ignores_stale_ones(casefile, ref):
    handlers = Handlers(casefile)
    *_, (_, conversation, _, _) = run(handlers, STATUTE_Q)

    class Event:
        _data = {"ref": ref}

    box, html, citation = handlers.open_source(conversation, Event())
    if ref == "0-c-1":
        assert box["visible"] is True and '<mark class="cf-hl"' in html
        assert "https://example.org/fixture-code/4410" in citation
    else:
        assert box == {"__type__": "update"} and html == {"__type__": "update"}
