"""Faults the running app must survive (issue 9): another process ingesting into the same
embedded store (item 3), a Chroma server that is down or hung (item 4)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.query_params import SearchFilters
from index.service import FRESHNESS_SECONDS, Casefile
from index.settings import Settings
from index.web.chat import Conversation
from index.web.handlers import UNEXPECTED, Handlers
from index.web.html import md
from tests.conftest import FIXTURE_CORPUS, settings_for

pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")

PROJECT = Path(__file__).resolve().parent.parent
STATUTE_Q = "How long can someone be imprisoned for an unlawful cross-border transfer?"
NEW_DOC = "news-fixture-heron-ledger"
NEW_TEXT = """---
title: "Fixture Wire: the heron ledger audit"
publisher: "Fixture Wire Service"
date: "2024-03-02"
kind: "news"
---

# The heron ledger audit

Auditors found that the heron ledger listed forty crates that never reached the depot.
The heron ledger audit was ordered after a courier reported a missing seal.
"""
HERON_Q = "How many crates did the heron ledger list that never reached the depot?"


def ingest_in_subprocess(settings: Settings, folder: Path) -> None:
    env = {**os.environ, "CASEFILE_STORE": str(settings.store)}
    env.pop("CASEFILE_CHROMA_HOST", None)
    done = subprocess.run([sys.executable, "-m", "ingest", str(folder), "--json"], cwd=PROJECT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"added": 1' in done.stdout.splitlines()[-1]


def test_a_running_app_sees_another_process_ingest_into_its_embedded_store(tmp_path):
    from ingest.cli import run_ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(FIXTURE_CORPUS / "statute-fixture-border-transfer-act.md", corpus)
    settings = settings_for(tmp_path / "store", corpus)
    assert run_ingest(settings, [corpus], as_json=True) == 0
    casefile, racing = Casefile(settings), Casefile(settings)
    handlers = Handlers(casefile)
    for app in (casefile, racing):
        assert app.ask(STATUTE_Q).status == "answered"  # Chroma has read its vector index

    added = tmp_path / "added"
    added.mkdir()
    (added / f"{NEW_DOC}.md").write_text(NEW_TEXT)
    ingest_in_subprocess(settings, added)
    only_new = SearchFilters(doc_ids=(NEW_DOC,))

    # The commit landing just after the app's last look (it looks at most every
    # FRESHNESS_SECONDS): Chroma's metadata lists chunks its vector index lacks.
    racing.retriever._checked_at = time.monotonic()
    raced = racing.ask(HERON_Q, filters=only_new)
    assert raced.status == "answered" and raced.citations[0].passage.doc_id == NEW_DOC

    time.sleep(FRESHNESS_SECONDS + 0.2)
    answer = casefile.ask(HERON_Q, filters=only_new)
    assert answer.status == "answered"
    assert answer.citations[0].passage.doc_id == NEW_DOC
    assert NEW_DOC in {r.doc_id for r in casefile.documents()}
    unfiltered = casefile.ask(HERON_Q)
    assert unfiltered.citations and unfiltered.citations[0].passage.doc_id == NEW_DOC
    # The web chat, filtered to the new document as its dropdown offers it.
    *_, (messages, conversation, _, _) = list(handlers.respond(
        HERON_Q, Conversation(), None, [NEW_DOC], None, None))
    assert UNEXPECTED not in messages[-1]["content"]
    assert conversation.turns and conversation.turns[-1].citations[0]["doc_id"] == NEW_DOC


# -- a Chroma server that hangs or dies (item 4) ----------------------------------------------

HUNG_BOUND = 30.0  # seconds; generous: the timeout is 2 s, the point is "not minutes"


@pytest.fixture
def served_server(tmp_path):
    """A real `chroma run` holding the fixture corpus, a Casefile on it with a 2 s timeout, and
    the web app on loopback; yields (server process, port, casefile, app url)."""
    from index.web import build_app, serve
    from ingest.cli import run_ingest
    from tests.conftest import free_port
    from tests.test_server_mode import start_chroma

    port = free_port()
    server = start_chroma(tmp_path / "chroma", port)
    demo = None
    try:
        settings = Settings(store=tmp_path / "unused", chroma_host="127.0.0.1", chroma_port=port,
                            chroma_timeout=2.0, chroma_write_timeout=4.0)
        corpus = tmp_path / "corpus"  # one document: enough to answer, quick to ingest
        corpus.mkdir()
        shutil.copy(FIXTURE_CORPUS / "statute-fixture-border-transfer-act.md", corpus)
        assert run_ingest(settings, [corpus], as_json=True) == 0
        casefile = Casefile(settings)
        demo = build_app(casefile)
        _, url, _ = serve(demo, host="127.0.0.1", port=free_port(), prevent_thread_lock=True,
                          quiet=True)
        yield server, port, casefile, url
    finally:
        if demo is not None:
            demo.close()
        server.send_signal(signal.SIGCONT)
        server.terminate()
        server.wait(timeout=30)


def timed(call):
    started = time.monotonic()
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - the test inspects what came back
        return exc, time.monotonic() - started
    return None, time.monotonic() - started


def test_a_hung_server_fails_questions_fast_with_its_address(served_server):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    from index.store import StoreUnavailable

    server, port, casefile, url = served_server
    where = f"127.0.0.1:{port}"
    client = Client(url, verbose=False)
    assert client.predict(STATUTE_Q, api_name="/ask")["status"] == "answered"
    server.send_signal(signal.SIGSTOP)
    try:
        error, seconds = timed(lambda: casefile.ask(STATUTE_Q))
        assert isinstance(error, StoreUnavailable) and where in str(error), error
        assert "within 2 s" in str(error) and seconds < HUNG_BOUND
        time.sleep(FRESHNESS_SECONDS + 0.2)  # so the listing has to ask the server again
        error, seconds = timed(casefile.documents)
        assert isinstance(error, StoreUnavailable) and where in str(error), error
        assert seconds < HUNG_BOUND

        # Through /ask, three at once: each fails with the message, none waits on another.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=3) as pool:
            results = list(pool.map(
                lambda _: timed(lambda: Client(url, verbose=False).predict(STATUTE_Q,
                                                                          api_name="/ask")),
                range(3)))
        for error, seconds in results:
            assert isinstance(error, AppError) and where in str(error), error
            assert seconds < HUNG_BOUND

        *_, (messages, _, _, _) = list(Handlers(casefile).respond(
            STATUTE_Q, Conversation(), None, None, None, None))
        assert md(where) in messages[-1]["content"]

        # Writes (an ingest's) may wait longer: a full batch is answered once it is indexed.
        import httpx

        error, seconds = timed(lambda: casefile.store.chunks.delete(ids=["no-such-chunk"]))
        assert isinstance(error, httpx.TimeoutException), error
        assert 3.9 <= seconds < HUNG_BOUND
    finally:
        server.send_signal(signal.SIGCONT)
    # The server answers again: so does the app, without a restart.
    assert client.predict(STATUTE_Q, api_name="/ask")["status"] == "answered"


def test_a_stopped_server_gives_its_address_everywhere(served_server):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    from index.store import StoreUnavailable

    server, port, casefile, url = served_server
    where = f"127.0.0.1:{port}"
    client = Client(url, verbose=False)
    server.terminate()
    server.wait(timeout=30)
    time.sleep(FRESHNESS_SECONDS + 0.2)
    with pytest.raises(StoreUnavailable, match=where):
        casefile.documents()
    with pytest.raises(AppError, match=where):
        client.predict(STATUTE_Q, api_name="/ask")
    *_, (messages, _, _, _) = list(Handlers(casefile).respond(
        STATUTE_Q, Conversation(), None, None, None, None))
    assert md(where) in messages[-1]["content"]
