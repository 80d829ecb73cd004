"""`python -m ingest` as a maintainer runs it: the --json summary and exit codes, two ingests at
once (refuse, or --wait), `add URL` from a loopback HTTP server, `add FILE`, and a Chroma server
that isn't there.

Subprocesses cost a model load each (~6 s), so only the behaviours that need a separate process
use one; the others call the CLI's ``main`` in-process.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from index.retrieval import HybridRetriever
from index.settings import PROJECT_ROOT, Settings
from index.store import CorpusStore, StoreUnavailable
from ingest.cli import main
from ingest.discover import find_documents
from ingest.lock import lock_path, writer_lock
from tests.conftest import FIXTURE_CORPUS

FIXTURE_DOCS = len(find_documents([FIXTURE_CORPUS])[0])
SUMMARY_KEYS = {"added", "updated", "unchanged", "removed", "failed", "chunks_written", "seconds"}


def cli_env(**extra: str) -> dict[str, str]:
    """The environment without any CASEFILE_* setting of the machine running the tests."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEFILE_")}
    return {**env, **extra}


def run_cli(*args: str, **extra_env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ingest", *args], cwd=PROJECT_ROOT, env=cli_env(**extra_env),
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180,
    )


def main_json(*args: str) -> tuple[int, dict]:
    """The CLI in-process, with --json; returns its exit code and its last stdout line."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main([*args, "--json"])
    return rc, json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.fixture(autouse=True)
def no_casefile_env(monkeypatch):
    for name in [k for k in os.environ if k.startswith("CASEFILE_")]:
        monkeypatch.delenv(name)


def search(store_dir: Path, query: str) -> list:
    retriever = HybridRetriever(CorpusStore(Settings(store=store_dir)))
    retriever.refresh()
    return retriever.search(query, k=3)


# -- two ingests at once; --json and exit codes ------------------------------------------------


def test_second_ingest_refuses_while_another_holds_the_store(tmp_path, corpus_copy):
    settings = Settings(store=tmp_path / "store")
    with writer_lock(settings):
        result = run_cli("--store", str(settings.store), str(corpus_copy), "--json")
    assert result.returncode == 2
    assert str(lock_path(settings)) in result.stderr
    assert "another ingest" in result.stderr and "--wait" in result.stderr
    assert "error" in json.loads(result.stdout.strip().splitlines()[-1])
    assert CorpusStore(settings).chunk_count() == 0


def test_waiting_ingest_runs_once_the_lock_is_free_and_ends_with_a_json_summary(
    tmp_path, corpus_copy
):
    # One subprocess (a model load) checks both --wait and the --json contract.
    (corpus_copy / "broken-upload.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Length 99 >>\nstream")
    settings = Settings(store=tmp_path / "store")
    with writer_lock(settings):
        process = subprocess.Popen(
            [sys.executable, "-m", "ingest", "--store", str(settings.store), str(corpus_copy),
             "--wait", "120", "--json"],
            cwd=PROJECT_ROOT, env=cli_env(), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        seen = ""
        while "waiting" not in seen and (line := process.stderr.readline()):
            seen += line
        assert str(lock_path(settings)) in seen  # it says what it waits for...
        assert process.poll() is None  # ...and does wait
    out, err = process.communicate(timeout=180)

    assert process.returncode == 1, err  # one bad file
    lines = out.strip().splitlines()
    assert len(lines) == 1, out  # --json is quiet: the summary is all there is
    summary = json.loads(lines[-1])
    assert set(summary) >= SUMMARY_KEYS
    assert (summary["added"], summary["failed"], summary["updated"]) == (FIXTURE_DOCS, 1, 0)
    assert summary["chunks_written"] > 0 and summary["seconds"] > 0
    [failure] = summary["failures"]
    assert Path(failure["path"]).name == "broken-upload.pdf"
    assert "pdf" in failure["reason"].lower()


def test_summary_without_json_names_the_failed_file(tmp_path, corpus_copy, capsys):
    (corpus_copy / "empty-page.html").write_bytes(b"")
    rc = main([str(corpus_copy), "--store", str(tmp_path / "store"), "--dry-run"])
    captured = capsys.readouterr()
    assert rc == 1
    assert "empty-page.html" in captured.err and "empty file" in captured.err
    assert "(dry run)" in captured.out and f"{FIXTURE_DOCS} added" in captured.out


# -- add URL / add FILE ------------------------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002  (the stdlib's name)
        pass


@pytest.fixture
def web(tmp_path: Path, make_pdf, prose) -> Iterator[str]:
    """A loopback HTTP server (random port) serving an HTML page and a PDF; yields its URL."""
    site = tmp_path / "site"
    (site / "briefs").mkdir(parents=True)
    (site / "briefs" / "otter-brief.html").write_text(
        "<html><head><title>Page title from the site</title><script>var x=1;</script></head>"
        "<body><nav>Home</nav><main><h1>Otter brief</h1><p>The otterline inquiry reviewed"
        " export permits for hunting rifles.</p></main></body></html>", encoding="utf-8")
    make_pdf(site / "files" / "heron-report.pdf",
             [prose("heronfield", 10), prose("heronfield", 10, seed=1)])
    handler = partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _sidecar(path: Path) -> dict:
    return yaml.safe_load(path.with_name(path.name + ".meta.yaml").read_text(encoding="utf-8"))


def test_add_url_downloads_an_html_page_with_its_metadata(web, tmp_path):
    store, added = tmp_path / "store", tmp_path / "added"
    url = f"{web}/briefs/otter-brief.html"
    result = run_cli("add", url, "--title", "Otter Brief (fixture)", "--publisher",
                     "Fixture Otter Office", "--kind", "government-report", "--date",
                     "2025-03-04", "--store", str(store), "--json", CASEFILE_ADD_DIR=str(added))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["added"] == 1
    document = added / "otter-brief.html"
    assert document.is_file()
    sidecar = _sidecar(document)
    assert {k: sidecar[k] for k in ("title", "publisher", "kind", "url")} == {
        "title": "Otter Brief (fixture)", "publisher": "Fixture Otter Office",
        "kind": "government-report", "url": url}
    assert url in sidecar["provenance"]
    record = CorpusStore(Settings(store=store)).committed()["otter-brief"]
    assert (record.title, record.publisher, record.kind, record.date, record.url) == (
        "Otter Brief (fixture)", "Fixture Otter Office", "government-report", "2025-03-04", url)
    hits = search(store, "otterline inquiry export permits")
    assert hits and hits[0].passage.doc_id == "otter-brief"
    assert "var x" not in hits[0].passage.text


def test_add_url_downloads_a_pdf_and_keeps_its_pages(web, tmp_path):
    store, added = tmp_path / "store", tmp_path / "added"
    url = f"{web}/files/heron-report.pdf"
    rc, summary = main_json("add", url, "--title", "Heron Report", "--publisher", "Fixture Lab",
                            "--kind", "research", "--store", str(store), "--into", str(added))
    assert (rc, summary["added"]) == (0, 1)
    assert _sidecar(added / "heron-report.pdf")["title"] == "Heron Report"
    hits = search(store, "heronfield")
    assert hits and {h.passage.doc_id for h in hits} == {"heron-report"}
    assert {h.passage.page for h in hits} <= {1, 2} and hits[0].passage.page
    assert hits[0].passage.title == "Heron Report"


def test_add_url_that_fails_to_download_is_an_error(web, tmp_path, capsys):
    rc = main(["add", f"{web}/missing.html", "--store", str(tmp_path / "store"),
               "--into", str(tmp_path / "added")])
    assert rc == 2
    assert "missing.html" in capsys.readouterr().err
    assert not (tmp_path / "added").exists()


def test_add_file_copies_it_with_a_sidecar_and_ingests_it(tmp_path):
    source = tmp_path / "inbox" / "Kestrel Memo.md"
    source.parent.mkdir()
    source.write_text("# Memo\n\nThe kestrelbay shipment was held at the border crossing.\n",
                      encoding="utf-8")
    store, added = tmp_path / "store", tmp_path / "added"
    rc, summary = main_json("add", str(source), "--title", "Kestrel Memo", "--publisher",
                            "Fixture Port Authority", "--date", "2024-05-06", "--kind", "news",
                            "--url", "https://example.org/kestrel", "--store", str(store),
                            "--into", str(added))
    assert (rc, summary["added"], summary["warnings"]) == (0, 1, [])
    copied = added / "Kestrel Memo.md"
    assert copied.read_bytes() == source.read_bytes()
    assert _sidecar(copied)["publisher"] == "Fixture Port Authority"
    record = CorpusStore(Settings(store=store)).committed()["kestrel-memo"]
    assert (record.title, record.date, record.kind, record.url) == (
        "Kestrel Memo", "2024-05-06", "news", "https://example.org/kestrel")
    assert search(store, "kestrelbay shipment")[0].passage.doc_id == "kestrel-memo"


# -- server mode -------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_chroma_server_is_named_in_the_error(tmp_path, corpus_copy, capsys):
    port = _closed_port()
    with pytest.raises(StoreUnavailable, match=f"127.0.0.1:{port}"):
        CorpusStore(Settings(chroma_host="127.0.0.1", chroma_port=port))
    rc = main([str(corpus_copy), "--chroma-host", "127.0.0.1", "--chroma-port", str(port)])
    assert rc == 2
    assert f"127.0.0.1:{port}" in capsys.readouterr().err


def test_a_bad_setting_is_one_line_and_exit_2(tmp_path, corpus_copy, capsys, monkeypatch):
    monkeypatch.setenv("CASEFILE_LOGIN", "reader")  # no password: unusable
    rc = main([str(corpus_copy), "--store", str(tmp_path / "store"), "--dry-run"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "CASEFILE_LOGIN" in err[0]
