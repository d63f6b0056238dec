"""The chat UI: a Gradio app over one shared :class:`qa.Pipeline`.

``build_app(pipeline, feedback_path=...)`` lays out the page and wires its events to the handlers of
:mod:`qa.ui.handlers`; ``run(args)`` loads the pipeline and serves it (``python app.py`` and ``qa serve``
reach it behind the starting page of :mod:`qa.ui.starting`). What a reply looks like is decided in
:mod:`qa.ui.render`; uploads are read in :mod:`qa.ui.uploads`; PDF pages are drawn in :mod:`qa.ui.pages`.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path

import gradio as gr
from fastapi import FastAPI

from qa.config import ServeSettings, Settings
from qa.corpus.documents import Document, corpus_files, read_corpus
from qa.corpus.examples import example_questions
from qa.errors import QAError
from qa.feedback import FeedbackLog
from qa.pipeline import Pipeline
from qa.presentation import corpus_name as corpus_name_of
from qa.ui import render
from qa.ui.api import API_PREFIX, build_api, exposure_warning
from qa.ui.handlers import ChatHandlers, describe_loaded, describe_reader
from qa.ui.options import serve_options
from qa.ui.shared import Shared
from qa.ui.uploads import DEFAULT_MAX_UPLOAD_BYTES, UPLOAD_SUFFIXES, describe_size


CSS = """
#qa-chat mark { background: #fde68a; color: inherit; padding: 0 .15em; border-radius: .2em; }
#qa-status p { margin: 0; }
footer { display: none !important; }
#qa-page img { max-width: 100%; border: 1px solid #cbd5e1; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
#qa-page figcaption { margin: .4em 0; }
"""


# --- start-up -------------------------------------------------------------------------------------

class WarmUp:
    """Loads the index and both models once, in the background, and says how far it got."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.steps: list[str] = []
        self.error: str | None = None
        self.done = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> "WarmUp":
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="qa-warm-up", daemon=True)
                self._thread.start()
        return self

    def _note(self, message: str) -> None:
        self.steps.append(message.rstrip("."))
        print(message, file=sys.stderr, flush=True)

    def _run(self) -> None:
        try:
            self._note("Loading the corpus and its index...")
            index = self.pipeline.search_index(log=self._note)
            verb = "built" if self.pipeline.index.was_built else "loaded"
            self._note(f"Index {verb}: {len(index.chunks)} passages from {len(self.pipeline.documents)} document(s).")
            self._note("Loading the embedding model...")
            self.pipeline.embedder.embed(["warm up"])
            self._note(f"Loading the reader from {self.pipeline.reader.source}...")
            self.pipeline.reader.warm_up()
            self._note("Ready.")
        except (QAError, ValueError, OSError) as exc:
            self.error = str(exc)
            print(f"qa serve: error: {exc}", file=sys.stderr, flush=True)
        finally:
            self.done.set()

    def status_markdown(self) -> str:
        if self.error is not None:
            return f"\u26a0\ufe0f **Could not load:** {render.escape_text(self.error)}"
        if not self.done.is_set():
            step = self.steps[-1] if self.steps else "Starting"
            return f"\u23f3 {render.escape_text(step)}\u2026"
        return describe_loaded(self.pipeline)

    def watch(self):
        """Status updates for the page until everything is loaded."""
        self.start()
        while not self.done.wait(0.3):
            yield self.status_markdown()
        yield self.status_markdown()


def suggested_questions(documents: list[Document], limit: int = 5) -> list[str]:
    """Example questions: those that come with the documents (qa.corpus.examples), or else their
    question-shaped headings."""
    found = example_questions(d.source for d in documents)
    if found:
        return found[:limit]
    for d in documents:
        for block in d.blocks:
            text = d.text[block.start:block.end].strip()
            if block.kind == "heading" and text.endswith("?") and text not in found:
                found.append(text)
    return found[:limit]


# --- the page ---------------------------------------------------------------------------------------

