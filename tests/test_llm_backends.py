"""Generative answers end to end: real store, real model, real retrieval and verification, and
a scripted server on loopback speaking OpenAI's and Ollama's wire protocols (tests/llm_fakes.py)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from index.answers import CasefileError
from index.llm.prompt import REMINDER
from index.llm.verify import NO_SUCH_SOURCE, NOT_FOUND, UNCITED
from tests.llm_fakes import FakeLLMServer, Reply, passage_count, passage_number, prompt_of

PENALTY_Q = "How long can someone be imprisoned for an unlawful cross-border transfer?"
PENALTY = "12 years"
TIMEOUT = 2.0


@pytest.fixture(scope="module")
def server():
    with FakeLLMServer() as fake:
        yield fake


@pytest.fixture(scope="module")
def casefiles(ingested_settings, server):
    """One Casefile per backend, both pointed at the fake server (2 s timeout), warmed up: the
    first request also imports and builds the HTTP client."""
    from index.service import Casefile

    made = {}
    server.script = well_cited
    for name, url in (("openai", f"{server.url}/v1"), ("ollama", server.url)):
        settings = replace(ingested_settings, llm=name, llm_base_url=url, llm_model="fake-model",
                           llm_timeout=TIMEOUT)
        made[name] = Casefile(settings)
        made[name].ask(PENALTY_Q)
    return made


def well_cited(messages) -> Reply:
    n = passage_number(messages, PENALTY)
    return Reply(f"A person who transfers a firearm abroad without an export license can be "
                 f"imprisoned for not more than 12 years [{n}]. They may also be fined under "
                 f"this title [{n}].")


def markers(text: str) -> set[int]:
    return {int(m) for m in re.findall(r"\[(\d+)\]", text)}


@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_well_cited_answer_streams_and_every_sentence_holds(casefiles, server, backend):
    server.script, server.requests[:] = well_cited, []
    pieces: list[str] = []
    answer = casefiles[backend].ask(PENALTY_Q, on_token=pieces.append)
    assert answer.backend == backend
    assert len(pieces) > 5 and "".join(pieces).startswith("A person who transfers")
    assert answer.status == "answered" and PENALTY in answer.answer
    assert [s.supported for s in answer.sentences] == [True, True]
    assert all(s.support_score > 0.5 and s.citations == [1] for s in answer.sentences)
    # Renumbered: the model's [n] became [1], the one passage cited.
    assert markers(answer.answer) == {c.n for c in answer.citations} == {1}
    citation = answer.citations[0]
    assert citation.passage.doc_id == "statute-fixture-border-transfer-act"
    assert PENALTY in citation.sentence
    request = server.requests[-1]
    assert request["stream"] is True
    assert request["path"] == ("/v1/chat/completions" if backend == "openai" else "/api/chat")


def test_prompt_numbers_passages_with_their_source_and_the_rules(casefiles, server):
    server.script, server.requests[:] = well_cited, []
    casefiles["openai"].ask(PENALTY_Q)
    messages = server.requests[-1]["messages"]
    system, user = messages[0]["content"], messages[1]["content"]
    assert messages[0]["role"] == "system" and messages[1]["role"] == "user"
    for rule in ("Use only the numbered passages", "cite the passage", "attribute them",
                 "do not answer this question", "Answer in English"):
        assert rule in system
    assert ("[1] Fixture Code § 4410 — Unlawful cross-border transfer of firearms | Casefile test "
            "fixtures (invented statute) | statute | 2019-03-01") in user
    assert user.rstrip().endswith(f"Question: {PENALTY_Q}\n{REMINDER}\nAnswer:")
    assert passage_count(messages) == 5


def test_a_citation_beyond_the_passages_never_shows(casefiles, server):
    def script(messages):
        assert passage_count(messages) == 4
        n = passage_number(messages, PENALTY)
        return Reply(f"Someone can be imprisoned for not more than 12 years [{n}]. The fine is "
                     "set under this title [7].")

    server.script = script
    answer = casefiles["openai"].ask(PENALTY_Q, k=4)
    assert "[7]" not in answer.answer and markers(answer.answer) == {1}
    held, dropped = answer.sentences
    assert held.supported and held.citations == [1]
    assert not dropped.supported and dropped.citations == [] and dropped.flag == NO_SUCH_SOURCE
    assert f"({NO_SUCH_SOURCE})" in answer.answer
    assert any("[7]" in n and "removed" in n for n in answer.notices)


def test_a_wrong_figure_is_flagged_not_cited(casefiles, server):
    def script(messages):
        n = passage_number(messages, PENALTY)
        return Reply(f"A person who violates the offense provision can be imprisoned for not more "
                     f"than 20 years [{n}]. The offense is transferring a firearm to a person in "
                     f"another country without an export license [{n}].")

    server.script = script
    answer = casefiles["openai"].ask(PENALTY_Q)
    wrong, right = answer.sentences
    assert not wrong.supported and wrong.flag == NOT_FOUND and wrong.citations == []
    assert right.supported and right.citations == [1]
    # The wrong sentence carries its flag, never a marker.
    assert f"20 years. ({NOT_FOUND})" in answer.answer
    assert not re.search(r"20 years\.? \[\d+\]", answer.answer)
    assert any("not backed by a cited source" in n for n in answer.notices)


def test_an_uncited_sentence_is_flagged(casefiles, server):
    def script(messages):
        n = passage_number(messages, PENALTY)
        return Reply(f"The penalty is imprisonment for not more than 12 years [{n}]. Judges "
                     "rarely impose the maximum.")

    server.script = script
    answer = casefiles["ollama"].ask(PENALTY_Q)
    cited, uncited = answer.sentences
    assert cited.supported and not uncited.supported and uncited.flag == UNCITED
    assert answer.answer.endswith(f"Judges rarely impose the maximum. ({UNCITED})")


def test_a_sentence_left_uncited_is_cited_to_the_passage_that_holds_it(casefiles, server):
    server.script = lambda messages: Reply("A violator can be imprisoned for not more than 12 "
                                           "years, fined under this title, or both.")
    answer = casefiles["openai"].ask(PENALTY_Q)
    assert answer.backend == "openai" and answer.sentences[0].supported
    assert answer.answer.endswith("or both. [1]")
    assert answer.citations[0].passage.doc_id == "statute-fixture-border-transfer-act"
    assert any("left 1 sentence uncited; Casefile cited the passage" in n for n in answer.notices)


@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_a_hanging_server_falls_back_to_the_extractive_answer(casefiles, server, backend):
    server.script = lambda messages: Reply(hang=True)
    started = time.perf_counter()
    answer = casefiles[backend].ask(PENALTY_Q)
    assert time.perf_counter() - started < TIMEOUT + 3  # ours, not the client's 60 s default
    assert answer.backend == "extractive" and PENALTY in answer.answer
    assert answer.notices[0].endswith("did not answer within 2 s. Showing the extractive "
                                      "answer instead.")
    assert "\n" not in answer.notices[0]


@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_a_server_too_slow_to_finish_falls_back(casefiles, server, backend):
    # Each piece comes within the timeout (the HTTP client never times out); the whole answer
    # does not come within twice the timeout.
    server.script = lambda messages: Reply("One two three four five six.", delay=TIMEOUT * 0.7)
    started = time.perf_counter()
    answer = casefiles[backend].ask(PENALTY_Q)
    assert time.perf_counter() - started < 2 * TIMEOUT + 3
    assert answer.backend == "extractive" and PENALTY in answer.answer
    assert answer.notices[0].endswith("did not finish within 4 s. Showing the extractive answer "
                                      "instead.")


@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_a_server_error_falls_back_with_one_line(casefiles, server, backend):
    server.script = lambda messages: Reply(status=500)
    answer = casefiles[backend].ask(PENALTY_Q)
    assert answer.backend == "extractive" and PENALTY in answer.answer
    assert "returned an error (HTTP 500)" in answer.notices[0]
    assert "Showing the extractive answer instead." in answer.notices[0]


def test_a_server_that_is_down_falls_back(ingested_settings):
    from index.service import Casefile

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = replace(ingested_settings, llm="openai", llm_base_url=f"http://127.0.0.1:{port}/v1",
                       llm_model="fake-model", llm_timeout=2.0)
    answer = Casefile(settings).ask(PENALTY_Q)
    assert answer.backend == "extractive" and PENALTY in answer.answer
    assert answer.notices[0] == (f"the OpenAI-compatible server at http://127.0.0.1:{port}/v1 is "
                                 "unreachable (is it running?). Showing the extractive answer "
                                 "instead.")


def test_an_answer_with_no_supported_sentence_is_replaced(casefiles, server):
    server.script = lambda messages: Reply("The statute was repealed in 2031 by Congress.")
    answer = casefiles["openai"].ask(PENALTY_Q)
    assert answer.backend == "extractive" and PENALTY in answer.answer
    assert answer.notices[0].startswith("No sentence of the generated answer was found")


def test_the_model_declining_leaves_the_core_answer(casefiles, server):
    # The answer core found support: a model that says the passages do not answer does not
    # overrule it (nor does it answer what the core refused, below).
    server.script = lambda messages: Reply("The passages do not answer this question.")
    answer = casefiles["openai"].ask(PENALTY_Q)
    assert answer.status == "answered" and answer.backend == "extractive"
    assert PENALTY in answer.answer
    assert answer.notices[0] == ("The language model found no answer in the passages. Showing "
                                 "the extractive answer instead.")


def test_the_answer_core_abstains_before_any_generation(casefiles, server):
    server.script, server.requests[:] = well_cited, []
    answer = casefiles["openai"].ask("What is the recipe for lemon meringue pie?")
    assert answer.status == "no_evidence" and answer.backend == "extractive"
    assert server.requests == []


def test_a_follow_up_is_asked_as_a_standalone_question(casefiles, server):
    server.script, server.requests[:] = well_cited, []
    casefiles["openai"].ask("And the fine?", history=[PENALTY_Q])
    assert f"Question: {PENALTY_Q} And the fine?" in prompt_of(server.requests[-1]["messages"])


def test_json_carries_backend_and_checked_sentences(casefiles, server):
    server.script = well_cited
    data = casefiles["openai"].ask(PENALTY_Q).to_dict()
    assert data["backend"] == "openai"
    assert data["sentences"][0].keys() >= {"text", "citations", "supported", "support_score"}
    assert data["sentences"][0]["citations"] == [1]
    assert {"first_token", "generate", "verify"} <= data["timings_ms"].keys()


def test_extractive_answers_list_their_quoted_sentences(casefile):
    data = casefile.ask(PENALTY_Q).to_dict()
    assert data["backend"] == "extractive"
    assert data["sentences"] and all(s["supported"] for s in data["sentences"])
    assert all(f"[{s['citations'][0]}]" in data["answer"] for s in data["sentences"])


@pytest.mark.parametrize(("changes", "message"), [
    ({"llm": "gpt"}, "CASEFILE_LLM must be one of openai, ollama, local"),
    ({"llm": "openai"}, "CASEFILE_LLM=openai needs CASEFILE_LLM_MODEL"),
    ({"llm": "local", "llm_model": "/nonexistent/model.gguf"}, "no such GGUF file"),
    ({"llm": "ollama", "llm_model": "m", "llm_timeout": -1.0}, "CASEFILE_LLM_TIMEOUT must be"),
    ({"llm": "ollama", "llm_model": "m", "llm_timeout": float("nan")}, "CASEFILE_LLM_TIMEOUT"),
])
def test_a_bad_configuration_is_one_clear_line(ingested_settings, changes, message):
    from index.llm.backends import make_backend

    with pytest.raises(CasefileError, match=re.escape(message)) as raised:
        make_backend(replace(ingested_settings, **changes))
    assert "\n" not in str(raised.value)


def test_ask_json_from_the_command_line_names_the_backend(ingested_settings, server):
    """The CASEFILE_LLM* variables as a user sets them, through `python -m index ask --json`."""
    server.script = well_cited
    env = {**os.environ, "CASEFILE_STORE": str(ingested_settings.store), "CASEFILE_LLM": "openai",
           "CASEFILE_LLM_BASE_URL": f"{server.url}/v1", "CASEFILE_LLM_MODEL": "fake-model",
           "CASEFILE_LLM_TIMEOUT": "30"}
    env.pop("CASEFILE_CHROMA_HOST", None)
    done = subprocess.run([sys.executable, "-m", "index", "ask", PENALTY_Q, "--json"],
                          cwd=Path(__file__).resolve().parent.parent, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout.strip().splitlines()[-1])
    assert data["backend"] == "openai" and data["status"] == "answered"
    assert [s["supported"] for s in data["sentences"]] == [True, True]
    assert data["citations"][0]["doc_id"] == "statute-fixture-border-transfer-act"
