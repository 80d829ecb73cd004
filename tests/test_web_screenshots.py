"""Screenshots of the main states into the git-ignored ``screenshots/`` folder, for a person to
look at (1280×800 desktop, 390 px phone). The assertions only check the files were written."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

SHOTS = Path(__file__).resolve().parent.parent / "screenshots"
STATUTE_Q = "How long can someone be imprisoned for an unlawful cross-border transfer?"
NO_EVIDENCE_Q = "What is the recipe for lemon meringue pie?"

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


def test_desktop_screenshots(browser, web_url):
    SHOTS.mkdir(exist_ok=True)
    context, page = open_page(browser, web_url, 1280, 800)
    try:
        written = [shoot(page, "01-start.png")]
        ask(page, STATUTE_Q, 0)
        written.append(shoot(page, "02-answer-with-sources.png"))
        page.locator('#cf-chat [data-testid="bot"]').last.locator("a.cf-cite").last.click()
        page.wait_for_selector("#cf-viewer mark#cf-hl")
        written.append(shoot(page, "03-source-viewer.png"))
        page.click("#cf-new")
        ask(page, NO_EVIDENCE_Q, 0)
        written.append(shoot(page, "04-no-evidence.png"))
        page.get_by_role("tab", name="Corpus").click()
        page.wait_for_selector("#cf-corpus tbody tr")
        written.append(shoot(page, "05-corpus.png"))
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
        written = [shoot(page, "06-phone-answer.png")]
        page.locator('#cf-chat [data-testid="bot"]').last.locator("a.cf-cite").last.click()
        page.wait_for_selector("#cf-viewer mark#cf-hl")
        written.append(shoot(page, "07-phone-source-viewer.png"))
    finally:
        context.close()
    for path in written:
        assert png_size(path)[0] == 390
