"""What makes two documents "the same text": a fingerprint of their words.

The same release scraped twice rarely matches byte for byte: one copy ends lines with
Markdown's two-space line break, another wraps differently, a third links a phrase that the
other leaves plain. Identical words in the same order are the same document; everything else
(case, punctuation, whitespace, markup, link targets, Unicode forms such as a no-break space)
is presentation. A text edited by even one word is another version, and is indexed as one:
hiding it would hide the difference.

Which copy stays when two files carry the same words: the one whose metadata says more about
it (``metadata_richness``), so a curated document with publisher, kind and licence keeps its
place over a scraped copy with only a title and a URL; on a tie, the one stored first.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping

PREFIX = "w1-"  # marks a word fingerprint; older stores hold plain hashes of the exact text

# Markup that carries no words of the text: link and image targets, HTML tags, reference
# link definitions. Their visible words stay.
_LINK_TARGET = re.compile(r"\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)")
_REFERENCE_DEFINITION = re.compile(r"^[ \t]*\[[^\]\n]+\]:[ \t]*\S+.*$", re.MULTILINE)
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>\n]*>")
_WORD = re.compile(r"[^\W_]+")  # letters and digits; apostrophes, dashes, markup fall away

# Fields that tell a reader who stands behind a text and how to cite it.
_RICH_FIELDS = ("publisher", "author", "date", "url", "language", "license")


def words(text: str) -> list[str]:
    """The text's words, lower-cased, without markup."""
    text = unicodedata.normalize("NFKC", text)
    text = _REFERENCE_DEFINITION.sub(" ", text)
    text = _LINK_TARGET.sub("] ", text)
    text = _HTML_TAG.sub(" ", text)
    return _WORD.findall(text.casefold())


def fingerprint(text: str) -> str:
    """Equal for two texts with the same words in the same order. A text without words
    (only symbols) is fingerprinted by its exact characters, so two such texts never meet
    by accident."""
    found = words(text)
    basis = " ".join(found) if found else "\0exact\0" + text
    return PREFIX + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]


def is_fingerprint(value: str) -> bool:
    return value.startswith(PREFIX)


def metadata_richness(metadata: Mapping[str, str]) -> int:
    """How much a document's metadata says: one point per filled field, one for a kind."""
    score = sum(1 for key in _RICH_FIELDS if metadata.get(key))
    return score + (1 if metadata.get("kind", "other") not in ("", "other") else 0)
