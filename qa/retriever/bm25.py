"""Lexical ranking of chunks with BM25 (the bm25s library, Snowball stemming, English stopwords)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)


class BM25Index:
    """BM25 over a list of texts; ``search`` returns (position, score) pairs with score > 0."""

    def __init__(self, texts: list[str]) -> None:
        import bm25s

        self.size = len(texts)
        self._bm25 = bm25s.BM25()
        if texts:
            self._bm25.index(bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False),
                             show_progress=False)

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        tokens = tokenize([query])[0]
        if not tokens or self.size == 0:
            return []
        scores = np.asarray(self._bm25.get_scores(tokens), dtype=np.float64)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(int(i), float(scores[i])) for i in order if scores[i] > 0]
