"""Hybrid retrieval: dense search and BM25, merged by reciprocal-rank fusion, over a vector store."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.config import Settings
from qa.corpus.chunking import Chunk
from qa.retriever.bm25 import BM25Index
from qa.retriever.embedding import Embedder
from qa.retriever.index import DenseIndex
from qa.retriever.store import MODES, LayeredStore, VectorStore
from qa.types import Passage

__all__ = ["MODES", "Retriever", "SearchIndex"]


@dataclass
class SearchIndex(VectorStore):
    """The in-process store: a FAISS index and a bm25s index over the same chunks, position for position."""

    dense: DenseIndex
    lexical: BM25Index

    @classmethod
    def over(cls, dense: DenseIndex) -> "SearchIndex":
        return cls(dense, BM25Index([c.lexical_text for c in dense.chunks]))

    @property
    def chunks(self) -> list[Chunk]:
        return self.dense.chunks

    def dense_hits(self, query_vector: np.ndarray, k: int) -> list[tuple[Chunk, float]]:
        return [(self.chunks[i], s) for i, s in self.dense.search(query_vector, k)]

    def lexical_hits(self, question: str, k: int) -> list[tuple[Chunk, float]]:
        return [(self.chunks[i], s) for i, s in self.lexical.search(question, k)]

    def extended(self, chunks: list[Chunk], vectors: np.ndarray) -> "SearchIndex":
        """A new index with more chunks (e.g. a user's uploads); this one is left as it is."""
        return SearchIndex.over(self.dense.extended(chunks, vectors))


def upload_layer(base: VectorStore, chunks: list[Chunk], vectors: np.ndarray) -> VectorStore:
    """``base`` plus ``chunks``: FAISS stores copy themselves; other stores get an in-process layer on top,
    so that a shared collection is never written for one user's session."""
    if isinstance(base, (SearchIndex, LayeredStore)):
        return base.extended(chunks, vectors)
    from qa.retriever.index import build_index

    return LayeredStore(base, SearchIndex.over(build_index(chunks, vectors, "uploads")))


class Retriever:
    """Finds the chunks most likely to answer a question."""

    def __init__(self, embedder: Embedder, *, mode: str = Settings.retrieval, candidates: int = Settings.candidates,
                 rrf_k: int = Settings.rrf_k) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.embedder = embedder
        self.mode = mode
        self.candidates = candidates
        self.rrf_k = rrf_k

    @classmethod
    def from_settings(cls, embedder: Embedder, settings: Settings) -> "Retriever":
        return cls(embedder, mode=settings.retrieval, candidates=settings.candidates, rrf_k=settings.rrf_k)

    def retrieve(self, question: str, index: VectorStore, top_k: int, *, mode: str | None = None) -> list[Passage]:
        """The ``top_k`` best passages for ``question``, best first."""
        mode = self.mode if mode is None else mode
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        query = self.embedder.embed([question])[0] if mode in ("hybrid", "dense") else None
        return index.search(question, query, mode=mode, pool=max(self.candidates, top_k), top_k=top_k,
                            rrf_k=self.rrf_k)
