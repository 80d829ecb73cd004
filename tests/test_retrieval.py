"""Retrieval hygiene: a list of links never stands in for evidence, and a companion bill's
word-for-word copy of a section takes one place in the results, not two."""

from __future__ import annotations

from pathlib import Path

from index.passages import Hit, Passage, is_link_list
from index.retrieval import SearchFilters, fold_duplicates

READING_LIST = """---
title: "Fixture Primer on the Heron Inquiry"
publisher: "Fixture Reference Desk"
date: "2024-02-02"
kind: "reference"
url: "https://example.org/reference/heron"
license: "CC0-1.0"
provenance: "written for the Casefile test suite"
---

# Fixture Primer on the Heron Inquiry

The heron inquiry looked at how rifles left a bonded warehouse without being logged. Its
report said the warehouse kept paper ledgers that nobody reconciled with the shipping records.

Sources: https://example.org/news/2024/capybara-tunnel-smuggling-verdict ;
https://example.org/blog/2024/03/capybara-tunnel-smuggling-verdict-analysis ;
https://example.org/archive/capybara-tunnel-smuggling-verdict-full-text.pdf ;
https://example.org/wire/2024/capybara-tunnel-smuggling-verdict-reactions ;
https://example.org/docs/capybara-tunnel-smuggling-verdict-appeal-notice.html
"""


def test_a_list_of_links_is_stored_but_never_retrieved(tmp_path: Path):
    from index.service import Casefile
    from ingest.cli import run_ingest
    from tests.conftest import settings_for

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "reference-fixture-heron-primer.md").write_text(READING_LIST, encoding="utf-8")
    settings = settings_for(tmp_path / "store", corpus, chunk_size=60, chunk_overlap=0)
    assert run_ingest(settings, [corpus], as_json=True) == 0
    casefile = Casefile(settings)
    stored = [n.get_content() for n in casefile.store.vector_store.get_nodes(node_ids=None)]
    assert any(is_link_list(text) for text in stored)  # the chunk exists: retrieval skips it

    hits = casefile.retriever.search("capybara tunnel smuggling verdict", k=5)
    assert hits, "the prose chunk is still found"
    assert not any(is_link_list(h.passage.text) for h in hits)
    answer = casefile.ask("What was the capybara tunnel smuggling verdict?")
    assert "example.org" not in answer.answer


def _hit(doc_id: str, text: str, rank: int) -> Hit:
    passage = Passage(
        node_id=f"{doc_id}:v1:{rank}", doc_id=doc_id, source_file=doc_id, title=doc_id,
        publisher="", kind="legislation", date="", url=f"https://example.org/{doc_id}",
        page=None, section="", start_char=0, end_char=len(text), text=text, score=1.0,
    )
    return Hit(passage, dense=0.5, keyword=1.0, fused=1.0 / (rank + 1))


def test_identical_companion_sections_take_one_place():
    screening = "**(a)** The Secretary shall screen\nnot less than 15 percent of rail cars."
    hits = [
        _hit("hr9001", screening, 0),
        _hit("s9002", screening.replace("\n", " ").replace("**", ""), 1),  # same words
        _hit("hr9001", "Not later than 180 days after enactment, the Secretary shall report.", 2),
        _hit("s9002", "Not later than 90 days after enactment, the Secretary shall report.", 3),
    ]
    folded = fold_duplicates(hits)
    assert [h.passage.doc_id for h in folded] == ["hr9001", "hr9001", "s9002"]
    assert [p.doc_id for p in folded[0].also_in] == ["s9002"]
    # One figure apart is not the same text: both deadlines stay, each in its own place.
    assert "90 days" in folded[2].passage.text and not folded[1].also_in


