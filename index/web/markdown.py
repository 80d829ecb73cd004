"""Document text is Markdown: render it for the reader, inert, with highlights on exact characters.

- **Rendering** is markdown-it-py (CommonMark + GFM tables and strikethrough) with raw HTML
  *off* (a ``<script>`` in a document is shown as text), images off (the page never fetches
  anything a document names) and only http(s) links.
- **Sanitising**: the result then passes nh3 (the Ammonia sanitiser) with an allowlist of tags
  and attributes, so nothing but plain formatting can reach ``gr.HTML``, which does not sanitise.
- **Highlights**: a span is given in *source* offsets (the cited sentence's characters). Before
  rendering, a private-use sentinel character is put at each end of the span; after rendering,
  every run of text between the two sentinels is wrapped in its own ``<mark>`` — a span that
  crosses emphasis, a table cell or a paragraph break becomes several marks, always valid HTML,
  and it covers exactly the cited characters (Markdown syntax between them is not text).
  Sentinels are moved off block syntax (a heading's ``##``, a list bullet, a table's outer
  pipes) so they never change how a line parses. If a sentinel is lost anyway (inside a link
  target), the text is shown escaped, unrendered, with the marks placed as before.
- **Fragments** (a card's excerpt, a passage shown alone) may start inside a table: such rows get
  an empty header row so they still render as a table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from index.web.html import TEMPLATE_CHARS, esc, safe_url

# Private-use code points: documents never legitimately contain them (any that do are replaced).
_FIRST_SENTINEL = 0xE000
_PRIVATE = re.compile("[\ue000-\uf8ff]")
_PASSAGE_OPEN, _PASSAGE_CLOSE = "\uf8fe", "\uf8ff"

# Block syntax a span's opening sentinel must not precede (it would stop the line parsing as
# that block): heading hashes, blockquote markers, bullets, ordered-list numbers, a table's
# leading pipe.
_BLOCK_PREFIX = re.compile(
    r"(?:[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d{1,9}[.)][ \t]+|\|[ \t]*))+"
)
_TABLE_ROW = re.compile(r"^[ \t]*\|.*\|[ \t]*$")
_DELIMITER_ROW = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")

BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre",
              "table", "hr"}
_CLEANER = nh3.Cleaner(
    tags=BLOCK_TAGS | {"br", "em", "strong", "del", "s", "code", "a", "thead", "tbody", "tr",
                       "th", "td"},
    attributes={"a": {"href"}, "th": {"style"}, "td": {"style"}, "ol": {"start"}},
    allowed_classes={tag: {"cf-in-passage"} for tag in BLOCK_TAGS},
    filter_style_properties={"text-align"},
    url_schemes={"http", "https"},
    link_rel="noopener noreferrer nofollow",
    set_tag_attribute_values={"a": {"target": "_blank"}},
)


@dataclass(frozen=True)
class Mark:
    """Characters ``[start, end)`` of the source text to show in ``<mark class=cls>``; the first
    piece of the mark also gets ``first_id`` (the viewer scrolls to ``#cf-hl``)."""

    start: int
    end: int
    cls: str
    first_id: str = ""


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.disable("image")
    md.validateLink = lambda url: safe_url(url) is not None  # type: ignore[method-assign]
    return md


_MD = _renderer()


def render(
    text: str,
    marks: list[Mark] | None = None,
    passage: tuple[int, int] | None = None,
    *,
    fragment: bool = False,
) -> str:
    """``text`` (Markdown) as sanitised HTML with ``marks`` placed on their source characters.

    ``marks`` must not overlap. ``passage`` tints the blocks that hold those characters.
    ``fragment``: the text is a cut-out (it may start inside a table).
    """
    marks = sorted(marks or [], key=lambda m: m.start)
    source = _PRIVATE.sub("\ufffd", text or "")  # same length: offsets stay valid
    sentinels: list[tuple[int, str]] = []
    for i, m in enumerate(marks):
        if m.end > m.start:
            sentinels.append((_opening_at(source, m.start), chr(_FIRST_SENTINEL + 2 * i)))
            sentinels.append((_closing_at(source, m.end), chr(_FIRST_SENTINEL + 2 * i + 1)))
    if passage:
        sentinels.append((passage[0], _PASSAGE_OPEN))
        sentinels.append((passage[1], _PASSAGE_CLOSE))
    prepared = _insert(source, sentinels)
    if fragment:
        prepared = _headed_tables(prepared)
    prepared, passage_lines = _passage_lines(prepared)
    tokens = _MD.parse(prepared)
    if passage_lines:
        _tint(tokens, passage_lines)
    html = _CLEANER.clean(_MD.renderer.render(tokens, _MD.options, {}))
    expected = {s for _, s in sentinels if s not in (_PASSAGE_OPEN, _PASSAGE_CLOSE)}
    if any(html.count(s) != 1 for s in expected):  # a sentinel fell where text is not kept
        return _plain(source, marks)
    return _scrolling_tables(_marked(html, marks)).translate(TEMPLATE_CHARS)


def _scrolling_tables(html: str) -> str:
    """Each table in its own horizontally scrolling box (a phone never scrolls the page sideways);
    done on the sanitised output, so the wrapper is ours, never a document's."""
    return re.sub(r"<table\b", '<div class="cf-md-table"><table', html).replace(
        "</table>", "</table></div>")


def render_inline(text: str) -> str:
    """One sentence or title: emphasis and code rendered, no block elements."""
    source = _PRIVATE.sub("\ufffd", text or "")
    return _CLEANER.clean(_MD.renderInline(source)).translate(TEMPLATE_CHARS)


def text_of(html: str) -> str:
    """The visible text of rendered HTML (for tests and accessible names)."""
    import html as _html

    return _html.unescape(re.sub(r"<[^>]+>", "", html))


# -- sentinels -----------------------------------------------------------------------------------


def _opening_at(text: str, pos: int) -> int:
    """Where a span's opening sentinel goes: past leading whitespace and block syntax."""
    while pos < len(text) and text[pos] in " \t\n":
        pos += 1
    line_start = text.rfind("\n", 0, pos) + 1
    if text[line_start:pos].strip() == "":
        m = _BLOCK_PREFIX.match(text, line_start)
        if m and m.end() > pos:
            pos = m.end()
    return pos


def _closing_at(text: str, pos: int) -> int:
    """Where a span's closing sentinel goes: before trailing whitespace and a row's last pipe."""
    while pos > 0 and text[pos - 1] in " \t\n":
        pos -= 1
    line_end = text.find("\n", pos)
    line_end = len(text) if line_end < 0 else line_end
    if text[pos:line_end].strip() in ("", "|"):
        line_start = text.rfind("\n", 0, pos) + 1
        if _TABLE_ROW.match(text[line_start:line_end]):
            head = text[line_start:pos].rstrip(" \t")
            if head.endswith("|") and not head.endswith("\\|"):
                pos = line_start + len(head) - 1
                while pos > line_start and text[pos - 1] in " \t":
                    pos -= 1
    return pos


def _insert(text: str, sentinels: list[tuple[int, str]]) -> str:
    out: list[str] = []
    last = 0
    for pos, char in sorted(sentinels, key=lambda s: (s[0], _close_first(s[1]))):
        out.append(text[last:pos])
        out.append(char)
        last = pos
    out.append(text[last:])
    return "".join(out)


def _close_first(char: str) -> int:
    """At one position, closing sentinels go before opening ones (adjacent marks)."""
    code = ord(char)
    if char == _PASSAGE_CLOSE:
        return 0
    if char == _PASSAGE_OPEN:
        return 3
    return 1 if (code - _FIRST_SENTINEL) % 2 else 2


def _passage_lines(text: str) -> tuple[str, tuple[int, int] | None]:
    start, end = text.find(_PASSAGE_OPEN), text.find(_PASSAGE_CLOSE)
    if start < 0 or end < 0:
        return text.replace(_PASSAGE_OPEN, "").replace(_PASSAGE_CLOSE, ""), None
    lines = (text.count("\n", 0, start), text.count("\n", 0, end))
    return text.replace(_PASSAGE_OPEN, "").replace(_PASSAGE_CLOSE, ""), lines


def _tint(tokens: list[Token], lines: tuple[int, int]) -> None:
    """Give the top-level blocks that overlap the passage's lines the ``cf-in-passage`` class."""
    first, last = lines
    for token in tokens:
        top_block = token.level == 0 and token.nesting >= 0 and token.tag in BLOCK_TAGS
        if top_block and token.map and token.map[0] <= last and token.map[1] > first:
            token.attrJoin("class", "cf-in-passage")


def _headed_tables(text: str) -> str:
    """Give table rows cut from their header an empty header, so they still render as a table."""
    lines = text.split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        starts_block = _TABLE_ROW.match(line) and not (i > 0 and _TABLE_ROW.match(lines[i - 1]))
        headed = i + 1 < len(lines) and _DELIMITER_ROW.match(lines[i + 1])
        if starts_block and not headed and not _DELIMITER_ROW.match(line):
            cells = len(_cells(line))
            if out and out[-1].strip():
                out.append("")
            out.append("|" + " |" * cells)
            out.append("|" + "---|" * cells)
        if _DELIMITER_ROW.match(line) and not (i > 0 and _TABLE_ROW.match(lines[i - 1])):
            continue  # a delimiter row whose header was cut off
        out.append(line)
    return "\n".join(out)


def _cells(row: str) -> list[str]:
    inner = row.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return re.split(r"(?<!\\)\|", inner)


# -- marks -----------------------------------------------------------------------------------


def _marked(html: str, marks: list[Mark]) -> str:
    """Replace sentinel pairs by ``<mark>`` around every text run between them."""
    out: list[str] = []
    active: Mark | None = None
    started: set[int] = set()
    for piece in _TAG_OR_TEXT.split(html):
        if piece.startswith("<"):
            out.append(piece)
            continue
        for part in re.split("([\ue000-\uf8ff])", piece):
            if len(part) == 1 and _PRIVATE.match(part):
                i, closing = divmod(ord(part) - _FIRST_SENTINEL, 2)
                active = None if closing or i >= len(marks) else marks[i]
                continue
            if not part:
                continue
            if active is None or (not part.strip() and "\n" in part):
                out.append(part)  # whitespace between block tags cannot hold a <mark>
                continue
            key = id(active)
            attrs = f'class="{esc(active.cls)}"'
            if active.first_id and key not in started:
                attrs += f' id="{esc(active.first_id)}"'
            started.add(key)
            out.append(f"<mark {attrs}>{part}</mark>")
    return "".join(out)


def _plain(text: str, marks: list[Mark]) -> str:
    """Fallback: the source shown as text (line breaks kept), marks on their characters."""
    out: list[str] = ['<p class="cf-plain">']
    last = 0
    for m in marks:
        if m.end <= m.start or m.start < last:
            continue
        ident = f' id="{esc(m.first_id)}"' if m.first_id else ""
        out.append(esc(text[last : m.start]))
        out.append(f'<mark class="{esc(m.cls)}"{ident}>{esc(text[m.start : m.end])}</mark>')
        last = m.end
    out.append(esc(text[last:]))
    out.append("</p>")
    return "".join(out)
