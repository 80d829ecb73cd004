"""An ingest killed at any point: readers never see a half-written document, and the next run
repairs the store (no duplicates, no orphan chunks).

Two kinds of kill:
- deterministic: the pipeline runs in-process and a store call raises ``Killed`` at a chosen
  point of the commit protocol (after ``begin`` and ``vector_store.add`` but before the commit;
  after the commit but before its cleanup; in the middle of a prune), so nothing after it runs;
- real: ``python -m ingest`` is SIGKILLed on a generated corpus of 60 documents, at two points.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections import Counter
from pathlib import Path

import pytest

from index.retrieval import HybridRetriever
from index.settings import PROJECT_ROOT, Settings
from index.store import CorpusStore
from ingest import pipeline
from ingest.discover import find_documents
from ingest.pipeline import Ingester
from tests.conftest import FIXTURE_CORPUS, settings_for

STATUTE = "statute-fixture-border-transfer-act"
FIXTURE_DOCS = len(find_documents([FIXTURE_CORPUS])[0])
GHOSTS = ("ghost-fixture-a", "ghost-fixture-b", "ghost-fixture-c")  # ingest order
QUERIES = ("gryphonquill permits", "imprisoned for not more than", "pelican case dismissed",
           "southbound rail cars screening", "firearms traced to dealers")


class Killed(BaseException):  # noqa: N818  (it stands for SIGKILL, not for an error)
    """Raised where the writer 'dies': like SIGKILL, nothing after it runs, no cleanup."""


def kill_at(monkeypatch, owner: type, name: str, after: int = 0) -> None:
    """Make ``owner.name`` kill the writer on its call number ``after + 1``."""
    original = getattr(owner, name)
    calls = 0

    def dying(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls > after:
            raise Killed(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, dying)


def run(settings: Settings, folder: Path, prune: bool = False):
    files, _ = find_documents([folder])
    store = CorpusStore(settings)
    return Ingester(settings, store).run(files, prune_roots=[folder] if prune else None)


def chunk_versions(store: CorpusStore) -> Counter:
    metas = store.chunks.get(include=["metadatas"])["metadatas"]
    return Counter((m["doc_id"], m["version"]) for m in metas)


def assert_readers_see_only_complete_documents(store: CorpusStore) -> dict:
    """What a reader sees: committed documents only, each with all of its chunks, and search
    results from committed versions only. Returns the committed records."""
    committed = store.committed()
    versions = chunk_versions(store)
    for doc_id, record in committed.items():
        assert versions[(doc_id, record.version)] == record.chunk_count, doc_id
        assert store.document_text(doc_id)
    retriever = HybridRetriever(store)
    retriever.refresh()
    assert set(retriever.documents) == set(committed)
    for query in QUERIES:
        for hit in retriever.search(query, k=20):
            doc_id, version, _ = hit.passage.node_id.split(":")
            assert committed[doc_id].version == version, hit.passage.node_id
    return committed


def assert_repaired(store: CorpusStore) -> None:
    """After a clean run: no pending record, no orphan chunk, no chunk counted twice."""
    committed = store.committed()
    assert set(store.all_records()) == set(committed)
    assert all(not r.cleanup for r in committed.values())
    expected = Counter({(d, r.version): r.chunk_count for d, r in committed.items()})
    assert chunk_versions(store) == expected
    for doc_id, record in committed.items():
        metas = store.chunks.get(where={"doc_id": doc_id}, include=["metadatas"])["metadatas"]
        assert sorted(m["chunk_index"] for m in metas) == list(range(record.chunk_count))


@pytest.fixture
def ingested(tmp_path: Path, corpus_copy: Path) -> tuple[Settings, Path]:
    settings = settings_for(tmp_path / "store", corpus_copy)
    summary = run(settings, corpus_copy)
    assert (summary.added, summary.failed) == (FIXTURE_DOCS, 0)
    return settings, corpus_copy


def _write_ghosts(corpus: Path, prose) -> None:
    for n, doc_id in enumerate(GHOSTS):
        (corpus / f"{doc_id}.md").write_text(
            f"---\ntitle: Ghost fixture {n}\nkind: other\n---\n\n# Ghost {n}\n\n"
            f"{prose('gryphonquill', 30, seed=n)}\n", encoding="utf-8")


# -- deterministic kills -----------------------------------------------------------------------


def test_begin_and_add_without_commit_is_invisible_and_repaired(ingested):
    """The store's own protocol, step by step, as a writer killed mid-document leaves it."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    from index.embedding import embed_model
    from index.store import DocumentRecord

    settings, corpus = ingested
    store = CorpusStore(settings)
    record = DocumentRecord(doc_id="ghost-manual", title="Ghost", version="v1", chunk_count=2)
    texts = ["The gryphonquill permits were never issued.", "The gryphonquill office closed."]
    source = {NodeRelationship.SOURCE: RelatedNodeInfo(node_id="ghost-manual")}
    nodes = [
        TextNode(id_=f"ghost-manual:v1:{n:04d}", text=text, relationships=source,
                 embedding=embed_model().get_text_embedding(text),
                 metadata={"doc_id": "ghost-manual", "version": "v1", "title": "Ghost",
                           "start_char": 0, "end_char": len(text)})
        for n, text in enumerate(texts)
    ]
    store.begin(record, embed_model().get_text_embedding("Ghost"), "v1")
    store.vector_store.add(nodes)  # ...and the writer dies before commit

    assert chunk_versions(store)[("ghost-manual", "v1")] == 2
    assert "ghost-manual" not in assert_readers_see_only_complete_documents(store)
    assert store.document_text("ghost-manual") is None

    summary = run(settings, corpus)
    assert (summary.repaired, summary.unchanged, summary.chunks_written) == (1, FIXTURE_DOCS, 0)
    assert_repaired(store)
    assert "ghost-manual" not in store.all_records()


