"""The pipeline: corpus -> chunks -> index -> retrieve -> read -> answer.

``Pipeline.ask`` composes the stages in one readable method. Everything heavy
(corpus, index, models) is loaded on first use and then shared, thread-safely,
by every caller of the same pipeline.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import replace

from qa.alternatives import choose_alternatives
from qa.config import Settings
from qa.corpus.chunking import Chunk, normalize_space, sentence_spans
from qa.corpus.documents import Document
from qa.errors import QuestionError, QuestionTooLongError
from qa.followup import FollowupRewriter, Turn, followup_rewriter
from qa.reader.question import without_document_lead
from qa.reader.reader import ExtractiveReader
from qa.reader.reading import Candidate, Context, Reading, ReadingOptions
from qa.retriever.corpus_index import CorpusIndex
from qa.retriever.embedding import Embedder
from qa.retriever.retriever import Retriever
from qa.retriever.store import VectorStore
from qa.types import Answer, Citation, Passage

#: qa.read reads all of its context; past this size, index it as a corpus instead.
_MAX_CONTEXT_CHARS = 200_000


def clean_question(question, max_chars: int) -> str:
    """Validate and tidy a question: text, not empty, not over ``max_chars``, no control characters."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    if len(question) > 4 * max_chars:  # refuse before doing any work on a huge string
        raise QuestionTooLongError(f"the question is too long ({len(question)} characters; the limit is {max_chars})")
    # Control characters (NUL, escapes) become spaces; format characters such as the zero-width
    # non-joiner that Persian spelling needs are kept.
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") else ch for ch in question)
    cleaned = normalize_space(cleaned)
    if not cleaned:
        raise QuestionError("the question is empty")
    if len(cleaned) > max_chars:
        raise QuestionTooLongError(f"the question is too long ({len(cleaned)} characters; the limit is {max_chars})")
    return cleaned


class Pipeline:
    """Question answering over one corpus. ``Pipeline()`` uses the settings from the environment.

    ``embedder``, ``reader`` and ``followups`` replace the components the settings describe (for instance to share
    loaded models between pipelines); they are used as given. Keyword settings override ``settings``
    (or the environment's): ``Pipeline(top_k=3)``.

    >>> pipeline = Pipeline(Settings.from_env(top_k=3))        # doctest: +SKIP
    >>> pipeline.ask("How many fighters does ISIS-K have?").text   # doctest: +SKIP
    '2,000'
    """

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None,
                 reader: ExtractiveReader | None = None, followups: FollowupRewriter | None = None,
                 **overrides) -> None:
        if isinstance(reader, (str, bytes)) or (settings is not None and not isinstance(settings, Settings)):
            raise TypeError("Pipeline takes Settings and, optionally, component objects: "
                            "Pipeline(Settings(reader=...)), not Pipeline(reader='...')")
        # Keyword settings are a shorthand: Pipeline(top_k=3) is Pipeline(Settings.from_env(top_k=3)), and
        # Pipeline(early_stop=None) switches early stopping off.
        if settings is None:
            settings = Settings.from_env(given=overrides)
        elif overrides:
            settings = settings.replace(**overrides)
        self.settings = s = settings.validated()
        self.embedder = embedder if embedder is not None else Embedder.from_settings(s)
        self.retriever = Retriever.from_settings(self.embedder, s)
        self.reader = reader if reader is not None else ExtractiveReader.from_settings(s)
        self.followups = followups if followups is not None else followup_rewriter(s.followups)
        self.index = CorpusIndex(self.embedder, s)

    # --- stages -------------------------------------------------------------

    @property
    def documents(self) -> list[Document]:
        """The corpus's documents (the index is loaded or built to know them)."""
        return self.index.documents

    def search_index(self, *, log=None, rebuild: bool = False) -> VectorStore:
        """The corpus's vector store (see :meth:`CorpusIndex.store`)."""
        return self.index.store(log=log, rebuild=rebuild)

    def reload(self, *, log=None) -> VectorStore:
        """Read the corpus again and update the index (see :meth:`CorpusIndex.reload`)."""
        return self.index.reload(log=log)

    def with_documents(self, documents: Sequence[Document], base: VectorStore | None = None, *,
                       progress=None) -> VectorStore:
        """An index of this corpus plus ``documents`` (see :meth:`CorpusIndex.with_documents`)."""
        return self.index.with_documents(documents, base, progress=progress)

    def warm_up(self) -> None:
        """Load the index and both models now, so the first question is as fast as the rest."""
        self.search_index()
        self.embedder.embed(["warm up"])
        self.reader.warm_up()

    @property
    def answer_threshold(self) -> float:
        """The score an answer needs: the setting, or else the reader card's."""
        return self.reader.threshold(self._options(None))

    # --- the public method ----------------------------------------------------

    def ask(self, question: str, *, top_k: int | None = None, history: Sequence[Turn] | None = None,
            threshold: float | None = None, index: VectorStore | None = None,
            retrieval: str | None = None) -> Answer:
        """Answer ``question`` from the corpus, quoting a span verbatim and citing where it is.

        ``history`` holds earlier (question, answer text) turns, oldest first, for
        follow-ups; ``index`` replaces the corpus's store (see :meth:`with_documents`);
        ``top_k``, ``threshold`` and ``retrieval`` override the settings for this call.
        """
        asked = clean_question(question, self.settings.max_question_chars)
        standalone = self.followups.rewrite(asked, history)
        top_k = self.settings.top_k if top_k is None else top_k
        if top_k < 1:
            raise ValueError("top_k must be at least 1")
        index = self.search_index() if index is None else index
        passages = self.retriever.retrieve(standalone, index, top_k, mode=retrieval)
        contexts = [Context(*reading_context(p.chunk, self.settings.read_headings)) for p in passages]
        reading = self.reader.read(self._reading_question(standalone), contexts, self._options(threshold))
        answer = self._answer(asked, passages[: reading.contexts_read], reading)
        return replace(answer, rewritten_question=standalone) if standalone != asked else answer

    def read(self, question: str, context: str, *, title: str | None = None,
             threshold: float | None = None) -> Answer:
        """The reader alone on one given text (no retrieval); offsets are into ``context``."""
        asked = clean_question(question, self.settings.max_question_chars)
        if not isinstance(context, str) or not context.strip():
            raise ValueError("the context is empty")
        if len(context) > _MAX_CONTEXT_CHARS:
            raise ValueError(f"the context is too long ({len(context)} characters; the limit is {_MAX_CONTEXT_CHARS})")
        chunk = Chunk(id="context#p1", doc_id="context", doc_title=title or "context", paragraph=1, section=None,
                      kind="body", start=0, end=len(context), text=context)
        passages = [Passage(chunk=chunk, rank=1, score=1.0)]
        return self._answer(asked, passages, self.reader.read(self._reading_question(asked), [context],
                                                              self._options(threshold)))

    # --- from the reader's candidates to an answer --------------------------------------------------

    def _reading_question(self, question: str) -> str:
        """The question as the reader reads it (qa.reader.question)."""
        return without_document_lead(question) if self.settings.drop_document_leads else question

    def _options(self, threshold: float | None) -> ReadingOptions:
        """How this pipeline's reader decides: the settings, with a per-call threshold."""
        options = ReadingOptions.from_settings(self.settings)
        return options if threshold is None else replace(options, threshold=threshold)

    def _answer(self, question: str, passages: list[Passage], reading: Reading) -> Answer:
        """The reader's verdict as an answer: its best candidate cited (or none, when it abstains), and
        the other candidates that are different answers (qa.alternatives)."""
        if reading.best is None:
            return Answer(question=question, text=None, score=0.0, passages=passages)

        def answer(candidate: Candidate) -> Answer:
            return candidate_answer(question, candidate.score, passages[candidate.context], candidate)

        best = answer(reading.best)
        alternatives = choose_alternatives(best, map(answer, reading.candidates[1:]), self.settings.alternatives,
                                           {p.chunk.id: p.chunk for p in passages})
        if reading.level is not None:
            return replace(best, alternatives=alternatives, passages=passages, confidence_level=reading.level)
        return Answer(question=question, text=None, score=best.score, alternatives=[best, *alternatives],
                      passages=passages)


