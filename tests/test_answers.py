"""Cited answers on the fixture corpus: real store, real model, real retrieval."""

from __future__ import annotations

import re

import pytest

from index.answers import InvalidQuestion
from index.followup import Query
from index.retrieval import SearchFilters

PENALTY_QUESTION = "How long can someone be imprisoned for an unlawful cross-border transfer?"


def cited_docs(answer) -> set[str]:
    return {c.passage.doc_id for c in answer.citations}


def test_answer_cites_the_passage_it_quotes(casefile):
    answer = casefile.ask(PENALTY_QUESTION)
    assert answer.status == "answered"
    assert "12 years" in answer.answer
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert markers == {c.n for c in answer.citations}
    text = casefile.document_text("statute-fixture-border-transfer-act")
    for citation in answer.citations:
        passage = citation.passage
        assert text[passage.start_char : passage.end_char] == passage.text
        assert text[citation.sentence_start : citation.sentence_end] == citation.sentence
        assert citation.sentence in passage.text


def test_primary_source_is_cited_directly(casefile):
    answer = casefile.ask(PENALTY_QUESTION)
    assert "According to" not in answer.answer


def test_advocacy_claim_is_attributed_to_its_publisher(casefile):
    answer = casefile.ask("What share of seized rifles were stolen from police armories?")
    assert answer.status == "answered"
    assert "advocacy-fixture-industry-view" in cited_docs(answer)
    assert "According to Fixture Firearms Trade Council (advocacy)" in answer.answer


def test_claims_are_data_with_speaker_and_exact_offsets(casefile):
    answer = casefile.ask("What share of seized rifles were stolen from police armories?")
    numbered = {c.n: c.passage.doc_id for c in answer.citations}
    advocacy = [s for s in answer.sentences
                if numbered[s.citations[0]] == "advocacy-fixture-industry-view"]
    assert advocacy and all(s.speaker == "Fixture Firearms Trade Council (advocacy)"
                            for s in advocacy)
    for sentence in answer.sentences:
        text = casefile.document_text(numbered[sentence.citations[0]])
        quoted = text[sentence.start : sentence.end]
        # The claim is the source's sentence with only Markdown and spacing tidied.
        assert re.sub(r"\W+", "", quoted)[:40] == re.sub(r"\W+", "", sentence.text)[:40]


def test_one_speaker_is_named_once_for_a_run_of_claims():
    from index.answers import AnswerSentence, answer_text

    said = [AnswerSentence("First point.", [1], True, 0.9, speaker="Group A (advocacy)"),
            AnswerSentence("Second point.", [2], True, 0.9, speaker="Group A (advocacy)"),
            AnswerSentence("A statute's words.", [3], True, 0.9),
            AnswerSentence("Third point.", [1], True, 0.9, speaker="Group A (advocacy)")]
    assert answer_text(said) == (
        "According to Group A (advocacy): “First point.” [1] “Second point.” [2] "
        "A statute's words. [3] According to Group A (advocacy): “Third point.” [1]")


def test_exact_section_number_is_found_by_keyword_search(casefile):
    hits = casefile.retriever.search("quokka license section 4409", k=3)
    assert hits[0].passage.doc_id == "statute-fixture-border-transfer-act"
    assert hits[0].keyword > 0


def test_companion_bills_both_retrieved_and_named(casefile):
    answer = casefile.ask("What share of southbound rail cars must be screened for firearms?")
    retrieved = {p.doc_id for p in answer.retrieved[:4]}
    assert {"legislation-hr9001-fixture-southbound-act",
            "legislation-s9002-fixture-southbound-act"} <= retrieved
    assert any("H.R. 9001 and S. 9002 are companion bills" in n for n in answer.notices)
    # The same sentence in both bills is said once.
    assert answer.answer.count("not less than 15 percent") == 1


