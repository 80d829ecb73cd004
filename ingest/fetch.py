"""`ingest add`: bring one document (a file or a URL) into the maintainers' corpus folder,
with its metadata in a sidecar, so that the corpus folder stays the single source of truth."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

from ingest.readers import MAX_FILE_BYTES, SUPPORTED_SUFFIXES, sidecar_path

CONTENT_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/pdf": ".pdf",
    "text/markdown": ".md",
    "text/plain": ".txt",
}


class AddError(RuntimeError):
    pass


def is_url(source: str) -> bool:
    return urllib.parse.urlparse(source).scheme in ("http", "https")


def download(url: str, folder: Path, timeout: float = 30) -> Path:
    request = urllib.request.Request(url, headers={"User-Agent": "casefile-ingest/0.1"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content_type = response.headers.get_content_type()
            body = response.read(MAX_FILE_BYTES + 1)
    except (urllib.error.URLError, TimeoutError, ValueError) as exc:
        raise AddError(f"could not download {url}: {exc}") from None
    if len(body) > MAX_FILE_BYTES:
        raise AddError(f"{url} is larger than {MAX_FILE_BYTES // 2**20} MiB")
    name = Path(urllib.parse.urlparse(url).path).name
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        suffix = CONTENT_TYPES.get(content_type, "")
        if not suffix:
            raise AddError(f"{url} is {content_type}; only HTML, PDF, Markdown and text are read")
    stem = re.sub(r"[^a-z0-9]+", "-", Path(name).stem.lower()).strip("-")
    stem = stem or re.sub(r"[^a-z0-9]+", "-", urllib.parse.urlparse(url).netloc.lower())
    target = _free_name(folder, stem, suffix)
    folder.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    return target


def copy_in(source: Path, folder: Path) -> Path:
    if not source.is_file():
        raise AddError(f"no such file: {source}")
    if source.resolve().parent == folder.resolve():
        return source.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    target = _free_name(folder, source.stem, source.suffix.lower())
    shutil.copyfile(source, target)
    return target


def write_sidecar(document: Path, metadata: dict[str, str]) -> Path | None:
    """Record the metadata given on the command line beside the document."""
    given = {k: v for k, v in metadata.items() if v}
    if not given:
        return None
    path = sidecar_path(document)
    existing = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    path.write_text(
        yaml.safe_dump({**(existing or {}), **given}, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return path


def today() -> str:
    return dt.date.today().isoformat()


def _free_name(folder: Path, stem: str, suffix: str) -> Path:
    target = folder / f"{stem}{suffix}"
    n = 2
    while target.exists():
        target = folder / f"{stem}-{n}{suffix}"
        n += 1
    return target