def test_acronyms_the_corpus_defines_are_searched_in_both_forms():
    from index.acronyms import defined_acronyms, expand

    texts = [
        "Congress should repeal the Protection of Lawful Commerce in Arms Act (PLCAA) now.",
        "The Office of National Drug Control Policy’s (ONDCP) budget grew.",
        "Agents (ATF) met.",  # initials that spell nothing are not a definition
    ]
    acronyms = defined_acronyms(texts)
    assert acronyms == {"PLCAA": "Protection of Lawful Commerce in Arms Act",
                        "ONDCP": "Office of National Drug Control Policy"}
    assert expand("Why was the PLCAA passed?", acronyms) == (
        "Why was the PLCAA passed? (Protection of Lawful Commerce in Arms Act)"
    )
    assert expand("What does PLCAA, the Protection of Lawful Commerce in Arms Act, bar?",
                  acronyms).endswith("bar?")  # already spelled out
    assert expand("Why did the DEA act?", acronyms) == "Why did the DEA act?"


ACRONYM_CORPUS = {
    "statute-fixture-heron-export.md": (
        "Heron export offence",
        "Whoever ships a heron across the border without a permit from the Office of Heron "
        "Export Control shall be fined under this title.",
    ),
    "news-fixture-heron-permits.md": (
        "Heron permits are rare",
        "The Office of Heron Export Control (OHEC) said it granted four permits last year.",
    ),
}


def test_a_question_using_an_acronym_finds_text_that_spells_it_out(tmp_path: Path):
    from index.service import Casefile
    from ingest.cli import run_ingest
    from tests.conftest import settings_for

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, (title, body) in ACRONYM_CORPUS.items():
        kind = name.split("-")[0]
        (corpus / name).write_text(
            f'---\ntitle: "{title}"\npublisher: "Fixture"\ndate: "2024-01-01"\nkind: "{kind}"\n'
            f'url: "https://example.org/{name}"\n---\n\n{body}\n', encoding="utf-8")
    settings = settings_for(tmp_path / "store", corpus)
    assert run_ingest(settings, [corpus], as_json=True) == 0
    hits = Casefile(settings).retriever.search("What is OHEC?", k=2)
    statute = next(h for h in hits if h.passage.doc_id == "statute-fixture-heron-export")
    assert statute.keyword > 0  # found by keyword, though it never writes "OHEC"


def test_numbers_that_name_documents():
    from index.named_documents import named_documents, numbers_in

    assert numbers_in("18 U.S.C. §§ 932–934 (Title 18, Chapter 44)") == {"932", "933", "934"}
    assert numbers_in("H.R. 6736 — ARMAS Act of 2025 (119th Congress)") == {"6736"}
    assert numbers_in("over 80,000 weapons, 1.7% of GDP, in 2021") == set()
    assert numbers_in("Under § 4410, what happens?") == {"4410"}
    assert numbers_in("the decree of April 12 (NSPM-12)") == set()  # days are not citations
    titles = [("s554", "18 U.S.C. § 554 — Smuggling"), ("s932", "18 U.S.C. §§ 932–934 — Straw"),
              ("s2", "18 U.S.C. § 2 — Principals"), ("hr6736", "H.R. 6736 — ARMAS Act of 2025")]
    assert named_documents("What does 18 U.S.C. 554 prohibit?", titles) == ["s554"]
    assert named_documents("What is the penalty under 18 U.S.C. 933?", titles) == ["s932"]
    shared = [(f"notice-{i}", f"Notices under Order 777, part {i}") for i in "abc"]
    assert named_documents("What does Order 777 require?", titles + shared) == []  # names three
    assert named_documents("What did Congress pass in 2025?", titles) == []


def test_a_cited_section_comes_first_and_answers(casefile):
    question = "Under § 4410, what happens to firearms taken south across the border?"
    statute = "statute-fixture-border-transfer-act"
    hits = casefile.retriever.search(question, k=5)
    assert hits[0].passage.doc_id == statute
    assert all(h.named == (h.passage.doc_id == statute) for h in hits)
    answer = casefile.ask(question)
    assert {c.passage.doc_id for c in answer.citations} == {statute}
    # Filters still rule: citing § 4410 does not reach past a filter that leaves it out.
    report = "government-report-fixture-trace-study"
    hits = casefile.retriever.search(question, k=5, filters=SearchFilters(doc_ids=(report,)))
    assert {h.passage.doc_id for h in hits} == {report}
    hits = casefile.retriever.search(question, k=5,
                                     filters=SearchFilters(kinds=("government-report",)))
    assert hits and {h.passage.kind for h in hits} == {"government-report"}


