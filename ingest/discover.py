"""Find the document files under the paths a maintainer names."""

from __future__ import annotations

from pathlib import Path

from ingest.readers import SIDECAR_SUFFIX, SUPPORTED_SUFFIXES

# Catalogs and how-tos that live beside documents but are not documents.
NOT_DOCUMENTS = {"readme.md", "catalog.md"}


def find_documents(paths: list[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files to ingest, and (path, reason) for named paths that can't be used.

    Folders are walked recursively, skipping hidden entries, catalogs and unsupported types;
    a file named explicitly is always returned so the reader can say what is wrong with it.
    """
    files: dict[Path, None] = {}
    problems: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_file():
            files[path.resolve()] = None
        elif path.is_dir():
            for found in sorted(path.rglob("*")):
                relative = found.relative_to(path)
                if any(part.startswith(".") for part in relative.parts):
                    continue
                if found.is_file() and _is_document(found):
                    files[found.resolve()] = None
        else:
            problems.append((path, "no such file or folder"))
    return list(files), problems


def _is_document(path: Path) -> bool:
    name = path.name.lower()
    return (
        path.suffix.lower() in SUPPORTED_SUFFIXES
        and name not in NOT_DOCUMENTS
        and not name.endswith(SIDECAR_SUFFIX)
    )
