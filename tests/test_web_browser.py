"""The web chat end to end: real Gradio server, real Chroma and model, headless Debian chromium.

Every page records its requests and dialogs; teardown fails the test if the page talked to
anything but the loopback server or if any alert/confirm fired.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

# Gradio's queue calls a pandas API that pandas 3 deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")

STATUTE_Q = "How long can someone be imprisoned for an unlawful cross-border transfer?"
STATUTE_SENTENCE = "shall be imprisoned for not more than 12 years"
MARKUP_Q = "What happened at the zebrafinch hearing?"
NO_EVIDENCE_Q = "What is the recipe for lemon meringue pie?"
PRIMER_Q = "Was the pangolin appeal untimely?"  # our Markdown primer: emphasis, a table, no URL
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


class Recorder:
    def __init__(self, page: Page) -> None:
        self.hosts: set[str] = set()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("request", self._request)
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _request(self, request) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("http", "https", "ws", "wss"):
            self.hosts.add(url.hostname or "")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def page(browser, web_url):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(20_000)
    recorder = Recorder(page)
    page.goto(web_url, wait_until="load")  # Gradio keeps a stream open: never "networkidle"
    page.wait_for_selector("#cf-question textarea")
    page.recorder = recorder
    yield page
    context.close()
    assert recorder.hosts and recorder.hosts <= LOOPBACK, f"non-loopback requests: {recorder.hosts}"
    assert recorder.dialogs == [], f"a dialog fired: {recorder.dialogs}"
    assert recorder.errors == [], f"page errors: {recorder.errors}"


def ask(page: Page, question: str, turn: int) -> None:
    """Type a question, press Enter, wait until the answer has finished streaming."""
    page.fill("#cf-question textarea", question)
    page.press("#cf-question textarea", "Enter")
    page.wait_for_selector(f'#cf-sources [data-turn="{turn}"]')


def last_bot(page: Page):
    return page.locator('#cf-chat [data-testid="bot"]').last


def test_answer_with_citations_hover_cards_and_the_source_viewer(page):
    ask(page, STATUTE_Q, 0)
    answer = last_bot(page)
    markers = answer.locator("a.cf-cite")
    expect(markers.first).to_have_text(re.compile(r"^Source \[\d+\]$"))  # its accessible name
    assert re.fullmatch(r"\[\d+\]", markers.first.inner_text().replace("Source", "").strip())
    assert "Searching" not in answer.inner_text()

    card = page.locator("#cf-sources .cf-card").first
    expect(card.locator(".cf-badge")).to_have_text("statute")
    expect(card.locator(".cf-card-title")).to_contain_text("Fixture Code § 4410")
    expect(card.locator(".cf-meta")).to_contain_text("2019-03-01")
    expect(card.locator("mark.cf-main")).not_to_be_empty()
    expect(card.locator("a.cf-ext")).to_have_attribute("href", "https://example.org/fixture-code/4410")
    expect(card.locator("a.cf-ext")).to_have_text("Original ↗")
    expect(page.locator("#cf-sources")).to_contain_text(f"For question 1: “{STATUTE_Q}”")

    # Hovering a marker previews its source over the answer; leaving hides it.
    statute_marker = markers.filter(has_text="[1]").first
    popover = page.locator("#cf-popover")
    expect(page.locator("#cf-pop-0-0")).to_be_attached()  # the final message has rendered
    statute_marker.hover()
    expect(popover).to_be_visible()
    expect(popover.locator(".cf-badge")).to_have_text("statute")
    expect(popover).to_contain_text("Fixture Code § 4410")
    expect(popover).to_contain_text("2019-03-01")
    expect(popover).to_contain_text(STATUTE_SENTENCE)
    page.mouse.move(5, 5)
    expect(popover).to_be_hidden()
    # Keyboard: focus shows it (and describes the marker), Escape hides it.
    statute_marker.focus()
    expect(popover).to_be_visible()
    expect(statute_marker).to_have_attribute("aria-describedby", "cf-popover")
    page.keyboard.press("Escape")
    expect(popover).to_be_hidden()

    # Click the marker in the answer: the viewer opens on the whole document.
    statute_marker.click()
    highlight = page.locator("#cf-viewer mark#cf-hl")
    expect(highlight).to_be_visible()
    expect(highlight).to_be_in_viewport()
    expect(page.locator("#cf-viewer .cf-doc")).to_contain_text("(c) Definitions")  # whole text
    expect(page.locator("#cf-viewer .cf-viewer-title")).to_contain_text("Fixture Code § 4410")
    citation = page.locator("#cf-citation textarea")
    expect(citation).to_have_value(re.compile(r"Fixture Code § 4410.*2019-03-01.*"
                                              r"https://example\.org/fixture-code/4410"))
    viewer_text = page.locator("#cf-viewer .cf-viewer-ref").inner_text()
    assert viewer_text.startswith("Source [1]")

    # The card of the document already open: the viewer goes to the passage again, visibly.
    doc = page.locator("#cf-viewer .cf-doc")
    doc.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    shown = page.locator("#cf-viewer .cf-viewer").get_attribute("data-shown")
    page.locator("#cf-sources .cf-open").first.click()
    expect(page.locator("#cf-viewer .cf-viewer")).not_to_have_attribute("data-shown", shown)
    expect(highlight).to_be_in_viewport()
    expect(page.locator("#cf-viewer mark.cf-flash").first).to_be_attached()

    page.click("#cf-close")
    expect(page.locator("#cf-viewer-box")).to_be_hidden()

    # A card opens the viewer too, on the sentence that supports the claim.
    page.locator("#cf-sources .cf-open").first.click()
    expect(page.locator("#cf-viewer-box")).to_be_visible()
    expect(page.locator("#cf-viewer mark#cf-hl")).not_to_be_empty()
    texts = ["".join(page.locator("#cf-sources .cf-card").first.locator(
                 "mark.cf-main").all_inner_texts()),
             "".join(page.locator("#cf-viewer mark.cf-hl").all_inner_texts())]
    assert texts[0] == texts[1]
    assert any(STATUTE_SENTENCE in m for m in
               page.locator("#cf-sources .cf-card mark").all_inner_texts())


def test_markdown_primer_label_and_suggested_follow_ups(page):
    ask(page, PRIMER_Q, 0)
    answer = last_bot(page)
    expect(answer.locator("em").first).to_have_text("unanimously")  # rendered, not *starred*
    assert "*" not in answer.inner_text()
    expect(answer).to_contain_text("According to the Casefile primer — editorial summary:")
    card = page.locator("#cf-sources .cf-card").first
    expect(card.locator(".cf-badge")).to_have_text("Casefile primer — editorial summary")
    expect(card.locator("table")).to_be_visible()  # the timeline table, as a table
    assert card.locator("a.cf-ext").count() == 0 and "Original" not in card.inner_text()
    answer.locator("a.cf-cite").first.click()
    viewer = page.locator("#cf-viewer")
    expect(viewer.locator("mark#cf-hl")).to_be_in_viewport()
    expect(viewer.locator(".cf-doc table th").first).to_have_text("Date")
    expect(viewer.locator(".cf-doc h2").first).to_be_visible()
    shown = viewer.locator(".cf-doc").inner_text()
    for raw in ("**", "##", "| "):
        assert raw not in shown
    marked = "".join(viewer.locator("mark.cf-hl").all_inner_texts())
    assert marked.startswith("The Fixture Circuit ruled unanimously") and "untimely" in marked
    assert "Original" not in viewer.inner_text()

    # Two or three follow-ups from the cited document, each one answered when clicked.
    suggestions = page.locator("#cf-followups button.cf-suggest")
    expect(suggestions.first).to_be_visible(timeout=30_000)
    assert 2 <= suggestions.count() <= 3
    first = suggestions.first.inner_text()
    suggestions.first.click()
    page.wait_for_selector('#cf-sources [data-turn="1"]')
    expect(page.locator('#cf-chat [data-testid="user"]').last).to_have_text(first)
    assert last_bot(page).locator("a.cf-cite").count() >= 1
    assert page.locator("#cf-chat .cf-noevidence").count() == 0


def test_markup_in_documents_and_questions_stays_inert(page):
    hostile = MARKUP_Q + ' <img src="x" onerror="window.__casefile_xss = 3">'
    hostile += "<script>alert(1)</script>"
    ask(page, hostile, 0)
    user = page.locator('#cf-chat [data-testid="user"]').last
    expect(user).to_contain_text('<img src="x"')  # shown as text
    expect(last_bot(page)).to_contain_text("zebrafinch")
    card = page.locator("#cf-sources .cf-card").first
    title = "Fixture Wire: markup <b>inside</b> a title"
    expect(card.locator(".cf-card-title")).to_have_text(title)
    last_bot(page).locator("a.cf-cite").first.click()
    doc = page.locator("#cf-viewer .cf-doc")
    expect(doc).to_contain_text("<script>window.__casefile_xss = 1; alert('xss')</script>")
    expect(doc).to_contain_text('<img src="x" onerror="window.__casefile_xss = 2">')
    page.wait_for_timeout(300)  # give any injected handler a chance to run
    assert page.evaluate("typeof window.__casefile_xss") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
    for panel in ("#cf-chat", "#cf-sources", "#cf-viewer"):
        assert page.locator(f"{panel} script, {panel} img, {panel} b").count() == 0
    # The page's own fail-safe: recorder asserts no dialog at teardown.


def test_no_evidence_answer_looks_different_and_lists_related_passages(page):
    ask(page, NO_EVIDENCE_Q, 0)
    message = last_bot(page)
    expect(message).to_contain_text("No evidence found")
    assert message.locator("a.cf-cite").count() == 0
    bubble = page.locator("#cf-chat .bot").filter(has=page.locator(".cf-noevidence")).first
    background = bubble.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(255, 247, 230)"
    related = page.locator("#cf-sources .cf-card-related")
    assert related.count() >= 1
    assert page.locator("#cf-sources .cf-num").count() == 0
    expect(page.locator("#cf-sources")).to_contain_text("No supporting passage")
    related.first.click()
    expect(page.locator("#cf-viewer .cf-viewer-ref")).to_contain_text("not support")
    expect(page.locator("#cf-viewer mark#cf-hl")).to_be_visible()


def test_empty_question_gets_a_clear_message(page):
    page.press("#cf-question textarea", "Enter")
    message = last_bot(page)
    expect(message).to_contain_text("Please type a question.")
    assert message.locator(".cf-error").count() == 1


def test_examples_new_question_earlier_markers_and_new_chat(page):
    page.locator("#cf-chat button.cf-example").first.click()
    page.wait_for_selector('#cf-sources [data-turn="0"]')
    expect(page.locator('#cf-chat [data-testid="user"]').first).to_have_text(STATUTE_Q)
    last_bot(page).locator("a.cf-cite").first.click()
    expect(page.locator("#cf-viewer-box")).to_be_visible()
    # A new question closes the old viewer: the new answer's cards are at the top, on screen.
    ask(page, MARKUP_Q, 1)
    expect(page.locator("#cf-viewer-box")).to_be_hidden()
    expect(page.locator("#cf-sources .cf-card").first).to_be_in_viewport()
    expect(page.locator("#cf-sources")).to_contain_text("For question 2")
    # A marker in the *first* answer still opens the first answer's source, and the sources
    # panel says it now shows question 1, with the way back to the latest.
    first_answer = page.locator('#cf-chat [data-testid="bot"]').first
    first_answer.locator("a.cf-cite").first.click()
    expect(page.locator("#cf-viewer .cf-viewer-title")).to_contain_text("Fixture Code § 4410")
    expect(page.locator("#cf-viewer .cf-viewer-ref")).to_contain_text("question 1")
    expect(page.locator("#cf-sources")).to_contain_text(f"For question 1: “{STATUTE_Q}”")
    expect(page.locator("#cf-sources")).to_contain_text("earlier answer")
    page.locator("#cf-sources button.cf-back").click()
    expect(page.locator("#cf-sources")).to_contain_text("For question 2")
    expect(page.locator("#cf-sources .cf-back")).to_have_count(0)

    page.click("#cf-new")
    expect(page.locator('#cf-chat [data-testid="bot"]')).to_have_count(0)
    expect(page.locator("#cf-chat button.cf-example").first).to_be_visible()
    expect(page.locator("#cf-viewer-box")).to_be_hidden()
    expect(page.locator("#cf-sources")).to_contain_text("Ask a question")
    ask(page, STATUTE_Q, 0)  # numbering restarts with the new conversation


def test_filters_apply_to_the_next_question(page):
    page.get_by_text("Filters (apply").click()
    page.locator('#cf-kinds input[name="news"]').check()
    ask(page, STATUTE_Q, 0)
    badges = page.locator("#cf-sources .cf-badge").all_inner_texts()
    assert badges and {b.lower() for b in badges} == {"news"}
    expect(last_bot(page)).to_contain_text("Searched with filters: kind: news")

    page.fill("#cf-from textarea, #cf-from input", "20x1")
    page.fill("#cf-question textarea", STATUTE_Q)
    page.press("#cf-question textarea", "Enter")
    expect(last_bot(page)).to_contain_text("“From” date must look like")


def test_corpus_tab_lists_and_searches_documents(page, casefile):
    page.get_by_role("tab", name="Corpus").click()
    rows = page.locator("#cf-corpus tbody tr")
    expect(rows).to_have_count(len(casefile.documents()))
    expect(page.locator("#cf-corpus")).to_contain_text("Fixture Wire: markup <b>inside</b> a title")
    statute = rows.filter(has_text="Fixture Code § 4410")
    expect(statute.locator(".cf-badge")).to_have_text("statute")
    expect(statute.locator(".cf-num-col").first).to_have_text("1")

    # A title opens the document in the tab's viewer: whole text, metadata, citation.
    statute.locator("button.cf-read").click()
    box = page.locator("#cf-corpus-viewer-box")
    expect(box).to_be_visible()
    expect(box.locator(".cf-viewer-title")).to_contain_text("Fixture Code § 4410")
    expect(box.locator(".cf-doc")).to_contain_text("(c) Definitions")
    expect(box.locator(".cf-doc h2").first).to_be_visible()
    expect(page.locator("#cf-corpus-citation textarea")).to_have_value(
        re.compile(r"Fixture Code § 4410.*https://example\.org/fixture-code/4410"))
    expect(statute.locator("a.cf-ext")).to_have_text("Original ↗")
    primer = rows.filter(has_text="pangolin appeal")
    expect(primer.locator(".cf-badge")).to_have_text("Casefile primer — editorial summary")
    assert primer.locator("a.cf-ext").count() == 0
    primer.locator("button.cf-read").click()
    expect(box.locator(".cf-doc table")).to_be_visible()
    page.click("#cf-corpus-close")
    expect(box).to_be_hidden()

    search = page.locator("#cf-corpus-search textarea, #cf-corpus-search input").first
    search.fill("southbound")
    expect(rows).to_have_count(2)
    search.fill('<img src="x" onerror="window.__casefile_xss = 4"> ${7*7} {{value}}')
    expect(page.locator("#cf-corpus")).to_contain_text("${7*7} {{value}}")
    expect(page.locator("#cf-corpus")).to_contain_text("No title matches")
    assert page.locator('img[src="x"]').count() == 0
    assert page.evaluate("typeof window.__casefile_xss") == "undefined"


def overflows_sideways(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") > 390


def scrolls_inside(page: Page, selector: str) -> bool:
    """Whether anything in ``selector`` scrolls vertically inside its own box."""
    return page.evaluate("""(sel) => [...document.querySelectorAll(sel + ' *')].some(el => {
        const s = getComputedStyle(el).overflowY;
        return (s === 'auto' || s === 'scroll') && el.scrollHeight > el.clientHeight + 2; })""",
                         selector)


def test_phone_width_answer_sources_and_viewer_in_order(browser, web_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    recorder = Recorder(page)
    try:
        page.goto(web_url, wait_until="load")
        page.wait_for_selector("#cf-question textarea")
        ask(page, NO_EVIDENCE_Q, 0)
        # The no-evidence box is seen whole: the chat grows, nothing scrolls inside it.
        expect(page.locator("#cf-chat .cf-noevidence")).to_be_visible()
        assert not scrolls_inside(page, "#cf-chat")
        page.click("#cf-new")

        ask(page, STATUTE_Q, 0)
        # The side panel stacks under the chat; nothing overflows sideways.
        assert not overflows_sideways(page)
        assert not scrolls_inside(page, "#cf-chat")
        jump = last_bot(page).locator("a.cf-jump")
        # The side panel renders after the chat message: count its cards once they are there.
        expect(page.locator("#cf-sources .cf-card").first).to_be_visible()
        n = page.locator("#cf-sources .cf-card").count()
        expect(jump).to_have_text(f"Sources ({n}) ↓")
        jump.tap()
        expect(page.locator("#cf-sources .cf-panel-title")).to_be_in_viewport()
        # A tap on a marker shows its card; the card's button opens the viewer.
        marker = last_bot(page).locator("a.cf-cite").first
        marker.scroll_into_view_if_needed()
        marker.tap()
        popover = page.locator("#cf-popover")
        expect(popover).to_be_visible()
        expect(page.locator("#cf-viewer-box")).to_be_hidden()
        box = popover.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        popover.locator("button.cf-pop-open").tap()
        expect(page.locator("#cf-viewer mark#cf-hl")).to_be_in_viewport()
        assert not overflows_sideways(page)
        # The corpus table scrolls inside its own box, not the page.
        page.get_by_role("tab", name="Corpus").tap()
        page.wait_for_selector("#cf-corpus tbody tr")
        assert not overflows_sideways(page)
    finally:
        context.close()
    assert recorder.hosts <= LOOPBACK and recorder.dialogs == [] and recorder.errors == []
