"""What retrieval hands to answering and to the UI: a passage with everything a citation shows."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from index.domain import is_primer, label, needs_attribution

if TYPE_CHECKING:
    from llama_index.core.schema import NodeWithScore

# Links, and the tails of links a chunk boundary cut ("org/wiki/…").
URL = re.compile(r"(?:https?://|www\.)\S+|\S+/\S+")
LINK_LIST = 0.5  # a passage more than half links is a source list: it names, it never answers


def link_share(text: str) -> float:
    """The share of ``text`` (ignoring spaces) taken up by links."""
    letters = sum(1 for c in text if not c.isspace())
    return sum(len(u) for u in URL.findall(text)) / letters if letters else 0.0


def is_link_list(text: str) -> bool:
    return link_share(text) > LINK_LIST


@dataclass
class Passage:
    node_id: str
    doc_id: str
    source_file: str
    title: str
    publisher: str
    kind: str
    date: str
    url: str
    page: int | None
    section: str
    start_char: int
    end_char: int
    text: str
    score: float

    @property
    def kind_label(self) -> str:
        return label(self.kind)

    @property
    def is_primer(self) -> bool:
        return is_primer(self.kind, self.publisher)

    @property
    def attributed(self) -> bool:
        """True when a claim from here must be put in its publisher's mouth."""
        return needs_attribution(self.kind)

    @classmethod
    def from_node(cls, hit: NodeWithScore) -> Passage:
        meta: dict[str, Any] = hit.node.metadata
        return cls(
            node_id=hit.node.node_id,
            doc_id=meta["doc_id"],
            source_file=meta.get("source_file", meta["doc_id"]),
            title=meta.get("title", ""),
            publisher=meta.get("publisher", ""),
            kind=meta.get("kind", "other"),
            date=meta.get("date", ""),
            url=meta.get("url", ""),
            page=int(meta["page"]) if meta.get("page") not in (None, "") else None,
            section=meta.get("section", ""),
            start_char=int(meta["start_char"]),
            end_char=int(meta["end_char"]),
            text=hit.node.get_content(),
            score=float(hit.score or 0.0),
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "kind_label": self.kind_label}


@dataclass
class Hit:
    """A retrieved passage with the scores that put it there."""

    passage: Passage
    dense: float  # cosine similarity to the question; 0 when only BM25 found it
    keyword: float  # BM25 score; 0 when only the dense search found it
    fused: float  # reciprocal-rank fusion score: the ranking
    # The multilingual model's cosine, for a Spanish question the multilingual index found
    # (index/multilingual.py); 0 otherwise.
    multilingual: float = 0.0
    # The same text in other documents (a companion bill's identical section), folded in here
    # so that one text takes one place in the results.
    also_in: list[Passage] = field(default_factory=list)
    named: bool = False  # its document is one the question cites by number ("18 U.S.C. 554")
