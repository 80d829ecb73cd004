"""The programmatic endpoint: ``Client(url).predict(question, api_name="/ask")``.

It returns ``Answer.to_dict()`` (status, answer with [n] markers, citations with their
passages and supporting sentences). Problems the caller can fix raise ``gr.Error`` with the
plain message, which ``gradio_client`` raises as ``AppError``.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

import gradio as gr

from index.answers import CasefileError
from index.query_params import as_strings
from index.service import Casefile
from index.store import StoreUnavailable
from index.web.filters import FilterError, build_filters

log = logging.getLogger("casefile.web")


def make_ask(casefile: Casefile) -> Callable[..., dict[str, Any]]:
    def ask(
        question: str,
        kinds: list[str] | None = None,
        documents: list[str] | None = None,
        date_from: str = "",
        date_to: str = "",
        history: list[str] | None = None,
    ) -> dict[str, Any]:
        """Answer a question from the Casefile corpus, with citations.

        Args:
            question: the question, in plain language.
            kinds: only these kinds of source: badge labels ("statute", "bill", "news", ...)
                or kind values ("legislation"); one string counts as a list of one.
            documents: only these document ids (see the Corpus tab); one string counts as one.
            date_from: earliest source date, inclusive: 2021, 2021-06 or 2021-06-30.
            date_to: latest source date, inclusive, same forms.
            history: earlier questions of the same conversation, oldest first (for follow-ups);
                one string counts as one earlier question.
        Returns:
            Answer.to_dict(): status ("answered" or "no_evidence"), answer text with [n]
            markers, citations (passage, supporting sentence, offsets, source metadata),
            related passages, notices.
        """
        try:
            records = casefile.documents()
            filters = build_filters(kinds, documents, date_from, date_to,
                                    {r.kind for r in records}, {r.doc_id for r in records})
            earlier = as_strings(history, "history")  # one string is one earlier question
            return casefile.ask(question, filters=filters, history=earlier).to_dict()
        except (CasefileError, StoreUnavailable, FilterError) as exc:
            log.warning("API question not answered: %s", exc)
            raise gr.Error(html.escape(str(exc), quote=False), print_exception=False) from exc
        except Exception as exc:
            log.exception("API question %r failed", question)
            raise gr.Error(
                "Something went wrong while answering. The details are in the server log.",
                print_exception=False,
            ) from exc

    return ask
