"""Copies of one text in another rendering (other front matter, whitespace, wrapping, markup)
are stored once, as the better-described copy, whatever order they come in; a scraped
collection's front matter (source_url, tags, no publisher) is read for what it says.

Fixtures: two renderings of one made-up notice, written here: a "curated" one with full
metadata and a "scraped" one as a briefing-room scrape renders it (trailing two-space line
breaks, other wrapping, a link, a no-break space, its own front matter)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from index.settings import Settings
from index.store import CorpusStore
from ingest import pipeline
from ingest.cli import run_ingest
from ingest.fingerprint import fingerprint
from ingest.readers import load_document
from tests.conftest import settings_for

CURATED_ID = "government-report-fixture-heron-notice"
SCRAPED_ID = "2024-03-05-notice-on-heron-river-permits"

PARAGRAPHS = [
    "The Heron River Office announced today that it will review every export permit "
    "issued to the Gryphonquill Trading Company since 2019.",
    "Inspectors found that 312 crates declared as machine parts held firearm components, "
    "and that the same courier signed for each of them.",
    "The review will close by the end of the year. Its findings go to the border council, "
    "which meets in the spring.",
]

CURATED = """---
title: "Heron River Office: review of Gryphonquill export permits"
publisher: "Heron River Office"
date: "2024-03-05"
kind: "government-report"
url: "https://heron.example.gov/notices/2024/03/05/permits/"
language: "en"
license: "public domain (fixture)"
---

{body}
"""

SCRAPED = """---
tags: statements-releases
date: '2024-03-05'
modified_time: 2024-03-04 20:17:02-04:00
source_url: https://heron.example.gov/notices/2024/03/05/permits/
published_time: 2024-03-05 05:00:00-04:00
title: "Notice on Heron-\\u2060River\\_Permits"
---
 
