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
from tests.conftest import FIXTURE_CORPUS, free_port

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
    assert '"added": 8' in ingest.stdout.splitlines()[-1]
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
