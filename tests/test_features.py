"""What a quantity question asks for, as the answer core reads it."""

import pytest

from index.features import QuestionForm, gives_asked_quantity


@pytest.mark.parametrize(
    ("question", "sentence", "gives"),
    [
        # the figure must count the thing asked about, not anything else in the sentence
        ("How many site visits did the agency make?",
         "The agency made a limited number of site visits and approved 4,210 licences.", False),
        ("How many site visits did the agency make?",
         "The agency made 37 site visits in the year.", True),
        ("How many regional offices signed the letter?",
         "Officials from nine regional offices signed it.", True),
        # a number the question itself names is no answer ("the .30-calibre rifles")
        ("How many .30-calibre rifles were sold?", "A .30-calibre rifle is described.", False),
        # a share wants a proportion, a payment wants money
        ("What share of the rifles were imported?", "About 40 percent were imported.", True),
        ("What share of the rifles were imported?", "Some 3,000 rifles were imported.", False),
        ("How much did the company pay to settle?", "It paid $12 million in 2020.", True),
        ("How much did the company pay to settle?", "Over half a million guns a year.", False),
        # an item of a list under a heading that names what its figures count; prose under
        # such a heading counts something else ("12 months after …")
        ("How many rifles cross each year?", "- About 90,000 a year, by one estimate.", True),
        ("How many rifles cross each year?", "It takes effect 12 months after enactment.", False),
    ],
)
def test_gives_asked_quantity(question, sentence, gives):
    heading = "Rifles crossing the border" if "cross" in question else ""
    assert gives_asked_quantity(QuestionForm.of(question), sentence, heading) is gives


def test_only_quantity_questions_ask_for_a_figure():
    assert not gives_asked_quantity(QuestionForm.of("Who signed the letter?"), "Nine signed.")


def test_a_timeline_asks_for_dates_as_when_does():
    assert QuestionForm.of("Give me a timeline of the pangolin appeal.").time
    assert QuestionForm.of("When was the appeal filed?").time
    assert not QuestionForm.of("Why was the appeal filed?").time


def test_closing_boilerplate_of_orders_and_acts_is_never_quoted():
    from index.extractive import _quotable

    assert not _quotable("(c) The pangolin rule is not intended to, and does not, create any "
                         "right for keepers of pangolins in the fixture reserve.")
    assert not _quotable("(b) The pangolin rule shall be implemented consistent with applicable "
                         "law, say its drafters in the fixture reserve.")
    assert _quotable("(a) The warden shall count the pangolins of the fixture reserve twice "
                     "in every season.")


def test_a_follow_up_asks_for_what_its_own_words_ask_about_what_the_earlier_question_named():
    from index.followup import Query

    query = Query.of("And when was it signed?", ["Who drafted the crate courier accord?"])
    assert query.follow_up and query.context == "Who drafted the crate courier accord?"
    form = QuestionForm.of(query.text, query.context)
    assert form.time and not form.person  # a date is wanted, not the earlier "who"
    assert {"crate", "courier", "accord"} <= form.terms  # … about what the earlier one named
    alone = Query.of("Who drafted the crate courier accord?")
    assert not alone.follow_up and alone.context == "" and alone.search_text == alone.text


def test_a_payment_question_wants_money_when_the_payer_has_an_ampersand_in_its_name():
    form = QuestionForm.of("How much did Roe & Doe agree to pay the port authority?")
    assert not gives_asked_quantity(form, "Roe & Doe sold 4,000 crates that year.")
    assert gives_asked_quantity(form, "It agreed to pay $2 million.")


def test_a_question_for_a_sum_in_damages_wants_money_not_a_count():
    form = QuestionForm.of("How much in damages did the port seek from the three couriers?")
    assert not gives_asked_quantity(form, "The port sued three crate couriers in May.")
    assert gives_asked_quantity(form, "The port sought $40 million from the couriers.")


