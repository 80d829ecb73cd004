"""`python app.py [--host H] [--port P]`: the Casefile web chat (see README, "Using the web chat").

Serves on 127.0.0.1:7860 by default, on the configured store (CASEFILE_STORE, or a Chroma server
via CASEFILE_CHROMA_HOST/PORT), ingesting the configured corpus first when the store is empty.
CASEFILE_LOGIN="user:password" puts the app behind a login.
"""

from __future__ import annotations

import argparse
import logging
import sys

from index.settings import Settings, SettingsError, load_settings  # first: telemetry off
from index.web.server import DEFAULT_HOST, DEFAULT_PORT

log = logging.getLogger("casefile.web")


def ensure_ingested(settings: Settings) -> None:
    """An empty store would make every answer an error: fill it from the corpus first."""
    from index.store import CorpusStore

    if CorpusStore(settings).chunk_count() > 0:
        return
    from ingest.cli import run_ingest

    folders = [p for p in settings.corpus if p.exists()]
    log.info("the store is empty: ingesting %s", ", ".join(map(str, folders)) or "nothing")
    if folders:
        run_ingest(settings, folders)


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
        ensure_ingested(settings)
        from index.service import Casefile

        casefile = Casefile(settings)
    except StoreUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    serve(build_app(casefile), host=args.host, port=args.port, auth=settings.login)
    return 0


if __name__ == "__main__":
    sys.exit(main())
