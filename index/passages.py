"""What retrieval hands to answering and to the UI: a passage with everything a citation shows."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from index.kinds import label, needs_attribution

if TYPE_CHECKING:
    from llama_index.core.schema import NodeWithScore


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