def test_a_question_naming_a_month_puts_that_months_documents_first(casefile):
    # Both bills and the trace study speak of screening and firearms; only one is of Sept. 2021.
    question = "What did the report of September 2021 say about screening firearms at the border?"
    hits = casefile.retriever.search(question, k=4)
    assert hits[0].passage.doc_id == "government-report-fixture-trace-study"
    undated = casefile.retriever.search(question.replace(" of September 2021", ""), k=4)
    assert [h.passage.doc_id for h in undated][:1] != ["government-report-fixture-trace-study"]


def _dated_doc(kind: str, title: str, date: str, body: str) -> str:
    return (f'---\ntitle: "{title}"\npublisher: "Fixture"\ndate: "{date}"\nkind: "{kind}"\n'
            f'url: "https://example.org/{title.lower().replace(" ", "-")}"\n---\n\n{body}\n')


def test_a_narrow_filter_finds_passages_ranked_far_below_the_candidates(tmp_path: Path, prose):
    """The filters go into both searches: a date (or kind) that only two old passages match
    returns them, though 60 newer passages outrank them on both lists for the same words."""
    from index.service import Casefile
    from ingest.cli import run_ingest
    from tests.conftest import settings_for

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(30):  # two passages each, all about the osprey permit ledger, dated 2024
        body = (f"The osprey permit ledger number {i} listed osprey permits for the river "
                f"depot. {prose('osprey', 4, seed=i)}\n\n"
                f"Osprey permit ledgers at the depot were audited again. "
                f"{prose('ledger', 4, seed=100 + i)}")
        (corpus / f"news-fixture-osprey-{i:02d}.md").write_text(
            _dated_doc("news", f"Osprey ledger {i}", "2024-05-01", body), encoding="utf-8")
    old = {"statute-fixture-old-osprey-rule": ("statute", "Old osprey rule", "2019-03", "rope"),
           "news-fixture-old-osprey-note": ("news", "Old osprey note", "2019", "lamp oil")}
    for doc_id, (kind, title, date, among) in old.items():
        body = ("A clerk once wrote a single line about an osprey in a margin of the harbour "
                f"book, between notes on tide tables and the price of {among}.")
        (corpus / f"{doc_id}.md").write_text(_dated_doc(kind, title, date, body),
                                             encoding="utf-8")
    settings = settings_for(tmp_path / "store", corpus, chunk_size=60, chunk_overlap=0)
    assert run_ingest(settings, [corpus], as_json=True) == 0
    retriever = Casefile(settings).retriever
    question = "What did the osprey permit ledger at the river depot list?"
    top = retriever.search(question, k=40)
    assert len(top) == 40 and not {h.passage.doc_id for h in top} & set(old)  # far below

    until_2019 = retriever.search(question, k=8, filters=SearchFilters.parse(date_to="2019"))
    assert {h.passage.doc_id for h in until_2019} == set(old)
    assert all(h.dense > 0 and h.keyword > 0 for h in until_2019)  # found by both searches
    # A month bound keeps the source dated only by its year: its span overlaps March 2019.
    march = retriever.search(question, k=8, filters=SearchFilters.parse(
        date_from="2019-03", date_to="2019-03"))
    assert {h.passage.doc_id for h in march} == set(old)
    statutes = retriever.search(question, k=8, filters=SearchFilters(kinds=("statute",)))
    assert [h.passage.doc_id for h in statutes] == ["statute-fixture-old-osprey-rule"]
    assert statutes[0].keyword > 0
    assert retriever.search(question, k=8, filters=SearchFilters.parse(date_from="2025")) == []
