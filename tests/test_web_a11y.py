"""Automated accessibility check (axe-core, bundled by axe-playwright-python) of the chat with an
answer, the source viewer and the Corpus tab with a document open, at desktop and phone width:
no serious or critical violation (colour contrast, names of markers, cards and buttons, ARIA)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

# Gradio's queue calls a pandas API that pandas 3 deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")

STATUTE_Q = "How long can someone be imprisoned for an unlawful cross-border transfer?"
BLOCKING = {"serious", "critical"}


def blocking(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in results.response["violations"] if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("width", [1280, 390])
def test_chat_viewer_and_corpus_have_no_serious_accessibility_violations(browser, web_url, width):
    phone = width < 700
    context = browser.new_context(viewport={"width": width, "height": 844 if phone else 800},
                                  is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(web_url, wait_until="load")
        page.wait_for_selector("#cf-question textarea")
        found = {"empty chat": blocking(page)}
        page.fill("#cf-question textarea", STATUTE_Q)
        page.press("#cf-question textarea", "Enter")
        page.wait_for_selector('#cf-sources [data-turn="0"]')
        page.wait_for_selector("#cf-pop-0-0", state="attached")
        found["chat with an answer"] = blocking(page)
        page.locator("#cf-sources .cf-open").first.click()
        page.wait_for_selector("#cf-viewer mark#cf-hl")
        found["source viewer"] = blocking(page)
        page.get_by_role("tab", name="Corpus").click()
        page.locator("#cf-corpus button.cf-read").first.click()
        page.wait_for_selector("#cf-corpus-viewer .cf-doc")
        found["corpus tab with a document"] = blocking(page)
    finally:
        context.close()
    assert not any(found.values()), found
