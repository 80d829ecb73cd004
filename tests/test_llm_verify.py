"""The sentence verifier on real passages of the fixture corpus (real store, real model)."""

from __future__ import annotations

import pytest

from index.llm.verify import NOT_FOUND, UNCITED, Verifier, figures, names, split_claims

PENALTY_Q = "How long can someone be imprisoned for an unlawful cross-border transfer?"


@pytest.fixture(scope="module")
def verifier(casefile):
    return Verifier(casefile.answerer.ranker, casefile.retriever.stats)


@pytest.fixture(scope="module")
def hits(casefile):
    """The five passages a generative answer to the penalty question is written from."""
    return casefile.retriever.search(PENALTY_Q, k=8)[:5]


def number_of(hits, doc_id: str) -> int:
    return next(i for i, h in enumerate(hits, 1) if h.passage.doc_id == doc_id)


STATUTE = "statute-fixture-border-transfer-act"
REPORT = "government-report-fixture-trace-study"


@pytest.mark.parametrize(("text", "expected"), [
    ("It is 12 years [2]. It is a fine [1].", [("It is 12 years.", [2]), ("It is a fine.", [1])]),
    ("It is 12 years. [2] It is a fine. [1, 3]",
     [("It is 12 years.", [2]), ("It is a fine.", [1, 3])]),
    ("Answer: It is 12 years [2][3].", [("It is 12 years.", [2, 3])]),
    ("It is 12 years [Passage 2]. No marker here.", [("It is 12 years.", [2]),
                                                      ("No marker here.", [])]),
    ("- It is 12 years [2].\n- It is a fine [2-3].", [("It is 12 years.", [2]),
                                                      ("It is a fine.", [2, 3])]),
])
def test_sentences_keep_their_markers_whatever_the_form(text, expected):
    assert [(c.text, c.cited) for c in split_claims(text)] == expected


def test_figures_and_names_are_read_literally():
    assert figures("12,345 firearms, 61 percent, twelve years, one of them") == {"12345", "61",
                                                                                 "12"}
    assert names("Investigators said the Fixture Accountability Office traced them.") == [
        "Fixture", "Accountability", "Office"]
    assert names("Fixture Wire reported it.") == ["Fixture", "Wire"]  # an opening name counts
    assert names("ATF agents said so.") == ["ATF"]


def test_a_faithful_paraphrase_is_supported_and_renumbered(verifier, hits):
    statute, report = number_of(hits, STATUTE), number_of(hits, REPORT)
    checked = verifier.check(
        f"The office traced 12,345 seized firearms and found most came from border-state "
        f"dealers [{report}]. Violators face up to 12 years in prison [{statute}].", hits)
    assert [s.supported for s in checked.sentences] == [True, True]
    # Shown numbers follow first use, whatever the prompt's numbers were.
    assert [s.citations for s in checked.sentences] == [[1], [2]]
    assert [c.passage.doc_id for c in checked.citations] == [REPORT, STATUTE]
    assert checked.answer.endswith("Violators face up to 12 years in prison. [2]")
    for citation in checked.citations:  # the highlighted sentence holds the claim's figure
        passage = citation.passage
        start = citation.sentence_start - passage.start_char
        assert passage.text[start : start + len(citation.sentence)] == citation.sentence
    assert "12,345" in checked.citations[0].sentence and "12 years" in checked.citations[1].sentence


def test_a_wrong_figure_or_an_absent_name_is_not_supported(verifier, hits):
    statute = number_of(hits, STATUTE)
    checked = verifier.check(
        f"Violators face up to 15 years in prison [{statute}]. The Bureau of Alcohol, Tobacco "
        f"and Firearms issues the export license [{statute}].", hits)
    assert [(s.supported, s.flag) for s in checked.sentences] == [(False, NOT_FOUND)] * 2
    assert checked.citations == [] and "[" not in checked.answer


def test_a_claim_the_passage_does_not_hold_scores_below_the_threshold(verifier, hits):
    statute = number_of(hits, STATUTE)
    held, unrelated = verifier.check(
        f"Violators face up to 12 years in prison [{statute}]. The weather was pleasant and "
        f"mild all week [{statute}].", hits).sentences
    threshold = verifier.bar
    assert held.supported and held.support_score >= threshold
    assert not unrelated.supported and unrelated.support_score < threshold
    assert unrelated.flag == NOT_FOUND


def test_a_citation_to_the_wrong_passage_is_not_support(verifier, hits):
    report = number_of(hits, REPORT)
    (claim,) = verifier.check(f"Violators face up to 12 years in prison [{report}].",
                              hits).sentences
    assert not claim.supported


def test_uncited_text_and_a_plain_no_answer(verifier, hits):
    checked = verifier.check("Nothing here is cited.", hits)
    assert checked.sentences[0].flag == UNCITED and not checked.says_no_answer
    assert verifier.check("The passages do not answer this question.", hits).says_no_answer


def test_an_uncited_sentence_is_cited_to_the_passage_that_holds_it(verifier, hits):
    checked = verifier.check("The office traced 12,345 seized firearms between 2015 and 2019.",
                             hits)
    (sentence,) = checked.sentences
    assert sentence.supported and sentence.citations == [1] and checked.found_sources == 1
    assert checked.citations[0].passage.doc_id == REPORT
    assert "12,345" in checked.citations[0].sentence


def test_prepared_passages_leave_only_the_answer_to_embed(casefile, hits):
    """What the answerer runs while the model writes: afterwards the check embeds the answer's
    own sentences and nothing of the passages."""
    from index import extractive

    verifier = Verifier(casefile.answerer.ranker, casefile.retriever.stats)
    extractive._VECTORS.clear()
    verifier.prepare(hits)
    prepared = set(extractive._VECTORS)
    assert prepared  # the passages' sentences
    answer = "Violators of the fixture transfer rule face up to 12 years in prison [1]."
    verifier.check(answer, hits)
    added = {text for _, text in set(extractive._VECTORS) - prepared}
    assert added == {"Violators of the fixture transfer rule face up to 12 years in prison."}
