"""Filter widgets' values -> ``SearchFilters`` (and a readable summary for the answer)."""

from __future__ import annotations

import calendar
import re

from index.kinds import LABELS, label
from index.retrieval import SearchFilters

DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")


class FilterError(ValueError):
    """A filter value the reader has to correct; the message says how."""


def kinds_for(labels: list[str] | None, corpus_kinds: set[str] | None = None) -> tuple[str, ...]:
    """Badge labels ("bill") -> every kind stored under that label ("legislation", "bill").

    Kind values themselves are accepted too, for API callers.
    """
    wanted = {w.strip() for w in labels or [] if w and w.strip()}
    known = set(LABELS) | (corpus_kinds or set())
    kinds = {k for k in known if label(k) in wanted or k in wanted}
    unknown = {w for w in wanted if w not in known and all(label(k) != w for k in known)}
    if unknown:
        choices = ", ".join(sorted({label(k) for k in known}))
        raise FilterError(f"Unknown kind of source: {', '.join(sorted(unknown))}. Use: {choices}.")
    return tuple(sorted(kinds))


def date_bound(text: str | None, *, end: bool, name: str) -> str:
    """'2021', '2021-06' or '2021-06-30' -> an inclusive ISO bound ('' when empty)."""
    text = (text or "").strip()
    if not text:
        return ""
    m = DATE.match(text)
    if not m:
        raise FilterError(f"{name} must look like 2021, 2021-06 or 2021-06-30 (got “{text}”).")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if month is None:
            month_i, day_i = (12, 31) if end else (1, 1)
        else:
            month_i = int(month)
            last = calendar.monthrange(year, month_i)[1]
            day_i = int(day) if day else (last if end else 1)
            if not 1 <= day_i <= last:
                raise ValueError
    except (ValueError, calendar.IllegalMonthError):
        raise FilterError(f"{name} is not a real date (got “{text}”).") from None
    return f"{year:04d}-{month_i:02d}-{day_i:02d}"


def build_filters(
    labels: list[str] | None,
    doc_ids: list[str] | None,
    date_from: str | None,
    date_to: str | None,
    corpus_kinds: set[str] | None = None,
) -> SearchFilters:
    start = date_bound(date_from, end=False, name="“From” date")
    stop = date_bound(date_to, end=True, name="“To” date")
    if start and stop and start > stop:
        raise FilterError("The “From” date is after the “To” date.")
    return SearchFilters(
        kinds=kinds_for(labels, corpus_kinds),
        doc_ids=tuple(doc_ids or ()),
        date_from=start,
        date_to=stop,
    )


def describe(filters: SearchFilters, labels: list[str] | None, titles: dict[str, str]) -> str:
    parts = []
    if labels:
        parts.append("kind: " + ", ".join(labels))
    if filters.date_from or filters.date_to:
        parts.append(f"dates: {filters.date_from or '…'} to {filters.date_to or '…'}")
    if filters.doc_ids:
        parts.append("documents: " + "; ".join(titles.get(d, d) for d in filters.doc_ids))
    return " · ".join(parts)
