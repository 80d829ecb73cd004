"""English first, Spanish later: an ingest that leaves the multilingual vectors for later (the
app's first start) answers English at once and Spanish with a notice while they are prepared;
a preparation stopped half-way goes on where it stopped, without touching the English index."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import settings_for

SPANISH_Q = "¿Cuántas armas incautadas rastreó la oficina entre 2015 y 2019?"
ENGLISH_Q = "How many seized firearms did the office trace?"
PREPARING = "still being prepared"


@pytest.fixture
def english_only(tmp_path, corpus_copy):
    from ingest.cli import run_ingest

    settings = settings_for(tmp_path / "store", corpus_copy)
    assert run_ingest(settings, [corpus_copy], as_json=True, multilingual=False) == 0
    return settings


def test_spanish_is_answered_with_a_notice_until_its_search_is_prepared(english_only):
    from index.service import Casefile
    from ingest.cli import prepare_multilingual

    casefile = Casefile(english_only)
    assert casefile.spanish_prepared() == 0.0
    english = casefile.ask(ENGLISH_Q)
    assert english.status == "answered"
    assert not any(PREPARING in n for n in english.notices)
    early = casefile.ask(SPANISH_Q)
    assert any(PREPARING in n and "0%" in n for n in early.notices), early.notices

    synced = prepare_multilingual(english_only)
    assert synced.embedded == casefile.retriever.store.chunk_count()
    assert casefile.spanish_prepared() == 1.0
    casefile.retriever.refresh(reopen=True)
    later = casefile.ask(SPANISH_Q)
    assert not any(PREPARING in n for n in later.notices)
    assert any(hit.multilingual for hit in casefile.retriever.search(SPANISH_Q, k=5))


def test_a_preparation_stopped_half_way_goes_on_where_it_stopped(english_only, monkeypatch):
    from index.store import CorpusStore
    from ingest import multilingual
    from ingest.cli import prepare_multilingual

    monkeypatch.setattr(multilingual, "PAGE", 3)
    store = CorpusStore(english_only)
    english_before = store.versions().key
    total = store.chunk_count()

    class Stopped(Exception):
        pass

    def stop_after_first_page(done: int, _total: int) -> None:
        raise Stopped

    with pytest.raises(Stopped):
        prepare_multilingual(english_only, stop_after_first_page)
    assert store.multilingual.count() == 3
    resumed = prepare_multilingual(english_only)
    assert resumed.embedded == total - 3
    assert store.multilingual.count() == total
    assert store.versions().key == english_before  # the English index was not redone


def test_the_app_prepares_spanish_after_serving_and_says_how_far_it_is(english_only, caplog):
    import app
    from index.service import Casefile

    casefile = Casefile(english_only)
    with caplog.at_level(logging.INFO, logger="casefile.web"):
        app.prepare_spanish(casefile)
    said = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("Spanish questions: preparing, 100 %") for m in said), said
    assert said[-1] == "Spanish questions: ready"
    assert casefile.spanish_prepared() == 1.0
    assert any(hit.multilingual for hit in casefile.retriever.search(SPANISH_Q, k=5))


def test_the_first_indexing_is_said_to_a_question_and_followed_in_the_log(tmp_path, corpus_copy,
                                                                        caplog):
    import app
    from index.answers import EmptyIndex
    from index.service import Casefile

    settings = settings_for(tmp_path / "store", corpus_copy)
    casefile = Casefile(settings)
    casefile.indexing = app.INDEXING.format(done=3, total=9)
    with pytest.raises(EmptyIndex, match=r"being indexed for the first time \(3 of 9"):
        casefile.ask(ENGLISH_Q)
    with caplog.at_level(logging.INFO, logger="casefile.web"):
        app.ensure_ingested(casefile)
    said = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("indexing: ") and m.endswith(" documents") for m in said), said
    assert said[-1] == "English questions: ready"
    assert casefile.indexing == ""
    assert casefile.ask(ENGLISH_Q).status == "answered"
    assert casefile.spanish_prepared() == 0.0  # left for prepare_spanish