def reading_context(chunk: Chunk, with_heading: bool) -> tuple[str, int]:
    """What the reader reads for ``chunk``, and how many leading characters are not the chunk's text:
    the section heading on a line of its own above the paragraph, when there is one."""
    if not with_heading or not chunk.section:
        return chunk.text, 0
    lead_in = f"{normalize_space(chunk.section)}\n"
    return lead_in + chunk.text, len(lead_in)


def candidate_answer(question: str, score: float, passage: Passage, span) -> Answer:
    """An answer for the span ``chunk.text[span.start:span.end]``, cited with document offsets and its
    sentence(s)."""
    chunk, start, end = passage.chunk, span.start, span.end
    sentences = sentence_spans(chunk.text)
    quote_start = min((s for s, e in sentences if e > start), default=0)
    quote_end = max((e for s, e in sentences if s < end), default=len(chunk.text))
    quote_start, quote_end = min(quote_start, start), max(quote_end, end)
    citation = Citation(
        document=chunk.doc_title, doc_id=chunk.doc_id, chunk_id=chunk.id, paragraph=chunk.paragraph,
        section=chunk.section, kind=chunk.kind, start=chunk.start + start, end=chunk.start + end,
        quote=chunk.text[quote_start:quote_end], quote_start=chunk.start + quote_start,
        quote_end=chunk.start + quote_end, page=chunk.page_at(chunk.start + start),
    )
    return Answer(question=question, text=chunk.text[start:end], score=round(score, 4), citation=citation)


_default: Pipeline | None = None
_default_lock = threading.Lock()


def default_pipeline() -> Pipeline:
    """The one shared pipeline behind :func:`qa.ask`, built from the environment on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Pipeline()
        return _default


def ask(question: str, *, top_k: int | None = None, history: Sequence[Turn] | None = None) -> Answer:
    """Answer a question from the default corpus with the default pipeline (see :class:`Pipeline`)."""
    return default_pipeline().ask(question, top_k=top_k, history=history)


def read(question: str, context: str, *, title: str | None = None) -> Answer:
    """Run the default reader on one given text, without retrieval; offsets are into ``context``."""
    return default_pipeline().read(question, context, title=title)

