"""Turn one file into text plus metadata: Markdown/text with YAML front matter, HTML, PDF.

Every reader returns the exact text that chunks will point into (character offsets) and that
the source viewer shows. A file that can't be read raises ``BadDocument`` with a reason a
maintainer can act on; nothing here writes anywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

TEXT_SUFFIXES = {".md", ".markdown", ".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES
SIDECAR_SUFFIX = ".meta.yaml"  # metadata beside a file that has no front matter (PDF, HTML)
METADATA_FIELDS = ("title", "publisher", "author", "date", "kind", "url", "language", "license",
                   "tags")
# Other names for our fields in scraped collections (the White House briefing-room scrape:
# source_url, published_time); used only when the field itself is absent.
FIELD_ALIASES = {"url": ("source_url",), "date": ("published_time",)}
# Characters that are invisible in a title (word joiner, zero-width space, soft hyphen) or
# are spaces by another name (no-break space): scraped titles carry them.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f"), " ")
MAX_FILE_BYTES = 50 * 1024 * 1024

HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


class BadDocument(Exception):
    """The file can't be ingested; ``str(exc)`` says why."""


@dataclass
class LoadedDocument:
    path: Path
    text: str
    metadata: dict[str, str]
    # (start, end) character range of each PDF page inside ``text``; empty for other formats.
    pages: list[tuple[int, int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def load_document(path: Path) -> LoadedDocument:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise BadDocument(
            f"unsupported file type {suffix or '(none)'}; use .md, .txt, .html or .pdf"
        )
    size = path.stat().st_size
    if size == 0:
        raise BadDocument("empty file")
    if size > MAX_FILE_BYTES:
        raise BadDocument(
            f"file is {size // 2**20} MiB; the limit is {MAX_FILE_BYTES // 2**20} MiB"
        )
    raw = path.read_bytes()
    if suffix in PDF_SUFFIXES:
        doc = _load_pdf(path, raw)
    else:
        text = _decode(raw)
        doc = _load_html(path, text) if suffix in HTML_SUFFIXES else _load_text(path, text)
    _apply_sidecar(doc)
    if not doc.text.strip():
        raise BadDocument("no text in the document body")
    _fill_defaults(doc)
    return doc


def _decode(raw: bytes) -> str:
    # A UTF-16 byte-order mark is a promise that can be broken (odd length, lone surrogates):
    # decoding must fail as a BadDocument, never as an exception that stops the whole ingest.
    encoding = "utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    if encoding != "utf-16" and b"\x00" in raw[:8192]:
        raise BadDocument("binary data (NUL bytes), not a text document")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        label = "UTF-16" if encoding == "utf-16" else "UTF-8"
        raise BadDocument(
            f"not {label} text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "re-save the file as UTF-8"
        ) from None
    controls = sum(1 for c in text[:8192] if ord(c) < 32 and c not in "\n\r\t\f")
    if controls > 0.05 * min(len(text), 8192):
        raise BadDocument("binary data (control characters), not a text document")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _scalar(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()[:10]
    if isinstance(value, list):
        return "; ".join(_scalar(v) for v in value)
    if value is None:
        return ""
    return str(value).translate(_INVISIBLE).translate(_SPACES).strip()


def _metadata_from(mapping: dict[str, Any]) -> dict[str, str]:
    metadata = {k: _scalar(mapping[k]) for k in METADATA_FIELDS if _scalar(mapping.get(k))}
    for field_name, aliases in FIELD_ALIASES.items():
        for alias in aliases:
            if field_name not in metadata and (value := _scalar(mapping.get(alias))):
                metadata[field_name] = value
    if len(metadata.get("date", "")) > 10 and re.match(r"\d{4}-\d\d-\d\d[ T]", metadata["date"]):
        metadata["date"] = metadata["date"][:10]  # a timestamp: the day is the date
    return metadata


def _load_text(path: Path, text: str) -> LoadedDocument:
    metadata: dict[str, str] = {}
    match = FRONT_MATTER.match(text)
    if match:
        try:
            front = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise BadDocument(f"front matter is not valid YAML: {exc}".splitlines()[0]) from None
        if not isinstance(front, dict):
            raise BadDocument("front matter is not a YAML mapping of fields")
        metadata = _metadata_from(front)
        text = text[match.end() :]
    return LoadedDocument(path=path, text=text.strip(), metadata=metadata)


def _load_html(path: Path, html: str) -> LoadedDocument:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    metadata: dict[str, str] = {}
    if soup.title and soup.title.string:
        metadata["title"] = soup.title.string.strip()
    for tag in soup.find_all("meta"):
        key = (tag.get("name") or tag.get("property") or "").lower()
        value = (tag.get("content") or "").strip()
        target = {
            "author": "author",
            "og:site_name": "publisher",
            "publisher": "publisher",
            "date": "date",
            "article:published_time": "date",
            "og:url": "url",
            "og:title": "title",
        }.get(key)
        if target and value:
            metadata.setdefault(target, value[:10] if target == "date" else value)
    if (html_tag := soup.find("html")) and html_tag.get("lang"):
        metadata.setdefault("language", html_tag["lang"])
    # Page chrome and anything executable never reach the text.
    for tag in soup(["script", "style", "noscript", "template", "nav", "header", "footer",
                     "aside", "form", "iframe", "svg", "button"]):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    for level in range(1, 7):
        for heading in root.find_all(f"h{level}"):
            heading.insert_before(f"\n\n{'#' * level} ")
            heading.insert_after("\n\n")
    for block in root.find_all(["p", "div", "li", "tr", "br", "section", "blockquote", "pre",
                                "table", "ul", "ol", "dd", "dt"]):
        block.insert_after("\n")
    text = root.get_text()
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return LoadedDocument(path=path, text=text, metadata=metadata)


def _load_pdf(path: Path, raw: bytes) -> LoadedDocument:
    import io
    import logging

    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns loudly on odd files
    try:
        reader = PdfReader(io.BytesIO(raw))
        # An empty user password is only an owner's restriction: any viewer opens the file
        # without asking, and so do we (AES needs `cryptography`, pypdf's crypto extra).
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise BadDocument("encrypted PDF that needs a password to open; save an "
                              "unencrypted copy")
        page_texts = [(page.extract_text() or "").strip() for page in reader.pages]
        info = reader.metadata or {}
    except BadDocument:
        raise
    except DependencyError:
        raise BadDocument("AES-encrypted PDF and no `cryptography` package to decrypt it; "
                          "install pypdf[crypto]") from None
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise BadDocument(f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from None
    if not any(page_texts):
        raise BadDocument("PDF has no extractable text (a scan? run OCR first)")
    pages, parts, offset = [], [], 0
    for page_text in page_texts:
        pages.append((offset, offset + len(page_text)))
        parts.append(page_text)
        offset += len(page_text) + 2  # the "\n\n" that joins pages
    metadata = {}
    if info.get("/Title"):
        metadata["title"] = str(info["/Title"]).strip()
    if info.get("/Author"):
        metadata["author"] = str(info["/Author"]).strip()
    return LoadedDocument(path=path, text="\n\n".join(parts), metadata=metadata, pages=pages)


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def _apply_sidecar(doc: LoadedDocument) -> None:
    sidecar = sidecar_path(doc.path)
    if not sidecar.exists():
        return
    try:
        data = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise BadDocument(f"metadata file {sidecar.name} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise BadDocument(f"metadata file {sidecar.name} is not a YAML mapping of fields")
    doc.metadata.update(_metadata_from(data))


def _fill_defaults(doc: LoadedDocument) -> None:
    meta = doc.metadata
    _derive_from_url(meta)
    missing = [k for k in ("title", "publisher", "date", "kind") if not meta.get(k)]
    if not meta.get("title"):
        heading = HEADING.search(doc.text)
        meta["title"] = heading.group(2).strip() if heading else _title_from_name(doc.path)
    if not meta.get("publisher") and meta.get("author"):
        meta["publisher"] = meta["author"]
        missing = [k for k in missing if k != "publisher"]
    meta.setdefault("kind", "other")
    meta["kind"] = meta["kind"].strip().lower().replace(" ", "-").replace("_", "-")
    if missing:
        doc.warnings.append(
            f"no {', '.join(missing)} in its metadata; using defaults (see corpus/README.md)"
        )


def _derive_from_url(meta: dict[str, str]) -> None:
    """What the original's address says for sure, when the file says nothing: the site that
    published it (its host name, e.g. ``whitehouse.gov``) and, for a U.S. government host
    (``.gov``, ``.mil``), that it is a government publication. Nothing else is guessed."""
    from urllib.parse import urlsplit

    try:
        host = (urlsplit(meta.get("url", "")).hostname or "").lower()
    except ValueError:  # a malformed URL says nothing
        return
    host = host.removeprefix("www.")
    if not host or "." not in host:
        return
    if not meta.get("publisher") and not meta.get("author"):
        meta["publisher"] = host
    if not meta.get("kind") and host.endswith((".gov", ".mil")):
        meta["kind"] = "government-report"


def _title_from_name(path: Path) -> str:
    return re.sub(r"[-_]+", " ", path.stem).strip().capitalize() or path.name
