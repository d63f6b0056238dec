"""The corpus's index over its life: read the corpus, chunk it, load or build its vector store, read it
again after documents were added or removed, and extend it with a user's documents.

The store is the FAISS index in ``index_dir`` (with its vector cache, so that a changed corpus
re-embeds only new or changed chunks) or a Milvus collection (which is its own vector cache).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from qa.config import Settings
from qa.corpus.chunking import Chunk, chunk_corpus
from qa.corpus.documents import Document, read_corpus
from qa.retriever.embedding import Embedder, embed_chunks
from qa.retriever.index import MANIFEST, VECTOR_CACHE, IndexRecipe, load_or_build_index
from qa.retriever.retriever import SearchIndex
from qa.retriever.store import VectorStore
from qa.retriever.vector_cache import EmbeddingCache


class CorpusIndex:
    """The searchable index of the corpus ``settings`` name, embedded by ``embedder``: loaded, or built (and
    saved) on first use. Thread-safe: a question asked during :meth:`reload` is answered from the index
    before, and every caller shares one loaded store.
    """

    def __init__(self, embedder: Embedder, settings: Settings) -> None:
        self.embedder = embedder
        self.settings = settings
        self._store: VectorStore | None = None
        self._documents: list[Document] | None = None
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._vector_cache: EmbeddingCache | None = None
        #: Whether the last load built the index (rather than reading it from disk).
        self.was_built = False
        #: Corpus files that could not be read (each a CorpusError naming its file); the rest are indexed.
        self.skipped: list = []
        #: Chunks really embedded (not found in the vector cache) when the index was last built.
        self.chunks_embedded = 0

    @property
    def documents(self) -> list[Document]:
        """The corpus's documents (the index is loaded or built to know them)."""
        self.store()
        return list(self._documents or [])

    def store(self, *, log=None, rebuild: bool = False) -> VectorStore:
        """The corpus's vector store: the FAISS index in ``index_dir`` or the Milvus collection, loaded,
        or built (and saved) on first use; ``rebuild`` builds it again even when it is up to date.

        Files that cannot be read are skipped, named in a message and kept in :attr:`skipped`;
        the rest of the corpus is indexed (only a corpus with nothing readable raises CorpusError).
        """
        with self._lock:
            if self._store is None or rebuild:
                self._load(log, rebuild=rebuild)
            return self._store

    def reload(self, *, log=None) -> VectorStore:
        """Read the corpus again (after documents were added or removed) and update the index: only new
        or changed chunks are embedded. Questions asked meanwhile are answered from the index before."""
        with self._reload_lock:
            with self._lock:
                first = self._store is None
            if first:
                return self.store(log=log)
            self._load(log)
            return self._store

    def _load(self, log, *, rebuild: bool = False) -> None:
        loaded = read_corpus(self.settings.corpus_paths, max_bytes=self.settings.max_file_bytes,
                             profile=self.settings.text_profile, pdf_reader=self.settings.pdf_reader)
        documents = loaded.documents
        for problem in loaded.skipped:  # the rest of the corpus is still indexed
            (log or self._log)(f"Not indexed: {problem}.")
        chunks = self._chunks(documents)
        self.chunks_embedded = 0
        recipe = self.recipe(chunks, documents)
        if self.settings.vector_store == "milvus":
            store, built = self._milvus_store(chunks, recipe, log=log, rebuild=rebuild)
        else:
            if rebuild:  # without its manifest the index is rebuilt (its vector cache is kept: see qa index)
                (Path(self.settings.index_dir) / MANIFEST).unlink(missing_ok=True)
            faiss_index = load_or_build_index(self.settings.index_dir, recipe, chunks, self._embed_corpus_chunks,
                                              log=log)
            store, built = SearchIndex.over(faiss_index.index), faiss_index.built
        # One assignment each, so a question asked meanwhile sees the old state or the new one.
        self._documents, self._store, self.was_built = documents, store, built
        self.skipped = list(loaded.skipped)

    def recipe(self, chunks: Sequence[Chunk], documents: Sequence[Document] = ()) -> IndexRecipe:
        """What this index of ``chunks`` is made from: the chunks, the embedding model and the
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
        base = base if base is not None else self.store()
        known = {c.doc_id for c in base.chunks}
        names = [d.id for d in documents]
        clash = [name for i, name in enumerate(names) if name in known or name in names[:i]]
        if clash:
            raise ValueError(f"a document named {clash[0]!r} is already in the corpus")
        chunks = self._chunks(documents)
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

    def _chunks(self, documents: Sequence[Document]) -> list[Chunk]:
        return chunk_corpus(list(documents), max_chars=self.settings.chunk_max_chars,
                            merge_chars=self.settings.chunk_merge_chars)

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
        """The index vectors of ``chunks``, as the settings make them."""
        return embed_chunks(self.embedder, chunks, heading_weight=self.settings.heading_weight,
                            heading_mode=self.settings.heading_embedding, progress=progress)
