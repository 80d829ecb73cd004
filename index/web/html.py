"""Escaping for everything that came from a document or a user before it reaches the page.

Two sinks need different treatment:
- ``gr.HTML`` panels take HTML; text goes through ``esc``. Gradio fills ``gr.HTML`` through a
  JS/Handlebars template, so ``{``, ``}``, ``$`` and backticks are turned into entities too:
  a document quoting ``${...}`` or ``{{...}}`` then stays text whatever the template does.
- The ``Chatbot`` renders Markdown; text goes through ``md``: HTML-escaped *and* Markdown
  punctuation backslash-escaped, so a document can neither inject markup nor make links,
  headings or emphasis out of its own characters.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from index.domain import PRIMER_LABEL, is_primer

TEMPLATE_CHARS = str.maketrans({"{": "&#123;", "}": "&#125;", "$": "&#36;", "`": "&#96;"})
# ASCII punctuation Markdown (marked/GFM) gives meaning to; `<>&"'` are handled by html.escape.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]()#+\-!|~{}$=:.])")


def esc(text: object) -> str:
    """Text -> HTML text node content or attribute value (always quoted)."""
    return html.escape("" if text is None else str(text), quote=True).translate(TEMPLATE_CHARS)


def md(text: object) -> str:
    """Text -> Markdown that renders as exactly that text."""
    escaped = _MD_SPECIAL.sub(r"\\\1", "" if text is None else str(text))
    return html.escape(escaped, quote=True)


def safe_url(url: str | None) -> str | None:
    """Only http(s) URLs become links; anything else (javascript:, data:) is shown as text."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def link(url: str | None, text: str, cls: str = "", *, or_text: bool = True) -> str:
    """An outbound link the reader chooses to follow; never fetched by the page itself.
    Without a usable URL: the text alone, or nothing (``or_text=False``, e.g. "Original ↗")."""
    href = safe_url(url)
    if href is None:
        return esc(text) if or_text else ""
    cls_attr = f' class="{esc(cls)}"' if cls else ""
    return (
        f'<a href="{esc(href)}"{cls_attr} target="_blank" rel="noopener noreferrer nofollow">'
        f"{esc(text)}</a>"
    )


KIND_CLASSES = {
    "court record": "court",
    "statute": "statute",
    "bill": "bill",
    "government report": "gov",
    "advocacy": "advocacy",
    "news": "news",
    "editorial summary": "editorial",
}
KIND_CLASSES[PRIMER_LABEL] = "editorial"


def source_label(p: dict) -> str:
    """The badge text of a passage or citation dict: its kind, or "Casefile primer …"."""
    if is_primer(p.get("kind", ""), p.get("publisher")):
        return PRIMER_LABEL
    return p.get("kind_label") or "other"


def badge(kind_label: str) -> str:
    """The kind-of-source badge; the colour class comes from a fixed list, never from data."""
    cls = KIND_CLASSES.get(kind_label, "other")
    return f'<span class="cf-badge cf-kind-{cls}">{esc(kind_label)}</span>'


def where(page: int | None, section: str | None) -> str:
    """'p. 3' or the section heading: where in the document a passage sits."""
    if page:
        return f"p. {page}"
    return section or ""


def meta_line(*parts: str | None) -> str:
    return " · ".join(esc(p) for p in parts if p)
