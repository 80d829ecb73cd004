"""Re-running the ingest: unchanged documents are skipped, changed ones replaced, deleted ones
pruned on request, identical content stored once, and --dry-run writes nothing.

Every test writes, so each gets its own store over a private copy of the fixture corpus.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from index.settings import Settings
from index.store import CorpusStore
from ingest.cli import run_ingest
from ingest.discover import find_documents
from tests.conftest import FIXTURE_CORPUS, settings_for

STATUTE = "statute-fixture-border-transfer-act"
FIXTURE_DOCS = len(find_documents([FIXTURE_CORPUS])[0])


def ingest(settings: Settings, *paths: Path, **flags) -> tuple[int, dict]:
    """Run the CLI's ingest in-process; returns its exit code and its --json summary."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = run_ingest(settings, list(paths), as_json=True, **flags)
    return rc, json.loads(out.getvalue().strip().splitlines()[-1])


def chunk_versions(store: CorpusStore) -> Counter:
    """How many chunks each (doc_id, version) has in Chroma."""
    metas = store.chunks.get(include=["metadatas"])["metadatas"]
    return Counter((m["doc_id"], m["version"]) for m in metas)


def assert_store_consistent(store: CorpusStore) -> None:
    """Every chunk belongs to a committed version, and every committed document is complete."""
    committed = store.committed()
    assert set(store.all_records()) == set(committed), "uncommitted records left"
    versions = chunk_versions(store)
    expected = Counter({(d, r.version): r.chunk_count for d, r in committed.items()})
    assert versions == expected


@pytest.fixture
def fresh(tmp_path: Path, corpus_copy: Path) -> tuple[Settings, Path]:
    """Settings for an empty store, and the corpus copy it should hold."""
    return settings_for(tmp_path / "store", corpus_copy), corpus_copy


@pytest.fixture
def ingested(fresh) -> tuple[Settings, Path]:
    settings, corpus = fresh
    rc, summary = ingest(settings, corpus)
    assert (rc, summary["added"], summary["failed"]) == (0, FIXTURE_DOCS, 0)
    return settings, corpus


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# -- re-running --------------------------------------------------------------------------------


def test_rerun_on_the_same_corpus_writes_nothing(ingested):
    settings, corpus = ingested
    store = CorpusStore(settings)
    before = (store.chunk_count(), {d: r.version for d, r in store.committed().items()})
    rc, summary = ingest(settings, corpus)
    assert rc == 0
    assert summary["unchanged"] == FIXTURE_DOCS
    assert (summary["added"], summary["updated"], summary["removed"]) == (0, 0, 0)
    assert summary["chunks_written"] == 0
    assert (store.chunk_count(), {d: r.version for d, r in store.committed().items()}) == before
    assert_store_consistent(store)


def test_edited_document_replaces_its_old_chunks(ingested):
    settings, corpus = ingested
    store = CorpusStore(settings)
    old = store.committed()[STATUTE]
    _edit(corpus / f"{STATUTE}.md", "not more than 12 years", "not more than 15 years")
    rc, summary = ingest(settings, corpus)
    assert (rc, summary["updated"], summary["unchanged"]) == (0, 1, FIXTURE_DOCS - 1)
    new = store.committed()[STATUTE]
    assert new.version != old.version
    assert "15 years" in store.document_text(STATUTE)
    assert "12 years" not in store.document_text(STATUTE)
    assert (STATUTE, old.version) not in chunk_versions(store)
    assert summary["chunks_written"] == new.chunk_count
    assert_store_consistent(store)


def test_metadata_only_change_is_an_update(ingested):
    settings, corpus = ingested
    _edit(corpus / f"{STATUTE}.md", 'kind: "statute"', 'kind: "legislation"')
    rc, summary = ingest(settings, corpus)
    assert (rc, summary["updated"]) == (0, 1)
    store = CorpusStore(settings)
    assert store.committed()[STATUTE].kind == "legislation"
    kinds = {m["kind"] for m in store.chunks.get(where={"doc_id": STATUTE})["metadatas"]}
    assert kinds == {"legislation"}
    assert_store_consistent(store)


def test_document_growing_and_shrinking_keeps_the_count_right(ingested, prose):
    settings, corpus = ingested
    store = CorpusStore(settings)
    path = corpus / f"{STATUTE}.md"
    original = path.read_text(encoding="utf-8")
    path.write_text(original + "\n## (c) Annex\n\n" + prose("annexword", 60) + "\n")
    ingest(settings, corpus)
    grown = store.committed()[STATUTE].chunk_count
    assert grown > 2
    assert_store_consistent(store)
    path.write_text(original, encoding="utf-8")
    rc, summary = ingest(settings, corpus)
    assert (rc, summary["updated"]) == (0, 1)
    assert store.committed()[STATUTE].chunk_count < grown
    assert_store_consistent(store)


# -- pruning -----------------------------------------------------------------------------------


def test_deleted_file_stays_without_prune_and_goes_with_it(ingested):
    settings, corpus = ingested
    store = CorpusStore(settings)
    (corpus / f"{STATUTE}.md").unlink()
    rc, summary = ingest(settings, corpus)
    assert (rc, summary["removed"], summary["unchanged"]) == (0, 0, FIXTURE_DOCS - 1)
    assert STATUTE in store.committed()

    rc, summary = ingest(settings, corpus, prune=True)
    assert (rc, summary["removed"], summary["unchanged"]) == (0, 1, FIXTURE_DOCS - 1)
    assert STATUTE not in store.all_records()
    assert not store.chunks.get(where={"doc_id": STATUTE})["ids"]
    assert_store_consistent(store)


