"""`python -m ingest`: the maintainers' command. See README "Adding documents"."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from index.settings import Settings, SettingsError, load_settings

EXIT_OK, EXIT_SOME_FAILED, EXIT_ERROR = 0, 1, 2


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", type=Path, help="embedded store folder (CASEFILE_STORE)")
    parser.add_argument("--chroma-host", help="use the Chroma server at this host")
    parser.add_argument("--chroma-port", type=int, help="Chroma server port (default 8000)")
    parser.add_argument("--collection", help="collection name (default casefile)")
    parser.add_argument("--json", action="store_true", help="print one JSON summary line last")
    parser.add_argument("--wait", type=float, default=0, metavar="SECONDS",
                        help="wait this long for another ingest to finish (default: refuse)")


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings().with_overrides(
        store=args.store,
        chroma_host=args.chroma_host,
        chroma_port=args.chroma_port,
        collection=args.collection,
    )


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(sys.argv[1:] if argv is None else argv)
    except SettingsError as exc:  # a bad CASEFILE_* value: one line, not a traceback
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _main(argv: list[str]) -> int:
    if argv[:1] == ["add"]:
        return _add(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Ingest documents into the Casefile index (incremental, safe to re-run). "
        "Without paths: the configured corpus folders (CASEFILE_CORPUS). "
        "`python -m ingest add FILE|URL` adds one document with its metadata.",
    )
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (recursive)")
    parser.add_argument("--prune", action="store_true",
                        help="remove indexed documents whose file under these folders is gone")
    parser.add_argument("--dry-run", action="store_true",
                        help="say what would change; write nothing")
    _common(parser)
    args = parser.parse_args(argv)
    settings = _settings(args)
    paths = args.paths or [p for p in settings.corpus if p.exists()]
    return run_ingest(settings, paths, prune=args.prune, dry_run=args.dry_run,
                      as_json=args.json, wait=args.wait)


def run_ingest(
    settings: Settings,
    paths: list[Path],
    *,
    prune: bool = False,
    dry_run: bool = False,
    as_json: bool = False,
    wait: float = 0,
    multilingual: bool = True,
    on_document: Callable[[int, int], None] | None = None,
) -> int:
    """Ingest ``paths``. ``multilingual=False`` leaves the multilingual (Spanish) vectors to
    ``prepare_multilingual``: the app's first start serves English questions before them.
    ``on_document(done, total)`` follows the documents as they are indexed."""
    from index.store import CorpusStore, StoreUnavailable
    from ingest.discover import find_documents
    from ingest.lease import LeaseLost
    from ingest.lock import StoreBusy, writer_lock
    from ingest.pipeline import Ingester

    files, problems = find_documents(paths)
    try:
        with writer_lock(settings, wait) as guard:
            store = CorpusStore(settings, guard=guard)
            with _progress(len(files), quiet=as_json) as bar:
                done = 0

                def advance(path: str, new_chunks: int) -> None:
                    nonlocal done
                    bar(path, new_chunks)
                    done += 1
                    if on_document:
                        on_document(done, len(files))

                summary = Ingester(settings, store, on_progress=advance).run(
                    files, prune_roots=[p for p in paths if p.is_dir()] if prune else None,
                    dry_run=dry_run,
                    unseen_folders=[p.path for p in problems if p.unseen_folder],
                )
            if not dry_run and multilingual:
                _sync_multilingual(store, settings, summary, quiet=as_json)
                # readers load the corpus snapshot instead of each building it
                from index.snapshot import persist_after_ingest

                persist_after_ingest(store)
    except (StoreBusy, StoreUnavailable, LeaseLost) as exc:
        _report_error(str(exc), as_json)
        return EXIT_ERROR
    for problem in problems:
        summary.failed += 1
        summary.failures.append({"path": str(problem.path), "reason": problem.reason})
    _report(summary, settings, as_json)
    if not files and not problems:
        print(f"no documents found under: {', '.join(map(str, paths)) or '(no paths)'}",
              file=sys.stderr)
    return EXIT_SOME_FAILED if summary.failed else EXIT_OK


def prepare_multilingual(settings: Settings, on_page=None, wait: float = 600):
    """Embed the chunks the multilingual collection lacks (after an ingest that left them, or
    a pass that was stopped half-way: it goes on from where it stopped, a page at a time),
    under the writer lock like any ingest. ``on_page(done, total)`` sees its progress."""
    from index.store import CorpusStore
    from ingest.lock import writer_lock
    from ingest.multilingual import sync_multilingual

    with writer_lock(settings, wait) as guard:
        return sync_multilingual(CorpusStore(settings, guard=guard), settings, on_page)


def _sync_multilingual(store, settings: Settings, summary, quiet: bool) -> None:
    """Bring the multilingual index up to date before the snapshot is published, so readers
    see the new chunks in all three searches at once."""
    import time

    from tqdm import tqdm

    from ingest.multilingual import sync_multilingual

    started = time.perf_counter()
    bar = None

    def on_page(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="chunk", desc="multilingual index", file=sys.stderr,
                       disable=quiet or None, dynamic_ncols=True)
        bar.update(done)

    try:
        synced = sync_multilingual(store, settings, on_page)
    finally:
        if bar is not None:
            bar.close()
    summary.multilingual_embedded = synced.embedded
    summary.multilingual_skipped = synced.skipped
    summary.seconds = round(summary.seconds + time.perf_counter() - started, 3)


def _progress(total: int, quiet: bool):
    """A tqdm bar over documents (the file list is known, so it has a total and an ETA) with
    the chunks written and their rate; silent when quiet or not a TTY.

    Documents are reported in bursts, when their embedding group is committed, and those
    already indexed fly past in a resumed run: a slow moving average (smoothing 0.05, about
    the last twenty updates) keeps the rate and the ETA those of the work still to do instead
    of jumping with each burst. The chunk rate counts from the last document passed before
    the first chunk was written (so a resumed run's skipped documents do not dilute it)."""
    from contextlib import contextmanager

    from tqdm import tqdm

    @contextmanager
    def bar():
        with tqdm(total=total, unit="doc", disable=quiet or None, file=sys.stderr,
                  desc="ingest", dynamic_ncols=True, smoothing=0.05) as progress:
            chunks, writing_since = 0, 0.0

            def advance(_path: str, new_chunks: int) -> None:
                nonlocal chunks, writing_since
                elapsed = progress.format_dict["elapsed"]
                if not chunks and not new_chunks:  # nothing written yet: embedding starts later
                    writing_since = elapsed
                chunks += new_chunks
                seconds = elapsed - writing_since
                rate = f"{chunks / seconds:.1f}" if chunks and seconds > 0 else "-"
                progress.set_postfix_str(f"chunks={chunks:,}, {rate} chunks/s", refresh=False)
                progress.update(1)

            yield advance

    return bar()


def _report(summary, settings: Settings, as_json: bool) -> None:
    if as_json:
        print(summary.to_json())
        return
    for item in summary.failures:
        print(f"FAILED   {item['path']}: {item['reason']}", file=sys.stderr)
    for item in summary.warnings:
        print(f"warning  {item['path']}: {item['warning']}", file=sys.stderr)
    for item in summary.duplicate_of:
        print(f"same text as '{item['stored_as']}', stored once: {item['path']}", file=sys.stderr)
    verb = "would be" if summary.dry_run else ""
    print(
        f"{settings.chroma_label}{' (dry run)' if summary.dry_run else ''}: "
        f"{summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged, "
        f"{summary.removed} removed, {summary.failed} failed, {summary.duplicates} duplicates; "
        f"{summary.chunks_written} chunks written{(' ' + verb) if verb else ''}"
        f"{f', {summary.repaired} repaired' if summary.repaired else ''}"
        f"{_multilingual_part(summary)}"
        f" in {summary.seconds:.1f} s"
    )
    if summary.multilingual_skipped:
        print(f"note     {summary.multilingual_skipped}", file=sys.stderr)


def _multilingual_part(summary) -> str:
    if not summary.multilingual_embedded:
        return ""
    return f", {summary.multilingual_embedded} embedded for Spanish questions"


def _report_error(message: str, as_json: bool) -> None:
    print(f"error: {message}", file=sys.stderr)
    if as_json:
        import json

        print(json.dumps({"error": message}))


def _add(argv: list[str]) -> int:
    from ingest.fetch import AddError, copy_in, download, is_url, today, write_sidecar

    parser = argparse.ArgumentParser(
        prog="python -m ingest add",
        description="Add one document (a file or an http(s) URL) to the maintainers' corpus "
        "folder with its metadata, then ingest it.",
    )
    parser.add_argument("source", help="a file path or an http(s) URL")
    for name in ("title", "publisher", "author", "date", "kind", "url", "license"):
        parser.add_argument(f"--{name}")
    parser.add_argument("--into", type=Path, help="folder to keep it in (default corpus/)")
    _common(parser)
    args = parser.parse_args(argv)
    settings = _settings(args)
    folder = args.into or settings.add_dir
    metadata = {k: getattr(args, k) for k in
                ("title", "publisher", "author", "date", "kind", "url", "license")}
    try:
        if is_url(args.source):
            document = download(args.source, folder)
            metadata["url"] = metadata["url"] or args.source
            metadata["provenance"] = f"downloaded from {args.source} on {today()}"
        else:
            document = copy_in(Path(args.source), folder)
    except AddError as exc:
        _report_error(str(exc), args.json)
        return EXIT_ERROR
    write_sidecar(document, metadata)
    if not args.json:
        print(f"kept as {document}", file=sys.stderr)
    return run_ingest(settings, [document], as_json=args.json, wait=args.wait)
