"""Reciprocal-rank fusion: merge rankings by 1 / (k + rank), which needs no score calibration."""

from __future__ import annotations

from collections.abc import Hashable, Sequence


def reciprocal_rank_fusion(rankings: Sequence[Sequence[Hashable]], k: int = 60) -> list[tuple[Hashable, float]]:
    """Fuse best-first rankings of ids into one, best first, as (id, fused score) pairs.

    An id's score is the sum over rankings of ``1 / (k + rank)`` (rank from 1).
    Ties keep the order in which ids were first seen, so the result is deterministic.
    """
    if k < 0:
        raise ValueError("k must be non-negative")
    scores: dict[Hashable, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])
