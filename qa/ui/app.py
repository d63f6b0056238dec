"""The chat UI: a Gradio app over one shared :class:`qa.Pipeline`.

``build_app(pipeline, feedback_path=...)`` makes the page; ``run(args)`` loads the
pipeline and serves it (``python app.py`` and ``qa serve`` reach it behind the starting
page of :mod:`qa.ui.starting`). What a reply looks like is decided in :mod:`qa.ui.render`;
uploads are read in :mod:`qa.ui.uploads`; verdicts are written by :class:`qa.feedback.FeedbackLog`.
"""

from __future__ import annotations

import argparse
import html
import os
import sys
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
from fastapi import FastAPI

from qa.config import ServeSettings, Settings
from qa.corpus.documents import Document, read_corpus
from qa.errors import QAError
from qa.feedback import FeedbackError, FeedbackLog
from qa.pipeline import Pipeline
from qa.presentation import corpus_name as corpus_name_of
from qa.presentation import error_message
from qa.types import Answer
from qa.ui import render
from qa.ui.api import API_PREFIX, build_api, exposure_warning
from qa.ui.options import (DEFAULT_CONCURRENCY, DEFAULT_FEEDBACK_FILE, DEFAULT_HOST, DEFAULT_PORT,  # noqa: F401
                           ServeOptions, add_arguments, build_parser, serve_options)
from qa.ui.pages import PageCache, page_html
from qa.ui.shared import Shared
from qa.ui.uploads import (DEFAULT_MAX_UPLOAD_BYTES, UPLOAD_SUFFIXES, SessionCorpus, UploadJob, add_to_library,
                           describe_size)


#: Example questions for the shipped article (other corpora get their question-shaped headings).
ARTICLE_EXAMPLES = (
    "How many fighters are estimated to be affiliated with ISIS-K?",
    "Who is Colin Clarke?",
    "What does ISKP stand for?",
    "What happened in Jalalabad in August 2020?",
    "When was ISIS-K officially accepted by the core ISIS group?",
)

CSS = """
#qa-chat mark { background: #fde68a; color: inherit; padding: 0 .15em; border-radius: .2em; }
#qa-status p { margin: 0; }
footer { display: none !important; }
#qa-page img { max-width: 100%; border: 1px solid #cbd5e1; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
#qa-page figcaption { margin: .4em 0; }
"""


# --- the state of one conversation ----------------------------------------------------------------

@dataclass(frozen=True)
class Turn:
    """One answered question; ``message_index`` is its reply's first message in the chat."""

    question: str
    answer: Answer
    message_index: int
    answer_id: str


def history_of(turns: list[Turn]) -> list[tuple[str, str | None]]:
    """The conversation as ``Pipeline.ask`` takes it: (question, answer text) pairs, oldest first."""
    return [(t.question, t.answer.text) for t in turns]


def turn_at(turns: list[Turn], index) -> Turn | None:
    """The turn whose reply holds chat message ``index`` (an int, or a [row, ...] pair)."""
    if isinstance(index, (list, tuple)):
        index = index[0]
    found = None
    for turn in turns:
        if turn.message_index <= int(index):
            found = turn
    return found


def record_feedback(log: FeedbackLog, turns: list[Turn], index, liked) -> tuple[bool, str] | None:
    """Write a 👍 (``liked`` True) or 👎 (False) on the reply at ``index``; (ok, message for the user).

    None when there is nothing to record (a verdict withdrawn, or a message that is not a reply).
    """
    if liked is not True and liked is not False:
        return None
    turn = turn_at(turns, index)
    if turn is None:
        return None
    try:
        log.record_answer(turn.answer, verdict="up" if liked else "down", answer_id=turn.answer_id,
                          asked=turn.question)
    except FeedbackError as exc:
        return False, f"Your feedback could not be saved: {exc}."
    return True, "Thanks: your feedback was saved."


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


def describe_corpus(documents: list[Document]) -> str:
    if len(documents) == 1:
        d = documents[0]
        return f"*{render.escape_text(d.title)}* ({render.escape_text(Path(d.source).name)})"
    names = ", ".join(render.escape_text(Path(d.source).name) for d in documents[:5])
    more = f" and {len(documents) - 5} more" if len(documents) > 5 else ""
    return f"{len(documents)} documents ({names}{more})"


def describe_reader(pipeline: Pipeline) -> str:
    source = pipeline.reader.source
    return f"shipped reader, {source}" if pipeline.settings.reader is None else source


