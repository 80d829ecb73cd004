"""Outline answers: a question for the parts of a plan or bill is answered with its own list."""

from __future__ import annotations

from index.outline import ASKS_OUTLINE, is_housekeeping, item_words, outlines

PLAN = "What are the main parts of the harbor action plan against parrot smuggling?"

LISTED = """Some opening words. The bill would do three things:

-   **First** thing to do,
    continued on a second line;
-   Second thing;
-   Third thing.

After the list."""


def test_a_list_is_its_lead_in_sentence_and_its_items():
    (found,) = outlines(LISTED)
    assert LISTED[slice(*found.lead_in)] == "The bill would do three things:"
    items = [LISTED[a:b] for a, b in found.items]
    assert items[0].endswith("continued on a second line;") and len(items) == 3
    assert item_words(items[2]) == "Third thing."


def test_two_items_are_not_a_list_and_housekeeping_entries_are_known():
    assert outlines("It does two things:\n\n- one;\n- two.\n") == []
    assert is_housekeeping("Sec. 1. Short title; table of contents.")
    assert not is_housekeeping("Sec. 3. Transfer of regulatory control of munitions.")


def test_outline_questions_are_those_asking_for_the_shape_of_one_thing():
    for asked in ("Summarize the plan.", "What would the Fixture Act do?", "What are the key "
                  "provisions of the bill?", "What were the three pillars of the framework?"):
        assert ASKS_OUTLINE.search(asked), asked
    for asked in ("When was the plan adopted?", "How many parrots were found?",
                  "What does the statute prohibit?"):
        assert not ASKS_OUTLINE.search(asked), asked


def test_a_plan_is_answered_with_its_own_items_each_cited(casefile):
    answer = casefile.ask(PLAN)
    assert answer.status == "answered"
    plan = "government-report-fixture-action-plan"
    texts = [s.text for s in answer.sentences]
    assert "To end the trade within five years, the harbor action plan commits the ministry to:" \
        in texts
    for item in ("Screen outbound cargo", "Train customs officers", "Share seizure records",
                 "Fund rescue aviaries"):
        quoted = next(s for s in answer.sentences if s.text.startswith(item))
        cited = answer.citations[quoted.citations[0] - 1]
        assert cited.passage.doc_id == plan
        document = casefile.document_text(plan)
        assert document[quoted.start:quoted.end].lstrip("- ").startswith(f"**{item}")
    # A question for one fact of the same plan gets that fact, not the list.
    single = casefile.ask("Where did customs officers find the protected parrots?")
    assert single.status == "answered"
    assert not any(s.text.endswith("commits the ministry to:") for s in single.sentences)
    assert sum(s.text.startswith(("Screen", "Train", "Share", "Fund"))
               for s in single.sentences) < 4