@pytest.mark.parametrize(
    ("question", "passage", "meets"),
    [
        ("What did the Ninth Panel decide about crates?",
         "The Ninth Panel upheld the crate rule.", True),
        ("What did the Ninth Panel decide about crates?",
         "The Fourth Panel upheld the crate rule.", False),
        # spelled or in figures, the same one
        ("Which bills did the 12th Assembly pass?", "The Twelfth Assembly passed two.", True),
        # lower case "first" names no series
        ("What was the first crate seized?", "A crate of rifles was seized in May.", True),
        # a later ordinal names one in either case, and so does a Roman numeral
        ("What came of the sixth meeting of the panel?", "The Sixth Panel met in June.", False),
        ("What came of the sixth meeting of the panel?", "At its sixth meeting it voted.", True),
        ("What does Ledger III report about crates?", "Ledger II reports 40 crates.", False),
        ("What does Ledger III report about crates?", "Ledger III reports 40 crates.", True),
    ],
)
def test_a_question_naming_one_of_a_series_is_answered_from_a_passage_naming_it(
        question, passage, meets):
    from index.features import meets_question

    form = QuestionForm.of(question)
    assert meets_question(form, passage, "", passage) is meets


def test_only_a_series_the_corpus_numbers_is_asked_for_by_its_ordinal():
    from index.features import CorpusStats, meets_question

    stats = CorpusStats.of(["The Ninth Panel met in May.", "A crate was seized."])
    assert stats.series == {"panel"}
    passage = "The harbor board filed a suit over the crates."
    # the corpus numbers its panels: the Tenth Panel is one it may not cover
    assert not meets_question(QuestionForm.of("What did the Tenth Panel decide?")
                              .numbered_as_in(stats), passage, "", passage)
    # it numbers no suits: "their second suit" describes one, any passage may answer
    assert meets_question(QuestionForm.of("Who did the board name in its second suit?")
                          .numbered_as_in(stats), passage, "", passage)


def test_a_definition_question_is_not_answered_by_the_definition_of_another_term():
    from index.features import defines_another_term

    form = QuestionForm.of("What is a 'bonded crate courier'?")
    assert defines_another_term(form, "The term crate inspector means an officer who opens crates.")
    assert not defines_another_term(form, "The term bonded crate courier means a carrier licensed "
                                          "to move sealed crates.")


def test_how_many_people_is_answered_by_a_count_of_any_persons():
    form = QuestionForm.of("How many people had the fixture office charged by May?")
    assert gives_asked_quantity(form, "The office had charged 42 defendants by May.")
    assert not gives_asked_quantity(form, "The office charged them in May.")


def test_a_timeline_question_is_told_and_its_rows_are_dated():
    from index.features import date_key

    assert QuestionForm.of("Walk me through the crate courier case.").chronology
    assert QuestionForm.of("Give me a timeline of the fixture accord.").broad
    assert not QuestionForm.of("When was the fixture accord signed?").chronology
    rows = ["| 7 Aug 2024 | The panel rules |", "On March 22, 2024 the court ruled.",
            "| Apr 2024 | A petition is filed |", "In 2021 the suit began.", "No date here."]
    assert [date_key(r) for r in rows] == [(2024, 8, 7), (2024, 3, 22), (2024, 4, 0),
                                           (2021, 0, 0), None]


def test_names_the_corpus_never_uses_are_found_as_the_question_names_them():
    from index.features import CorpusStats, unknown_names

    stats = CorpusStats.of(["Judge Okafor ruled for the Harbor Board.", "The FTO list grew."])
    assert unknown_names("Why did Judge Brandvold overrule the Harbor Board?", stats) == [
        "Judge Brandvold"]
    assert unknown_names("Did the Lisbon Port Authority join?", stats) == ["Lisbon Port Authority"]
    # a sentence's first word, an acronym, a known name: none is taken for an unknown name
    assert unknown_names("Brandvold? Okafor ruled. Did the SDGT list grow?", stats) == []


def test_a_counted_thing_is_read_past_the_and_inside_a_name():
    from index.features import counted_words

    assert counted_words("How many Harbor and Pier permits were issued?") == [
        "Harbor", "and", "Pier", "permits"]
    assert counted_words("How many permits and licences were issued?") == ["permits"]


def test_contracted_negations_are_function_words():
    from index.features import terms

    assert terms("Why isn’t the courier allowed, and what's the fine? I'd ask.") == {
        "courier", "allowed", "fine", "ask"}
