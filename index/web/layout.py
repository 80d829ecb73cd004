"""The page: chat and sources side by side, a source viewer, filters, and the corpus tab."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import gradio as gr
from gradio.events import Dependency

from index.domain import EXAMPLES
from index.service import Casefile
from index.store import DocumentRecord
from index.web import cards, corpus
from index.web.api import make_ask
from index.web.assets import ACTIONS_JS, BRIDGE_JS, VIEWER_JS
from index.web.chat import Conversation
from index.web.handlers import Handlers
from index.web.html import esc
from index.web.reading import Reading

log = logging.getLogger("casefile.web")

# Enough workers that 16 simultaneous readers are all answered at once rather than queued
# behind each other; most of the work (embedding, Chroma, BM25) runs in native code.
CONCURRENCY = 16
QUEUE_SIZE = 256


HEADER = (
    "<h1>Casefile</h1><p>Cited answers about Mexico’s lawsuit against U.S. gun makers and arms "
    "trafficking into Mexico, from a curated corpus only. Hover or tap a marker "
    '<span class="cf-chip">[n]</span> to preview its source, click it to read the passage.</p>'
)


@dataclass
class ChatPanel:
    chatbot: gr.Chatbot
    followups: gr.HTML
    question: gr.Textbox
    new_chat: gr.Button
    kinds: gr.CheckboxGroup
    date_from: gr.Textbox
    date_to: gr.Textbox
    documents: gr.Dropdown
    clear_filters: gr.Button

    @property
    def filters(self) -> list[gr.components.Component]:
        return [self.kinds, self.documents, self.date_from, self.date_to]


@dataclass
class SidePanel:
    viewer_box: gr.Column
    close: gr.Button
    viewer: gr.HTML
    citation: gr.Textbox
    sources: gr.HTML


@dataclass
class CorpusPanel:
    query: gr.Textbox
    table: gr.HTML
    viewer_box: gr.Column
    close: gr.Button
    viewer: gr.HTML
    citation: gr.Textbox


def build_app(casefile: Casefile, examples: list[str] | None = None) -> gr.Blocks:
    """The Blocks app; launch it with ``index.web.serve`` (which adds the CSS and theme)."""
    try:
        records = casefile.documents()
    except Exception:  # the page still loads; the chat will say what is wrong
        log.exception("could not list the corpus while building the page")
        records = []

    with gr.Blocks(title="Casefile", analytics_enabled=False) as demo:
        conversation = gr.State(Conversation())
        gr.HTML(HEADER, elem_id="cf-header", js_on_load=None)
        bridge = gr.HTML("", elem_id="cf-bridge", js_on_load=BRIDGE_JS)
        actions = gr.HTML("", elem_id="cf-actions", js_on_load=ACTIONS_JS)
        with gr.Tabs(elem_id="cf-tabs"):
            with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False):
                chat = _chat_panel(examples or EXAMPLES, records)
                side = _side_panel()
            with gr.Tab("Corpus", id="corpus"):
                corpus_panel = _corpus_panel(records)
        handlers = Handlers(casefile)
        answering = _wire(handlers, conversation, bridge, chat, side, corpus_panel)
        _wire_reading(Reading(casefile), answering, conversation, bridge, actions, chat, side,
                      corpus_panel)
        # Each page load re-reads the corpus: documents ingested since start-up show up.
        demo.load(handlers.on_load, corpus_panel.query,
                  [corpus_panel.table, chat.kinds, chat.documents],
                  api_visibility="private", show_progress="hidden")
        gr.api(make_ask(casefile), api_name="ask")

    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)
    return demo


def _chat_panel(examples: list[str], records: list[DocumentRecord]) -> ChatPanel:
    with gr.Column(scale=3, min_width=340):
        chatbot = gr.Chatbot(
            elem_id="cf-chat",
            show_label=False,
            height=460,
            sanitize_html=True,  # defence in depth: our text is escaped before it gets here
            latex_delimiters=[],  # "$5 million" is money, not maths
            feedback_options=None,
            buttons=[],  # "copy" would copy our escaped Markdown, not readable text
            layout="panel",
            placeholder=_start(examples),
        )
        followups = gr.HTML("", elem_id="cf-followups", js_on_load=None)
        question = gr.Textbox(
            elem_id="cf-question",
            show_label=False,
            placeholder="Ask a question about the case or arms trafficking…",
            submit_btn="Ask",
            max_lines=4,
            autofocus=True,
        )
        with gr.Row(elem_id="cf-chat-tools"):
            new_chat = gr.Button("New chat", size="sm", elem_id="cf-new", scale=0, min_width=96)
        with gr.Accordion("Filters (apply to your next question)", open=False,
                          elem_id="cf-filters"):
            kinds = gr.CheckboxGroup(corpus.kind_choices(records), label="Kind of source",
                                     elem_id="cf-kinds")
            with gr.Row():
                date_from = gr.Textbox(label="From date", elem_id="cf-from",
                                       placeholder="e.g. 2021 or 2021-06-30")
                date_to = gr.Textbox(label="To date", elem_id="cf-to", placeholder="e.g. 2025-06")
            documents = gr.Dropdown(corpus.document_choices(records), multiselect=True,
                                    label="Only these documents", elem_id="cf-docs")
            clear_filters = gr.Button("Clear filters", size="sm", scale=0, min_width=110)
    return ChatPanel(chatbot, followups, question, new_chat, kinds, date_from, date_to, documents,
                     clear_filters)


def _start(examples: list[str]) -> str:
    """The empty chat: what to ask, and example questions as buttons. They are plain buttons
    in the placeholder (the page's script asks them through the question box) rather than the
    Chatbot's own examples, whose list markup fails the accessibility check."""
    buttons = "".join(f'<li><button type="button" class="cf-example">{esc(q)}</button></li>'
                      for q in examples)
    return (
        '<div class="cf-start"><p><strong>Ask about the lawsuit, the statutes and bills, or '
        "trafficking data.</strong> Answers quote the corpus and cite it. Try one of these:</p>"
        f'<ul class="cf-examples">{buttons}</ul></div>'
    )


def _side_panel() -> SidePanel:
    with gr.Column(scale=2, min_width=320, elem_id="cf-side"):
        with gr.Column(visible=False, elem_id="cf-viewer-box",
                       elem_classes=["cf-viewer-box"]) as viewer_box:
            with gr.Row(elem_id="cf-viewer-head", elem_classes=["cf-viewer-bar"]):
                gr.HTML('<h2 class="cf-panel-title">Source viewer</h2>', js_on_load=None)
                close = gr.Button("Close", size="sm", scale=0, min_width=70, elem_id="cf-close")
            viewer = gr.HTML("", elem_id="cf-viewer", js_on_load=VIEWER_JS)
            citation = gr.Textbox(label="Copy citation", interactive=False, lines=2,
                                  buttons=["copy"], elem_id="cf-citation")
        sources = gr.HTML(cards.EMPTY, elem_id="cf-sources", js_on_load=None)
    return SidePanel(viewer_box, close, viewer, citation, sources)


def _corpus_panel(records: list[DocumentRecord]) -> CorpusPanel:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=340):
            query = gr.Textbox(label="Search titles", placeholder="e.g. ARMAS, PLCAA, Mexico",
                               elem_id="cf-corpus-search")
            table = gr.HTML(corpus.corpus_html(records), elem_id="cf-corpus", js_on_load=None)
        with gr.Column(scale=2, min_width=320, visible=False,
                       elem_id="cf-corpus-viewer-box", elem_classes=["cf-viewer-box"]) as box:
            with gr.Row(elem_classes=["cf-viewer-bar"]):
                gr.HTML('<h2 class="cf-panel-title">Source viewer</h2>', js_on_load=None)
                close = gr.Button("Close", size="sm", scale=0, min_width=70,
                                  elem_id="cf-corpus-close")
            viewer = gr.HTML("", elem_id="cf-corpus-viewer", js_on_load=VIEWER_JS)
            citation = gr.Textbox(label="Copy citation", interactive=False, lines=2,
                                  buttons=["copy"], elem_id="cf-corpus-citation")
    return CorpusPanel(query, table, box, close, viewer, citation)


