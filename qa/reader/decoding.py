"""Span decoding for extractive QA: pure functions over logits and offsets, no model, no tokenizer.

The shape follows transformers' SQuAD post-processing: for every window, the
n-best start and end tokens are paired, kept when ordered and short enough, and
scored by ``start_logit + end_logit``. Each span is measured against its own
window's null score (the [CLS] position, SQuAD 2.0), so ``margin = span - null``
is a difference of logits from one softmax: unlike a per-passage softmax, it
compares across windows, passages and questions. :func:`confidence` maps it to
[0, 1] with a logistic calibration fitted on held-out data.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

Offsets = Sequence[tuple[int, int] | None]

_EDGE_PUNCTUATION = " \t\n\u00a0,;:"
_BLANK_LINE = re.compile(r"\n[ \t\u00a0]*\n")
_WORD_JOINERS = "-,."  # inside a word or number when letters or digits stand on both sides
# A span that stops before "-based", "-led", "-owned" ends where the model meant it to: "Toronto", not
# "Toronto-based" (SQuAD annotators quote the place); names such as "ISIS-K" or "COVID-19" still widen.
_LOWERCASE_SUFFIX = re.compile(r"-[a-z]{2,}\b")


@dataclass(frozen=True)
class SpanCandidate:
    """A candidate answer: ``context[start:end]``, with its logit margin over "no answer"."""

    start: int
    end: int
    margin: float
    span_logit: float
    null_logit: float
    window: int


@dataclass(frozen=True)
class DecodedSpans:
    """All candidates of one context, best first, and the context's best (least) null margin."""

    candidates: list[SpanCandidate]
    null_logit: float


def _joined(context: str, i: int) -> bool:
    """Whether the boundary before ``context[i]`` falls inside a word ("ISIS-K", "2,000", "U.S")."""
    if i <= 0 or i >= len(context):
        return False
    left, right = context[i - 1], context[i]
    if left.isalnum() and right.isalnum():
        return True
    if right in _WORD_JOINERS and i + 1 < len(context) and left.isalnum() and context[i + 1].isalnum():
        return True
    return left in _WORD_JOINERS and i >= 2 and context[i - 2].isalnum() and right.isalnum()


def align_to_words(context: str, start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` to whole words and trim spaces and dangling separators at the edges.

    The end does not widen over a hyphenated lowercase suffix ("Toronto|-based"); the start does."""
    start = max(0, min(start, len(context)))
    end = max(start, min(end, len(context)))
    while _joined(context, start):
        start -= 1
    while _joined(context, end) and not _LOWERCASE_SUFFIX.match(context, end):
        end += 1
    while start < end and context[start] in _EDGE_PUNCTUATION:
        start += 1
    while end > start and context[end - 1] in _EDGE_PUNCTUATION:
        end -= 1
    return start, end


def decode_window(
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    offsets: Offsets,
    *,
    window: int = 0,
    cls_index: int = 0,
    max_answer_tokens: int = 30,
    n_best: int = 20,
) -> list[SpanCandidate]:
    """Candidates of one window. ``offsets[t]`` is the character span of token ``t`` in the
    context, or None for tokens outside the context (question, special tokens, padding)."""
    start_logits = np.asarray(start_logits, dtype=np.float64)
    end_logits = np.asarray(end_logits, dtype=np.float64)
    valid = np.array([o is not None and o[1] > o[0] for o in offsets] + [False] * (len(start_logits) - len(offsets)))
    valid = valid[: len(start_logits)]
    if not valid.any():
        return []
    null_logit = float(start_logits[cls_index] + end_logits[cls_index])
    masked_start = np.where(valid, start_logits, -np.inf)
    masked_end = np.where(valid, end_logits, -np.inf)
    n = min(n_best, int(valid.sum()))
    best_starts = np.argsort(-masked_start, kind="stable")[:n]
    best_ends = np.argsort(-masked_end, kind="stable")[:n]
    out = []
    for s in best_starts:
        for e in best_ends:
            if e < s or e - s + 1 > max_answer_tokens:
                continue
            span_logit = float(start_logits[s] + end_logits[e])
            out.append(SpanCandidate(int(offsets[s][0]), int(offsets[e][1]), span_logit - null_logit,
                                     span_logit, null_logit, window))
    return out


def decode_spans(
    start_logits: Sequence[np.ndarray],
    end_logits: Sequence[np.ndarray],
    offsets: Sequence[Offsets],
    context: str,
    *,
    cls_index: int | Sequence[int] = 0,
    max_answer_tokens: int = 30,
    n_best: int = 20,
) -> DecodedSpans:
    """Decode every window of one context; spans are word-aligned, never run across a blank line, and are
    merged across windows.

    Overlapping windows find the same span more than once: after word alignment,
    identical character spans are merged, keeping the best margin. ``cls_index`` is
    the null position of every window, or one per window.
    """
    best: dict[tuple[int, int], SpanCandidate] = {}
    null_logit = math.inf
    cls_positions = [cls_index] * len(offsets) if isinstance(cls_index, int) else list(cls_index)
    for w, (s_logits, e_logits, window_offsets) in enumerate(zip(start_logits, end_logits, offsets)):
        cls = cls_positions[w]
        null_logit = min(null_logit, float(s_logits[cls] + e_logits[cls]))
        for cand in decode_window(s_logits, e_logits, window_offsets, window=w, cls_index=cls,
                                  max_answer_tokens=max_answer_tokens, n_best=n_best):
            start, end = align_to_words(context, cand.start, cand.end)
            # An answer never runs across a blank line ("Name\n\nTitle"); a single line break may be a wrap.
            if end <= start or _BLANK_LINE.search(context, start, end):
                continue
            key = (start, end)
            if key not in best or cand.margin > best[key].margin:
                best[key] = SpanCandidate(start, end, cand.margin, cand.span_logit, cand.null_logit, cand.window)
    ranked = sorted(best.values(), key=lambda c: (-c.margin, c.start, c.end))
    return DecodedSpans(ranked, null_logit if math.isfinite(null_logit) else 0.0)


def without_lead_in(spans: DecodedSpans, lead_in: int) -> DecodedSpans:
    """The spans of a context read as ``lead_in`` characters of lead-in (such as a section heading)
    followed by the text proper: spans touching the lead-in are dropped, the rest shifted to offsets
    into the text."""
    if lead_in == 0:
        return spans
    kept = [replace(c, start=c.start - lead_in, end=c.end - lead_in) for c in spans.candidates if c.start >= lead_in]
    return DecodedSpans(kept, spans.null_logit)


def confidence(margin: float, scale: float = 1.0, bias: float = 0.0) -> float:
    """Logistic calibration of a span margin into [0, 1]: ``sigmoid(scale * margin + bias)``."""
    z = scale * margin + bias
    if not math.isfinite(z):
        return 1.0 if z > 0 else 0.0
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    ez = math.exp(z)
    return ez / (1.0 + ez)


def suppress_overlaps(spans: Sequence[tuple[str, int, int]]) -> list[int]:
    """Indices of spans to keep, best first: a span overlapping a better one in the same text is dropped.

    ``spans`` are (text id, start, end), already sorted best first.
    """
    kept: list[int] = []
    for i, (text_id, start, end) in enumerate(spans):
        if any(spans[j][0] == text_id and start < spans[j][2] and spans[j][1] < end for j in kept):
            continue
        kept.append(i)
    return kept
