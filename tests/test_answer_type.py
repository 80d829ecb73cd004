"""Answer typing: what a question asks for, and the sentence the answerer picks because of it.

The compose tests hand the real answerer (real embedding model) passages written here, so each
one shows the sentence chosen between a plausible distractor and the typed answer."""

from __future__ import annotations

import pytest

from index.answer_type import Expectation
from index.extractive import ExtractiveAnswerer
from index.passages import Hit, Passage


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("Why did the agency adopt the rule?", {"reason"}),
        ("What reasons did Congress give?", {"reason"}),
        ("How do the two bills differ on when the first report is due?", {"deadline"}),
        ("When did the court dismiss the case?", {"date"}),
        ("When the agencies met in 2024, what did they agree to?", set()),  # "when" as a clause
        ("What share of rail cars must be screened?", {"quantity"}),
        ("How much prison time could a straw buyer face?", {"quantity", "penalty"}),
        ("What did the inspector general conclude about the sting?", {"finding"}),
        ("How does the statute define negligent entrustment?", {"definition"}),
        ("What does the bill say about trace data?", set()),
        ("What would the Fixture Screening Act do?", {"purpose"}),
        ("Which judge was assigned the case?", {"person"}),
    ],
)
def test_questions_ask_for_kinds_of_answer(question, kinds):
    assert {t.name for t in Expectation.of(question).types} == kinds


def test_sentences_offer_the_kinds_asked_for():
    why = Expectation.of("Why was no notice given?")
    assert why.offers("No notice was given because funds can be moved at once.")
    assert not why.offers("No notice was given to anyone.")
    judge = Expectation.of("Who wrote the opinion?")
    assert judge.offers("Justice Kagan wrote for the Court.")
    assert judge.offers("It was assigned to Judge F. Dennis Saylor IV.")
    assert not judge.offers("The Court wrote that the claims failed.")
    purpose = Expectation.of("What does the ARMAS Act do?")
    assert purpose.offers("To require the transfer of export control to the State Department.")
    assert not purpose.offers("The Bahamas, Belize and Brazil are covered countries.")
    due = Expectation.of("When is the report due?")
    assert due.offers("Not later than 180 days after enactment, the Secretary shall report.")
    assert not due.offers("The Secretary introduced the bill on June 26, 2025.")


def test_how_many_names_the_thing_counted():
    officers = Expectation.of("How many Mexican army officers have been convicted?")
    assert officers.counted == "officers"
    assert officers.counts("Two officers were convicted in 2019.")
    assert not officers.counts("The army loses about 30 percent of its guns.")
    guns = Expectation.of("How many of the guns seized were traced?")
    assert guns.counted == "guns"
    assert guns.counts("The office traced 12,345 firearms.")  # same thing, other word
    assert Expectation.of("How many people attended?").counted is None  # no plural noun
    assert Expectation.of("How many times did Mexico sue?").counted is None
    assert Expectation.of("What happened next?").counts("Anything at all.")


def test_a_definition_is_noise_unless_one_is_asked_for():
    sentence = 'The term "felony" means any offense punishable by imprisonment over one year.'
    assert Expectation.of("How much prison time could I face?").stray_definition(sentence)
    assert not Expectation.of("What does the term felony mean?").stray_definition(sentence)
    short_title = "This Act may be cited as the Fixture Screening Act."
    assert Expectation.of("What would the bill do?").stray_definition(short_title)
    assert not Expectation.of("What is the bill's short title?").stray_definition(short_title)


def test_a_how_many_answer_needs_a_figure_not_a_list_number_or_a_year():
    dealers = Expectation.of("How many gun dealers lost their licenses?")
    assert dealers.counts("ATF revoked the licenses of 41 dealers.")
    assert dealers.counts("Seven dealers lost their licenses.")
    assert not dealers.counts("Dealers lose licenses for 1) selling to prohibited persons.")
    assert not dealers.counts("Dealers lost their licenses in 2021.")


def _hit(doc_id: str, title: str, text: str, rank: int) -> Hit:
    passage = Passage(
        node_id=f"{doc_id}:v1:0", doc_id=doc_id, source_file=doc_id, title=title,
        publisher="Fixture Congress", kind="statute", date="2020-01-01", url="", page=None,
        section="", start_char=0, end_char=len(text), text=text, score=1.0 - rank / 10,
    )
    return Hit(passage, dense=0.7, keyword=1.0, fused=1.0 - rank / 10)


def compose(question: str, *texts: str):
    hits = [_hit(f"doc-{i}", f"Fixture document {i}", text, i) for i, text in enumerate(texts)]
    return ExtractiveAnswerer().compose(question, hits)


def test_a_why_question_is_answered_with_the_reason():
    answer = compose(
        "Why did the wombat bureau give the importers no advance notice of the listing?",
        "The wombat bureau listed nine importers in the register on 3 May.",
        "Advance notice would let the importers move their goods out of reach overnight, so the "
        "bureau gave none.",
    )
    assert answer.status == "answered"
    assert "move their goods out of reach overnight" in answer.answer


def test_a_penalty_question_is_answered_with_the_penalty_not_a_definition():
    answer = compose(
        "How much prison time could I face for buying a rifle for a neighbour who may not own one?",
        'The term "prohibited buyer" means a neighbour or other person who may not own a rifle '
        "because of a prison term exceeding one year.",
        "Whoever buys a rifle on behalf of a prohibited buyer shall be imprisoned for not more "
        "than 9 years, fined, or both.",
    )
    assert "not more than 9 years" in answer.answer


def test_a_how_many_question_about_something_never_counted_abstains():
    answer = compose(
        "How many customs officers were convicted of smuggling rifles?",
        "Customs seized about 300 smuggled rifles at the border crossing in 2019.",
        "The rifles were traced to retail dealers in three states.",
    )
    assert answer.status == "no_evidence"
    assert "No passage found gives a number of officers." in answer.answer


def test_captions_and_short_list_lead_ins_are_never_quoted():
    from index.extractive import _quotable

    assert not _quotable("IN THE SENATE OF THE UNITED STATES OF AMERICA")
    assert not _quotable("Chapter 44 of title 18, United States Code, is amended—")
    assert not _quotable("The Department announced several convictions for trafficking including")
    # A long lead-in carries its own content: the deadline here is the answer to "when".
    assert _quotable("Within 9 months of the day this law takes effect, and every year after that, "
                     "the Fixture Bureau shall publish a report on rail screening that contains:")