@pytest.mark.parametrize("then", ["kept", "edited", "deleted"])
def test_killed_between_chunk_writes_and_commit_of_new_documents(
    ingested, monkeypatch, prose, then
):
    settings, corpus = ingested
    _write_ghosts(corpus, prose)
    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "EMBED_GROUP", 1)  # one document per write batch
        kill_at(patch, CorpusStore, "commit_many", after=1)  # first ghost commits, second dies
        with pytest.raises(Killed):
            run(settings, corpus)
    store = CorpusStore(settings)
    written = {doc_id for doc_id, _ in chunk_versions(store)}
    assert {GHOSTS[0], GHOSTS[1]} <= written  # the kill left half-written data behind
    committed = assert_readers_see_only_complete_documents(store)
    assert GHOSTS[0] in committed
    assert not {GHOSTS[1], GHOSTS[2]} & set(committed)
    assert store.document_text(GHOSTS[1]) is None

    ghost = corpus / f"{GHOSTS[1]}.md"
    if then == "edited":
        ghost.write_text(ghost.read_text(encoding="utf-8") + "\nOne more line.\n")
    elif then == "deleted":
        ghost.unlink()
    summary = run(settings, corpus, prune=True)
    assert summary.repaired == 1  # the half-written ghost; the last one was never begun
    assert_repaired(store)
    expected = set(GHOSTS) - ({GHOSTS[1]} if then == "deleted" else set())
    assert expected <= set(store.committed())
    assert run(settings, corpus).chunks_written == 0


def edit_statute(corpus: Path) -> None:
    path = corpus / f"{STATUTE}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("12 years", "15 years"))


def run_killed_at(monkeypatch, settings, corpus: Path, owner: type, method: str) -> None:
    """Run the ingest and 'kill' it when it reaches ``owner.method``."""
    with monkeypatch.context() as patch:
        kill_at(patch, owner, method)
        with pytest.raises(Killed):
            run(settings, corpus)


def test_killed_before_commit_of_an_update_keeps_serving_the_old_version(ingested, monkeypatch):
    settings, corpus = ingested
    store = CorpusStore(settings)
    old = store.committed()[STATUTE]
    edit_statute(corpus)
    run_killed_at(monkeypatch, settings, corpus, CorpusStore, "commit_many")
    versions = chunk_versions(store)
    assert len([v for d, v in versions if d == STATUTE]) == 2  # old and new chunks both there
    committed = assert_readers_see_only_complete_documents(store)
    assert committed[STATUTE].version == old.version
    assert "12 years" in store.document_text(STATUTE)

    summary = run(settings, corpus)
    assert (summary.repaired, summary.updated) == (1, 1)
    assert_repaired(store)
    assert "15 years" in store.document_text(STATUTE)


