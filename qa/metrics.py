"""Evaluation maths as pure functions: SQuAD answer metrics, retrieval ranks, calibration, thresholds."""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Sequence

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = set(string.punctuation) | {"\u2018", "\u2019", "\u201c", "\u201d", "\u2014", "\u2013"}


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match(prediction: str | None, golds: Sequence[str]) -> float:
    """1.0 if the prediction equals a gold answer after normalisation. For unanswerable
    questions (no golds) the right prediction is no answer (None)."""
    if not golds:
        return float(prediction is None)
    if prediction is None:
        return 0.0
    return float(any(normalize_answer(prediction) == normalize_answer(g) for g in golds))


def _f1(prediction: str, gold: str) -> float:
    pred_tokens, gold_tokens = normalize_answer(prediction).split(), normalize_answer(gold).split()
    if not pred_tokens or not gold_tokens:
        return float(pred_tokens == gold_tokens)
    common = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred_tokens), common / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def f1_score(prediction: str | None, golds: Sequence[str]) -> float:
    """Best token-overlap F1 against the golds; no-answer scores 1 exactly when there are no golds."""
    if not golds or prediction is None:
        return float(not golds and prediction is None)
    return max(_f1(prediction, g) for g in golds)


def answer_scores(predictions: Sequence[str | None], golds: Sequence[Sequence[str]]) -> dict:
    """How many predictions, and their exact match and F1 in percent (an empty gold list means the
    question is unanswerable, so no answer is the right prediction)."""
    n = max(1, len(predictions))
    return {"count": len(predictions),
            "exact_match": round(100 * sum(exact_match(p, g) for p, g in zip(predictions, golds)) / n, 2),
            "f1": round(100 * sum(f1_score(p, g) for p, g in zip(predictions, golds)) / n, 2)}


def recall_at_k(ranked: Sequence[Sequence], relevant: Sequence[set], k: int) -> float:
    """Share of queries with at least one relevant item in their first ``k`` results."""
    if not ranked:
        return 0.0
    return sum(bool(set(r[:k]) & rel) for r, rel in zip(ranked, relevant)) / len(ranked)


def mean_reciprocal_rank(ranked: Sequence[Sequence], relevant: Sequence[set]) -> float:
    """Mean over queries of 1 / rank of the first relevant item (0 when none is retrieved)."""
    if not ranked:
        return 0.0
    total = 0.0
    for r, rel in zip(ranked, relevant):
        total += next((1.0 / i for i, item in enumerate(r, 1) if item in rel), 0.0)
    return total / len(ranked)


def reliability_bins(scores: Sequence[float], correct: Sequence[float], bins: int = 10) -> list[dict]:
    """Equal-width confidence bins: count, mean confidence and accuracy of each (empty bins kept)."""
    out = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        members = [(s, c) for s, c in zip(scores, correct) if lo <= s < hi or (b == bins - 1 and s == 1.0)]
        out.append({
            "low": lo, "high": hi, "count": len(members),
            "confidence": sum(s for s, _ in members) / len(members) if members else None,
            "accuracy": sum(c for _, c in members) / len(members) if members else None,
        })
    return out


def expected_calibration_error(scores: Sequence[float], correct: Sequence[float], bins: int = 10) -> float:
    """ECE: the count-weighted mean gap between confidence and accuracy over equal-width bins."""
    n = len(scores)
    if n == 0:
        return 0.0
    return sum(b["count"] / n * abs(b["confidence"] - b["accuracy"])
               for b in reliability_bins(scores, correct, bins) if b["count"])


def fit_logistic(x: Sequence[float], y: Sequence[float], *, iterations: int = 100) -> tuple[float, float]:
    """Fit ``P(y=1) = sigmoid(scale * x + bias)`` by Newton's method (Platt scaling); returns (scale, bias)."""
    weights, bias = fit_logistic_features([[value] for value in x], y, iterations=iterations)
    return weights[0], bias


def fit_logistic_features(features: Sequence[Sequence[float]], y: Sequence[float], *,
                          iterations: int = 100) -> tuple[list[float], float]:
    """Fit ``P(y=1) = sigmoid(weights . features + bias)`` by Newton's method; returns (weights, bias).

    With one label only there is nothing to fit: weights 1 and bias 0 come back.
    """
    import numpy as np

    xs, ys = np.asarray(features, dtype=np.float64), np.asarray(y, dtype=np.float64)
    width = xs.shape[1] if xs.ndim == 2 else 1
    if len(xs) == 0 or ys.min() == ys.max():
        return [1.0] * width, 0.0
    design = np.column_stack([xs, np.ones(len(xs))])
    w = np.zeros(design.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ w, -30, 30)))
        gradient = design.T @ (p - ys) + 1e-6 * w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + 1e-6 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return [float(v) for v in w[:-1]], float(w[-1])


def threshold_curve(scores: Sequence[float], f1_if_answered: Sequence[float], answerable: Sequence[bool],
                    thresholds: Sequence[float] | None = None) -> list[tuple[float, float]]:
    """Overall F1 for each threshold: a question is answered when its score reaches the threshold;
    an abstention scores 1 on an unanswerable question and 0 on an answerable one."""
    if thresholds is None:
        thresholds = [i / 100 for i in range(101)]
    n = max(1, len(scores))
    curve = []
    for t in thresholds:
        total = sum((f if s >= t else 0.0) if a else (0.0 if s >= t else 1.0)
                    for s, f, a in zip(scores, f1_if_answered, answerable))
        curve.append((t, total / n))
    return curve


def best_threshold(scores: Sequence[float], f1_if_answered: Sequence[float], answerable: Sequence[bool]) -> float:
    """The threshold (a multiple of 0.01) with the best overall F1; the lowest such on ties."""
    curve = threshold_curve(scores, f1_if_answered, answerable)
    best = max(f for _, f in curve)
    return next(t for t, f in curve if math.isclose(f, best) or f == best)


def peak_rss_mb() -> float:
    """This process's own peak resident memory, in MB: VmHWM where /proc has it, since ``ru_maxrss``
    carries a parent's peak over fork and exec (a benchmark's fresh processes would all report it)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return round(next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024, 1)
    except (OSError, StopIteration, ValueError):
        import resource

        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def latency_summary(seconds: Sequence[float]) -> dict:
    """Median, 95th percentile (nearest rank) and mean of durations in seconds, as milliseconds."""
    import statistics

    ordered = sorted(seconds)
    if not ordered:
        return {}
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50_ms": round(1000 * statistics.median(ordered), 2), "p95_ms": round(1000 * p95, 2),
            "mean_ms": round(1000 * statistics.fmean(ordered), 2)}
