"""Filter widgets' values -> ``SearchFilters`` (and a readable summary for the answer).

Parsing lives in ``index.query_params``, shared with the CLI and the API; this module only
names the fields as the page shows them."""

from __future__ import annotations

from index.query_params import (
    WEB_NAMES,
    FilterError,
    SearchFilters,
    as_strings,
    date_bound,
    kinds_for,
)

__all__ = ["FilterError", "build_filters", "date_bound", "describe", "kinds_for"]


def build_filters(
    labels: object,
    doc_ids: object,
    date_from: object,
    date_to: object,
    corpus_kinds: set[str] | None = None,
    known_documents: set[str] | None = None,
) -> SearchFilters:
    return SearchFilters.parse(labels, doc_ids, date_from, date_to, corpus_kinds=corpus_kinds,
                               known_documents=known_documents, names=WEB_NAMES)


def describe(filters: SearchFilters, labels: object, titles: dict[str, str]) -> str:
    parts = []
    shown = as_strings(labels, "kinds") if filters.kinds else []
    if shown:
        parts.append("kind: " + ", ".join(shown))
    if filters.date_from or filters.date_to:
        parts.append(f"dates: {filters.date_from or '…'} to {filters.date_to or '…'}")
    if filters.doc_ids:
        parts.append("documents: " + "; ".join(titles.get(d, d) for d in filters.doc_ids))
    return " · ".join(parts)
