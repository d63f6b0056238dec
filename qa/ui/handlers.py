"""What the chat page does: one conversation's state and the page's event handlers, apart from the layout.

:class:`ChatHandlers` holds what the handlers share (the pipeline, the feedback log, the uploads being
added, the page cache, the page's options); each event of the page calls one of its methods, which
take and return plain values, so they are tested without a browser. :mod:`qa.ui.app` lays out the
page and wires the events to them.
"""

from __future__ import annotations

import html
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from qa.corpus.documents import Document
from qa.errors import QAError
from qa.feedback import FeedbackError, FeedbackLog
from qa.pipeline import Pipeline
from qa.presentation import corpus_name as corpus_name_of
from qa.presentation import error_message
from qa.types import Answer
from qa.ui import render
from qa.ui.pages import PageCache, page_html
from qa.ui.shared import Shared
from qa.ui.uploads import SessionCorpus, UploadJob, add_to_library


# --- the state of one conversation ------------------------------------------------------------------

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


# --- what the page says ----------------------------------------------------------------------------

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


# --- the handlers ------------------------------------------------------------------------------------

@dataclass
class ChatHandlers:
    """The page's event handlers over one shared ``pipeline``. ``corpus_name`` is how the page calls the
    shared corpus ("the article", "the documents"); ``max_upload_bytes`` is the largest file a user may
    upload; ``allow_library_uploads`` lets a session's uploads join the shared corpus, on disk, for
    every user. Questions go through ``shared`` (one limit and one library lock with the HTTP API)."""

    pipeline: Pipeline
    feedback: FeedbackLog
    max_upload_bytes: int
    corpus_name: str = "the article"
    allow_library_uploads: bool = False
    shared: Shared | None = None
    pages: PageCache = field(default_factory=PageCache)
    #: The upload being added for each browser session: a question asked meanwhile waits for it.
    adding: dict[str, UploadJob] = field(default_factory=dict)

    @property
    def _shared(self) -> Shared:
        if self.shared is None:  # a page of its own (tests): its own limit and lock, nothing to warm up
            self.shared = Shared(self.pipeline, startup=None)
        return self.shared

    def respond(self, question, messages, turns, session, top_k, threshold, request: gr.Request):
        """Ask: yields (question box, chat messages, turns): a pending reply (after the session's upload,
        when one is being added), then the answer."""
        turns = list(turns or [])
        if not (question or "").strip():
            yield gr.skip(), gr.skip(), gr.skip()
            return
        messages = list(messages or []) + [render.user_message(question)]
        job = self.adding.get(request.session_hash)
        if job is not None and not job.done.is_set():
            for status in job.progress():
                yield "", messages + [waiting_message(job, status)], turns
            session = job.session
        pending = {"role": "assistant", "content": "Retrieving passages and reading them\u2026",
                   "metadata": {"title": "Searching", "status": "pending"}}
        yield "", messages + [pending], turns
        threshold = float(threshold)
        try:
            answer = self._shared.ask(question, top_k=int(top_k), threshold=threshold, history=history_of(turns),
                                       index=session.index if session else None)
        except (QAError, ValueError) as exc:
            yield "", messages + [render.error_message(exc)], turns
            return
        turns.append(Turn(question=question, answer=answer, message_index=len(messages),
                          answer_id=uuid.uuid4().hex))
        yield "", messages + reply_messages(self.pipeline, session, answer, threshold), turns

    def select(self, turns, session, data: gr.SelectData):
        """A click on a reply: the PDF page it is quoted from, drawn (nothing for other formats)."""
        turn = turn_at(turns or [], data.index)
        if turn is None:
            return gr.skip()
        try:
            shown = show_on_page(self.pipeline, session, turn.answer, self.pages)
        except (OSError, RuntimeError, ValueError) as exc:  # a page PDFium cannot draw (PdfiumError), a file gone
            gr.Warning(html.escape(f"The page could not be shown: {exc}"))
            return gr.skip()
        return gr.skip() if shown is None else shown

    def like(self, turns, data: gr.LikeData) -> None:
        """A 👍 or 👎 on a reply: written to the feedback log, with a note to the user."""
        outcome = record_feedback(self.feedback, turns or [], data.index, data.liked)
        if outcome is not None:
            ok, message = outcome
            (gr.Info if ok else gr.Warning)(message)

    def upload(self, files, session, request: gr.Request):
        """Files uploaded: yields (session, its description, the file box) as they are read and embedded."""
        paths = [files] if isinstance(files, (str, os.PathLike)) else list(files or [])
        earlier = self.adding.get(request.session_hash)
        if earlier is not None and not earlier.done.is_set():  # dropped while the last ones are added
            earlier.done.wait()
            session = earlier.session
        job = self.adding[request.session_hash] = UploadJob(self.pipeline, session, paths,
                                                            max_bytes=self.max_upload_bytes).start()
        for status in job.progress():
            yield gr.skip(), f"\u23f3 {render.escape_text(status)}\u2026", gr.skip()
        if self.adding.get(request.session_hash) is not job:  # "Back to ... only" was clicked meanwhile
            yield gr.skip(), gr.skip(), None
            return
        for problem in job.problems:
            gr.Warning(html.escape(problem))  # toasts are HTML: names and titles come from the files
        if job.added:
            gr.Info(html.escape(f"Added {', '.join(d.title for d in job.added)}. Ask away."))
        yield job.session, self.describe(job.session, job.problems), None

    def forget(self, request: gr.Request) -> None:
        """The session's upload in progress is dropped (the page was left, or reset)."""
        self.adding.pop(request.session_hash, None)

    def reset(self, request: gr.Request):
        """Back to the shared corpus only: (no session, its description)."""
        self.forget(request)
        return None, self.describe(None)

    def add_to_library(self, session, request: gr.Request):
        """The session's uploads join the shared corpus: (session, its description, the page's status)."""
        self.forget(request)
        if not self.allow_library_uploads:  # the button is hidden then, but an event can still be sent
            gr.Warning("Adding documents to the library is not allowed on this server.")
            return session, gr.skip(), gr.skip()
        try:
            with self._shared.library_lock:  # the API's adds and removes take it too
                added, problems = add_to_library(self.pipeline, session)
        except (QAError, ValueError, OSError) as exc:
            added, problems = [], [f"the documents could not be added to the library: {exc}"]
        for problem in problems:
            gr.Warning(html.escape(problem))
        if not added:
            return session, self.describe(session, problems), gr.skip()
        gr.Info(html.escape(f"Added {', '.join(added)} to the library: every user can now ask about them."))
        # The shared index holds them now; the session's own copy would name them twice.
        return None, self.describe(None, problems), describe_loaded(self.pipeline)

    def ask(self, question: str, top_k: int | None = None) -> dict:
        """Answer a question from the corpus; returns Answer.to_dict() (text None = the corpus doesn't say)."""
        try:
            return self._shared.ask(question, top_k=top_k).to_dict()
        except (QAError, ValueError) as exc:
            raise gr.Error(error_message(exc)) from exc

    def describe(self, session: SessionCorpus | None, problems: list[str] = ()) -> str:
        return describe_session(session, problems, corpus_name=self.corpus_name, library=self.allow_library_uploads)
