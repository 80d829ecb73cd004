"""Find the document files under the paths a maintainer names."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import NamedTuple

from ingest.readers import SIDECAR_SUFFIX, SUPPORTED_SUFFIXES

# Catalogs and how-tos that live beside documents but are not documents.
NOT_DOCUMENTS = {"readme.md", "catalog.md"}


class Problem(NamedTuple):
    path: Path
    reason: str
    # A folder whose contents could not be listed: nothing under it may be pruned.
    unseen_folder: bool = False


def find_documents(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """Files to ingest, and the paths that can't be used, each with its reason.

    Folders are walked recursively (symlinked folders inside them are not followed), skipping
    hidden entries, catalogs and unsupported types; a file named explicitly is always returned
    so the reader can say what is wrong with it. A folder that cannot be listed is a problem,
    never silently empty.
    """
    files: dict[Path, None] = {}
    problems: list[Problem] = []
    for path in paths:
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            problems.append(Problem(path, _unusable(path, exc)))
            continue
        if stat.S_ISDIR(mode):
            for found in _walk(path, problems):
                files[found.resolve()] = None
        elif stat.S_ISREG(mode):
            files[path.resolve()] = None
        else:
            problems.append(Problem(path, "not a regular file or folder"))
    return list(files), problems


def _walk(root: Path, problems: list[Problem]) -> list[Path]:
    def unreadable(exc: OSError) -> None:
        problems.append(Problem(
            Path(exc.filename),
            f"folder cannot be read ({exc.strerror}); its files were skipped, and --prune "
            "keeps the documents indexed from it",
            unseen_folder=True,
        ))

    found = []
    for folder, subfolders, names in os.walk(root, onerror=unreadable):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        for name in names:
            candidate = Path(folder, name)
            if name.startswith(".") or not _is_document(candidate):
                continue
            try:
                if stat.S_ISREG(candidate.stat().st_mode):
                    found.append(candidate)
            except OSError as exc:  # a dangling link is no document; a loop is worth saying
                if exc.errno == errno.ELOOP:
                    problems.append(Problem(candidate, "symlink loop"))
    return sorted(found)


def _unusable(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENOENT:
        return f"broken symlink to {os.readlink(path)}" if path.is_symlink() else (
            "no such file or folder")
    return f"cannot be read ({exc.strerror})"


def _is_document(path: Path) -> bool:
    name = path.name.lower()
    return (
        path.suffix.lower() in SUPPORTED_SUFFIXES
        and name not in NOT_DOCUMENTS
        and not name.endswith(SIDECAR_SUFFIX)
    )
