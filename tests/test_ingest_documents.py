"""What one ingest run stores: chunk metadata and offsets, PDF pages, Markdown sections, HTML
main text, defaults for documents without metadata, and bad files reported by name.

One module-scoped store holds a mixed corpus written here at test time (a generated PDF, a
sectioned Markdown file, files without metadata and a set of bad files); the tests only read it.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

from index.store import CorpusStore
from ingest.cli import main
from ingest.readers import load_document

CITATION_KEYS = ("doc_id", "title", "publisher", "date", "kind", "url", "source_file")
PDF_MARKERS = ("aardvark", "bisonfold", "caracalia")  # one per PDF page
SECTION_MARKERS = {"Scope of the review": "ocelotine", "Findings on dealers": "pangolite",
                   "Next steps": "quetzalon"}
BAD_FILES = {
    "broken-scan.pdf": "corrupt",
    "binary-blob.txt": "binary",
    "latin1-letter.md": "utf-8",
    "empty-note.md": "empty",
    "utf16-garbage.txt": "",  # any reason, as long as it is reported and not a crash
}


def _write_mixed_corpus(folder: Path, make_pdf, prose) -> None:
    folder.mkdir()
    pdf = make_pdf(folder / "report-fixture-pages.pdf",
                   [prose(marker, 14) for marker in PDF_MARKERS],
                   title="Fixture Report on Rail Screening")
    (folder / "report-fixture-pages.pdf.meta.yaml").write_text(
        "publisher: Fixture Screening Office\ndate: 2024-06-30\nkind: government-report\n"
        "url: https://example.org/fso/report\n", encoding="utf-8")
    sections = "\n\n".join(f"## {heading}\n\n{prose(marker, 22)}\n\n{prose(marker, 10, seed=1)}"
                           for heading, marker in SECTION_MARKERS.items())
    (folder / "guide-fixture-sections.md").write_text(
        "---\ntitle: Fixture Guide in Sections\npublisher: Fixture Policy Lab\ndate: 2022-11-02\n"
        "kind: research\nurl: https://example.org/lab/guide\n---\n\n# Fixture Guide in Sections\n\n"
        f"{sections}\n", encoding="utf-8")
    (folder / "untitled-notes.md").write_text(
        "# Notes on the heron docket\n\nThe heron docket lists three hearings in spring.\n",
        encoding="utf-8")
    (folder / "plain-memo.txt").write_text("A memo about the kestrel shipment and its permits.\n",
                                           encoding="utf-8")
    (folder / "bulletin-fixture.html").write_text(
        "<html><head><title>Fixture Bulletin</title><style>.x{color:blue}</style></head><body>"
        "<header>Site banner wombatheader</header><nav>Menu wombatnav</nav>"
        "<h1>Bulletin on the marmot case</h1><p>The marmot case was settled in 2021.</p>"
        "<script>var wombatscript = 1;</script><style>p{margin:0}</style>"
        "<aside>Related wombataside</aside><p>Both parties accepted the marmot settlement.</p>"
        "<noscript>Enable wombatnoscript</noscript><footer>Footer wombatfooter</footer>"
        "</body></html>", encoding="utf-8")
    # Bad files: each must be reported by name, with a reason, and skipped.
    (folder / "broken-scan.pdf").write_bytes(pdf.read_bytes()[:300])
    (folder / "binary-blob.txt").write_bytes(bytes(range(256)) * 8)
    latin1 = "# Caf\u00e9 letter\n\nSe\u00f1or.\n".encode("latin-1")
    (folder / "latin1-letter.md").write_bytes(latin1)
    (folder / "empty-note.md").write_bytes(b"")
    (folder / "utf16-garbage.txt").write_bytes(b"\xff\xfeA\x00B")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, make_pdf, prose):
    """(rc, JSON summary, store, corpus folder) after one `python -m ingest --json` run."""
    root = tmp_path_factory.mktemp("mixed")
    corpus = root / "corpus"
    _write_mixed_corpus(corpus, make_pdf, prose)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main([str(corpus), "--store", str(root / "store"), "--collection", "casefile",
                   "--json"])
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    from index.settings import Settings

    store = CorpusStore(Settings(store=root / "store"))
    return rc, summary, store, corpus


def _chunks(store: CorpusStore, doc_id: str | None = None) -> list[tuple[str, dict]]:
    got = store.chunks.get(where={"doc_id": doc_id} if doc_id else None,
                           include=["documents", "metadatas"])
    pairs = zip(got["documents"], got["metadatas"], strict=True)
    return sorted(pairs, key=lambda p: (p[1]["doc_id"], p[1]["chunk_index"]))


# -- metadata and offsets ----------------------------------------------------------------------


@pytest.mark.parametrize("where", ["mixed", "fixture"])
def test_every_chunk_points_into_the_stored_text_and_carries_citation_metadata(
    where, mixed, ingested_settings
):
    store = mixed[2] if where == "mixed" else CorpusStore(ingested_settings)
    records = store.committed()
    chunks = _chunks(store)
    assert chunks and records
    for text, meta in chunks:
        record = records[meta["doc_id"]]
        full = store.document_text(meta["doc_id"])
        assert full[meta["start_char"]:meta["end_char"]] == text, meta
        for key in CITATION_KEYS:
            assert key in meta, key
            assert meta[key] == getattr(record, key), key
        assert meta["title"] and meta["kind"]
    assert {m["doc_id"] for _, m in chunks} == set(records)
    for doc_id, record in records.items():
        assert len(_chunks(store, doc_id)) == record.chunk_count > 0


def test_full_document_text_is_kept_for_the_app(mixed):
    _, _, store, corpus = mixed
    for name in ("guide-fixture-sections.md", "report-fixture-pages.pdf", "plain-memo.txt"):
        path = corpus / name
        doc_id = re.sub(r"[^a-z0-9]+", "-", path.stem.lower())
        assert store.document_text(doc_id) == load_document(path).text


def test_metadata_from_front_matter_and_sidecar(mixed):
    records = mixed[2].committed()
    guide = records["guide-fixture-sections"]
    assert (guide.title, guide.publisher, guide.date, guide.kind, guide.url) == (
        "Fixture Guide in Sections", "Fixture Policy Lab", "2022-11-02", "research",
        "https://example.org/lab/guide")
    report = records["report-fixture-pages"]
    assert report.title == "Fixture Report on Rail Screening"  # from the PDF's own metadata
    assert (report.publisher, report.date, report.kind) == (
        "Fixture Screening Office", "2024-06-30", "government-report")


# -- formats -----------------------------------------------------------------------------------


def test_pdf_chunks_carry_the_page_they_come_from(mixed):
    store = mixed[2]
    assert store.committed()["report-fixture-pages"].page_count == 3
    chunks = _chunks(store, "report-fixture-pages")
    assert {meta["page"] for _, meta in chunks} == {1, 2, 3}
    for text, meta in chunks:
        expected = PDF_MARKERS[meta["page"] - 1]
        assert expected in text
        assert not any(m in text for m in PDF_MARKERS if m != expected), meta["page"]


def test_markdown_chunks_carry_their_section_heading(mixed):
    chunks = _chunks(mixed[2], "guide-fixture-sections")
    assert len(chunks) > len(SECTION_MARKERS)  # several chunks per section
    seen = set()
    for text, meta in chunks:
        # A chunk inside one section (no heading in it) must name that section.
        markers = [h for h, m in SECTION_MARKERS.items() if m in text]
        if len(markers) == 1 and not re.search(r"^#", text, re.MULTILINE):
            assert meta["section"] == markers[0], text[:80]
            seen.add(meta["section"])
    assert seen == set(SECTION_MARKERS)
    assert chunks[0][1]["section"] == "Fixture Guide in Sections"  # starts under the H1


def test_non_pdf_chunks_have_no_page(mixed):
    for _, meta in _chunks(mixed[2], "guide-fixture-sections"):
        assert meta.get("page") in (None, "")


@pytest.mark.parametrize("where", ["mixed", "fixture"])
def test_html_keeps_the_main_text_only(where, mixed, ingested_settings):
    if where == "mixed":
        store, doc_id, kept = mixed[2], "bulletin-fixture", ["marmot case was settled",
                                                             "marmot settlement"]
        dropped = ["wombat", "color:blue", "margin:0"]
    else:
        store, doc_id = CorpusStore(ingested_settings), "reference-fixture-page"
        kept = ["pelican case was filed", "Outcome", "lacked standing"]
        dropped = ["tracking pixel", "injected", "color: red", "About us", "Copyright"]
    text = store.document_text(doc_id)
    stored = text + " ".join(t for t, _ in _chunks(store, doc_id))
    for phrase in kept:
        assert phrase in text
    for phrase in dropped:
        assert phrase not in stored, phrase


def test_html_metadata_comes_from_meta_tags_and_sidecar(ingested_settings):
    record = CorpusStore(ingested_settings).committed()["reference-fixture-page"]
    assert (record.title, record.publisher, record.date, record.kind, record.url) == (
        "Fixture Primer on the Pelican Case", "Fixture Reference Desk", "2024-01-20",
        "reference", "https://example.org/reference/pelican")


def test_markup_inside_markdown_is_stored_as_plain_text(ingested_settings):
    store = CorpusStore(ingested_settings)
    text = store.document_text("news-fixture-markup")
    assert "zebrafinch hearing" in text
    assert "<script>" in text  # kept verbatim; the app escapes it, the ingest never runs it
    assert store.committed()["news-fixture-markup"].title == (
        "Fixture Wire: markup <b>inside</b> a title")


# -- documents without metadata ----------------------------------------------------------------


def test_document_without_metadata_gets_defaults_and_a_warning(mixed):
    _, summary, store, corpus = mixed
    records = store.committed()
    notes, memo = records["untitled-notes"], records["plain-memo"]
    assert notes.title == "Notes on the heron docket"  # its first heading
    assert memo.title == "Plain memo"  # its file name
    for record in (notes, memo):
        assert record.kind == "other" and record.publisher == "" and record.date == ""
    warned = {Path(w["path"]).name: w["warning"] for w in summary["warnings"]}
    for name in ("untitled-notes.md", "plain-memo.txt"):
        assert "publisher" in warned[name] and "date" in warned[name]
    assert "guide-fixture-sections.md" not in warned


# -- bad files ---------------------------------------------------------------------------------


def test_bad_files_are_reported_by_name_and_the_rest_is_ingested(mixed):
    rc, summary, store, _ = mixed
    assert rc == 1
    reasons = {Path(f["path"]).name: f["reason"] for f in summary["failures"]}
    assert set(reasons) == set(BAD_FILES)
    for name, expected in BAD_FILES.items():
        assert expected in reasons[name].lower(), (name, reasons[name])
    assert summary["failed"] == len(BAD_FILES)
    good = {"report-fixture-pages", "guide-fixture-sections", "untitled-notes", "plain-memo",
            "bulletin-fixture"}
    assert summary["added"] == len(good)
    assert set(store.committed()) == good
