"""The empty chat's example questions and the follow-ups suggested after them, asked against the
real curated corpus (../shared/corpus, ingested into a temporary store): each example must come
back as a full cited sentence, not a fragment, and every suggestion must itself be answered."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.domain import EXAMPLES
from index.web.suggestions import looks_complete, suggest

CURATED = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CURATED.is_dir(), reason="the curated corpus is not beside the repo"),
]


@pytest.fixture(scope="module")
def curated(tmp_path_factory):
    from index.service import Casefile
    from ingest.cli import run_ingest
    from tests.conftest import settings_for

    root = tmp_path_factory.mktemp("curated")
    # The examples are English: the Spanish index (e5, ~7 chunks/s) would only cost minutes.
    settings = settings_for(root / "store", CURATED, multilingual_max_chunks=0)
    assert run_ingest(settings, [CURATED], as_json=True) == 0
    return Casefile(settings)


def test_example_questions_are_answered_with_full_sentences(curated):
    for question in EXAMPLES:
        answer = curated.ask(question)
        assert looks_complete(answer), (question, answer.status, answer.answer[:300])


def test_suggested_follow_ups_are_answered(curated):
    from index.web.chat import Turn

    question = EXAMPLES[2]
    turn = Turn.from_answer(curated.ask(question))
    suggestions = suggest(curated, turn, [question])
    assert 2 <= len(suggestions) <= 3, suggestions
    for follow_up in suggestions:
        assert looks_complete(curated.ask(follow_up, history=[question])), follow_up
