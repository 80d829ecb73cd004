"""Server mode against a real `chroma run` on loopback: ingest, ask, and a server that dies."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from index.settings import Settings
from ingest.discover import find_documents
from tests.conftest import FIXTURE_CORPUS, free_port

FIXTURE_DOCS = len(find_documents([FIXTURE_CORPUS])[0])

PROJECT = Path(__file__).resolve().parent.parent
CHROMA = Path(sys.executable).parent / "chroma"


def start_chroma(path: Path, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            return server
        except OSError:
            if server.poll() is not None:
                raise RuntimeError("chroma run exited") from None
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("chroma run did not answer its heartbeat within 60 s")


@contextmanager
def chroma_running(path: Path) -> Iterator[int]:
    """A real `chroma run` on a free loopback port for the duration; yields the port."""
    port = free_port()
    server = start_chroma(path, port)
    try:
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    with chroma_running(tmp_path_factory.mktemp("chroma-server")) as port:
        yield port


def test_ingest_and_ask_through_the_server(chroma_server, tmp_path):
    env = {**os.environ, "CASEFILE_CHROMA_HOST": "127.0.0.1",
           "CASEFILE_CHROMA_PORT": str(chroma_server), "CASEFILE_STORE": str(tmp_path / "unused")}
    ingest = subprocess.run([sys.executable, "-m", "ingest", str(FIXTURE_CORPUS), "--json"],
                            cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)
    assert ingest.returncode == 0, ingest.stderr
    assert f'"added": {FIXTURE_DOCS}' in ingest.stdout.splitlines()[-1]
    assert not (tmp_path / "unused").exists()  # nothing went to an embedded store

    from index.service import Casefile

    settings = Settings(store=tmp_path / "unused", chroma_host="127.0.0.1",
                        chroma_port=chroma_server)
    answer = Casefile(settings).ask(
        "How long can someone be imprisoned for an unlawful cross-border transfer?")
    assert answer.status == "answered"
    assert answer.citations[0].passage.doc_id == "statute-fixture-border-transfer-act"


def test_server_that_dies_mid_session_gives_a_clear_error(tmp_path):
    from index.service import Casefile
    from index.store import StoreUnavailable
    from ingest.cli import run_ingest

    port = free_port()
    server = start_chroma(tmp_path / "chroma", port)
    try:
        settings = Settings(store=tmp_path / "unused", chroma_host="127.0.0.1", chroma_port=port)
        assert run_ingest(settings, [FIXTURE_CORPUS], as_json=True) == 0
        casefile = Casefile(settings)
    finally:
        server.terminate()
        server.wait(timeout=30)
    with pytest.raises(StoreUnavailable, match=f"127.0.0.1:{port}"):
        casefile.ask("How long can someone be imprisoned for an unlawful cross-border transfer?")


KESTREL_DOC = "news-fixture-kestrel-depot"
KESTREL_TEXT = """---
title: "Fixture Notes on the Kestrel Depot"
publisher: "Fixture Wire"
date: "2025-02-11"
kind: "news"
url: "https://example.org/news/kestrel-depot"
---

# Kestrel depot count

Inspectors at the kestrel depot counted 412 crates of rifle parts that had no export licence.
The depot's manager said the crates had waited there since the autumn.
"""
KESTREL_Q = "How many crates did inspectors count at the kestrel depot?"
APP_START_SECONDS = 240  # two apps loading the model on a shared 2-core machine
VISIBLE_SECONDS = 30  # the apps look at the store every 2 s (FRESHNESS_SECONDS)


def _ask(url: str, question: str) -> dict:
    from gradio_client import Client

    return Client(url, verbose=False).predict(question, api_name="/ask")


def _wait_for_app(url: str, app: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + APP_START_SECONDS
    while time.monotonic() < deadline:
        if app.poll() is not None:
            raise AssertionError(f"app exited: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(1)
    raise AssertionError(f"app did not start in {APP_START_SECONDS} s: {log.read_text()[-2000:]}")


def test_two_app_processes_on_one_server_see_a_new_ingest_alike(tmp_path):
    """Two `python app.py` processes on one `chroma run`; a third process ingests a new
    document: both answer from it within seconds, and alike. One app shares the ingest's
    snapshot cache, the other has its own (as on another machine) and builds its snapshot."""
    apps: list[subprocess.Popen] = []
    with chroma_running(tmp_path / "chroma") as port:
        env = {**os.environ, "CASEFILE_CHROMA_HOST": "127.0.0.1", "CASEFILE_CHROMA_PORT": str(port),
               "CASEFILE_STORE": str(tmp_path / "unused"), "CASEFILE_CORPUS": str(FIXTURE_CORPUS),
               "XDG_CACHE_HOME": str(tmp_path / "ingest-cache"), "HF_HUB_OFFLINE": "1",
               "GRADIO_ANALYTICS_ENABLED": "False"}
        env.pop("CASEFILE_LOGIN", None)

        def ingest(folder: Path) -> str:
            done = subprocess.run([sys.executable, "-m", "ingest", str(folder), "--json"],
                                  cwd=PROJECT, env=env, capture_output=True, text=True,
                                  timeout=300)
            assert done.returncode == 0, done.stderr[-2000:]
            return done.stdout.splitlines()[-1]

        assert f'"added": {FIXTURE_DOCS}' in ingest(FIXTURE_CORPUS)
        urls = []
        try:
            for name, cache in (("shared", "ingest-cache"), ("other-machine", "app-cache")):
                app_port, log = free_port(), tmp_path / f"app-{name}.log"
                apps.append(subprocess.Popen(
                    [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(app_port)],
                    cwd=PROJECT, env={**env, "XDG_CACHE_HOME": str(tmp_path / cache)},
                    stdout=log.open("w"), stderr=subprocess.STDOUT))
                urls.append((f"http://127.0.0.1:{app_port}/", apps[-1], log))
            for url, app, log in urls:
                _wait_for_app(url, app, log)
                before = _ask(url, KESTREL_Q)
                assert KESTREL_DOC not in {c["doc_id"] for c in before["citations"]}

            added = tmp_path / "added"
            added.mkdir()
            (added / f"{KESTREL_DOC}.md").write_text(KESTREL_TEXT, encoding="utf-8")
            assert '"added": 1' in ingest(added)
            ingested = time.monotonic()
            answers = []
            for url, _, _ in urls:
                while True:
                    answer = _ask(url, KESTREL_Q)
                    if answer["citations"] and answer["citations"][0]["doc_id"] == KESTREL_DOC:
                        break
                    assert time.monotonic() - ingested < VISIBLE_SECONDS, answer
                    time.sleep(0.5)
                answers.append(answer)
            first, second = answers
            assert first["status"] == second["status"] == "answered"
            assert "412" in first["answer"]
            assert first["answer"] == second["answer"]
            assert [c["doc_id"] for c in first["citations"]] == [
                c["doc_id"] for c in second["citations"]]
            assert [r["doc_id"] for r in first["retrieved"]] == [
                r["doc_id"] for r in second["retrieved"]]
        finally:
            for app in apps:
                app.terminate()
            for app in apps:
                app.wait(timeout=30)
    assert any((tmp_path / "app-cache" / "casefile" / "snapshots").rglob("snapshot.json"))