def describe_loaded(pipeline: Pipeline) -> str:
    index = pipeline.search_index()
    verb = "built in" if pipeline.index.was_built else "loaded from"
    text = (f"**Corpus:** {describe_corpus(pipeline.documents)}, {len(index.chunks)} passages, index {verb} "
            f"{render.escape_text(pipeline.settings.store_location)} \u00b7 "
            f"**Reader:** {render.escape_text(describe_reader(pipeline))}")
    for problem in pipeline.index.skipped:
        text += f"\n\n\u26a0\ufe0f Not indexed: {render.escape_text(str(problem))}"
    return text


def describe_session(session: SessionCorpus | None, problems: list[str] = (), *,
                     corpus_name: str = "the article", library: bool = False) -> str:
    lines = []
    if session is None or not session.documents:
        lines.append(f"Answers come from {corpus_name} only. Your documents join this session's corpus; "
                     "no one else sees them" + (" unless you add them to the library." if library else "."))
    else:
        lines.append("Your documents in this session:")
        lines += [f"- *{render.escape_text(d.title)}* ({render.escape_text(d.source.removeprefix('upload: '))})"
                  for d in session.documents]
    lines += [f"\n\u26a0\ufe0f {render.escape_text(p)}" for p in problems]
    return "\n".join(lines)


def waiting_message(job: UploadJob, status: str) -> dict:
    """The pending reply to a question asked while the session's documents are still being added."""
    return {"role": "assistant",
            "content": f"Still adding {render.escape_text(', '.join(job.names))}: {render.escape_text(status)}\u2026 "
                       "The question is answered from them as soon as they are in.",
            "metadata": {"title": "Adding your documents", "status": "pending"}}


def reply_messages(pipeline: Pipeline, session: SessionCorpus | None, answer: Answer, threshold: float) -> list[dict]:
    """The chat messages of ``answer``, worded for what this session asks of: "the article" only for the
    shipped one, "the document" for one of the user's own, "the documents" for several. An answer from
    a PDF says that a click shows it on its page (:func:`show_on_page`)."""
    name = corpus_name_of(pipeline.documents + list(session.documents if session else ()))
    messages = render.answer_messages(answer, multi_document=name == "the documents", threshold=threshold,
                                      single=name)
    if answer.text is not None and answer.citation is not None and answer.citation.page is not None:
        messages[0] = {**messages[0], "content": messages[0]["content"] + "\n\n*Click this answer to "
                                                                          f"see it on page {answer.citation.page}\\.*"}
    return messages


def cited_document(pipeline: Pipeline, session: SessionCorpus | None, answer: Answer) -> Document | None:
    """The document ``answer`` is quoted from: one of the session's uploads or of the shared corpus."""
    documents = [*(session.documents if session else ()), *pipeline.documents]
    return next((d for d in documents if answer.citation and d.id == answer.citation.doc_id), None)


def show_on_page(pipeline: Pipeline, session: SessionCorpus | None, answer: Answer, cache: PageCache) -> str | None:
    """The HTML of the PDF page ``answer`` is quoted from, the answer and its sentence marked; None when
    the answer is not from a PDF. OSError when the library's file cannot be read any more."""
    c = answer.citation
    document = cited_document(pipeline, session, answer) if answer.text is not None and c is not None else None
    if document is None or not document.page_starts or c.page is None:
        return None
    pdf = session.pdf_bytes(document.id) if session else None
    if pdf is None:
        if document.source.startswith("upload: "):
            return None
        pdf = Path(document.source).read_bytes()  # a library file; a changed one is found, or said not found
    page_start = document.page_starts[c.page - 1]
    page_end = document.page_starts[c.page] if c.page < len(document.page_starts) else len(document.text)
    hint = (c.start - page_start) / max(1, page_end - page_start)
    image = cache.get(pdf, c.page, answer.text, c.quote, c.start - c.quote_start, hint)
    return page_html(image, title=document.title, file_name=Path(document.source.removeprefix("upload: ")).name)


def suggested_questions(documents: list[Document], limit: int = 5) -> list[str]:
    """Example questions: the article's, or the question-shaped headings of other documents."""
    if corpus_name_of(documents) == "the article":
        return list(ARTICLE_EXAMPLES)
    found = []
    for d in documents:
        for block in d.blocks:
            text = d.text[block.start:block.end].strip()
            if block.kind == "heading" and text.endswith("?") and text not in found:
                found.append(text)
    return found[:limit]


# --- the page ---------------------------------------------------------------------------------------

