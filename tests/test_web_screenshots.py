"""Screenshots of the main states into the git-ignored ``screenshots/`` folder, for a person to
look at (1280×800 desktop, 390 px phone). The assertions only check the files were written."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

SHOTS = Path(__file__).resolve().parent.parent / "screenshots"
STATUTE_Q = "How long can someone be imprisoned for an unlawful cross-border transfer?"
NO_EVIDENCE_Q = "What is the recipe for lemon meringue pie?"
PRIMER_Q = "Was the pangolin appeal untimely?"  # Markdown emphasis, a table, no URL

# Gradio's queue calls a pandas API that pandas 3 deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def open_page(browser, url: str, width: int, height: int, **options):
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(url, wait_until="load")
    page.wait_for_selector("#cf-question textarea")
    return context, page


def ask(page, question: str, turn: int) -> None:
    page.fill("#cf-question textarea", question)
    page.press("#cf-question textarea", "Enter")
    page.wait_for_selector(f'#cf-sources [data-turn="{turn}"]')


def shoot(page, name: str) -> Path:
    page.wait_for_timeout(250)  # let transitions settle
    path = SHOTS / name
    page.screenshot(path=str(path))
    return path


def last_bot(page):
    return page.locator('#cf-chat [data-testid="bot"]').last


def test_desktop_screenshots(browser, web_url):
    SHOTS.mkdir(exist_ok=True)
    context, page = open_page(browser, web_url, 1280, 800)
    try:
        written = [shoot(page, "01-start.png")]
        ask(page, STATUTE_Q, 0)
        page.wait_for_selector("#cf-pop-0-0", state="attached")
        written.append(shoot(page, "02-answer-with-sources.png"))
        last_bot(page).locator("a.cf-cite").first.hover()
        page.wait_for_selector("#cf-popover:not([hidden])")
        written.append(shoot(page, "03-hover-card.png"))
        ask(page, PRIMER_Q, 1)
        page.wait_for_selector("#cf-followups button.cf-suggest", timeout=30_000)
        written.append(shoot(page, "04-markdown-answer-and-follow-ups.png"))
        last_bot(page).locator("a.cf-cite").first.click()
        page.wait_for_selector("#cf-viewer mark#cf-hl")
        written.append(shoot(page, "05-source-viewer-markdown.png"))
        page.locator('#cf-chat [data-testid="bot"]').first.locator("a.cf-cite").first.click()
        page.wait_for_selector("#cf-sources .cf-back")
        written.append(shoot(page, "06-earlier-answer-sources.png"))
        page.click("#cf-new")
        ask(page, NO_EVIDENCE_Q, 0)
        written.append(shoot(page, "07-no-evidence.png"))
        page.get_by_role("tab", name="Corpus").click()
        page.wait_for_selector("#cf-corpus tbody tr")
        written.append(shoot(page, "08-corpus.png"))
        page.locator("#cf-corpus tr", has_text="pangolin").locator("button.cf-read").click()
        page.wait_for_selector("#cf-corpus-viewer .cf-doc table")
        written.append(shoot(page, "09-corpus-viewer.png"))
    finally:
        context.close()
    for path in written:
        assert png_size(path) == (1280, 800)


def test_phone_screenshots(browser, web_url):
    SHOTS.mkdir(exist_ok=True)
    context, page = open_page(browser, web_url, 390, 844, is_mobile=True, has_touch=True,
                              device_scale_factor=1)
    try:
        ask(page, STATUTE_Q, 0)
        page.wait_for_selector("#cf-pop-0-0", state="attached")
        written = [shoot(page, "10-phone-answer.png")]
        last_bot(page).locator("a.cf-jump").tap()
        written.append(shoot(page, "11-phone-sources-link.png"))
        marker = last_bot(page).locator("a.cf-cite").first
        marker.scroll_into_view_if_needed()
        marker.tap()
        page.wait_for_selector("#cf-popover:not([hidden])")
        written.append(shoot(page, "12-phone-hover-card.png"))
        page.locator("#cf-popover button.cf-pop-open").tap()
        page.wait_for_selector("#cf-viewer mark#cf-hl")
        written.append(shoot(page, "13-phone-source-viewer.png"))
        page.click("#cf-new")
        ask(page, NO_EVIDENCE_Q, 0)
        page.locator("#cf-chat .cf-noevidence").scroll_into_view_if_needed()
        written.append(shoot(page, "14-phone-no-evidence.png"))
        page.get_by_role("tab", name="Corpus").tap()
        page.wait_for_selector("#cf-corpus tbody tr")
        written.append(shoot(page, "15-phone-corpus.png"))
    finally:
        context.close()
    for path in written:
        assert png_size(path)[0] == 390
