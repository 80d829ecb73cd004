"""`python app.py [--host H] [--port P]`: the Casefile web chat (see README, "Using the web chat").

Serves on 127.0.0.1:7860 by default, on the configured store (CASEFILE_STORE, or a Chroma server
via CASEFILE_CHROMA_HOST/PORT). When the store is empty it serves the page at once and ingests
the configured corpus behind it; then it prepares the multilingual vectors Spanish questions use.
CASEFILE_LOGIN="user:password" puts the app behind a login.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time

from index.settings import SettingsError, load_settings  # first: telemetry off
from index.web.server import DEFAULT_HOST, DEFAULT_PORT

log = logging.getLogger("casefile.web")


INDEXING_STARTS = "The corpus is being indexed for the first time; ask again in a moment."
INDEXING = ("The corpus is being indexed for the first time ({done} of {total} documents); "
            "ask again in a moment.")


def ensure_ingested(casefile) -> None:
    """An empty store would make every answer an error: fill it from the corpus (the page is
    served meanwhile, and a question is told how far the indexing is). The multilingual
    vectors (Spanish questions only) are left to ``prepare_spanish``: on two cores they take
    minutes, and English questions need none of them."""
    if casefile.retriever.store.chunk_count() > 0:
        return
    from ingest.cli import run_ingest

    settings = casefile.settings
    folders = [p for p in settings.corpus if p.exists()]
    log.info("the store is empty: ingesting %s", ", ".join(map(str, folders)) or "nothing")
    if not folders:
        return
    casefile.indexing = INDEXING_STARTS
    shown = -1

    def on_document(done: int, total: int) -> None:
        nonlocal shown
        casefile.indexing = INDEXING.format(done=done, total=total)
        if 10 * done // total > shown:  # a line a tenth of the way, for a log without a TTY
            shown = 10 * done // total
            log.info("indexing: %d of %d documents", done, total)

    try:
        run_ingest(settings, folders, multilingual=False, on_document=on_document)
        casefile.retriever.refresh(reopen=True)  # still "being indexed" until this is read
    finally:
        casefile.indexing = ""
    log.info("English questions: ready")


def start_up(casefile) -> None:
    """After the page is served: index an empty store, then prepare Spanish questions."""
    ensure_ingested(casefile)
    prepare_spanish(casefile)


def prepare_spanish(casefile) -> None:
    """Embed the chunks the multilingual index lacks (a first start, or a start after one that
    was stopped half-way), saying how far it is; then the chat searches with it."""
    share = casefile.spanish_prepared()
    if share is None or share >= 1:
        return
    from ingest.cli import prepare_multilingual

    started = time.monotonic()
    done = 0

    def on_page(embedded: int, total: int) -> None:
        nonlocal done
        done += embedded
        rate = done / max(time.monotonic() - started, 1e-6)
        log.info("Spanish questions: preparing, %d %% (%d of %d chunks, about %d s left)",
                 100 * done // total, done, total, (total - done) / max(rate, 1e-6))

    from index.store import StoreUnavailable
    from ingest.lock import StoreBusy

    try:
        prepare_multilingual(casefile.settings, on_page)
    except (StoreBusy, StoreUnavailable) as exc:  # the English chat goes on regardless
        log.warning("Spanish questions: not prepared now (%s); the next start goes on with it",
                    exc)
        return
    casefile.retriever.refresh(reopen=True)
    log.info("Spanish questions: ready")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python app.py",
        description="Serve the Casefile web chat (README: 'Using the web chat'). Settings come "
        "from CASEFILE_* environment variables; CASEFILE_LOGIN=user:password adds a login.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"interface (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port (default {DEFAULT_PORT})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from index.store import StoreUnavailable
    from index.web import build_app, serve

    try:
        # A login that nobody could pass (no colon, empty user or password) must not start.
        settings = load_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        from index.service import Casefile

        casefile = Casefile(settings)
    except StoreUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if casefile.retriever.empty:  # said from the first question on, before the thread runs
        casefile.indexing = INDEXING_STARTS
    threading.Thread(target=start_up, args=(casefile,), daemon=True,
                     name="start-up").start()
    serve(build_app(casefile), host=args.host, port=args.port, auth=settings.login)
    return 0


if __name__ == "__main__":
    sys.exit(main())