def test_filters_restrict_kind_document_and_date(casefile):
    question = "firearms seized and traced"
    only_bills = casefile.ask(question, filters=SearchFilters(kinds=("legislation",)))
    assert {p.kind for p in only_bills.retrieved} == {"legislation"}
    one_doc = casefile.ask(question, filters=SearchFilters(
        doc_ids=("government-report-fixture-trace-study",)))
    assert {p.doc_id for p in one_doc.retrieved} == {"government-report-fixture-trace-study"}
    dated = casefile.ask(question, filters=SearchFilters(date_from="2021-01-01",
                                                         date_to="2022-12-31"))
    assert dated.retrieved
    assert all("2021-01-01" <= p.date <= "2022-12-31" for p in dated.retrieved)


def test_unrelated_question_abstains_with_related_passages(casefile):
    answer = casefile.ask("What is the recipe for lemon meringue pie?")
    assert answer.status == "no_evidence"
    assert answer.citations == []
    assert "does not answer" in answer.answer


def test_question_about_names_the_corpus_never_uses_abstains_and_says_which(casefile):
    answer = casefile.ask("How much did Quarnell Arms pay the Vexbury families?")
    assert answer.status == "no_evidence"
    assert answer.citations == []
    assert "Quarnell" in answer.answer and "Vexbury" in answer.answer
    assert answer.related  # the closest passages, shown as related reading


def test_a_person_the_corpus_never_names_is_not_answered_for(casefile):
    """The topic is the corpus's own; the judge is not in it, so nothing said about the ruling
    is about her dissent (embeddings would answer with the ruling)."""
    answer = casefile.ask("Why did Judge Halvorsen dissent from the Fixture Circuit's ruling "
                          "on the pangolin appeal?")
    assert answer.status == "no_evidence"
    assert "never mentions Judge Halvorsen" in answer.answer
    assert casefile.ask("Why did the Fixture Circuit rule against the pangolin "
                        "appeal?").status == "answered"


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_is_refused_before_searching(casefile, question):
    with pytest.raises(InvalidQuestion):
        casefile.ask(question)


def test_huge_question_is_truncated_with_notice_and_answered(casefile):
    answer = casefile.ask(PENALTY_QUESTION + " " + "x" * 20_000)
    assert any("only the first" in n for n in answer.notices)
    assert answer.status == "answered"


def test_follow_up_uses_previous_question(casefile):
    first = "When must the Secretary report to Congress under H.R. 9001?"
    follow_up = casefile.ask("and the Senate version?", history=[first])
    assert first in follow_up.search_query
    assert "legislation-s9002-fixture-southbound-act" in {p.doc_id for p in follow_up.retrieved[:3]}
    standalone = casefile.ask("What does the trace study recommend?", history=[first])
    assert standalone.search_query == "What does the trace study recommend?"


def test_html_in_documents_stays_text(casefile):
    answer = casefile.ask("What happened at the zebrafinch hearing?")
    assert answer.status == "answered"
    assert casefile.document_text("news-fixture-markup").count("<script>") == 1


def test_to_dict_matches_the_cli_contract(casefile):
    data = casefile.ask(PENALTY_QUESTION).to_dict()
    assert set(data) >= {"question", "status", "answer", "citations", "retrieved", "timings_ms"}
    citation = data["citations"][0]
    assert set(citation) >= {"n", "doc_id", "title", "publisher", "kind", "date", "url",
                             "source_file", "page", "start_char", "end_char", "text", "score"}
    assert set(data["retrieved"][0]) >= {"doc_id", "source_file", "score", "text"}
    assert set(data["timings_ms"]) == {"retrieve", "answer", "total"}


