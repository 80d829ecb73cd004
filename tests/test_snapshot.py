"""One frozen corpus snapshot per process (issue 12): made by the ingest and loaded by readers,
swapped in one assignment, and searches answer from the old one while a new one is made."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from index.retrieval import HybridRetriever
from index.settings import Settings
from index.snapshot import snapshot_root
from index.store import CorpusStore
from tests.conftest import FIXTURE_CORPUS, settings_for

PROJECT = Path(__file__).resolve().parent.parent
STATUTE = "statute-fixture-border-transfer-act"
REPORT = "government-report-fixture-trace-study"
PENALTY_Q = "How long can someone be imprisoned for an unlawful cross-border transfer?"


def one_document_store(tmp_path: Path, name: str) -> Settings:
    from ingest.cli import run_ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    shutil.copy(FIXTURE_CORPUS / f"{name}.md", corpus)
    settings = settings_for(tmp_path / "store", corpus)
    assert run_ingest(settings, [corpus], as_json=True) == 0
    return settings


def test_the_ingest_writes_the_snapshot_and_readers_load_it(tmp_path: Path):
    from ingest.cli import run_ingest

    settings = one_document_store(tmp_path, REPORT)
    store = CorpusStore(settings)
    versions = store.versions()
    assert versions.is_published
    assert (snapshot_root(settings) / versions.key / "bm25").is_dir()

    retriever = HybridRetriever(store)
    made = retriever.refresh()
    assert made.swapped and made.source == "persisted"  # loaded, not built from the chunks
    assert set(retriever.documents) == {REPORT}
    assert retriever.search("trace study retail dealers", k=1)[0].keyword > 0

    # An ingest that changes nothing keeps the key and writes nothing.
    written = (snapshot_root(settings) / versions.key).stat().st_mtime_ns
    assert run_ingest(settings, [tmp_path / "corpus"], as_json=True) == 0
    assert store.versions() == versions
    assert (snapshot_root(settings) / versions.key).stat().st_mtime_ns == written
    assert not retriever.refresh().swapped  # nothing to swap

    # A new document: a new key, its snapshot written before readers are told of it.
    shutil.copy(FIXTURE_CORPUS / f"{STATUTE}.md", tmp_path / "corpus")
    assert run_ingest(settings, [tmp_path / "corpus"], as_json=True) == 0
    after = store.versions()
    assert after.key != versions.key and after.is_published
    made = retriever.refresh()
    assert made.swapped and made.source == "persisted" and made.key == after.key
    assert set(retriever.documents) == {REPORT, STATUTE}
    assert retriever.search("quokka license", k=1)[0].passage.doc_id == STATUTE


def test_a_reader_builds_the_snapshot_when_none_matches_and_keeps_it(tmp_path: Path):
    settings = one_document_store(tmp_path, STATUTE)
    shutil.rmtree(snapshot_root(settings))  # e.g. the ingest ran on another machine
    first = HybridRetriever(CorpusStore(settings))
    assert first.refresh().source == "built"
    assert first.search(PENALTY_Q, k=1)[0].passage.doc_id == STATUTE
    second = HybridRetriever(CorpusStore(settings))
    assert second.refresh().source == "persisted"  # the first reader kept what it built


def test_a_half_written_snapshot_is_never_loaded(tmp_path: Path, monkeypatch):
    """The folder appears whole or not at all: a write that fails half-way leaves nothing a
    reader would load, and the reader builds its own."""
    import index.snapshot as snapshots

    settings = one_document_store(tmp_path, STATUTE)
    shutil.rmtree(snapshot_root(settings))

    class FullDisk:  # the statistics file is written after BM25's files: fail there
        loads = staticmethod(json.loads)

        @staticmethod
        def dumps(*args, **kwargs):
            raise OSError("disk full")

    monkeypatch.setattr(snapshots, "json", FullDisk)
    with pytest.raises(OSError, match="disk full"):
        HybridRetriever(CorpusStore(settings)).refresh()
    assert not any(snapshot_root(settings).iterdir())  # no folder, not even a temporary one
    monkeypatch.setattr(snapshots, "json", json)
    assert HybridRetriever(CorpusStore(settings)).refresh().source == "built"


def test_searches_answer_from_the_old_snapshot_while_a_new_one_is_made(tmp_path: Path,
                                                                       monkeypatch):
    """A build held half-way: searches keep answering from the whole old snapshot, a second
    refresh does not wait for the build, and the new snapshot arrives in one piece."""
    from llama_index.retrievers.bm25 import BM25Retriever

    from ingest.cli import run_ingest

    settings = one_document_store(tmp_path, REPORT)
    retriever = HybridRetriever(CorpusStore(settings))
    retriever.refresh()
    old = retriever.snapshot
    shutil.copy(FIXTURE_CORPUS / f"{STATUTE}.md", tmp_path / "corpus")
    assert run_ingest(settings, [tmp_path / "corpus"], as_json=True) == 0
    shutil.rmtree(snapshot_root(settings))  # so the reader must build: the slow path

    entered, release = threading.Event(), threading.Event()
    build = BM25Retriever.from_defaults.__func__

    def held(cls, *args, **kwargs):
        entered.set()
        assert release.wait(60)
        return build(cls, *args, **kwargs)

    monkeypatch.setattr(BM25Retriever, "from_defaults", classmethod(held))
    builder = threading.Thread(target=retriever.refresh, kwargs={"reopen": True})
    builder.start()
    try:
        assert entered.wait(120)
        started = time.monotonic()
        assert not retriever.refresh(reopen=True).swapped  # returns at once, builds nothing
        hits = retriever.search("quokka license penalty", k=5)
        assert time.monotonic() - started < 20  # did not wait for the held build (60 s)
        assert {h.passage.doc_id for h in hits} == {REPORT}  # the old snapshot, whole
        assert set(retriever.documents) == {REPORT} and retriever.stats is old.stats
    finally:
        release.set()
        builder.join(120)
    assert set(retriever.documents) == {REPORT, STATUTE}
    assert retriever.stats.chunks > old.stats.chunks and retriever.snapshot.served > old.served
    assert retriever.search("quokka license", k=1)[0].passage.doc_id == STATUTE


def test_another_process_ingesting_is_seen_through_the_key(tmp_path: Path):
    """The reader polls one cheap key; after another process's ingest it loads that
    process's snapshot instead of rebuilding BM25 itself, here in the background."""
    import os

    settings = one_document_store(tmp_path, REPORT)
    retriever = HybridRetriever(CorpusStore(settings))
    retriever.refresh()
    added = tmp_path / "added"
    added.mkdir()
    shutil.copy(FIXTURE_CORPUS / f"{STATUTE}.md", added)
    env = {**os.environ, "CASEFILE_STORE": str(settings.store)}
    env.pop("CASEFILE_CHROMA_HOST", None)
    done = subprocess.run([sys.executable, "-m", "ingest", str(added), "--json"], cwd=PROJECT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    old = retriever.snapshot
    started = retriever.refresh(wait=False)  # made on a background thread
    assert not started.swapped and started.key != old.key
    deadline = time.monotonic() + 60
    while retriever.snapshot is old and time.monotonic() < deadline:
        time.sleep(0.05)
    assert retriever.snapshot.key == started.key and retriever.snapshot.source == "persisted"
    assert retriever.search(PENALTY_Q, k=1)[0].passage.doc_id == STATUTE


def test_a_store_past_sqlites_variable_limit_is_read_whole(tmp_path: Path):
    """Embedded Chroma fails one read of ~32.7k rows with their metadata; the snapshot and the
    document records are read in pages. Rows are written directly (tiny vectors, no model):
    what is tested is the read path, at a size a real corpus passes."""
    from index.snapshot import _build
    from index.store import DocumentRecord

    store = CorpusStore(settings_for(tmp_path / "store"))
    rows = 33_000
    per_doc = 100
    for start in range(0, rows, store.max_batch):
        ids = range(start, min(start + store.max_batch, rows))
        store.chunks.add(
            ids=[f"d{i // per_doc}:v1:{i % per_doc}" for i in ids],
            embeddings=[[1.0, float(i % 7), 0.5] for i in ids],
            documents=[f"passage {i} about freight inspections" for i in ids],
            metadatas=[{"doc_id": f"d{i // per_doc}", "version": "v1"} for i in ids],
        )
    records = [DocumentRecord(doc_id=f"d{n}", title=f"Document {n}", version="v1",
                              chunk_count=per_doc) for n in range(rows // per_doc)]
    store._upsert_records(records, [r.title for r in records],
                          [[1.0, 0.0, 0.0]] * len(records))
    committed = store.committed()
    assert len(committed) == rows // per_doc
    _bm25, meta = _build(store, committed)
    assert meta["served"] == rows
