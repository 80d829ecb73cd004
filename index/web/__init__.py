"""The web chat (issue 4): a Gradio app over ``index.service.Casefile``.

``build_app`` lays out the page, ``serve`` launches it with the project's safety settings
(loopback by default, no analytics, no share link, the queue sized for many users).
"""

from index.web.layout import build_app
from index.web.server import serve

__all__ = ["build_app", "serve"]