def test_sources_that_disagree_on_a_figure_are_both_shown():
    from index.extractive import Candidate, _differing_figures
    from index.passages import Passage

    def sentence(doc_id: str, text: str, title: str = "", kind: str = "news") -> Candidate:
        passage = Passage(node_id=f"{doc_id}:v:0", doc_id=doc_id, source_file=doc_id,
                          title=title or doc_id, publisher="", kind=kind, date="", url="",
                          page=None, section="", start_char=0, end_char=len(text), text=text,
                          score=1.0)
        return Candidate(0, passage, 0, len(text), text)

    chosen = [sentence("a", "About 70 percent of traced guns came from the U.S."),
              sentence("b", "Only 17% of seized guns could be traced to the U.S.")]
    notes = _differing_figures(chosen, {"a:v:0": 1, "b:v:0": 2})
    assert notes == ["The sources give different figures: 70% [1]; 17% [2]. Check each source."]
    agreeing = [chosen[0], sentence("b", "Officials said 70% came from the U.S.")]
    assert _differing_figures(agreeing, {"a:v:0": 1, "b:v:0": 2}) == []
    # Two provisions of companion bills are one act speaking, not two sources disagreeing.
    bill = "legislation"
    companions = [
        sentence("hr", "Inspect 10 percent of cars by 2027.", "H.R. 9001 — Screening Act", bill),
        sentence("s", "Report on raising it to 20 percent.", "S. 9002 — Screening Act", bill),
    ]
    assert _differing_figures(companions, {"hr:v:0": 1, "s:v:0": 2}) == []


def test_a_running_casefile_picks_up_a_new_ingest(tmp_path, monkeypatch):
    """BM25 and the document list follow the store: no restart after an ingest."""
    import shutil

    import index.service
    from index.service import Casefile
    from ingest.cli import run_ingest
    from tests.conftest import FIXTURE_CORPUS, settings_for

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(FIXTURE_CORPUS / "government-report-fixture-trace-study.md", corpus)
    settings = settings_for(tmp_path / "store", corpus)
    assert run_ingest(settings, [corpus], as_json=True) == 0
    casefile = Casefile(settings)
    before = casefile.ask(PENALTY_QUESTION)
    assert "statute-fixture-border-transfer-act" not in {p.doc_id for p in before.retrieved}

    shutil.copy(FIXTURE_CORPUS / "statute-fixture-border-transfer-act.md", corpus)
    assert run_ingest(settings, [corpus], as_json=True) == 0
    monkeypatch.setattr(index.service, "FRESHNESS_SECONDS", 0.0)
    answer = casefile.ask(PENALTY_QUESTION)
    assert answer.status == "answered"
    assert "statute-fixture-border-transfer-act" in cited_docs(answer)
    assert casefile.retriever.search("quokka license", k=1)[0].keyword > 0  # BM25 rebuilt


def test_spanish_question_is_told_the_quotes_are_in_english(casefile):
    from index.language import is_spanish

    assert is_spanish("¿Cuántas armas rastreó la oficina entre 2015 y 2019?")
    assert not is_spanish("How many firearms did the office trace in Nogales?")
    answer = casefile.ask("¿Cuántas armas rastreó la oficina entre 2015 y 2019?")
    assert any("in English" in n for n in answer.notices)
    assert not any("in English" in n for n in casefile.ask(PENALTY_QUESTION).notices)