def test_killed_before_any_chunk_is_written(ingested, monkeypatch, prose):
    settings, corpus = ingested
    _write_ghosts(corpus, prose)
    edit_statute(corpus)
    store = CorpusStore(settings)
    before = store.chunk_count()
    run_killed_at(monkeypatch, settings, corpus, type(store.vector_store), "add")
    assert store.chunk_count() == before
    committed = assert_readers_see_only_complete_documents(store)
    assert not set(GHOSTS) & set(committed)
    summary = run(settings, corpus)
    assert (summary.added, summary.updated) == (3, 1)
    assert_repaired(store)


def test_killed_after_commit_before_cleanup(ingested, monkeypatch):
    settings, corpus = ingested
    store = CorpusStore(settings)
    old = store.committed()[STATUTE]
    edit_statute(corpus)
    run_killed_at(monkeypatch, settings, corpus, CorpusStore, "_finish_cleanup")
    assert chunk_versions(store)[(STATUTE, old.version)] > 0  # stale chunks still stored
    committed = assert_readers_see_only_complete_documents(store)
    assert committed[STATUTE].version != old.version
    assert "15 years" in store.document_text(STATUTE)

    summary = run(settings, corpus)
    assert (summary.repaired, summary.unchanged, summary.chunks_written) == (1, FIXTURE_DOCS, 0)
    assert_repaired(store)


def test_killed_in_the_middle_of_a_prune(ingested, monkeypatch):
    settings, corpus = ingested
    store = CorpusStore(settings)
    (corpus / f"{STATUTE}.md").unlink()
    with monkeypatch.context() as patch:
        kill_at(patch, CorpusStore, "_finish_cleanup")
        with pytest.raises(Killed):
            run(settings, corpus, prune=True)
    assert any(d == STATUTE for d, _ in chunk_versions(store))
    committed = assert_readers_see_only_complete_documents(store)
    assert STATUTE not in committed  # withdrawn from readers first

    summary = run(settings, corpus, prune=True)
    assert summary.repaired == 1
    assert STATUTE not in store.all_records()
    assert_repaired(store)


# -- real SIGKILL ------------------------------------------------------------------------------

GENERATED_DOCS = 60
CHUNK_SIZE = 100  # small chunks embed fast, and 60 documents still fill two write batches


def _generate_corpus(folder: Path, prose, edit: int = 0) -> None:
    folder.mkdir(exist_ok=True)
    for n in range(GENERATED_DOCS):
        body = "\n\n".join(prose(f"topic{n}x{p}", 4, seed=p + (edit if n % 6 == 0 else 0))
                           for p in range(6))
        (folder / f"generated-{n:03d}.md").write_text(
            f"---\ntitle: Generated document {n}\npublisher: Casefile tests\n"
            f"date: 2024-02-{n % 28 + 1:02d}\nkind: other\n---\n\n# Generated {n}\n\n{body}\n",
            encoding="utf-8")


def _ingest_and_kill(store: Path, corpus: Path, *, after_docs: int | None = None,
                     after_seconds: float | None = None) -> tuple[int, float, bytes]:
    """Start `python -m ingest` with a terminal for its progress bar; SIGKILL it once the bar
    shows ``after_docs`` documents done, or ``after_seconds`` after the bar first appears.
    Returns (documents shown done at the kill, seconds from the bar to the kill, its output)."""
    controller, terminal = pty.openpty()
    # A terminal of zero columns gets no progress bar: give it a real size.
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    env = {**os.environ, "CASEFILE_CHUNK_SIZE": str(CHUNK_SIZE)}
    env.pop("CASEFILE_CHROMA_HOST", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "ingest", "--store", str(store), str(corpus)],
        cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=terminal,
    )
    os.close(terminal)
    output, bar_seen, done = b"", None, 0
    try:
        while process.poll() is None:
            ready, _, _ = select.select([controller], [], [], 0.05)
            if ready:
                try:
                    output += os.read(controller, 65536)
                except OSError:
                    break
            counts = [int(c) for c in re.findall(rb"(\d+)/%d" % GENERATED_DOCS, output)]
            if counts and bar_seen is None:
                bar_seen = time.monotonic()
            done = max(counts, default=0)
            if after_docs is not None and done >= after_docs:
                break
            if after_seconds is not None and bar_seen and (
                time.monotonic() - bar_seen >= after_seconds
            ):
                break
        assert process.poll() is None, f"ingest ended before the kill:\n{output[-2000:]!r}"
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
    return done, time.monotonic() - (bar_seen or time.monotonic()), output


