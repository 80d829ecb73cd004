"""What a question may be narrowed by, parsed and checked in one place for the CLI, the API
and the web chat: kinds of source, documents, a date range, how many passages (k).

Dates are ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` everywhere and are compared as dates: a bound
is the first day (``from``) or the last day (``until``) the text can mean, so ``--until 2021``
keeps everything dated in 2021. Every mistake raises ``FilterError`` with one plain sentence.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from index.answers import CasefileError
from index.domain import LABELS, label
from index.passages import Passage

DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")
DATE_FORMS = "2021, 2021-06 or 2021-06-30"
DEFAULT_K = 8
MAX_K = 40  # each retriever hands over 40 candidates (retrieval.CANDIDATES): more can't be filled


class FilterError(CasefileError, ValueError):
    """A filter value the user has to correct; the message says how."""


@dataclass(frozen=True)
class FieldNames:
    """How the user calls each filter, so a message names what they typed."""

    date_from: str
    date_to: str
    kinds: str = "kind of source"
    documents: str = "documents"


WEB_NAMES = FieldNames(date_from="“From” date", date_to="“To” date")
CLI_NAMES = FieldNames(date_from="--since", date_to="--until", kinds="--kind", documents="--doc")


# -- dates -----------------------------------------------------------------------------------


def date_span(text: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day ``text`` can mean ('2021' -> 1 Jan to 31 Dec 2021); None when it is
    not written as a date at all. Raises ValueError for an impossible one ('2021-02-30')."""
    m = DATE.match(text.strip())
    if not m:
        return None
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    if month is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    month_i = int(month)
    if not 1 <= month_i <= 12:
        raise ValueError(f"no month {month_i}")
    if day is None:
        last = calendar.monthrange(year, month_i)[1]
        return dt.date(year, month_i, 1), dt.date(year, month_i, last)
    exact = dt.date(year, month_i, int(day))  # ValueError for 30 February
    return exact, exact


def date_bound(text: str | None, *, end: bool, name: str) -> str:
    """'2021', '2021-06' or '2021-06-30' -> an inclusive ISO bound ('' when empty)."""
    if text is not None and not isinstance(text, str):
        raise FilterError(f"{name} must be text like {DATE_FORMS}.")
    text = (text or "").strip()
    if not text:
        return ""
    try:
        span = date_span(text)
    except ValueError:
        raise FilterError(f"{name} is not a real date (got “{text}”).") from None
    if span is None:
        raise FilterError(f"{name} must look like {DATE_FORMS} (got “{text}”).")
    return (span[1] if end else span[0]).isoformat()


def date_range(date_from: str | None, date_to: str | None,
               names: FieldNames = WEB_NAMES) -> tuple[str, str]:
    start = date_bound(date_from, end=False, name=names.date_from)
    stop = date_bound(date_to, end=True, name=names.date_to)
    if start and stop and start > stop:  # both are full ISO dates here: order is date order
        raise FilterError(f"The {names.date_from} is after the {names.date_to}.")
    return start, stop


def _passage_span(date: str) -> tuple[dt.date, dt.date] | None:
    try:
        return date_span(date[:10])
    except ValueError:
        return None


def day_number(day: dt.date) -> int:
    """2021-06-30 -> 20210630: a date Chroma can compare in a ``where`` clause."""
    return day.year * 10000 + day.month * 100 + day.day


def date_numbers(date: str) -> dict[str, int]:
    """Chunk metadata for a source's date: the first and last day it can mean, as YYYYMMDD
    integers ('2021' -> 20210101 and 20211231). Empty for an undated source, which then never
    matches a date filter (a missing key matches no comparison in Chroma)."""
    span = _passage_span(date or "")
    if span is None:
        return {}
    return {DATE_FIRST: day_number(span[0]), DATE_LAST: day_number(span[1])}


DATE_FIRST, DATE_LAST = "date_first", "date_last"  # chunk metadata keys (ingest writes them)


# -- kinds, documents, k -------------------------------------------------------------------