def test_pointers_sponsor_lists_and_cut_sentences_are_never_quoted():
    from index.extractive import _cut_by_chunk_end, _quotable

    assert not _quotable("In this section, the term “port” has the meaning given that term in "
                         "section 12 of the Fixture Code.")
    assert not _quotable("(1) Crate and courier have the meanings provided for both words "
                         "by section 12 of the Fixture Code.")
    assert not _quotable("Ms. Quill (for herself, Mr. Ambrose, and Mrs. Tern) introduced the bill.")
    assert _quotable("The office traced 12,345 firearms seized between 2015 and 2019.")
    # Pieces of a sentence: a short item running on from its list's lead-in, and the tail of
    # a sentence the splitter cut inside a parenthesis.
    assert not _quotable("(D) the Committee on Fixtures of the House of Representatives .")
    assert not _quotable("Northern Cell); the Harbor Group (also known as HG); and the Delta "
                         "Ring (also known as DR).")
    assert _quotable("(3) the term “courier” means any person paid to carry goods across.")
    assert _quotable("The bureau (ATF) traced 12,345 firearms seized between 2015 and 2019.")
    # A lead-in whose dash the source lost stops on a word no sentence ends on; joined to its
    # items it is quoted whole.
    from index.extractive import _with_lists
    from index.sentences import sentences

    lost_dash = ("It is unlawful for any courier to\n\n(1) carry a sealed crate across the harbor "
                 "without a permit; or\n\n(2) hand a sealed crate to a stranger.")
    assert not _quotable("It is unlawful for any courier to")
    pieces = [lost_dash[a:b] for a, b in _with_lists(lost_dash, list(sentences(lost_dash)))]
    assert any(p.startswith("It is unlawful") and p.endswith("stranger.")
               and _quotable(p) for p in pieces)
    # A long lead-in that ends on a dash stops mid-sentence: its items finish it.
    assert not _quotable("No courier may hand a sealed fixture crate to a stranger at the "
                         "depot if the courier suspects that the stranger plans to—")
    # The chunk ended on an abbreviation's full stop, or mid-sentence: the piece is cut.
    assert _cut_by_chunk_end("The suit was filed in the District Court (No.", at_end=True)
    assert _cut_by_chunk_end("The suit was filed in the District Court and then", at_end=True)
    assert not _cut_by_chunk_end("The suit was filed in the District Court.", at_end=True)
    assert not _cut_by_chunk_end("The suit was filed in the District Court (No.", at_end=False)


def test_a_quantity_question_is_answered_by_a_figure_for_what_it_counts(casefile):
    answer = casefile.ask("How many firearms did the office trace?")
    assert answer.status == "answered"
    assert "12,345" in answer.answer.split("[1]")[0]


def test_a_quantity_question_the_corpus_gives_no_figure_for_abstains(casefile):
    # The trace study counts firearms and percentages, never inspectors.
    answer = casefile.ask("How many inspectors did the trace office hire for the study?")
    assert answer.status == "no_evidence"
    assert "no figure for the number of inspectors" in answer.answer


def test_a_paragraph_wholly_in_bold_is_a_heading_not_a_quote():
    from index.extractive import ExtractiveAnswerer
    from index.features import CorpusStats
    from index.passages import Hit, Passage

    text = ("**Widen the inspection of southbound freight**\n\n"
            "The agency will add four scanning lanes at each crossing by next spring.\n\n"
            "**(B)**\n\n"
            "**The bold opening sentence of a paragraph still counts.** It says something.")
    passage = Passage(node_id="fx:v:0", doc_id="fx", source_file="fx", title="A fact sheet",
                      publisher="", kind="government-report", date="", url="", page=None,
                      section="", start_char=0, end_char=len(text), text=text, score=1.0)
    answerer = ExtractiveAnswerer(lambda: CorpusStats(0, {}))
    found = answerer.candidates(Query.of("What will the agency add at crossings?"),
                                [Hit(passage, dense=0.6, keyword=1.0, fused=1.0)])
    quoted = {c.text: c.heading for c in found}
    assert not any(t.startswith("**Widen") for t in quoted)
    lane = next(t for t in quoted if "scanning lanes" in t)
    assert quoted[lane] == "Widen the inspection of southbound freight"
    assert any("bold opening sentence" in t for t in quoted)


def test_a_question_about_a_year_is_answered_only_from_passages_about_that_time(casefile):
    # The study's count covers 2015 to 2019: a year inside that range is answered by it,
    # a year no passage is about is refused instead of answered with another time's figure.
    inside = casefile.ask("How many seized firearms did the office trace in 2017?")
    assert inside.status == "answered"
    assert "12,345" in inside.answer
    outside = casefile.ask("How many seized firearms did the office trace in 2008?")
    assert outside.status == "no_evidence"
    assert "about 2008" in outside.answer