def build_app(pipeline: Pipeline, *, feedback_path: str | os.PathLike = ServeSettings.feedback_file,
              examples: list[str] | tuple[str, ...] | None = None, title: str = "Ask the article",
              corpus_name: str = "the article", max_upload_bytes: int | None = None,
              concurrency: int = ServeSettings.concurrency, allow_library_uploads: bool = False,
              shared: Shared | None = None) -> gr.Blocks:
    """The chat page over ``pipeline`` (shared by every session; its index and models load in the
    background as soon as the app is built, with progress on the page). What each event does is in
    :class:`qa.ui.handlers.ChatHandlers`; this lays out the page and wires the events to it.

    ``examples`` default to the questions that come with the corpus (``<document>.questions``).
    ``corpus_name`` is how the page calls the shared corpus ("the article", "the documents").
    ``max_upload_bytes`` is the largest file a user may upload (None: the pipeline's ``max_file_mb``,
    the limit of ``qa add``). ``allow_library_uploads`` adds an "Add to the library" button: a session's
    uploads then join the shared corpus, on disk, for every user. Off, uploads stay private to their session.
    ``shared`` is what the page has in common with the HTTP API (:func:`build_server`); by default its own.
    """
    shared = shared or Shared(pipeline, WarmUp(pipeline), concurrency=concurrency)
    handlers = ChatHandlers(pipeline, FeedbackLog(feedback_path), corpus_name=corpus_name,
                            max_upload_bytes=pipeline.settings.max_file_bytes if max_upload_bytes is None
                            else max_upload_bytes, allow_library_uploads=allow_library_uploads, shared=shared)
    startup = shared.startup.start()
    if examples is None:
        examples = example_questions(corpus_files(pipeline.settings.corpus_paths))

    with gr.Blocks(title=title, analytics_enabled=False) as demo:
        gr.Markdown(f"## {render.escape_text(title)}\n"
                    "Every answer is a span quoted from the text, with the paragraph it comes from.")
        status = gr.Markdown(startup.status_markdown(), elem_id="qa-status")
        turns, session = gr.State([]), gr.State(None)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                chatbot, question, ask_button, new_chat = _conversation(corpus_name, examples)
                page_view = gr.HTML("", elem_id="qa-page")
            with gr.Column(scale=1, min_width=280):
                top_k, threshold = _settings_panel(pipeline)
                uploads, session_info, reset, to_library = _documents_panel(handlers)

        private = {"api_visibility": "private"}
        ask_inputs = [question, chatbot, turns, session, top_k, threshold]
        question.submit(handlers.respond, ask_inputs, [question, chatbot, turns], **private)
        ask_button.click(handlers.respond, ask_inputs, [question, chatbot, turns], **private)
        chatbot.like(handlers.like, [turns], None, **private)
        chatbot.select(handlers.select, [turns, session], [page_view], **private).then(
            None, None, None, js="() => document.querySelector('#qa-page img')?.scrollIntoView({block: 'start'})")
        new_chat.click(lambda: ([], []), None, [chatbot, turns], **private)
        chatbot.clear(lambda: [], None, [turns], **private)
        uploads.upload(handlers.upload, [uploads, session], [session, session_info, uploads], concurrency_limit=None,
                       show_progress="hidden", **private)
        reset.click(handlers.reset, None, [session, session_info], **private)
        to_library.click(handlers.add_to_library, [session], [session, session_info, status], **private)
        demo.load(startup.watch, None, status, concurrency_limit=None, show_progress="hidden", **private)
        demo.unload(handlers.forget)
        gr.api(handlers.ask, api_name="ask")

    demo.queue(default_concurrency_limit=concurrency)
    demo.max_upload_bytes = handlers.max_upload_bytes  # what launch() tells gradio to accept
    return demo


def _conversation(corpus_name: str, examples):
    """The chat, the question box and its buttons."""
    chatbot = gr.Chatbot(
        elem_id="qa-chat", label="Conversation", height=620, layout="bubble",
        placeholder="Ask a question: the answer is quoted from the text and cited by paragraph.",
        feedback_options=("Like", "Dislike"), buttons=["copy"], latex_delimiters=[],
        allow_tags=False, sanitize_html=True, render_markdown=True,
    )
    with gr.Row():
        question = gr.Textbox(show_label=False, placeholder=f"Ask a question about {corpus_name}",
                              elem_id="qa-question", scale=6, max_lines=4, autofocus=True)
        ask_button = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="qa-ask")
    if examples:
        gr.Examples(examples=[[q] for q in examples], inputs=[question], label="Examples")
    new_chat = gr.Button("New conversation", size="sm", variant="secondary")
    return chatbot, question, ask_button, new_chat


def _settings_panel(pipeline: Pipeline):
    """The per-question settings a user may change, and which reader answers."""
    with gr.Accordion("Settings", open=True):
        top_k = gr.Slider(1, 20, value=pipeline.settings.top_k, step=1, label="Passages to read (top_k)",
                          elem_id="qa-top-k")
        threshold = gr.Slider(0.0, 1.0, value=pipeline.answer_threshold, step=0.01,
                              label="Abstention threshold", elem_id="qa-threshold",
                              info="Answers with a lower confidence are withheld.")
        gr.Textbox(value=describe_reader(pipeline), label="Reader (loaded from)", interactive=False,
                   elem_id="qa-reader")
    return top_k, threshold


