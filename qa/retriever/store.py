"""The vector-store interface: where chunk vectors live and how a question finds its passages.

Two stores implement it: :class:`qa.retriever.retriever.SearchIndex` (FAISS + bm25s in
this process, the default) and :class:`qa.retriever.milvus.MilvusStore` (a Milvus
collection, Milvus Lite or a server, with Milvus's own BM25 and RRF ranker).
:class:`LayeredStore` puts a small in-process store (a user's uploads) on top of either.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from qa.config import RETRIEVAL_MODES
from qa.corpus.chunking import Chunk
from qa.retriever.fusion import reciprocal_rank_fusion
from qa.types import Passage

MODES = RETRIEVAL_MODES


class VectorStore(ABC):
    """Chunks, their vectors and a lexical index, searched by dense, BM25 or hybrid retrieval."""

    @property
    @abstractmethod
    def chunks(self) -> list[Chunk]:
        """Every chunk in the store, in insertion order."""

    @abstractmethod
    def dense_hits(self, query_vector: np.ndarray, k: int) -> list[tuple[Chunk, float]]:
        """The ``k`` nearest chunks by cosine similarity, best first, with their cosine."""

    @abstractmethod
    def lexical_hits(self, question: str, k: int) -> list[tuple[Chunk, float]]:
        """Up to ``k`` chunks by BM25 score (only those sharing a term with ``question``), best first."""

    def search(self, question: str, query_vector: np.ndarray | None, *, mode: str, pool: int, top_k: int,
               rrf_k: int) -> list[Passage]:
        """The ``top_k`` best passages: each ranker's ``pool`` best, fused by reciprocal rank.

        ``query_vector`` may be None when ``mode`` is "bm25".
        """
        dense = self.dense_hits(query_vector, pool) if mode in ("hybrid", "dense") else []
        lexical = self.lexical_hits(question, pool) if mode in ("hybrid", "bm25") else []
        return fuse(dense, lexical, top_k=top_k, rrf_k=rrf_k)

    @abstractmethod
    def extended(self, chunks: list[Chunk], vectors: np.ndarray) -> "VectorStore":
        """A store holding this one's chunks plus ``chunks``; this one is left unchanged."""


def fuse(dense: list[tuple[Chunk, float]], lexical: list[tuple[Chunk, float]], *, top_k: int,
         rrf_k: int) -> list[Passage]:
    """Reciprocal-rank fusion of the two rankers' hits into passages that keep each ranker's score."""
    by_id = {c.id: c for c, _ in dense} | {c.id: c for c, _ in lexical}
    similarity = {c.id: s for c, s in dense}
    bm25 = {c.id: s for c, s in lexical}
    rankings = [[c.id for c, _ in hits] for hits in (dense, lexical) if hits]
    fused = reciprocal_rank_fusion(rankings, rrf_k)[:top_k]
    return [Passage(chunk=by_id[i], rank=rank, score=round(score, 6), similarity=similarity.get(i),
                    bm25=bm25.get(i))
            for rank, (i, score) in enumerate(fused, 1)]


@dataclass
class LayeredStore(VectorStore):
    """A shared store with a few more chunks on top (a user's uploads), searched as one.

    Each ranker's hits from both are merged by score before fusion: cosines compare
    directly; BM25 scores come from two collections' statistics, so for lexical ties
    between them the order is approximate (the upload layer is small).
    """

    base: VectorStore
    top: VectorStore

    @property
    def chunks(self) -> list[Chunk]:
        return self.base.chunks + self.top.chunks

    def dense_hits(self, query_vector, k):
        return _merged(self.base.dense_hits(query_vector, k), self.top.dense_hits(query_vector, k), k)

    def lexical_hits(self, question, k):
        return _merged(self.base.lexical_hits(question, k), self.top.lexical_hits(question, k), k)

    def extended(self, chunks, vectors):
        return LayeredStore(self.base, self.top.extended(chunks, vectors))


def _merged(a: list[tuple[Chunk, float]], b: list[tuple[Chunk, float]], k: int) -> list[tuple[Chunk, float]]:
    return sorted(a + b, key=lambda hit: -hit[1])[:k]
