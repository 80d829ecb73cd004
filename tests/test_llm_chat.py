"""The web chat with a generative backend: the draft streams in, flagged sentences are marked,
a failing server is one line above the extractive answer (handlers called directly, with a
scripted OpenAI-compatible server on loopback)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from index.llm.verify import NOT_FOUND
from index.web.chat import Conversation
from index.web.handlers import Handlers
from tests.llm_fakes import FakeLLMServer, Reply, passage_number

PENALTY_Q = "How long can someone be imprisoned for an unlawful cross-border transfer?"


@pytest.fixture(scope="module")
def server():
    with FakeLLMServer() as fake:
        yield fake


@pytest.fixture(scope="module")
def handlers(ingested_settings, server):
    from index.service import Casefile

    settings = replace(ingested_settings, llm="openai", llm_base_url=f"{server.url}/v1",
                       llm_model="fake-model", llm_timeout=2.0)
    return Handlers(Casefile(settings))


def one_right_one_wrong(messages) -> Reply:
    n = passage_number(messages, "12 years")
    # Few, large pieces: each arrives as its own draft update.
    return Reply(f"Violators face up to 12 years in prison [{n}]. They also lose their "
                 f"export license for 30 years [{n}].", pieces=3)


def respond(handlers, question=PENALTY_Q):
    return list(handlers.respond(question, Conversation(), None, None, None, None))


def test_the_draft_streams_then_the_checked_answer_replaces_it(handlers, server):
    server.script = one_right_one_wrong
    updates = respond(handlers)
    contents = [messages[-1]["content"] for messages, *_ in updates]
    drafts = [c for c in contents if "cf-draft" in c]
    assert drafts, "the generated text should be shown while it is written"
    assert "not yet checked" in drafts[0] and "Violators face" in drafts[-1]
    final = contents[-1]
    assert "cf-draft" not in final
    assert 'class="cf-cite"' in final  # the supported sentence links its source
    _, conversation, sources, _ = updates[-1]
    assert 'class="cf-card"' in sources
    turn = conversation.turns[-1]
    assert [s["supported"] for s in turn.sentences] == [True, False]
    assert turn.claims_for(1) == ["Violators face up to 12 years in prison."]


def test_a_flagged_sentence_is_marked_and_links_nothing(handlers, server):
    server.script = one_right_one_wrong
    final = respond(handlers)[-1][0][-1]["content"]
    flagged = final.split('class="cf-unsupported">', 1)[1]
    assert flagged.startswith("They also lose their export license for 30 years.</span>")
    assert f'<span class="cf-flag">({NOT_FOUND})</span>' in flagged
    # No marker follows the flagged sentence: the only marker is the first sentence's.
    assert final.count('class="cf-cite"') == 1
    assert final.index('class="cf-cite"') < final.index("cf-unsupported")


def test_a_failing_server_is_one_line_over_the_extractive_answer(handlers, server):
    server.script = lambda messages: Reply(status=500)
    updates = respond(handlers)
    final = updates[-1][0][-1]["content"]
    assert "returned an error (HTTP 500). Showing the extractive answer instead." in final
    assert "12 years" in final and 'class="cf-cite"' in final
    # Rendered as the extractive answer: every claim quoted, none flagged.
    sentences = updates[-1][1].turns[-1].sentences
    assert sentences and all(s["supported"] and not s["flag"] for s in sentences)