def as_strings(value: Any, name: str) -> list[str]:
    """A list of strings from what a caller sent: one string counts as a one-item list (an API
    caller writing ``kinds="statute"`` means one kind, not seven letters)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return [v for v in value if v.strip()]
    raise FilterError(f"{name} must be a list of strings.")


def kinds_for(labels: Any, corpus_kinds: set[str] | None = None,
              name: str = "kind of source") -> tuple[str, ...]:
    """Badge labels ("bill") -> every kind stored under that label ("legislation", "bill").

    Kind values themselves are accepted too ("legislation").
    """
    wanted = {w.strip() for w in as_strings(labels, name)}
    known = set(LABELS) | (corpus_kinds or set())
    kinds = {k for k in known if label(k) in wanted or k in wanted}
    unknown = {w for w in wanted if w not in known and all(label(k) != w for k in known)}
    if unknown:
        choices = ", ".join(sorted({label(k) for k in known}))
        raise FilterError(f"Unknown kind of source: {', '.join(sorted(unknown))}. Use one of: "
                          f"{choices}.")
    return tuple(sorted(kinds))


def parse_k(value: Any) -> int:
    """How many passages: a whole number from 1 to MAX_K."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise FilterError(f"k must be a whole number from 1 to {MAX_K}.")
    try:
        k = int(value)
    except ValueError:
        raise FilterError(f"k must be a whole number from 1 to {MAX_K} (got “{value}”).") from None
    if not 1 <= k <= MAX_K:
        raise FilterError(f"k must be from 1 to {MAX_K} (got {k}).")
    return k


# -- the filters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilters:
    kinds: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    date_from: str = ""  # inclusive; YYYY, YYYY-MM or YYYY-MM-DD
    date_to: str = ""
    # The bounds as dates, worked out once (a filter is checked against every candidate).
    _span: tuple[dt.date, dt.date] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        start, stop = date_range(self.date_from, self.date_to)
        object.__setattr__(self, "_span", (
            dt.date.fromisoformat(start) if start else dt.date.min,
            dt.date.fromisoformat(stop) if stop else dt.date.max,
        ))

    @classmethod
    def parse(
        cls,
        kinds: Any = None,
        documents: Any = None,
        date_from: Any = None,
        date_to: Any = None,
        *,
        corpus_kinds: set[str] | None = None,
        known_documents: Iterable[str] | None = None,
        names: FieldNames = WEB_NAMES,
    ) -> SearchFilters:
        """Filters from what a user typed or an API caller sent; FilterError if any is wrong.
        ``known_documents``, when given, refuses document ids the corpus does not hold."""
        start, stop = date_range(date_from, date_to, names)
        doc_ids = tuple(dict.fromkeys(d.strip() for d in as_strings(documents, names.documents)))
        if known_documents is not None:
            known = set(known_documents)
            unknown = [d for d in doc_ids if d not in known]
            if unknown:
                raise FilterError(f"No document with the id {', '.join(unknown)} in the corpus "
                                  "(the ids are listed in the web chat's Corpus tab).")
        return cls(kinds=kinds_for(kinds, corpus_kinds, names.kinds),
                   doc_ids=doc_ids, date_from=start, date_to=stop)

    def admits(self, passage: Passage) -> bool:
        if self.kinds and passage.kind not in self.kinds:
            return False
        if self.doc_ids and passage.doc_id not in self.doc_ids:
            return False
        if not (self.date_from or self.date_to):
            return True
        span = _passage_span(passage.date)
        if span is None:
            return False  # an undated source can't be placed inside a date range
        # A source dated only "2021" overlaps a range that ends in June 2021.
        return span[1] >= self._span[0] and span[0] <= self._span[1]

    @property
    def day_range(self) -> tuple[int, int] | None:
        """The date bounds as YYYYMMDD integers, None without a date filter. A source matches
        when its own span overlaps them, as in ``admits``: date_last >= start, date_first <= end."""
        if not (self.date_from or self.date_to):
            return None
        start, stop = self._span
        return (day_number(start) if self.date_from else 0,
                day_number(stop) if self.date_to else 99991231)

    @property
    def active(self) -> bool:
        return bool(self.kinds or self.doc_ids or self.date_from or self.date_to)
