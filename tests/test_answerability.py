"""The answerability model: loaded offline from the package and checked against its card; it
ranks the sentence that answers a question above a near-miss of it; as the answerer's stage it
refuses a question whose premise the corpus contradicts and answers the true one."""

from __future__ import annotations

import shutil

import pytest

from index import answerability

ANSWER = ("The office traced 12,345 firearms seized between 2015 and 2019 and found that "
          "61 percent had been purchased at retail dealers in border states.")
BESIDE = "The office recommends that the inspection of southbound vehicles be doubled."


def test_the_stage_is_off_unless_switched_on(casefile, monkeypatch):
    assert casefile.answerer.calibration is None
    monkeypatch.setenv("CASEFILE_ANSWERABILITY", "on")
    assert answerability.calibration() is not None


def test_the_model_loads_offline_and_answers_with_probabilities():
    assert answerability.available()
    got = answerability.scores("How many seized firearms did the office trace?", [ANSWER, BESIDE])
    assert all(0.0 <= p <= 1.0 for p in got)
    assert got[0] > got[1]


def test_the_sentence_that_answers_outscores_a_near_miss_of_its_question():
    true, near_miss = (answerability.scores(q, [ANSWER])[0] for q in (
        "How many firearms seized between 2015 and 2019 did the office trace?",
        "How many firearms seized between 2003 and 2007 did the office trace?"))
    assert true > near_miss


def test_weights_that_do_not_match_their_card_are_refused(tmp_path):
    weights = tmp_path / answerability.WEIGHTS.name
    shutil.copy(answerability.WEIGHTS, weights)
    shutil.copy(answerability.CARD, weights.with_suffix(".json"))
    raw = bytearray(weights.read_bytes())
    raw[-1] ^= 0xFF
    weights.write_bytes(bytes(raw))
    with pytest.raises(answerability.ModelMismatch, match="sha256"):
        answerability.cross_encoder(weights=weights)


def test_the_stage_is_a_node_postprocessor_that_orders_by_the_model():
    from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

    stage = answerability.AnswerabilityPostprocessor(top_n=2)
    nodes = [NodeWithScore(node=TextNode(text=t), score=0.5) for t in (BESIDE, ANSWER, "spare")]
    judged = stage.postprocess_nodes(nodes, QueryBundle("How many firearms did the office trace?"))
    assert [n.node.get_content() for n in judged] == [ANSWER, BESIDE]
    with pytest.raises(ValueError, match="question"):
        stage.postprocess_nodes(nodes)


def test_the_stage_refuses_a_false_premise_and_answers_the_true_one(ingested_settings,
                                                                    monkeypatch):
    """Switched on with a floor of 0.5, the stage is the answerer's: a question presupposing
    what the fixture report contradicts (halved, not doubled) is refused with the stage's
    reason, the true one answered. (The shipped floor is far lower: docs/evaluation.md.)"""
    from index.extractive import UNANSWERED_AS_ASKED
    from index.service import Casefile

    monkeypatch.setattr(answerability, "calibration",
                        lambda: answerability.Calibration(abstain_below=0.5))
    casefile = Casefile(ingested_settings)
    assert casefile.answerer.calibration is not None
    false = casefile.ask("Why does the office recommend that inspections of southbound "
                         "vehicles be halved?")
    assert false.status == "no_evidence"
    assert UNANSWERED_AS_ASKED in false.answer
    true = casefile.ask("Why does the office recommend that inspections of southbound "
                        "vehicles be doubled?")
    assert true.status == "answered"
    assert "be doubled" in true.answer
