"""Shared fixtures: a small corpus we wrote ourselves, ingested once per session into a real
embedded Chroma store with the real embedding model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.settings import Settings

FIXTURE_CORPUS = Path(__file__).parent / "fixtures" / "corpus"


def settings_for(store: Path, corpus: Path | None = None, **overrides) -> Settings:
    corpus = corpus or FIXTURE_CORPUS
    return Settings(store=store, corpus=(corpus,), add_dir=store.parent / "added", **overrides)


@pytest.fixture(scope="session")
def ingested_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for a store holding the fixture corpus; tests must not write to it."""
    from ingest.cli import run_ingest

    root = tmp_path_factory.mktemp("session-store")
    corpus = root / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    settings = settings_for(root / "store", corpus)
    assert run_ingest(settings, [corpus], as_json=True) == 0
    return settings


@pytest.fixture(scope="session")
def casefile(ingested_settings: Settings):
    from index.service import Casefile

    return Casefile(ingested_settings)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private, writable copy of the fixture corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, target)
    return target


@pytest.fixture(scope="session")
def make_pdf():
    """Write a PDF with one page per given text (fpdf2, at test time); returns its path."""

    def write(path: Path, pages: list[str], title: str = "") -> Path:
        from fpdf import FPDF

        pdf = FPDF()
        pdf.set_auto_page_break(auto=False)  # exactly one PDF page per given text
        if title:
            pdf.set_title(title)
        for text in pages:
            pdf.add_page()
            pdf.set_font("helvetica", size=10)
            pdf.multi_cell(0, 5, text)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes(pdf.output()))
        return path

    return write


@pytest.fixture(scope="session")
def prose():
    """Deterministic filler prose (our own words) with a marker word in every sentence, so a
    test can tell which part of a document a chunk came from."""
    import random

    vocabulary = [
        "the", "clerk", "filed", "a", "ledger", "of", "permits", "while", "inspectors",
        "audited", "warehouse", "and", "couriers", "carried", "invoices", "past", "customs",
        "post", "before", "hearing", "resumed",
    ]

    def make(marker: str, sentences: int, seed: int = 0) -> str:
        rnd = random.Random(f"{marker}-{seed}")
        out = []
        for _ in range(sentences):
            words = [rnd.choice(vocabulary) for _ in range(rnd.randint(9, 15))]
            words.insert(rnd.randint(1, len(words) - 1), marker)
            out.append(" ".join(words).capitalize() + ".")
        return " ".join(out)

    return make


# -- the web chat (issue 4) ---------------------------------------------------------------------

WEB_EXAMPLES = [
    "How long can someone be imprisoned for an unlawful cross-border transfer?",
    "What happened at the zebrafinch hearing?",
]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def web_url(casefile):
    """One real Gradio server on a random loopback port for the whole session."""
    from index.web import build_app, serve

    demo = build_app(casefile, examples=WEB_EXAMPLES)
    _, url, _ = serve(demo, host="127.0.0.1", port=free_port(), prevent_thread_lock=True,
                      quiet=True)
    yield url
    demo.close()


@pytest.fixture(scope="module")
def browser():
    """Headless Debian chromium (never a Playwright download), one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
