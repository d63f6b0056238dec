"""Hybrid retrieval: dense FAISS search and BM25, merged by reciprocal-rank fusion."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.config import RETRIEVAL_MODES, Settings
from qa.corpus.chunking import Chunk
from qa.retriever.bm25 import BM25Index
from qa.retriever.embedding import Embedder
from qa.retriever.fusion import reciprocal_rank_fusion
from qa.retriever.index import DenseIndex
from qa.types import Passage

MODES = RETRIEVAL_MODES


@dataclass
class SearchIndex:
    """The dense and the lexical index over the same chunks, position for position."""

    dense: DenseIndex
    lexical: BM25Index

    @classmethod
    def over(cls, dense: DenseIndex) -> "SearchIndex":
        return cls(dense, BM25Index([c.search_text for c in dense.chunks]))

    @property
    def chunks(self) -> list[Chunk]:
        return self.dense.chunks

    def extended(self, chunks: list[Chunk], vectors: np.ndarray) -> "SearchIndex":
        """A new index with more chunks (e.g. a user's uploads); this one is left as it is."""
        return SearchIndex.over(self.dense.extended(chunks, vectors))


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

    def retrieve(self, question: str, index: SearchIndex, top_k: int, *, mode: str | None = None) -> list[Passage]:
        """The ``top_k`` best passages for ``question``, best first."""
        mode = self.mode if mode is None else mode
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        pool = max(self.candidates, top_k)
        dense_hits: list[tuple[int, float]] = []
        similarity: dict[int, float] = {}
        if mode in ("hybrid", "dense"):
            query = self.embedder.embed([question])[0]
            dense_hits = index.dense.search(query, pool)
            similarity = dict(dense_hits)
        lexical_hits = index.lexical.search(question, pool) if mode in ("hybrid", "bm25") else []
        bm25 = dict(lexical_hits)
        rankings = [[i for i, _ in hits] for hits in (dense_hits, lexical_hits) if hits]
        fused = reciprocal_rank_fusion(rankings, self.rrf_k)[:top_k]
        return [
            Passage(chunk=index.chunks[i], rank=rank, score=round(score, 6),
                    similarity=similarity.get(i), bm25=bm25.get(i))
            for rank, (i, score) in enumerate(fused, 1)
        ]
