"""SQuAD 2.0-style negatives for training: a question paired with the most similar other context of its
source that does not hold its answer."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from typing import Iterable, Sequence

from qa.evaluation.qa_data import QAExample
from qa.text import STOP_WORDS, WORD


def _content_words(text: str) -> set[str]:
    return {w for w in WORD.findall(text.lower()) if w not in STOP_WORDS}


def hardest_negative(question: str, answers: Sequence[str], contexts: Iterable[str]) -> str | None:
    """Of ``contexts``, the one sharing most content words with ``question`` among those holding none of
    ``answers`` (case-insensitive): the first of them on a tie, None when every one holds an answer."""
    question_words = _content_words(question)
    lowered_answers = [answer.lower() for answer in answers]
    best, best_overlap = None, -1
    for context in contexts:
        lowered = context.lower()
        if any(answer in lowered for answer in lowered_answers):
            continue
        overlap = len(question_words & _content_words(context))
        if overlap > best_overlap:
            best, best_overlap = context, overlap
    return best


def add_negatives(
    examples: list[QAExample], ratio: float, *, seed: int, candidates: int = 24
) -> list[QAExample]:
    """Pair questions with other contexts of the same source that do not hold their answer.

    SQuAD 2.0-style negatives teach the reader to abstain. For a ``ratio`` share of the
    answerable examples, the negative context is the one among ``candidates`` random
    contexts of the same source that shares most content words with the question
    (a hard negative), provided none of the answers occurs in it.
    """
    rng = random.Random(seed)
    contexts_by_source: dict[str, list[str]] = defaultdict(list)
    seen: set[str] = set()
    for ex in examples:
        if ex.context not in seen:
            seen.add(ex.context)
            contexts_by_source[ex.source].append(ex.context)
    negatives = []
    for ex in examples:
        if not ex.is_answerable or rng.random() >= ratio:
            continue
        pool = contexts_by_source[ex.source]
        if len(pool) < 2:
            continue
        others = [context for context in rng.sample(pool, min(candidates, len(pool))) if context != ex.context]
        best = hardest_negative(ex.question, ex.answers, others)
        if best is not None:
            negatives.append(replace(ex, id=f"{ex.id}-neg", context=best, answers=(), answer_starts=()))
    return examples + negatives
