"""Split a loaded document into llama-index nodes that carry everything a citation needs.

llama-index's ``SentenceSplitter`` does the splitting and records each chunk's character
offsets; it counts length with the embedding model's own tokenizer, so a chunk plus its title
and section header fits in the model's 256 word pieces.
"""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING

from index.embedding import count_word_pieces
from index.passages import is_link_list
from index.settings import Settings
from ingest.readers import HEADING, LoadedDocument

if TYPE_CHECKING:
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import TextNode

# Only these reach the embedding; the rest is for citations and filters.
EMBEDDED_KEYS = ("title", "section")
MAX_SECTION_CHARS = 120
# The model's tokenizer splits at whitespace and punctuation before it splits words into pieces,
# so each of these is at least one word piece.
WORD_OR_MARK = re.compile(r"\w+|[^\w\s]")
COUNT_SLICE = 1 << 20  # characters counted at a time: bounds the memory of the count


def make_splitter(settings: Settings) -> SentenceSplitter:
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        tokenizer=count_word_pieces(),
        # Paragraphs first: they are the natural unit of the bills and fact sheets.
        paragraph_separator="\n\n",
    )


def min_chunks(text: str, chunk_size: int) -> int:
    """A lower bound on the chunks ``text`` makes, without splitting it: every chunk holds at
    most ``chunk_size`` word pieces. Linear and cheap, so a huge file is judged before the
    splitter builds all its nodes in memory."""
    pieces = 0
    for start in range(0, len(text), COUNT_SLICE):
        # A word cut at a slice border counts twice: one piece of slack per megabyte.
        pieces += sum(1 for _ in WORD_OR_MARK.finditer(text, start, start + COUNT_SLICE))
    pieces -= len(text) // COUNT_SLICE
    return max(1, -(-pieces // chunk_size))


def chunk_document(
    doc: LoadedDocument,
    splitter: SentenceSplitter,
    doc_metadata: dict[str, str | int],
) -> list[TextNode]:
    """Nodes with ids ``<doc_id>:<version>:<n>``; offsets index into ``doc.text``."""
    from llama_index.core.schema import Document

    doc_id, version = doc_metadata["doc_id"], doc_metadata["version"]
    # A PDF is split page by page so every chunk has exactly one page number.
    spans = doc.pages or [(0, len(doc.text))]
    headings = _headings(doc.text)
    # The splitter subtracts the embedded header from its budget; reserve room for the
    # longest section title this document has, since each chunk gets its own.
    header = {"title": doc_metadata["title"], "section": max(headings[1], key=len, default="")}
    nodes: list[TextNode] = []
    for page_number, (start, end) in enumerate(spans, start=1):
        part = doc.text[start:end]
        if not part.strip():
            continue
        # The id matters: ChromaVectorStore stores a chunk's ref_doc_id under "doc_id".
        source = Document(text=part, id_=doc_id, metadata=header)
        for node in splitter.get_nodes_from_documents([source]):
            if node.start_char_idx is None:  # splitter could not place it: never cite blindly
                raise ValueError(f"chunk {len(nodes)} of {doc_id} has no offsets")
            node.start_char_idx += start
            node.end_char_idx += start
            node.id_ = f"{doc_id}:{version}:{len(nodes):04d}"
            node.metadata = {
                **doc_metadata,
                "section": _section_at(headings, node.start_char_idx),
                "start_char": node.start_char_idx,
                "end_char": node.end_char_idx,
                "chunk_index": len(nodes),
            }
            if doc.pages:
                node.metadata["page"] = page_number
            # Flagged once here so retrieval excludes link lists in its where clause (an int:
            # llama-index's metadata filters take no booleans).
            node.metadata["link_list"] = int(is_link_list(node.get_content()))
            hidden = [k for k in node.metadata if k not in EMBEDDED_KEYS]
            node.excluded_embed_metadata_keys = hidden
            node.excluded_llm_metadata_keys = hidden
            nodes.append(node)
    return nodes


def _headings(text: str) -> tuple[list[int], list[str]]:
    found = [(m.start(), m.group(2).strip()[:MAX_SECTION_CHARS]) for m in HEADING.finditer(text)]
    return [pos for pos, _ in found], [title for _, title in found]


def _section_at(headings: tuple[list[int], list[str]], offset: int) -> str:
    positions, titles = headings
    i = bisect.bisect_right(positions, offset) - 1
    return titles[i] if i >= 0 else ""
