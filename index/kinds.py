"""Kinds of source: the label a reader sees, and whether a claim from it must be attributed."""

from __future__ import annotations

# kind (as written in front matter) -> label shown next to a citation
LABELS = {
    "court-record": "court record",
    "court-opinion": "court record",
    "statute": "statute",
    "legislation": "bill",
    "bill": "bill",
    "government-report": "government report",
    "advocacy": "advocacy",
    "news": "news",
    "editorial": "editorial summary",
    "reference": "editorial summary",
    "other": "other",
}

# Primary sources are cited directly; everything else speaks for its publisher.
PRIMARY = {"court-record", "court-opinion", "statute", "legislation", "bill", "government-report"}


def label(kind: str) -> str:
    return LABELS.get(kind, kind.replace("-", " ") or "other")


def needs_attribution(kind: str) -> bool:
    return kind not in PRIMARY


# Summaries written after the events they cover: their date says when they were written, not
# when anything in them happened.
RETROSPECTIVE = {"editorial", "reference"}


def dates_its_contents(kind: str) -> bool:
    return kind not in RETROSPECTIVE