def test_a_question_for_named_people_needs_a_sentence_that_names_one(casefile):
    from index.features import QuestionForm, meets_question

    form = QuestionForm.of("Which judges ruled on the pangolin appeal?")
    assert meets_question(form, "Judges Roe and Doe of the Fixture Circuit ruled on it.", "")
    assert not meets_question(form, "The Justice Department announced a new policy.", "")
    # The fixture ruling names a court, no judge: nothing answers "which judges".
    answer = casefile.ask("Which judges ruled on the pangolin appeal?")
    assert answer.status == "no_evidence"
    assert "names the person" in answer.answer


def test_a_table_header_row_is_never_quoted():
    from index.extractive import ExtractiveAnswerer
    from index.features import CorpusStats
    from index.passages import Hit, Passage

    row = "| Trace study | 2015–2019 | 61 percent of the traced rifles came from border dealers |"
    text = f"| Study | Period | Finding reported by the office |\n|---|---|---|\n{row}"
    passage = Passage(node_id="fx:v:0", doc_id="fx", source_file="fx", title="A primer",
                      publisher="", kind="reference", date="", url="", page=None,
                      section="", start_char=0, end_char=len(text), text=text, score=1.0)
    answerer = ExtractiveAnswerer(lambda: CorpusStats(0, {}))
    hit = Hit(passage, dense=0.6, keyword=1.0, fused=1.0)
    question = Query.of("What period did the trace study cover?")
    found = [c.text for c in answerer.candidates(question, [hit])]
    assert found == [row]


def test_an_item_running_on_from_its_lead_in_never_opens_an_answer():
    from index.extractive import plain
    from index.features import FRAGMENT

    # Bold or escaped item labels do not hide that the text after them starts mid-sentence.
    assert FRAGMENT.match("(B)**\nprovides for the registration of crates")
    assert FRAGMENT.match("\\(i\\) the authority granted by law")
    assert not FRAGMENT.match("(2) The office shall report each year.")
    assert plain("\\(i\\) the **authority** granted") == "(i) the authority granted"


def _passage(text: str, doc_id: str = "fx", title: str = "A statute") -> object:
    from index.passages import Passage

    return Passage(node_id=f"{doc_id}:v:0", doc_id=doc_id, source_file=doc_id, title=title,
                   publisher="", kind="statute", date="", url="", page=None, section="",
                   start_char=0, end_char=len(text), text=text, score=1.0)


def _quoted_from(text: str, question: str) -> list[str]:
    """The candidate sentences the answerer finds in one passage holding ``text``."""
    from index.extractive import ExtractiveAnswerer
    from index.features import CorpusStats
    from index.passages import Hit

    answerer = ExtractiveAnswerer(lambda: CorpusStats(0, {}))
    hit = Hit(_passage(text), dense=0.6, keyword=1.0, fused=1.0)
    return [c.text for c in answerer.candidates(Query.of(question), [hit])]


def test_a_definition_the_chunk_end_cut_is_quoted_to_its_last_whole_clause():
    text = ("(4) Crate courier\n\nThe term “crate courier” means a person who carries a sealed "
            "fixture crate across the southern line for a fee paid by the sender, whether "
            "or not the person knows what the crate holds, but does not include")
    definition = text[text.index("The term"): text.index(", but does not") + 1]
    assert _quoted_from(text, "What is a crate courier?") == [definition]
    # A piece that runs a notice number and a title into a sentence is no sentence: not quoted.
    runs_on = ("[Notice: 77]\nDesignation of the Harbor Group and the Delta Ring\nActing under "
               "the authority of the Fixture Code, I have determined that the Harbor Group, "
               "the Delta Ring, and their agents pose a risk to the depot, and")
    assert _quoted_from(runs_on, "Who was designated under the Fixture Code?") == []