@pytest.mark.timeout(300)
def test_sigkilled_ingest_is_repaired_by_the_next_run(tmp_path, prose):
    corpus, store_dir = tmp_path / "corpus", tmp_path / "store"
    settings = Settings(store=store_dir, chunk_size=CHUNK_SIZE)
    _generate_corpus(corpus, prose)

    # 1. Killed right after the first embedding group was committed.
    done, seconds_to_first_commit, bar = _ingest_and_kill(store_dir, corpus, after_docs=1)
    assert b"chunks=" in bar  # the progress bar counts documents and chunks
    assert 0 < done < GENERATED_DOCS
    store = CorpusStore(settings)
    committed = assert_readers_see_only_complete_documents(store)
    assert 0 < len(committed) < GENERATED_DOCS
    store.client.close()  # the next writer is another process

    # 2. Edit every sixth document and kill the next run part-way, at a different point.
    _generate_corpus(corpus, prose, edit=7)
    _ingest_and_kill(store_dir, corpus, after_seconds=seconds_to_first_commit / 2)
    store = CorpusStore(settings)
    assert_readers_see_only_complete_documents(store)

    # 3. The next run repairs; the one after has nothing left to do.
    summary = Ingester(settings, store).run(find_documents([corpus])[0])
    assert summary.failed == 0
    assert_repaired(store)
    assert len(store.committed()) == GENERATED_DOCS
    again = Ingester(settings, store).run(find_documents([corpus])[0])
    assert (again.chunks_written, again.unchanged, again.repaired) == (0, GENERATED_DOCS, 0)


@pytest.mark.timeout(300)
def test_a_run_after_a_kill_redoes_only_the_batch_in_flight(tmp_path, monkeypatch, prose):
    """Several write batches; the writer dies in the third commit. The next run skips every
    document committed before, repairs and rewrites the third batch, writes the rest once."""
    corpus = tmp_path / "corpus"
    settings = Settings(store=tmp_path / "store", chunk_size=CHUNK_SIZE)
    _generate_corpus(corpus, prose)
    monkeypatch.setattr(pipeline, "EMBED_GROUP", 40)  # about six documents per batch
    monkeypatch.setattr(pipeline, "LOOKUP_WINDOW", 16)  # windows end inside batches
    begun: list[list[str]] = []
    begin_many = CorpusStore.begin_many

    def recording(self, items):
        begun.append([record.doc_id for record, _, _ in items])
        return begin_many(self, items)

    monkeypatch.setattr(CorpusStore, "begin_many", recording)
    kill_at(monkeypatch, CorpusStore, "commit_many", after=2)
    files = find_documents([corpus])[0]
    with pytest.raises(Killed):
        Ingester(settings, CorpusStore(settings)).run(files)
    monkeypatch.undo()

    store = CorpusStore(settings)
    committed = assert_readers_see_only_complete_documents(store)
    assert set(committed) == set(begun[0] + begun[1])
    in_flight = set(begun[2])
    summary = Ingester(settings, store).run(files)
    assert (summary.failed, summary.unchanged, summary.repaired) == (
        0, len(committed), len(in_flight))
    assert summary.added == GENERATED_DOCS - len(committed)
    total = sum(r.chunk_count for r in store.committed().values())
    assert summary.chunks_written == total - sum(r.chunk_count for r in committed.values())
    assert_repaired(store)
    again = Ingester(settings, store).run(files)
    assert (again.chunks_written, again.unchanged, again.repaired) == (0, GENERATED_DOCS, 0)