def test_prune_leaves_documents_outside_the_scanned_folders(ingested, tmp_path):
    settings, corpus = ingested
    other = tmp_path / "other"
    other.mkdir()
    shutil.move(corpus / "news-fixture-markup.md", other / "news-fixture-markup.md")
    ingest(settings, other)  # same document, now known from the other folder
    (other / "news-fixture-markup.md").unlink()  # gone, but not under the folder we prune
    (corpus / f"{STATUTE}.md").unlink()
    rc, summary = ingest(settings, corpus, prune=True)
    assert (rc, summary["removed"]) == (0, 1)
    committed = CorpusStore(settings).committed()
    assert STATUTE not in committed
    assert "news-fixture-markup" in committed
    assert_store_consistent(CorpusStore(settings))


def test_prune_only_applies_to_folders_not_to_files_named(ingested):
    settings, corpus = ingested
    (corpus / f"{STATUTE}.md").unlink()
    rc, summary = ingest(settings, corpus / "news-fixture-markup.md", prune=True)
    assert (rc, summary["removed"], summary["unchanged"]) == (0, 0, 1)
    assert STATUTE in CorpusStore(settings).committed()


def test_same_file_name_elsewhere_does_not_replace_the_indexed_document(ingested, tmp_path):
    settings, corpus = ingested
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / f"{STATUTE}.md").write_text("# Another text\n\nAbout osprey permits.\n")
    rc, summary = ingest(settings, other)
    assert (rc, summary["failed"], summary["updated"]) == (1, 1, 0)
    assert str((corpus / f"{STATUTE}.md").resolve()) in summary["failures"][0]["reason"]
    assert "12 years" in CorpusStore(settings).document_text(STATUTE)

    (corpus / f"{STATUTE}.md").unlink()  # now it is a move, and a move may change the text
    rc, summary = ingest(settings, other)
    assert (rc, summary["updated"]) == (0, 1)
    assert "osprey" in CorpusStore(settings).document_text(STATUTE)


# -- duplicates --------------------------------------------------------------------------------


def test_identical_content_under_two_paths_is_stored_once_and_reported(fresh):
    settings, corpus = fresh
    copy_dir = corpus / "mirror"
    copy_dir.mkdir()
    shutil.copy(corpus / f"{STATUTE}.md", copy_dir / "statute-mirror-copy.md")
    rc, summary = ingest(settings, corpus)
    assert (rc, summary["added"], summary["duplicates"]) == (0, FIXTURE_DOCS, 1)
    [reported] = summary["duplicate_of"]
    store = CorpusStore(settings)
    # Whichever path came first is stored; the other is named and points to it.
    skipped = Path(reported["path"]).stem
    assert {skipped, reported["stored_as"]} == {STATUTE, "statute-mirror-copy"}
    assert reported["stored_as"] in store.committed()
    assert skipped not in store.all_records()
    assert_store_consistent(store)

    rc, summary = ingest(settings, corpus)  # still reported, still nothing written
    assert (rc, summary["duplicates"], summary["chunks_written"]) == (0, 1, 0)


def test_document_edited_into_a_copy_of_another_is_withdrawn(ingested):
    settings, corpus = ingested
    store = CorpusStore(settings)
    senate = "legislation-s9002-fixture-southbound-act"
    house = corpus / "legislation-hr9001-fixture-southbound-act.md"
    shutil.copy(house, corpus / f"{senate}.md")
    rc, summary = ingest(settings, corpus)
    assert (rc, summary["duplicates"]) == (0, 1)
    # Its old text exists nowhere any more: serving it would cite a document that isn't there.
    assert senate not in store.committed()
    assert_store_consistent(store)


# -- dry run -----------------------------------------------------------------------------------


def test_dry_run_on_an_empty_store_writes_nothing(fresh):
    settings, corpus = fresh
    rc, summary = ingest(settings, corpus, dry_run=True)
    assert (rc, summary["dry_run"], summary["added"]) == (0, True, FIXTURE_DOCS)
    assert summary["chunks_written"] == 0
    store = CorpusStore(settings)
    assert store.chunk_count() == 0 and store.all_records() == {}


def test_dry_run_reports_changes_without_making_them(ingested):
    settings, corpus = ingested
    store = CorpusStore(settings)
    before = (store.chunk_count(), {d: r.version for d, r in store.all_records().items()})
    _edit(corpus / f"{STATUTE}.md", "12 years", "15 years")
    (corpus / "news-fixture-markup.md").unlink()
    (corpus / "new-note.md").write_text("# A new note\n\nAbout the osprey permit.\n")
    rc, summary = ingest(settings, corpus, dry_run=True, prune=True)
    assert rc == 0
    assert (summary["added"], summary["updated"], summary["removed"]) == (1, 1, 1)
    assert summary["chunks_written"] == 0
    assert (store.chunk_count(), {d: r.version for d, r in store.all_records().items()}) == before
