"""The training-pair generator on a fixture document: answerable questions made from its own
sentences, near-misses that differ from their source question in exactly one detail, false
premises and hard negatives that are not the sentence itself; rows hold offsets, never text."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from index.training.make_pairs import (
    Sentence,
    corpus_bodies,
    corpus_sentences,
    details,
    echo_question,
    make_pairs,
    sentence_text,
)

FIXTURES = Path(__file__).parent / "fixtures" / "corpus"


def _rows():
    sentences = list(corpus_sentences([FIXTURES]))
    return sentences, make_pairs(sentences, seed=3)


def test_rows_point_into_the_corpus_and_hold_no_text_of_it():
    sentences, rows = _rows()
    assert sentences and rows
    bodies = corpus_bodies([FIXTURES])
    by_offsets = {(s.doc, s.start): s.text for s in sentences}
    for row in rows:
        assert sentence_text(row.__dict__, bodies) == by_offsets[(row.doc, row.start)]
        assert not hasattr(row, "text")
    kinds = {row.kind for row in rows}
    assert {"answerable", "hard-negative", "off-topic"} <= kinds


@pytest.mark.parametrize(("kind", "source_kind"), [("near-miss", "answerable"),
                                                   ("false-premise", "true-premise")])
def test_a_twin_differs_from_its_source_question_in_exactly_one_detail(kind, source_kind):
    _, rows = _rows()
    questions = {row.qid: row.question for row in rows if row.kind == source_kind}
    twins = [row for row in rows if row.kind == kind]
    assert twins
    for twin in twins:
        source = questions[twin.source]
        changed = [op for op in difflib.SequenceMatcher(None, source.split(), twin.question.split())
                   .get_opcodes() if op[0] != "equal"]
        assert len(changed) == 1, (source, twin.question)
        assert twin.label == 0


def test_an_answerable_question_puts_a_wh_phrase_where_its_detail_was():
    text = "The harbor board seized 4,200 crates of fixture rifles in 2019 at the pier."
    found = {d.kind: d for d in details(text)}
    assert {"figure", "year"} <= set(found)
    assert echo_question(text, found["figure"]) == (
        "The harbor board seized how many crates of fixture rifles in 2019 at the pier?")
    assert echo_question(text, found["year"]) == (
        "The harbor board seized 4,200 crates of fixture rifles in what year at the pier?")


def test_a_hard_negative_never_holds_the_detail_its_question_asks_for():
    sentences, rows = _rows()
    text = {(s.doc, s.start): s.text for s in sentences}
    positive = {row.qid: row for row in rows if row.label}
    for row in rows:
        if row.kind == "hard-negative":
            source = positive[row.source]
            assert text[(row.doc, row.start)] != text[(source.doc, source.start)]


def test_the_same_seed_makes_the_same_rows():
    sentences = list(corpus_sentences([FIXTURES]))
    assert make_pairs(sentences, seed=3) == make_pairs(sentences, seed=3)
    assert all(re.search(r"\?$", row.question) for row in make_pairs(sentences, seed=3))


def test_sentences_are_read_from_the_body_not_the_front_matter():
    sentences = list(corpus_sentences([FIXTURES]))
    assert all(isinstance(s, Sentence) and "title:" not in s.text for s in sentences)


def test_a_readers_question_gets_a_near_miss_twin_and_negatives():
    sentences = list(corpus_sentences([FIXTURES]))
    traced = next(s for s in sentences if "12,345" in s.text)
    question = "How many guns seized from 2015 to 2019 did the office trace?"
    rows = make_pairs(sentences, seed=3, readers={(traced.doc, traced.start): question})
    mine = [r for r in rows if r.kind == "reader"]
    assert [(r.question, r.label, r.start) for r in mine] == [(question, 1, traced.start)]
    made = [r for r in rows if r.source == mine[0].qid]
    assert {r.kind for r in made} == {"near-miss", "hard-negative"}
    twin = next(r for r in made if r.kind == "near-miss")
    assert twin.start == traced.start and twin.label == 0 and twin.question != question
