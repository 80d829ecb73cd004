"""The "Corpus" tab: every document the assistant can cite, searchable by title; a title opens
the document in the tab's source viewer."""

from __future__ import annotations

from index.domain import label
from index.store import DocumentRecord
from index.web.html import PRIMER_LABEL, badge, esc, is_primer, link


def matches(record: DocumentRecord, query: str) -> bool:
    """Every word of the query appears in the title (case-insensitive)."""
    title = record.title.casefold()
    return all(word in title for word in query.casefold().split())


def corpus_html(records: list[DocumentRecord], query: str = "") -> str:
    shown = [r for r in records if matches(r, query)]
    passages = sum(r.chunk_count for r in records)
    summary = (
        f'<p class="cf-corpus-summary"><strong>{len(records)}</strong> documents, '
        f"<strong>{passages}</strong> indexed passages. The assistant answers only from these; "
        "anything not in them, it cannot know. Click a title to read the document.</p>"
    )
    if query.strip():
        summary += (
            f'<p class="cf-corpus-filter">{len(shown)} of {len(records)} documents match '
            f"“{esc(query.strip())}”.</p>"
        )
    if not shown:
        none = '<p class="cf-empty-row">No title matches.</p>'
        return f'<div class="cf-corpus">{summary}{none}</div>'
    rows = "".join(_row(r) for r in shown)
    return (
        f'<div class="cf-corpus">{summary}<div class="cf-table-wrap"><table class="cf-table">'
        "<thead><tr><th>Title</th><th>Kind</th><th>Publisher / author</th><th>Date</th>"
        '<th class="cf-num-col">Chunks</th><th class="cf-num-col">Pages</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div></div>"
    )


def _row(r: DocumentRecord) -> str:
    by = esc(r.publisher) + (f'<br><span class="cf-dim">{esc(r.author)}</span>' if r.author else "")
    kind = PRIMER_LABEL if is_primer(r.kind, r.publisher) else label(r.kind)
    original = link(r.url, "Original ↗", "cf-ext", or_text=False)
    return (
        f'<tr data-doc="{esc(r.doc_id)}"><td class="cf-title-cell">'
        f'<button type="button" class="cf-read" data-cf-doc="{esc(r.doc_id)}">{esc(r.title)}'
        f'</button><br><span class="cf-dim cf-docid">{esc(r.doc_id)}</span>'
        f'{" · " + original if original else ""}</td>'
        f"<td>{badge(kind)}</td><td>{by}</td><td class=\"cf-nowrap\">{esc(r.date)}</td>"
        f'<td class="cf-num-col">{r.chunk_count}</td>'
        f'<td class="cf-num-col">{r.page_count or "—"}</td></tr>'
    )


def kind_choices(records: list[DocumentRecord]) -> list[str]:
    """Badge labels present in the corpus, in a stable reading order."""
    order = ["court record", "statute", "bill", "government report", "advocacy", "news",
             "editorial summary"]
    present = {label(r.kind) for r in records}
    return [x for x in order if x in present] + sorted(present - set(order))


def document_choices(records: list[DocumentRecord]) -> list[tuple[str, str]]:
    """(shown title, doc_id) pairs for the documents filter."""
    return [(f"{r.title} ({r.date})" if r.date else r.title, r.doc_id)
            for r in sorted(records, key=lambda r: r.title.casefold())]