def _documents_panel(handlers: ChatHandlers):
    """The session's own documents: upload, what the session holds, back to the corpus, to the library."""
    with gr.Accordion("Your documents", open=True):
        uploads = gr.File(label=f"Add .txt, .md, .html, .pdf or .docx files (up to "
                                f"{describe_size(handlers.max_upload_bytes)} each)", file_count="multiple",
                          file_types=list(UPLOAD_SUFFIXES), elem_id="qa-upload")
        session_info = gr.Markdown(handlers.describe(None), elem_id="qa-session")
        reset = gr.Button(f"Back to {handlers.corpus_name} only", size="sm", elem_id="qa-reset")
        to_library = gr.Button("Add to the library", size="sm", elem_id="qa-add-library",
                               visible=handlers.allow_library_uploads)
    return uploads, session_info, reset, to_library


def build_server(pipeline: Pipeline, options: ServeSettings, **page) -> tuple[gr.Blocks, FastAPI]:
    """The chat page (``page``: :func:`build_app`'s keywords) and the HTTP API (:mod:`qa.ui.api`), sharing
    one pipeline, one limit on questions answered at once and one library lock (:class:`Shared`)."""
    shared = Shared(pipeline, WarmUp(pipeline), concurrency=options.concurrency)
    demo = build_app(pipeline, feedback_path=options.feedback_file,
                     max_upload_bytes=options.upload_bytes(pipeline.settings), concurrency=options.concurrency,
                     allow_library_uploads=options.allow_library_uploads, shared=shared, **page)
    return demo, build_api(shared, api_key=options.api_key)


def launch(demo: gr.Blocks, *, host: str = ServeSettings.host, port: int = ServeSettings.port,
           max_upload_bytes: int | None = None, block: bool = True, api=None):
    """Serve ``demo`` on ``host:port``, offline (no share link, no analytics, no server-side rendering).
    ``max_upload_bytes`` defaults to the limit :func:`build_app` gave the page. ``api`` (an ASGI app,
    :func:`build_server`'s) is mounted under /api on Gradio's own FastAPI app, so it is there from the
    first request, on the same port."""
    from starlette.routing import Mount

    if max_upload_bytes is None:
        max_upload_bytes = getattr(demo, "max_upload_bytes", DEFAULT_MAX_UPLOAD_BYTES)
    return demo.launch(
        server_name=host, server_port=port, share=False, inbrowser=False, ssr_mode=False,
        max_file_size=max_upload_bytes, prevent_thread_lock=not block, quiet=not block,
        theme=gr.themes.Default(primary_hue="blue", neutral_hue="slate"), css=CSS,
        app_kwargs=None if api is None else {"routes": [Mount(API_PREFIX, app=api)]},
    )


# --- the command ------------------------------------------------------------------------------------


def run(args: argparse.Namespace, *, starting_page=None) -> int:
    """Serve the chat UI with parsed ``args`` (see :func:`add_arguments`); returns the exit code.
    ``starting_page`` (:class:`qa.ui.starting.StartingPage`), holding the port meanwhile, is stopped
    just before the chat server takes the port over."""
    try:
        options = serve_options(args)
        pipeline = Pipeline(Settings.from_args(args))
        # A wrong --corpus fails now, not on the page (a bad file among good ones is named on the page).
        documents = read_corpus(pipeline.settings.corpus_paths, max_bytes=pipeline.settings.max_file_bytes,
                                profile=pipeline.settings.text_profile,
                                pdf_reader=pipeline.settings.pdf_reader).documents
        pipeline.reader.check()  # and so does a missing reader; the models load in the background
    except (QAError, ValueError, OSError) as exc:
        print(f"qa serve: error: {exc}", file=sys.stderr)
        return 2
    name = corpus_name_of(documents)  # "the article" is only ever the shipped one
    demo, api = build_server(pipeline, options, examples=suggested_questions(documents), title=f"Ask {name}",
                             corpus_name=name)
    warning = exposure_warning(options.host, options.api_key)
    if warning:
        print(f"qa serve: warning: {warning}", file=sys.stderr)
    print(f"Serving on http://{options.host}:{options.port} (HTTP API: {API_PREFIX}/docs; feedback: "
          f"{Path(options.feedback_file).absolute()})", file=sys.stderr)
    if starting_page is not None:
        starting_page.stop()
    try:
        launch(demo, host=options.host, port=options.port, max_upload_bytes=options.upload_bytes(pipeline.settings),
               api=api)
    except OSError as exc:
        print(f"qa serve: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0
