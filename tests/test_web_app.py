"""`python app.py` as a user runs it: an empty store is ingested first, the login from
CASEFILE_LOGIN is enforced, and the chat answers through gradio_client."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from gradio_client import Client

ROOT = Path(__file__).resolve().parent.parent
STATUTE_Q = "How long can someone be imprisoned for an unlawful cross-border transfer?"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, log: Path, seconds: float = 180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"app.py exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(f"app.py did not start within {seconds}s:\n{log.read_text()[-3000:]}")


def test_app_ingests_an_empty_store_and_requires_the_login(tmp_path, corpus_copy):
    port = free_port()
    log = tmp_path / "app.log"
    env = {
        **os.environ,
        "CASEFILE_STORE": str(tmp_path / "store"),  # empty: the app must ingest first
        "CASEFILE_CORPUS": str(corpus_copy),
        "CASEFILE_LOGIN": "reader:s3cret",
    }
    env.pop("CASEFILE_CHROMA_HOST", None)
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_serving(url, process, log)  # the page is served while the corpus is indexed
        with pytest.raises(Exception):  # noqa: B017 - gradio_client's error type varies
            Client(url, verbose=False).predict(STATUTE_Q, api_name="/ask")
        client = Client(url, auth=("reader", "s3cret"), verbose=False)
        deadline = time.monotonic() + 180
        while True:
            try:
                result = client.predict(STATUTE_Q, api_name="/ask")
                break
            except Exception as exc:  # until the first indexing is done, it says so
                assert "being indexed for the first time" in str(exc), exc
                assert time.monotonic() < deadline, "the first indexing did not end"
                time.sleep(1)
        assert result["status"] == "answered"
        assert result["citations"][0]["doc_id"] == "statute-fixture-border-transfer-act"
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "Traceback" not in log.read_text()
