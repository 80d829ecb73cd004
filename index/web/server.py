"""Launching the app with the project's rules: loopback unless told otherwise, no share
link, no analytics or run history, no SSR (needs Node), no MCP server, fonts served locally, no
remote file fetching or uploads, and a back-off on failed logins."""

from __future__ import annotations

from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from index.web.assets import CSS, HEAD
from index.web.guards import LoginBackoff, RefuseRemoteFetches

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860


SANS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial",
        "sans-serif"]
MONO = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "DejaVu Sans Mono", "monospace"]


def theme() -> gr.themes.Base:
    # System fonts: nothing to fetch (no CDN, not even Gradio's bundled webfonts), and the
    # bundled Source Sans Pro renders some bold capitals oddly in Chromium.
    return gr.themes.Default(primary_hue="blue", neutral_hue="slate", font=SANS, font_mono=MONO)


def serve(
    demo: gr.Blocks,
    *,
    host: str = DEFAULT_HOST,
    port: int | None = DEFAULT_PORT,
    auth: tuple[str, str] | None = None,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
) -> Any:
    if auth is not None and not (auth[0].strip() and auth[1]):
        raise ValueError("a login needs a user name and a password, both non-empty")
    return demo.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        # Gradio has no switch for its URL-fetching file route or its upload route: refused in
        # front of them; failed logins back off per client address (index/web/guards.py).
        app_kwargs={"middleware": [Middleware(RefuseRemoteFetches), Middleware(LoginBackoff)]},
        share=False,
        prevent_thread_lock=prevent_thread_lock,
        show_error=False,  # tracebacks stay in the log
        quiet=quiet,
        css=CSS,
        head=HEAD,
        theme=theme(),
        footer_links=["api"],
        run_history=False,
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        enable_monitoring=False,
        inbrowser=False,
    )