def build_app(pipeline: Pipeline, *, feedback_path: str | os.PathLike = DEFAULT_FEEDBACK_FILE,
              examples: list[str] | tuple[str, ...] | None = None, title: str = "Ask the article",
              corpus_name: str = "the article",
              max_upload_bytes: int | None = None, concurrency: int = DEFAULT_CONCURRENCY,
              allow_library_uploads: bool = False, shared: Shared | None = None) -> gr.Blocks:
    """The chat page over ``pipeline`` (shared by every session; its index and models load in the
    background as soon as the app is built, with progress on the page).

    ``corpus_name`` is how the page calls the shared corpus ("the article", "the documents").
    ``max_upload_bytes`` is the largest file a user may upload (None: the pipeline's ``max_file_mb``,
    the limit of ``qa add``). ``allow_library_uploads`` adds an "Add to the library" button: a session's uploads then join the
    shared corpus, on disk, for every user. Off, uploads stay private to their session.
    ``shared`` is what the page has in common with the HTTP API (:func:`build_server`); by default its own.
    """
    feedback = FeedbackLog(feedback_path)
    pages = PageCache()
    if max_upload_bytes is None:
        max_upload_bytes = pipeline.settings.max_file_bytes
    shared = shared or Shared(pipeline, WarmUp(pipeline), concurrency=concurrency)
    startup = shared.startup.start()
    examples = list(ARTICLE_EXAMPLES if examples is None else examples)

    # The upload being added for each browser session: a question asked meanwhile waits for it.
    adding: dict[str, UploadJob] = {}

    def respond(question, messages, turns, session, top_k, threshold, request: gr.Request):
        turns = list(turns or [])
        if not (question or "").strip():
            yield gr.skip(), gr.skip(), gr.skip()
            return
        messages = list(messages or []) + [render.user_message(question)]
        job = adding.get(request.session_hash)
        if job is not None and not job.done.is_set():
            for status in job.progress():
                yield "", messages + [waiting_message(job, status)], turns
            session = job.session
        pending = {"role": "assistant", "content": "Retrieving passages and reading them\u2026",
                   "metadata": {"title": "Searching", "status": "pending"}}
        yield "", messages + [pending], turns
        threshold = float(threshold)
        try:
            answer = shared.ask(question, top_k=int(top_k), threshold=threshold, history=history_of(turns),
                                index=session.index if session else None)
        except (QAError, ValueError) as exc:
            yield "", messages + [render.error_message(exc)], turns
            return
        turns.append(Turn(question=question, answer=answer, message_index=len(messages),
                          answer_id=uuid.uuid4().hex))
        reply = reply_messages(pipeline, session, answer, threshold)
        yield "", messages + reply, turns

    def on_select(turns, session, data: gr.SelectData):
        turn = turn_at(turns or [], data.index)
        if turn is None:
            return gr.skip()
        try:
            shown = show_on_page(pipeline, session, turn.answer, pages)
        except (OSError, RuntimeError, ValueError) as exc:  # a page PDFium cannot draw (PdfiumError), a file gone
            gr.Warning(html.escape(f"The page could not be shown: {exc}"))
            return gr.skip()
        return gr.skip() if shown is None else shown

    def on_like(turns, data: gr.LikeData):
        outcome = record_feedback(feedback, turns or [], data.index, data.liked)
        if outcome is not None:
            ok, message = outcome
            (gr.Info if ok else gr.Warning)(message)

    def on_upload(files, session, request: gr.Request):
        paths = [files] if isinstance(files, (str, os.PathLike)) else list(files or [])
        earlier = adding.get(request.session_hash)
        if earlier is not None and not earlier.done.is_set():  # dropped while the last ones are added
            earlier.done.wait()
            session = earlier.session
        job = adding[request.session_hash] = UploadJob(pipeline, session, paths, max_bytes=max_upload_bytes).start()
        for status in job.progress():
            yield gr.skip(), f"\u23f3 {render.escape_text(status)}\u2026", gr.skip()
        if adding.get(request.session_hash) is not job:  # "Back to ... only" was clicked meanwhile
            yield gr.skip(), gr.skip(), None
            return
        for problem in job.problems:
            gr.Warning(html.escape(problem))  # toasts are HTML: names and titles come from the files
        if job.added:
            gr.Info(html.escape(f"Added {', '.join(d.title for d in job.added)}. Ask away."))
        yield job.session, describe_session(job.session, job.problems, corpus_name=corpus_name,
                                            library=allow_library_uploads), None

    def forget(request: gr.Request):
        adding.pop(request.session_hash, None)

    def on_reset(request: gr.Request):
        forget(request)
        return None, describe_session(None, corpus_name=corpus_name, library=allow_library_uploads)

    def on_add_to_library(session, request: gr.Request):
        forget(request)
        if not allow_library_uploads:  # the button is hidden then, but an event can still be sent
            gr.Warning("Adding documents to the library is not allowed on this server.")
            return session, gr.skip(), gr.skip()
        try:
            with shared.library_lock:  # the API's adds and removes take it too
                added, problems = add_to_library(pipeline, session)
        except (QAError, ValueError, OSError) as exc:
            added, problems = [], [f"the documents could not be added to the library: {exc}"]
        for problem in problems:
            gr.Warning(html.escape(problem))
        if not added:
            return session, describe_session(session, problems, corpus_name=corpus_name, library=True), gr.skip()
        gr.Info(html.escape(f"Added {', '.join(added)} to the library: every user can now ask about them."))
        # The shared index holds them now; the session's own copy would name them twice.
        return None, describe_session(None, problems, corpus_name=corpus_name, library=True), describe_loaded(pipeline)

    def ask(question: str, top_k: int | None = None) -> dict:
        """Answer a question from the corpus; returns Answer.to_dict() (text None = the corpus doesn't say)."""
        try:
            return shared.ask(question, top_k=top_k).to_dict()
        except (QAError, ValueError) as exc:
            raise gr.Error(error_message(exc)) from exc

    with gr.Blocks(title=title, analytics_enabled=False) as demo:
        gr.Markdown(f"## {render.escape_text(title)}\n"
                    "Every answer is a span quoted from the text, with the paragraph it comes from.")
        status = gr.Markdown(startup.status_markdown(), elem_id="qa-status")
        turns = gr.State([])
        session = gr.State(None)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
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
                page_view = gr.HTML("", elem_id="qa-page")
            with gr.Column(scale=1, min_width=280):
                with gr.Accordion("Settings", open=True):
                    top_k = gr.Slider(1, 20, value=pipeline.settings.top_k, step=1, label="Passages to read (top_k)",
                                      elem_id="qa-top-k")
                    threshold = gr.Slider(0.0, 1.0, value=pipeline.answer_threshold, step=0.01,
                                          label="Abstention threshold", elem_id="qa-threshold",
                                          info="Answers with a lower confidence are withheld.")
                    gr.Textbox(value=describe_reader(pipeline), label="Reader (loaded from)", interactive=False,
                               elem_id="qa-reader")
                with gr.Accordion("Your documents", open=True):
                    uploads = gr.File(label=f"Add .txt, .md, .html, .pdf or .docx files (up to "
                                            f"{describe_size(max_upload_bytes)} each)", file_count="multiple",
                                      file_types=list(UPLOAD_SUFFIXES), elem_id="qa-upload")
                    session_info = gr.Markdown(describe_session(None, corpus_name=corpus_name,
                                                                library=allow_library_uploads), elem_id="qa-session")
                    reset = gr.Button(f"Back to {corpus_name} only", size="sm", elem_id="qa-reset")
                    to_library = gr.Button("Add to the library", size="sm", elem_id="qa-add-library",
                                           visible=allow_library_uploads)

        private = {"api_visibility": "private"}
        ask_inputs = [question, chatbot, turns, session, top_k, threshold]
        question.submit(respond, ask_inputs, [question, chatbot, turns], **private)
        ask_button.click(respond, ask_inputs, [question, chatbot, turns], **private)
        chatbot.like(on_like, [turns], None, **private)
        chatbot.select(on_select, [turns, session], [page_view], **private).then(
            None, None, None, js="() => document.querySelector('#qa-page img')?.scrollIntoView({block: 'start'})")
        new_chat.click(lambda: ([], []), None, [chatbot, turns], **private)
        chatbot.clear(lambda: [], None, [turns], **private)
        uploads.upload(on_upload, [uploads, session], [session, session_info, uploads], concurrency_limit=None,
                       show_progress="hidden", **private)
        reset.click(on_reset, None, [session, session_info], **private)
        to_library.click(on_add_to_library, [session], [session, session_info, status], **private)
        demo.load(startup.watch, None, status, concurrency_limit=None, show_progress="hidden", **private)
        demo.unload(forget)
        gr.api(ask, api_name="ask")

    demo.queue(default_concurrency_limit=concurrency)
    demo.max_upload_bytes = max_upload_bytes  # what launch() tells gradio to accept
    return demo


def build_server(pipeline: Pipeline, options: ServeSettings, **page) -> tuple[gr.Blocks, FastAPI]:
    """The chat page (``page``: :func:`build_app`'s keywords) and the HTTP API (:mod:`qa.ui.api`), sharing
    one pipeline, one limit on questions answered at once and one library lock (:class:`Shared`)."""
    shared = Shared(pipeline, WarmUp(pipeline), concurrency=options.concurrency)
    demo = build_app(pipeline, feedback_path=options.feedback_file,
                     max_upload_bytes=options.upload_bytes(pipeline.settings), concurrency=options.concurrency,
                     allow_library_uploads=options.allow_library_uploads, shared=shared, **page)
    return demo, build_api(shared, api_key=options.api_key)


def launch(demo: gr.Blocks, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
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
