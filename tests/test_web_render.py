"""The web chat's HTML/Markdown rendering and filter parsing, on real answers from the fixture
corpus (no browser): everything from a document or a question arrives escaped."""

from __future__ import annotations

import re
from html import unescape

import pytest

from index.web import cards, chat, corpus, viewer
from index.web.chat import Conversation, Turn
from index.web.filters import FilterError, build_filters, date_bound, kinds_for
from index.web.html import esc, md, safe_url

STATUTE_Q = "How long can someone be imprisoned for an unlawful cross-border transfer?"
MARKUP_Q = "What happened at the zebrafinch hearing?"
NO_EVIDENCE_Q = "What is the recipe for lemon meringue pie?"


@pytest.fixture(scope="module")
def turns(casefile) -> dict[str, Turn]:
    return {q: Turn.from_answer(casefile.ask(q)) for q in (STATUTE_Q, MARKUP_Q, NO_EVIDENCE_Q)}


def test_escaping_helpers_neutralise_markup_templates_and_markdown():
    assert esc('<img src=x onerror="a()">') == "&lt;img src=x onerror=&quot;a()&quot;&gt;"
    assert "${" not in esc("${value}") and "{{" not in esc("{{value}}")
    rendered = md("**bold** [link](javascript:alert(1)) <b>x</b> $5 #1")
    assert "<b>" not in rendered and "**" not in rendered and "](" not in rendered
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("https://example.org/a") == "https://example.org/a"


def test_answer_markers_become_links_to_this_turns_citations(turns):
    turn = turns[STATUTE_Q]
    assert turn.status == "answered" and turn.citations
    message = chat.answer_markdown(turn, index=3)
    for c in turn.citations:
        assert f'href="#cf-ref-3-c-{c["n"]}-' in message
    # Only our own tags survive as markup.
    assert set(re.findall(r"<(/?\w+)", message)) <= {"a", "/a"}


def test_markup_document_is_escaped_everywhere(turns):
    turn = turns[MARKUP_Q]
    assert turn.status == "answered"
    outputs = [chat.answer_markdown(turn, 0), cards.sources_html(turn, 0)]
    c = turn.citations[0]
    source = viewer.Source("Source [1]", True, c)
    outputs.append(viewer.viewer_html(source, "<script>x()</script> " + c["text"], None))
    for html in outputs:
        assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in outputs[1] and "&lt;b&gt;inside&lt;/b&gt;" in outputs[1]


def test_sources_cards_show_badge_metadata_highlight_and_link(turns):
    turn = turns[STATUTE_Q]
    html = cards.sources_html(turn, 0)
    c = turn.citations[0]
    assert html.count('class="cf-card"') == len(turn.citations)
    assert f">{c['kind_label']}<" in html and esc(c["title"]) in html
    assert f'<mark class="cf-main">{esc(c["sentence"])}</mark>' in html
    assert f'href="{c["url"]}"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "Same text also in" not in html  # this statute has no companion


def test_a_card_names_the_companion_that_carries_the_same_passage(turns):
    import copy

    turn = copy.deepcopy(turns[STATUTE_Q])
    twin = {"doc_id": "s9002", "source_file": "s9002", "title": "S. 9002 <i>companion</i>",
            "url": "https://example.org/bills/s9002", "start_char": 0, "end_char": 10}
    turn.citations[0]["also_in"] = [twin]
    html = cards.sources_html(turn, 0)
    assert "Same text also in" in html
    assert 'href="https://example.org/bills/s9002"' in html
    assert "S. 9002 &lt;i&gt;companion&lt;/i&gt;" in html and "<i>" not in html


def test_no_evidence_turn_lists_related_passages_not_support(turns):
    turn = turns[NO_EVIDENCE_Q]
    assert turn.status == "no_evidence"
    message = chat.answer_markdown(turn, 0)
    assert "cf-noevidence" in message and "cf-cite" not in message
    panel = cards.sources_html(turn, 0)
    assert "cf-sources-related" in panel and "related, not support" in panel
    assert 'class="cf-num"' not in panel