{body}
"""


def _curated_body() -> str:
    return "\n\n".join(PARAGRAPHS)


def _scraped_body() -> str:
    """The same words: wrapped at other places, two-space line breaks, blank lines holding
    spaces, a link around a phrase, a no-break space, different case of one word."""
    lines = []
    for paragraph in PARAGRAPHS:
        words = paragraph.replace("Heron River Office", "[Heron River Office]"
                                  "(https://heron.example.gov/)").split(" ")
        for start in range(0, len(words), 7):
            lines.append(" ".join(words[start:start + 7]) + "  ")
        lines.append("  ")
    return "\n".join(lines).replace("312 crates", "312\u00a0crates").replace(
        "The review", "THE review")


def write_copies(root: Path) -> tuple[Path, Path]:
    curated, scraped = root / "curated", root / "scraped" / "statements-releases"
    curated.mkdir(parents=True)
    scraped.mkdir(parents=True)
    (curated / f"{CURATED_ID}.md").write_text(CURATED.format(body=_curated_body()),
                                               encoding="utf-8")
    (scraped / f"{SCRAPED_ID}.md").write_text(SCRAPED.format(body=_scraped_body()),
                                              encoding="utf-8")
    return curated, root / "scraped"


def ingest(settings: Settings, *paths: Path) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = run_ingest(settings, list(paths), as_json=True)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert rc == 0, summary
    return summary


def test_fingerprint_ignores_rendering_but_not_words(tmp_path):
    curated, scraped = write_copies(tmp_path)
    one = load_document(curated / f"{CURATED_ID}.md").text
    other = load_document(scraped / "statements-releases" / f"{SCRAPED_ID}.md").text
    assert one != other
    assert fingerprint(one) == fingerprint(other)
    assert fingerprint(one) != fingerprint(one.replace("312 crates", "313 crates"))
    assert fingerprint("* * *") != fingerprint("- - -")  # no words: exact text decides


def test_scraped_front_matter_is_read_for_what_it_says(tmp_path):
    _, scraped = write_copies(tmp_path)
    doc = load_document(scraped / "statements-releases" / f"{SCRAPED_ID}.md")
    assert doc.metadata == {
        "title": "Notice on Heron-River Permits",  # word joiner and no-break space gone
        "date": "2024-03-05",
        "url": "https://heron.example.gov/notices/2024/03/05/permits/",
        "tags": "statements-releases",
        "publisher": "heron.example.gov",  # the host it was published on, nothing more
        "kind": "government-report",  # a .gov host
    }
    assert doc.warnings == []


def test_a_host_that_is_not_government_gives_a_publisher_only(tmp_path):
    path = tmp_path / "note.md"
    path.write_text("---\ntitle: A note\nsource_url: https://www.example.org/a\n"
                    "published_time: 2023-01-02 10:00:00-05:00\n---\n\nSome text here.\n",
                    encoding="utf-8")
    doc = load_document(path)
    assert (doc.metadata["publisher"], doc.metadata["kind"], doc.metadata["date"]) == (
        "example.org", "other", "2023-01-02")
    assert doc.warnings == ["no kind in its metadata; using defaults (see corpus/README.md)"]


@pytest.mark.parametrize("window, group", [(128, 256), (1, 1)])
@pytest.mark.parametrize("scraped_first", [False, True])
def test_the_curated_copy_is_stored_whatever_the_order(tmp_path, monkeypatch, scraped_first,
                                                       window, group):
    # (1, 1): every file its own lookup window and its own embedding group, so the scraped
    # copy is already committed when the curated one comes; (128, 256): it is still waiting
    # in the batch.
    monkeypatch.setattr(pipeline, "LOOKUP_WINDOW", window)
    monkeypatch.setattr(pipeline, "EMBED_GROUP", group)
    curated, scraped = write_copies(tmp_path)
    settings = settings_for(tmp_path / "store")
    summary = ingest(settings, *([scraped, curated] if scraped_first else [curated, scraped]))
    assert summary["duplicates"] == 1
    assert summary["duplicate_of"] == [{
        "path": str((scraped / "statements-releases" / f"{SCRAPED_ID}.md").resolve()),
        "stored_as": CURATED_ID}]
    store = CorpusStore(settings)
    assert set(store.committed()) == {CURATED_ID}
    assert set(store.all_records()) == {CURATED_ID}
    record = store.committed()[CURATED_ID]
    assert {m["doc_id"] for m in store.chunks.get(include=["metadatas"])["metadatas"]} == {
        CURATED_ID}
    assert store.chunk_count() == record.chunk_count

    again = ingest(settings, scraped, curated)  # stable: nothing written, still reported
    assert (again["chunks_written"], again["unchanged"], again["duplicates"]) == (0, 1, 1)


def test_a_curated_copy_added_later_takes_the_scraped_ones_place(tmp_path):
    curated, scraped = write_copies(tmp_path)
    settings = settings_for(tmp_path / "store")
    assert ingest(settings, scraped)["added"] == 1
    summary = ingest(settings, curated)
    assert (summary["added"], summary["removed"], summary["duplicates"]) == (1, 1, 1)
    assert set(CorpusStore(settings).committed()) == {CURATED_ID}
    # The scraped file, ingested again on its own, is now the duplicate.
    assert ingest(settings, scraped)["duplicate_of"][0]["stored_as"] == CURATED_ID


def test_two_files_with_one_name_and_the_same_words_are_a_duplicate(tmp_path):
    _, scraped = write_copies(tmp_path)
    mirror = tmp_path / "scraped" / "fact-sheets"
    mirror.mkdir()
    text = (scraped / "statements-releases" / f"{SCRAPED_ID}.md").read_text(encoding="utf-8")
    (mirror / f"{SCRAPED_ID}.md").write_text(text.replace("statements-releases", "fact-sheets"),
                                             encoding="utf-8")
    settings = settings_for(tmp_path / "store")
    summary = ingest(settings, scraped)
    assert (summary["added"], summary["failed"], summary["duplicates"]) == (1, 0, 1)
    assert summary["duplicate_of"][0]["stored_as"] == SCRAPED_ID


def test_a_store_from_before_fingerprints_still_recognises_its_copies(tmp_path):
    curated, scraped = write_copies(tmp_path)
    settings = settings_for(tmp_path / "store")
    ingest(settings, curated)
    store = CorpusStore(settings)
    # What an older Casefile stored: a hash of the exact text.
    store.documents.update(ids=[CURATED_ID], metadatas=[{"content_hash": "0123456789abcdef"}])
    summary = ingest(settings, scraped)
    assert (summary["added"], summary["duplicates"]) == (0, 1)
    assert store.all_records()[CURATED_ID].content_hash.startswith("w1-")
