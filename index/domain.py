"""What Casefile knows about its topic, in one place; the rest of the code is generic.

The corpus is U.S. legal and policy text about arms trafficking into Mexico: kinds of source and
how each is labelled and attributed, the project's own primers, House/Senate companion bills and
their numbers, and the example questions the web chat offers. A corpus on another topic changes
this module (and its documents' front matter), not the answer core.
"""

from __future__ import annotations

import re

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


# The project's own editorial primers (summaries, published by Casefile): labelled as such, so
# quoting one never reads as the assistant quoting itself ("According to Casefile …").
PRIMER_LABEL = "Casefile primer — editorial summary"


def is_primer(kind: str, publisher: str | None) -> bool:
    return kind in RETROSPECTIVE and (publisher or "").strip().casefold().startswith("casefile")


# A bill's title opens with its number ("H.R. 6736 — ARMAS Act of 2025"); companions in the two
# chambers share the short title after it.
BILL_NUMBER = re.compile(r"^((?:H\.\s?R\.|S\.)\s*\d+)")
COMPANION_TITLE = re.compile(r"^(?:H\.\s?R\.|S\.)\s*\d+\s*[—-]\s*")


def companion_key(record_title: str) -> str:
    """Bills that share a short title after their number are House/Senate companions."""
    return COMPANION_TITLE.sub("", record_title).strip().lower()


# The web chat's example questions. Each checked by asking the curated corpus: a full, cited
# sentence that answers it (tests/test_web_examples.py asks them again).
EXAMPLES = [
    "What did Mexico allege the gun companies did?",
    "Why did the First Circuit let Mexico's lawsuit go ahead?",
    "What did the Supreme Court decide in Smith & Wesson v. Mexico?",
    "What share of guns recovered in Mexico come from the United States?",
    "What penalty does 18 U.S.C. 933 set for firearms trafficking?",
]