def test_viewer_highlights_the_cited_sentence_in_the_full_document(casefile, turns):
    conversation = Conversation(turns=[turns[STATUTE_Q]])
    source = viewer.resolve(conversation, "0-c-1")
    assert source is not None and source.cited
    text = casefile.document_text(source.passage["doc_id"])
    html = viewer.viewer_html(source, text, None)
    marked = re.search(r'<mark class="cf-hl" id="cf-hl">(.*?)</mark>', html, re.S).group(1)
    assert marked == esc(source.passage["sentence"])  # a card click: the citation's sentence
    assert html.count('id="cf-hl"') == 1
    # The whole document is there, verbatim, not just the passage.
    body = html.split('<div class="cf-doc" tabindex="0">', 1)[1].rsplit("</div></div>", 1)[0]
    assert unescape(re.sub(r"<[^>]+>", "", body)) == text
    assert viewer.resolve(conversation, "7-c-1") is None
    assert viewer.resolve(conversation, "0-c-99") is None
    assert viewer.resolve(conversation, "garbage") is None


def test_citation_text_has_title_publisher_date_place_and_url(turns):
    c = turns[STATUTE_Q].citations[0]
    text = viewer.citation_text(c)
    for part in (c["title"], c["publisher"], c["date"], c["url"]):
        assert part in text
    assert (f"p. {c['page']}" if c["page"] else c["section"]) in text


def test_stream_chunks_grow_and_never_split_a_tag(turns):
    message = chat.answer_markdown(turns[STATUTE_Q], 0)
    chunks = list(chat.stream_chunks(message))
    assert chunks[-1] == message and len(chunks) > 1
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert b.startswith(a)
    for chunk in chunks:
        assert chunk.count("<a ") == chunk.count("</a>")


def test_date_filters_accept_year_month_day_and_explain_mistakes():
    assert date_bound("2021", end=False, name="From") == "2021-01-01"
    assert date_bound("2021", end=True, name="To") == "2021-12-31"
    assert date_bound("2024-02", end=True, name="To") == "2024-02-29"
    assert date_bound("2021-06-30", end=False, name="From") == "2021-06-30"
    assert date_bound("", end=True, name="To") == ""
    for bad in ("20x1", "2021-13", "2021-02-30"):
        with pytest.raises(FilterError):
            date_bound(bad, end=False, name="From")
    with pytest.raises(FilterError, match="after"):
        build_filters(None, None, "2022", "2021")


def test_kind_labels_map_to_every_kind_under_that_label():
    assert set(kinds_for(["bill"])) >= {"legislation", "bill"}
    assert kinds_for(["statute"]) == ("statute",)
    assert kinds_for(["legislation"]) == ("legislation",)
    with pytest.raises(FilterError, match="Unknown kind"):
        kinds_for(["recipes"])


def test_corpus_table_lists_every_document_and_searches_titles(casefile):
    records = casefile.documents()
    html = corpus.corpus_html(records)
    assert html.count("<tr data-doc=") == len(records)
    for r in records:
        assert esc(r.doc_id) in html
    narrowed = corpus.corpus_html(records, "southbound")
    assert narrowed.count("<tr data-doc=") == 2
    hostile = corpus.corpus_html(records, "<img src=x onerror=alert(1)> ${1} {{value}}")
    assert "<img" not in hostile and "No title matches" in hostile


def test_each_marker_opens_on_the_claim_it_stands_after(casefile, turns):
    """One citation can back several quoted sentences; the clicked marker's sentence is the
    primary highlight and the citation's other claims are marked too."""
    turn = turns[STATUTE_Q]
    conversation = Conversation(turns=[turn])
    for k, (n, claim) in enumerate(turn.claims):
        source = viewer.resolve(conversation, f"0-c-{n}-{k}")
        text = casefile.document_text(source.passage["doc_id"])
        html = viewer.viewer_html(source, text, None)
        primary = re.search(r'<mark class="cf-hl" id="cf-hl">(.*?)</mark>', html, re.S).group(1)
        assert unescape(primary) == claim
        marks = [unescape(m) for m in re.findall(r"<mark[^>]*>(.*?)</mark>", html, re.S)]
        assert set(turn.claims_for(n)) <= set(marks)
    card_marks = re.findall(r"<mark[^>]*>(.*?)</mark>", cards.sources_html(turn, 0), re.S)
    assert any("12 years" in unescape(m) for m in card_marks)


def test_claims_are_found_despite_markdown_clean_up():
    from index.web.spans import locate

    text = "Intro. The **ban** covers __all__ rifles | pistols sold after 2020. Outro."
    span = locate("The ban covers all rifles — pistols sold after 2020.", text)
    assert span is not None and text[span[0] : span[1]].startswith("The **ban**")
    assert text[span[0] : span[1]].endswith("2020.")
    assert locate("not in the text at all, no", text) is None
