"""The web chat's HTML/Markdown rendering and filter parsing, on real answers from the fixture
corpus (no browser): everything from a document or a question arrives escaped."""

from __future__ import annotations

import re
from html import unescape

import pytest

from index.web import cards, chat, corpus, viewer
from index.web.chat import Conversation, Turn
from index.web.filters import FilterError, build_filters, date_bound, kinds_for
from index.web.html import PRIMER_LABEL, esc, md, safe_url
from index.web.markdown import Mark, render, text_of

STATUTE_Q = "How long can someone be imprisoned for an unlawful cross-border transfer?"
MARKUP_Q = "What happened at the zebrafinch hearing?"
NO_EVIDENCE_Q = "What is the recipe for lemon meringue pie?"
PRIMER_Q = "Was the pangolin appeal untimely?"  # a primer with emphasis and no URL
TABLE_Q = "When was the pangolin appeal filed in the Fixture Circuit?"  # a table row
# Tags rendered Markdown and our own message markup may use; anything else is a leak.
ALLOWED_TAGS = {"div", "p", "a", "span", "em", "strong", "code", "ul", "li", "mark", "del", "s"}


@pytest.fixture(scope="module")
def turns(casefile) -> dict[str, Turn]:
    questions = (STATUTE_Q, MARKUP_Q, NO_EVIDENCE_Q, PRIMER_Q, TABLE_Q)
    return {q: Turn.from_answer(casefile.ask(q)) for q in questions}


def skeleton(text: str) -> str:
    """Text without whitespace or Markdown punctuation: what a reader sees of the characters."""
    return re.sub(r"[\s*_|#]", "", text)


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
    # Only our own tags and rendered formatting survive as markup; one HTML block, no blank line.
    assert {t.lstrip("/") for t in re.findall(r"<(/?\w+)", message)} <= ALLOWED_TAGS
    assert message.startswith("<div") and "\n\n" not in message
    # Every marker has an accessible name and a hover card naming its source.
    for k, (n, claim) in enumerate(turn.claims):
        c = turn.citation(n)
        # (the Chatbot keeps only class/id/href: the name is hidden text, not aria-label)
        assert (f'href="#cf-ref-3-c-{n}-{k}"><span class="cf-sr">Source </span>[{n}]</a>'
                in message)
        card = text_of(message.split(f'id="cf-pop-3-{k}">', 1)[1].split("cf-pop-src", 1)[0])
        assert c["title"] in card and c["kind_label"] in card and c["date"] in card
        assert skeleton(claim) in skeleton(card)


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
    assert "Original ↗" in html
    assert "Same text also in" not in html  # this statute has no companion
    assert f"For question 1: “{esc(turn.question)}”" in html


def test_a_document_without_url_has_no_original_link(casefile, turns):
    turn = turns[PRIMER_Q]
    c = turn.citations[0]
    assert c["url"] == "" and c["doc_id"] == "reference-fixture-casefile-primer"
    assert "Original" not in cards.sources_html(turn, 0)
    record = next(r for r in casefile.documents() if r.doc_id == c["doc_id"])
    html = viewer.viewer_html(viewer.Source("Source [1]", True, c), None, record)
    assert "Original" not in html
    assert "Original" not in corpus._row(record)


def test_primers_are_labelled_as_casefile_primers_not_quoted_as_the_tool(turns):
    turn = turns[PRIMER_Q]
    message = chat.answer_markdown(turn, 0)
    assert f"According to <span class=\"cf-speaker\">the {PRIMER_LABEL}</span>:" in message
    assert "According to Casefile" not in text_of(message)
    assert f">{PRIMER_LABEL}<" in cards.sources_html(turn, 0)
    source = viewer.resolve(Conversation(turns=[turn]), "0-c-1")
    assert f">{PRIMER_LABEL}<" in viewer.viewer_html(source, None, None)


def test_the_chat_names_a_speaker_once_for_a_run_of_their_claims(turns):
    turn = turns[PRIMER_Q]
    said = [s for s in turn.sentences if s["speaker"]]
    runs = sum(1 for i, s in enumerate(turn.sentences)
               if s["speaker"] and (i == 0 or turn.sentences[i - 1]["speaker"] != s["speaker"]))
    message = chat.answer_markdown(turn, 0)
    assert len(said) > runs  # this answer quotes the primer more than once in a row
    assert message.count("According to") == runs
    assert message.count("“") >= len(said)  # every attributed claim still in quotes


