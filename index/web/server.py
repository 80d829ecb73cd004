"""Launching the app with the project's rules: loopback unless told otherwise, no share
link, no analytics or run history, no SSR (needs Node), no MCP server, fonts served locally."""

from __future__ import annotations

from typing import Any

import gradio as gr

from index.web.assets import CSS, HEAD

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
    return demo.launch(
        server_name=host,
        server_port=port,
        auth=auth,
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