def test_a_definition_question_knows_which_term_it_asks_about():
    from index.features import QuestionForm, defines_subject

    form = QuestionForm.of("What is a 'crate courier' under the fixture code?")
    assert form.definition and form.subject == {"crate", "courier"}
    assert defines_subject(form, "The term **“crate courier”** means a person who carries crates.")
    # Another term of the same statute, or the term used without being defined: no.
    assert not defines_subject(form, "The term “sender” means the person who pays a crate courier.")
    assert not defines_subject(form, "A crate courier may not be paid in cash.")
    assert defines_subject(QuestionForm.of("What is Operation Lantern?"),
                           "Operation Lantern is a joint effort of the two fixture agencies.")
    assert not QuestionForm.of("What did the agency announce in its lawsuit?").subject
    # A definition of a term the question never uses answers nothing it asks.
    from index.features import defines_another_term

    about_the_bill = QuestionForm.of("What would the crate courier bill change at the depot?")
    assert defines_another_term(about_the_bill, "The term “sender” means the person who pays.")
    assert not defines_another_term(about_the_bill, "The term “depot” means a crate store.")
    assert not defines_another_term(about_the_bill, "The bill closes the depot at night.")


def test_a_broad_answer_draws_on_more_than_one_source():
    from index.extractive import ExtractiveAnswerer
    from index.features import FEATURES

    class Scored:
        def __init__(self, doc: str, p: float, text: str) -> None:
            self.passage, self.probability, self.text = _passage(text, doc), p, text
            self.hit_rank, self.start, self.features = 0, 0, [0.0] * len(FEATURES)

    one = [Scored("a", 0.9 - i / 100, f"Sentence {w} of the first source.")
           for i, w in enumerate(["alpha", "beta", "gamma", "delta"])]
    other = Scored("b", 0.6, "The second source tells another part of the story.")
    answerer = ExtractiveAnswerer(lambda: None, ranker=_AlwaysSupported())
    broad = answerer._choose([*one, other], one, limit=4, per_document=2)
    assert [c.passage.doc_id for c in broad].count("a") == 2 and other in broad
    narrow = answerer._choose([*one, other], one, limit=4)
    assert other not in narrow


class _AlwaysSupported:
    abstain_below = 0.0

    def best_support(self, _features) -> float:
        return 1.0


def test_a_follow_up_is_known_by_what_it_points_back_to_not_only_by_its_length():
    from index.followup import is_follow_up, with_context

    earlier = ["Which reports would the crate courier bill require each year?"]
    long_one = "Does the House version set a shorter deadline for the first of those reports?"
    assert is_follow_up(long_one)
    assert with_context(long_one, earlier).startswith(earlier[0])
    assert is_follow_up("When was it passed, and by whom?")
    # A question that stands on its own is searched as asked, though it says "their".
    alone = "What did the fixture agencies write in their annual report about crate seizures?"
    assert not is_follow_up(alone)
    assert with_context(alone, earlier) == alone


def test_a_paragraph_in_italics_is_a_note_about_the_document_never_quoted():
    text = ("*A summary we wrote for testing; it is no court record. Read the filings "
            "themselves before relying on any detail in it.*\n\n"
            "The fixture court dismissed the crate courier suit in the spring of that year.")
    assert _quoted_from(text, "What did the court do with the suit?") == [text.split("\n\n")[1]]


def test_a_question_the_text_asks_is_never_quoted_as_an_answer():
    text = ("Where did the seized crates go? The fixture port sent all of them to the "
            "regional depot for inspection.")
    assert _quoted_from(text, "Where did the seized crates go?") == [text.split("? ")[1]]


def test_a_citation_names_the_section_its_sentence_is_in():
    from index.answers import Citation
    from index.passages import Passage

    text = "the end of the filing section.\n\n## Defendants\n\nThe caption names ten companies."
    passage = Passage("n1", "d", "d.md", "T", "P", "reference", "2026-01-01", "", None,
                      "Filing", 100, 100 + len(text), text, 1.0)
    sentence = "The caption names ten companies."
    start = 100 + text.index(sentence)
    assert Citation(1, passage, sentence, start, start + len(sentence)).section == "Defendants"
    # A sentence before the heading stays in the section the passage starts in.
    assert Citation(1, passage, "the end", 100, 107).to_dict()["section"] == "Filing"
