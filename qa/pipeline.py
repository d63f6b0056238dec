"""The pipeline: corpus -> chunks -> index -> retrieve -> read -> answer.

``Pipeline.ask`` composes the stages in one readable method. Everything heavy
(corpus, index, models) is loaded on first use and then shared, thread-safely,
by every caller of the same pipeline.
"""

from __future__ import annotations

import sys
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from qa.alternatives import choose_alternatives
from qa.config import Settings
from qa.corpus.chunking import Chunk, chunk_corpus, normalize_space, sentence_spans
from qa.corpus.documents import Document, read_corpus
from qa.errors import QuestionError, QuestionTooLongError
from qa.followup import Turn, rewrite_followup
from qa.reader.reader import ExtractiveReader
from qa.reader.reading import Candidate, Context, Reading, ReadingOptions
from qa.retriever.embedding import Embedder, embed_chunks
from qa.retriever.index import MANIFEST, VECTOR_CACHE, IndexRecipe, load_or_build_index
from qa.retriever.retriever import Retriever, SearchIndex
from qa.retriever.store import VectorStore
from qa.retriever.vector_cache import EmbeddingCache
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

    ``embedder`` and ``reader`` replace the components the settings describe (for instance to share
    loaded models between pipelines); they are used as given. Keyword settings override ``settings``
    (or the environment's): ``Pipeline(top_k=3)``.

    >>> pipeline = Pipeline(Settings.from_env(top_k=3))        # doctest: +SKIP
    >>> pipeline.ask("How many fighters does ISIS-K have?").text   # doctest: +SKIP
    '2,000'
    """

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None,
                 reader: ExtractiveReader | None = None, **overrides) -> None:
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
        self._index: VectorStore | None = None
        self._documents: list[Document] | None = None
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._vector_cache: EmbeddingCache | None = None
        self.index_was_built = False
        #: Corpus files that could not be read (each a CorpusError naming its file); the rest are indexed.
        self.skipped: list = []
        #: Chunks really embedded (not found in the vector cache) when the index was last built.
        self.chunks_embedded = 0

    # --- stages -------------------------------------------------------------

    @property
    def documents(self) -> list[Document]:
        self.search_index()
        return list(self._documents or [])

    def search_index(self, *, log=None, rebuild: bool = False) -> VectorStore:
        """The corpus's vector store: the FAISS index in ``index_dir`` or the Milvus collection, loaded,
        or built (and saved) on first use; ``rebuild`` builds it again even when it is up to date.

        Files that cannot be read are skipped, named in a message and kept in :attr:`skipped`;
        the rest of the corpus is indexed (only a corpus with nothing readable raises CorpusError).
        """
        with self._lock:
            if self._index is None or rebuild:
                self._load(log, rebuild=rebuild)
            return self._index

    def reload(self, *, log=None) -> VectorStore:
        """Read the corpus again (after documents were added or removed) and update the index: only new
        or changed chunks are embedded. Questions asked meanwhile are answered from the index before."""
        with self._reload_lock:
            with self._lock:
                first = self._index is None
            if first:
                return self.search_index(log=log)
            self._load(log)
            return self._index

    def _load(self, log, *, rebuild: bool = False) -> None:
        loaded = read_corpus(self.settings.corpus_paths, max_bytes=self.settings.max_file_bytes,
                             profile=self.settings.text_profile, pdf_reader=self.settings.pdf_reader)
        documents = loaded.documents
        for problem in loaded.skipped:  # the rest of the corpus is still indexed
            (log or self._log)(f"Not indexed: {problem}.")
        chunks = chunk_corpus(documents, max_chars=self.settings.chunk_max_chars,
                              merge_chars=self.settings.chunk_merge_chars)
        self.chunks_embedded = 0
        recipe = self.index_recipe(chunks, documents)
        if self.settings.vector_store == "milvus":
            store, built = self._milvus_store(chunks, recipe, log=log, rebuild=rebuild)
        else:
            if rebuild:  # without its manifest the index is rebuilt (its vector cache is kept: see qa index)
                (Path(self.settings.index_dir) / MANIFEST).unlink(missing_ok=True)
            faiss_index = load_or_build_index(self.settings.index_dir, recipe, chunks, self._embed_corpus_chunks,
                                              log=log)
            store, built = SearchIndex.over(faiss_index.index), faiss_index.built
        # One assignment each, so a question asked meanwhile sees the old state or the new one.
        self._documents, self._index, self.index_was_built = documents, store, built
        self.skipped = list(loaded.skipped)

    def index_recipe(self, chunks: Sequence[Chunk], documents: Sequence[Document] = ()) -> IndexRecipe:
        """What this pipeline's index of ``chunks`` is made from: the chunks, the embedding model and the
        settings that shape the vectors."""
        s = self.settings
        return IndexRecipe.of(list(chunks), embedding_model=self.embedder.model_path,
                              embedding=self.embedder.fingerprint, chunk_max_chars=s.chunk_max_chars,
                              heading_weight=s.heading_weight, index_type=s.index_type,
                              documents=[d.source for d in documents], heading_embedding=s.heading_embedding)

    def _milvus_store(self, chunks: list[Chunk], recipe: IndexRecipe, *, log=None, rebuild: bool = False):
        from qa.retriever.milvus import open_store

        s = self.settings

        def embed(todo: list[Chunk]):
            self.chunks_embedded = len(todo)
            return self.embed_chunks(todo, progress=len(todo) > 256)

        # The collection keeps every chunk's vector under a key of its content and this recipe, so a
        # rebuild re-embeds only new or changed chunks (the collection is the vector cache here).
        return open_store(s.milvus_target, s.milvus_collection, recipe.fingerprint, chunks, embed,
                          embedding=self.embedder.fingerprint, recipe=self.embedding_recipe,
                          index_type=s.index_type, timeout=s.milvus_timeout, rebuild=rebuild, log=log or self._log)

    def with_documents(self, documents: Sequence[Document], base: VectorStore | None = None, *,
                       progress=None) -> VectorStore:
        """An index of this corpus plus ``documents`` (e.g. a user's uploads), built incrementally:
        only the new chunks are embedded, and the saved index is left untouched. ``progress(done, total)``,
        when given, is called as the chunks are embedded (a batch at a time)."""
        base = base if base is not None else self.search_index()
        known = {c.doc_id for c in base.chunks}
        names = [d.id for d in documents]
        clash = [name for i, name in enumerate(names) if name in known or name in names[:i]]
        if clash:
            raise ValueError(f"a document named {clash[0]!r} is already in the corpus")
        chunks = chunk_corpus(list(documents), max_chars=self.settings.chunk_max_chars,
                              merge_chars=self.settings.chunk_merge_chars)
        if progress is None:
            return base.extended(chunks, self.embed_chunks(chunks))
        return base.extended(chunks, self._embed_in_batches(chunks, progress))

    def _embed_in_batches(self, chunks: list[Chunk], progress, batch: int = 32):
        """:meth:`embed_chunks`, a batch at a time, saying how far it got (a long upload shows its progress)."""
        import numpy as np

        parts = []
        progress(0, len(chunks))
        for start in range(0, len(chunks), batch):
            parts.append(self.embed_chunks(chunks[start : start + batch]))
            progress(min(start + batch, len(chunks)), len(chunks))
        return np.concatenate(parts) if parts else self.embed_chunks(chunks)

    @property
    def vector_cache(self) -> EmbeddingCache:
        """The corpus's per-chunk vectors under ``index_dir/vector-cache``, for this embedding recipe."""
        if self._vector_cache is None:
            self._vector_cache = EmbeddingCache(Path(self.settings.index_dir) / VECTOR_CACHE,
                                                self.embedding_recipe, log=self._log)
        return self._vector_cache

    @property
    def embedding_recipe(self) -> str:
        """Everything besides a chunk's own text and heading that shapes its vector."""
        recipe = f"{self.embedder.fingerprint}|heading_weight={self.settings.heading_weight}"
        if self.settings.heading_embedding != "mixed":  # absent for the default, so cached vectors stay valid
            recipe += f"|heading_embedding={self.settings.heading_embedding}"
        return recipe

    @staticmethod
    def _log(message: str) -> None:
        print(message, file=sys.stderr)

    def _embed_corpus_chunks(self, chunks: list[Chunk]):
        """The corpus's vectors: cached ones reused, only new or changed chunks embedded. Vectors of
        chunks no longer in the corpus are dropped from the cache. (Uploads never go through here:
        a user's private documents are not written to disk.)"""
        vectors = self.vector_cache.embed(chunks, lambda todo: self.embed_chunks(todo, progress=len(todo) > 256),
                                          keep_only=True)
        self.chunks_embedded = self.vector_cache.last_embedded
        return vectors

    def embed_chunks(self, chunks: list[Chunk], *, progress: bool = False):
        """The index vectors of ``chunks``, as this pipeline's settings make them."""
        return embed_chunks(self.embedder, chunks, heading_weight=self.settings.heading_weight,
                            heading_mode=self.settings.heading_embedding, progress=progress)

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
        standalone = rewrite_followup(asked, history)
        top_k = self.settings.top_k if top_k is None else top_k
        if top_k < 1:
            raise ValueError("top_k must be at least 1")
        index = self.search_index() if index is None else index
        passages = self.retriever.retrieve(standalone, index, top_k, mode=retrieval)
        contexts = [Context(*reading_context(p.chunk, self.settings.read_headings)) for p in passages]
        reading = self.reader.read(standalone, contexts, self._options(threshold))
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
        return self._answer(asked, passages, self.reader.read(asked, [context], self._options(threshold)))

    # --- from the reader's candidates to an answer --------------------------------------------------

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