def _wire(
    h: Handlers,
    conversation: gr.State,
    bridge: gr.HTML,
    chat: ChatPanel,
    side: SidePanel,
    corpus_panel: CorpusPanel,
) -> list[Dependency]:
    """Events; the answering ones are returned, to chain on. UI-only ones are private: the
    public API is /ask (see index.web.api)."""
    ui = {"api_visibility": "private"}
    quiet = {**ui, "show_progress": "hidden"}
    chat_outputs = [chat.chatbot, conversation, side.sources, chat.question]
    reset_outputs = [chat.chatbot, conversation, side.sources, side.viewer_box, side.viewer,
                     side.citation]

    asked = chat.question.submit(h.respond, [chat.question, conversation, *chat.filters],
                                 chat_outputs, **quiet)
    chat.new_chat.click(h.new_chat, None, reset_outputs, **ui)
    chat.chatbot.clear(h.new_chat, None, reset_outputs, **ui)  # the chatbot's own bin icon
    chat.clear_filters.click(lambda: ([], [], "", ""), None, chat.filters, **ui)
    bridge.click(h.open_source, [conversation], [side.viewer_box, side.viewer, side.citation],
                 **quiet)
    side.close.click(h.close_source, None, side.viewer_box, **ui)
    corpus_panel.query.change(h.corpus_view, corpus_panel.query, corpus_panel.table, **quiet)
    return [asked]


def _wire_reading(
    r: Reading,
    answering: list[Dependency],
    conversation: gr.State,
    bridge: gr.HTML,
    actions: gr.HTML,
    chat: ChatPanel,
    side: SidePanel,
    corpus_panel: CorpusPanel,
) -> None:
    """Events around reading an answer (index.web.reading); all private."""
    quiet = {"api_visibility": "private", "show_progress": "hidden"}
    # A new question closes the previous source viewer and its suggestions: the new answer's
    # cards then sit at the top of the side panel.
    closed = lambda: (gr.update(visible=False), "")  # noqa: E731
    chat.question.submit(closed, None, [side.viewer_box, chat.followups], queue=False, **quiet)
    chat.new_chat.click(lambda: "", None, chat.followups, **quiet)
    chat.chatbot.clear(lambda: "", None, chat.followups, **quiet)
    # Suggestions are asked (checked) after the answer has been shown, so they never delay it.
    for event in answering:
        event.then(r.followups, [conversation], chat.followups, **quiet)
    bridge.click(r.sources_for_click, [conversation], side.sources, **quiet)
    actions.click(r.act, [conversation], [corpus_panel.viewer_box, corpus_panel.viewer,
                                          corpus_panel.citation, side.sources], **quiet)
    corpus_panel.close.click(lambda: gr.update(visible=False), None, corpus_panel.viewer_box,
                             **quiet)