def test_document_markdown_is_rendered_in_answer_cards_and_viewer(casefile, turns):
    turn = turns[PRIMER_Q]
    c = turn.citations[0]
    assert "*unanimously*" in c["sentence"]  # the source sentence carries Markdown emphasis
    message = chat.answer_markdown(turn, 0)
    assert "<em>unanimously</em>" in message and "*" not in text_of(message)
    panel = cards.sources_html(turn, 0)
    assert re.search(r"<em>(<mark[^>]*>)?unanimously", panel)
    assert re.search(r"<strong>(<mark[^>]*>)?untimely", panel)
    text = casefile.document_text(c["doc_id"])
    html = viewer.viewer_html(viewer.resolve(Conversation(turns=[turn]), "0-c-1"), text, None)
    for tag in ("table", "th", "li", "h2", "em", "strong"):
        assert re.search(rf"<{tag}[ >]", html), tag
    shown = text_of(html)
    assert "|" not in shown and "**" not in shown and "##" not in shown
    # The highlight covers exactly the cited sentence's characters, across the emphasis.
    marks = re.findall(r'<mark class="cf-hl"[^>]*>(.*?)</mark>', html, re.S)
    assert len(marks) >= 3 and html.count('id="cf-hl"') == 1
    assert skeleton("".join(text_of(m) for m in marks)) == skeleton(c["sentence"])


def test_a_cited_table_row_renders_as_a_table_with_the_cells_marked(casefile, turns):
    turn = turns[TABLE_Q]
    c = turn.citations[0]
    assert c["sentence"].lstrip().startswith("|"), c["sentence"]
    panel = cards.sources_html(turn, 0)
    assert "<table>" in panel and "|" not in text_of(panel)
    cells = re.findall(r'<td><mark class="cf-main">(.*?)</mark></td>', panel)
    assert skeleton("".join(cells)) == skeleton(c["sentence"])
    text = casefile.document_text(c["doc_id"])
    html = viewer.viewer_html(viewer.resolve(Conversation(turns=[turn]), "0-c-1"), text, None)
    cells = re.findall(r'<td><mark class="cf-hl"[^>]*>(.*?)</mark></td>', html)
    assert skeleton("".join(cells)) == skeleton(c["sentence"])


def test_markdown_rendering_is_inert_and_marks_land_on_source_characters():
    doc = ("## (b) Penalty\n\nA person who **violates** it. <script>alert(1)</script> "
           "<img src=x onerror=alert(2)> ![p](http://example.org/p.png) [bad](javascript:x()) "
           "[ok](https://example.org/a) ${7*7} {{v}}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    start = doc.index("A person")
    end = doc.index("it.") + 3
    row = doc.index("| 1 |")
    html = render(doc, [Mark(start, end, "cf-hl", "cf-hl"), Mark(row, len(doc) - 1, "cf-claim")])
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html and 'href="https://example.org/a"' in html
    assert "${" not in html and "{{" not in html and "<h2>(b) Penalty</h2>" in html
    first = re.search(r'<mark class="cf-hl" id="cf-hl">(.*?)</mark>', html).group(1)
    assert first == "A person who "
    assert "<strong><mark class=\"cf-hl\">violates</mark></strong>" in html
    assert re.findall(r'<td><mark class="cf-claim">(.*?)</mark></td>', html) == ["1", "2"]
    # Rows cut from their table's header still render as a table (card excerpts).
    assert "<td>1</td>" in render("| 1 | 2 |\n| 3 | 4 |", fragment=True)


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
    # The whole document is there, rendered, not just the passage.
    assert skeleton(text_of(html)).endswith(skeleton(text.split("(c) Definitions")[1]))
    assert "Fixture Code § 4410</h1>" in html and 'class="cf-in-passage"' in html
    # Each render is stamped anew, so reopening the same passage scrolls to it again.
    assert html != viewer.viewer_html(source, text, None)
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
