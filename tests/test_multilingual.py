"""The multilingual index: the ingest keeps it in step with the chunks (incrementally, under a
size cap, resuming what a killed run left), and a Spanish question finds English passages
through it and is answered from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import settings_for

DOCUMENTS = {
    "reference-fixture-apiary.md": (
        "Fixture Note on the Hillside Apiary",
        "The beekeepers moved forty hives to the hillside after a wet spring ruined the "
        "clover. Honey from the new site tasted of thyme and sold out at the autumn market.",
    ),
    "reference-fixture-lighthouse.md": (
        "Fixture Note on the Harbour Lighthouse",
        "The lighthouse keeper replaced the cracked lens in the winter storm season. Ships "
        "entering the harbour at night relied on the beam while the repair went on.",
    ),
    "reference-fixture-warehouse.md": (
        "Fixture Note on the Bonded Warehouse",
        "Rifles left the bonded warehouse without being logged because the clerks kept paper "
        "ledgers that nobody compared with the shipping records.",
    ),
}
# Spanish with no word in common with the English passage it asks about.
ABOUT_THE_WAREHOUSE = "¿Por qué los rifles salieron del almacén sin quedar registrados?"
OFF_TOPIC = "¿Quién ganó el campeonato mundial de ajedrez en 2021?"


def _write(corpus: Path, name: str, title: str, body: str) -> None:
    corpus.mkdir(exist_ok=True)
    (corpus / name).write_text(
        f'---\ntitle: "{title}"\npublisher: "Fixture Desk"\ndate: "2024-05-01"\n'
        f'kind: "reference"\nurl: "https://example.org/{name}"\n---\n\n# {title}\n\n{body}\n',
        encoding="utf-8")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    for name, (title, body) in DOCUMENTS.items():
        _write(folder, name, title, body)
    return folder


def _ingest(settings, corpus: Path) -> dict:
    import json
    from contextlib import redirect_stdout
    from io import StringIO

    from ingest.cli import run_ingest

    out = StringIO()
    with redirect_stdout(out):
        assert run_ingest(settings, [corpus], as_json=True) == 0
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_the_ingest_keeps_the_multilingual_index_in_step(tmp_path: Path, corpus: Path):
    from index.store import CorpusStore

    settings = settings_for(tmp_path / "store", corpus)
    first = _ingest(settings, corpus)
    store = CorpusStore(settings)
    assert first["multilingual_embedded"] == store.chunk_count() > 0
    assert sorted(store.multilingual_ids()) == sorted(store.chunk_ids())

    again = _ingest(settings, corpus)
    assert again["multilingual_embedded"] == 0  # nothing new: nothing embedded

    # An edited document: its new chunks are embedded, its old ones leave the index too.
    _write(corpus, "reference-fixture-apiary.md", DOCUMENTS["reference-fixture-apiary.md"][0],
           "The beekeepers sold the hives to a cooperative in the valley.")
    edited = _ingest(settings, corpus)
    store = CorpusStore(settings)
    assert 0 < edited["multilingual_embedded"] < first["multilingual_embedded"]
    assert sorted(store.multilingual_ids()) == sorted(store.chunk_ids())


def test_a_run_killed_half_way_is_finished_by_the_next(tmp_path: Path, corpus: Path):
    from index.store import CorpusStore

    settings = settings_for(tmp_path / "store", corpus, chunk_size=40, chunk_overlap=0)
    _ingest(settings, corpus)
    store = CorpusStore(settings)
    lost = store.multilingual_ids()[::2]  # what a kill before the last pages leaves undone
    store.delete_multilingual(lost)
    resumed = _ingest(settings, corpus)
    assert resumed["multilingual_embedded"] == len(lost)
    assert sorted(CorpusStore(settings).multilingual_ids()) == sorted(store.chunk_ids())


def test_a_store_over_the_cap_has_no_multilingual_index(tmp_path: Path, corpus: Path):
    from index.service import Casefile
    from index.store import CorpusStore

    settings = settings_for(tmp_path / "store", corpus)
    _ingest(settings, corpus)
    assert CorpusStore(settings).multilingual_ids()
    capped = settings_for(tmp_path / "store", corpus, multilingual_max_chunks=1)
    summary = _ingest(capped, corpus)
    assert "CASEFILE_MULTILINGUAL_MAX_CHUNKS" in summary["multilingual_skipped"]
    assert CorpusStore(capped).multilingual_ids() == []  # none left stale either
    # Spanish questions are still searched, by MiniLM and BM25.
    casefile = Casefile(capped)
    hits = casefile.retriever.search(ABOUT_THE_WAREHOUSE, k=3)
    assert hits and not any(h.multilingual for h in hits)


def test_a_spanish_question_is_answered_from_the_english_passage(tmp_path: Path,
                                                                corpus: Path):
    from index.language import is_spanish
    from index.service import Casefile

    assert is_spanish(ABOUT_THE_WAREHOUSE)
    settings = settings_for(tmp_path / "store", corpus)
    _ingest(settings, corpus)
    casefile = Casefile(settings)
    hits = casefile.retriever.search(ABOUT_THE_WAREHOUSE, k=3)
    assert hits[0].passage.doc_id == "reference-fixture-warehouse"
    assert hits[0].multilingual > 0  # the multilingual search found it
    # An English question never runs the multilingual search.
    english = casefile.retriever.search("Why did rifles leave the warehouse unlogged?", k=3)
    assert not any(h.multilingual for h in english)

    answer = casefile.ask(ABOUT_THE_WAREHOUSE)
    assert answer.status == "answered"
    assert "paper ledgers" in answer.answer
    assert any("English" in notice for notice in answer.notices)

    refused = casefile.ask(OFF_TOPIC)
    assert refused.status == "no_evidence"
    assert "ajedrez" not in refused.answer  # English passages lack Spanish words by nature
