"""The learned sentence ranker: features, training, calibration, and its use in answers."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from index.features import FEATURES, CorpusStats, QuestionForm, terms
from index.followup import Query
from index.ranker import DEFAULT_MODEL, SentenceRanker
from index.train_ranker import Example, calibrate, fit, holds_evidence, supports


def test_rare_and_unseen_terms_weigh_more():
    stats = CorpusStats.of(["the clerk filed permits", "the clerk audited invoices",
                            "a ledger of permits"])
    assert stats.idf("zanzibar") == pytest.approx(1.0)  # never seen
    assert stats.idf("ledger") > stats.idf("clerk") > 0  # one chunk vs two
    assert terms("The Inspectors' ledgers") == {"inspector", "ledger"}


@pytest.mark.parametrize(("question", "asks"), [
    ("How many rifles were seized at the port?", "quantity"),
    ("When was the report filed?", "time"),
    ("Who chaired the hearing?", "person"),
    ("Why did the agency close the office?", "reason"),
    ("What is a straw purchase?", "definition"),
])
def test_question_forms_are_read_from_the_wh_word(question, asks):
    form = QuestionForm.of(question)
    flags = {name: getattr(form, name)
             for name in ("quantity", "time", "person", "reason", "definition")}
    assert [name for name, on in flags.items() if on] == [asks]


def test_broad_questions_are_told_from_facts():
    assert QuestionForm.of("Explain how the inspection program changed").broad
    assert QuestionForm.of("Why did the court dismiss the suit?").broad
    assert not QuestionForm.of("How many rifles were seized?").broad


def test_evidence_labels_need_most_of_a_span():
    sentence = "The office traced 12,345 firearms seized between 2015 and 2019 at the border."
    assert holds_evidence(sentence, ["traced 12,345 firearms seized between 2015"])
    # A span that runs on past the sentence's end still counts when most of it is there.
    assert holds_evidence(sentence, ["seized between 2015 and 2019 at the border. Later on"])
    assert not holds_evidence(sentence, ["the hearing resumed after the recess"])


def _synthetic(rng: np.random.Generator, informative: int, answerable: bool) -> Example:
    x = rng.random((12, len(FEATURES)))
    y = np.zeros(12)
    if answerable:
        y[3] = 1
        x[3, informative] = 1.5  # the answering sentence stands out on one feature only
    return Example("synthetic.jsonl", answerable, x, y, 0.5)


def test_fit_learns_the_informative_feature_and_calibrates_the_threshold():
    rng = np.random.default_rng(7)
    informative = FEATURES.index("sentence_cosine")
    examples = [_synthetic(rng, informative, answerable=i % 5 != 0) for i in range(60)]
    ranker = fit(examples)
    weights = dict(zip(FEATURES, ranker.rank.weights))
    assert max(weights, key=lambda f: abs(weights[f])) == "sentence_cosine"
    assert weights["sentence_cosine"] > 0
    # The threshold refuses at most the allowed share of answerable questions...
    scores = supports(ranker, examples)
    answerable = [s for s, e in zip(scores, examples) if e.answerable]
    refused = sum(s < ranker.abstain_below for s in answerable) / len(answerable)
    assert refused <= 0.07
    # ...and here, where unanswerable questions lack the standout sentence, refuses them.
    unanswerable = [s for s, e in zip(scores, examples) if not e.answerable]
    assert sum(s < ranker.abstain_below for s in unanswerable) / len(unanswerable) >= 0.8
    assert calibrate(ranker, examples) == pytest.approx(ranker.abstain_below)


def test_support_weights_keep_their_sign_or_the_feature_is_left_out():
    # Training data where a missing rare word goes with the answer: the support model must not
    # learn that missing words mean support.
    rng = np.random.default_rng(3)
    informative = FEATURES.index("sentence_cosine")
    examples = [_synthetic(rng, informative, answerable=i % 5 != 0) for i in range(60)]
    missing = FEATURES.index("rarest_missing")
    for example in examples:
        example.features[:, missing] = example.labels + 0.1 * rng.random(len(example.labels))
    weights = dict(zip(FEATURES, fit(examples).support.weights))
    assert weights["rarest_missing"] == 0.0
    assert weights["sentence_cosine"] > 0


def test_model_file_round_trips_and_refuses_other_features(tmp_path):
    ranker = SentenceRanker.load(DEFAULT_MODEL)
    copy = tmp_path / "ranker.json"
    ranker.save(copy)
    assert SentenceRanker.load(copy) == ranker
    data = json.loads(copy.read_text())
    data["features"] = data["features"][:-1]
    copy.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="retrain"):
        SentenceRanker.load(copy)


def test_shipped_model_is_small_and_says_what_it_was_trained_on():
    assert DEFAULT_MODEL.stat().st_size < 30_000
    ranker = SentenceRanker.load(DEFAULT_MODEL)
    assert ranker.trained_on and 0 < ranker.abstain_below < 1


def test_answer_leads_with_the_sentence_the_ranker_likes_best(casefile):
    question = "How many firearms did the office trace?"
    hits = casefile.retriever.search(question)
    candidates = casefile.answerer.candidates(Query.of(question), hits)
    ranker = casefile.answerer.ranker
    best = max(candidates, key=lambda c: ranker.probability(c.features))
    answer = casefile.ask(question)
    assert answer.status == "answered"
    assert "12,345" in answer.answer
    assert answer.citations[0].sentence == best.text
    assert answer.answer.index("12,345") < answer.answer.index("[1]")


def test_broad_question_gets_more_sentences_than_a_fact(casefile):
    fact = casefile.ask("How many firearms did the office trace?")
    broad = casefile.ask("Explain what the trace study found and what it recommends")
    count = lambda a: len(re.findall(r"\[\d+\]", a.answer))  # noqa: E731
    assert broad.status == "answered"
    assert 1 <= count(fact) <= 2
    assert count(broad) <= 4
    assert count(broad) >= count(fact)


def test_low_support_refuses_except_across_languages():
    """The support model weighs shared words, which a Spanish question can't have with English
    passages: for it only the dense floor decides."""
    from index.extractive import Candidate, ExtractiveAnswerer
    from index.features import CorpusStats
    from index.passages import Passage
    from index.ranker import Logistic

    n = len(FEATURES)
    flat = Logistic((0.0,) * n, 0.0, (0.0,) * n, (1.0,) * n)  # every sentence: probability 0.5
    ranker = SentenceRanker(FEATURES, flat, flat, abstain_below=0.9, dense_floor=0.1)
    answerer = ExtractiveAnswerer(lambda: CorpusStats(0, {}), ranker)
    text = "The office traced many firearms seized at the border crossing."
    passage = Passage("d:v:0", "d", "d", "T", "", "government-report", "", "", None, "", 0,
                      len(text), text, 1.0)
    candidate = Candidate(0, passage, 0, len(text), text, features=[0.0] * n)
    assert answerer._choose([candidate], [candidate], 2) == []
    assert answerer._choose([candidate], [candidate], 2, cross_lingual=True) == [candidate]
