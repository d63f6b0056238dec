"""The answer verifier: a second, cheap decision on top of the reader's null score.

The reader says how much it prefers a span to "no answer" (the margin). It does not check that
the question's own key terms (its names, numbers, dates) are in the passage at all, which is how
most real unanswerable questions are made: the paragraph talks about 1953 and the question asks
about 1950. The verifier is a logistic regression over a handful of such features of the best
span, fitted on the dev split (``train/fit_verifier.py``, scikit-learn) and stored in the reader's
card; at run time it is a dot product (:func:`verify`), so nothing beyond numpy is needed.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Sequence

from qa.reader.decoding import SpanCandidate
from qa.text import STOP_WORDS, WORD, key_terms, term_absent

# The shared function words, and more that say nothing about what a question asks.
_STOP = STOP_WORDS | frozenset(
    "being done them him yes can could would should will shall may might must has have had about into "
    "over under after before also any some such so if but".split()
)
#: Characters each side of the span in which the question's words count as "near" it.
NEAR_SPAN_CHARS = 150


@dataclass(frozen=True)
class AnswerFeatures:
    """What the verifier looks at for one candidate answer (all cheap, all from the text and logits)."""

    #: Reader margin: span logit minus its window's null logit.
    margin: float
    #: Margin over the best candidate that does not overlap this one (0 when there is none).
    runner_up_gap: float
    #: Share of the question's content words that occur nowhere in the passage.
    missing_words: float
    #: How many of the question's names, numbers and dates occur nowhere in the passage.
    missing_key_terms: float
    #: Share of the question's content words found within NEAR_SPAN_CHARS of the span.
    near_span_words: float
    #: Share of the answer's content words that the question already contains.
    answer_in_question: float
    #: log(1 + words in the answer).
    answer_length: float

    def vector(self) -> list[float]:
        return [float(v) for v in asdict(self).values()]


FEATURE_NAMES = tuple(AnswerFeatures.__dataclass_fields__)


def _stem(word: str) -> str:
    # A crude stem is enough to see "founded" and "founding" as one word here.
    return word[:5] if len(word) > 5 else word


def content_words(text: str) -> list[str]:
    """Lower-cased, crudely stemmed words of ``text`` that are not function words."""
    return [_stem(w) for w in WORD.findall(text.lower()) if w not in _STOP]


def answer_features(question: str, context: str, candidate: SpanCandidate,
                    runner_up: SpanCandidate | None, *, lead_in: str = "") -> AnswerFeatures:
    """Features of ``context[candidate.start:candidate.end]`` as an answer to ``question``.

    ``lead_in`` is text the reader saw above the context (a section heading): the question's words
    count as present when they are there too.
    """
    passage = f"{lead_in}\n{context}" if lead_in else context
    passage_words = set(content_words(passage))
    question_words = list(dict.fromkeys(content_words(question)))
    missing = sum(w not in passage_words for w in question_words)
    near = set(content_words(context[max(0, candidate.start - NEAR_SPAN_CHARS): candidate.end + NEAR_SPAN_CHARS]))
    answer_words = content_words(context[candidate.start:candidate.end])
    question_set = set(question_words)
    return AnswerFeatures(
        margin=candidate.margin,
        runner_up_gap=candidate.margin - runner_up.margin if runner_up is not None else 0.0,
        missing_words=missing / len(question_words) if question_words else 0.0,
        missing_key_terms=float(sum(term_absent(term, passage) for term in key_terms(question))),
        near_span_words=sum(w in near for w in question_words) / len(question_words) if question_words else 0.0,
        answer_in_question=sum(w in question_set for w in answer_words) / len(answer_words) if answer_words else 0.0,
        answer_length=math.log1p(len(context[candidate.start:candidate.end].split())),
    )


def runner_up_of(candidate: SpanCandidate, candidates: Sequence[SpanCandidate]) -> SpanCandidate | None:
    """The best of ``candidates`` (best first) that does not overlap ``candidate``."""
    return next((c for c in candidates if c.end <= candidate.start or c.start >= candidate.end), None)


def candidate_features(question: str, context: str, candidate: SpanCandidate,
                       candidates: Sequence[SpanCandidate], *, lead_in: str = "") -> AnswerFeatures:
    """:func:`answer_features` of ``candidate`` against its runner-up among ``candidates`` (all the
    spans found in ``context``, best first)."""
    others = [c for c in candidates if c is not candidate]
    return answer_features(question, context, candidate, runner_up_of(candidate, others), lead_in=lead_in)


@dataclass(frozen=True)
class Verifier:
    """A fitted logistic verifier: P(answer right) = sigmoid(w . features + b); answer when >= threshold."""

    weights: tuple[float, ...]
    bias: float
    threshold: float
    features: tuple[str, ...] = FEATURE_NAMES

    @classmethod
    def from_dict(cls, data: dict) -> "Verifier":
        features = tuple(data.get("features", FEATURE_NAMES))
        if features != FEATURE_NAMES:
            raise ValueError(f"the verifier was fitted on features {features}, this code computes {FEATURE_NAMES}")
        weights = tuple(float(w) for w in data["weights"])
        if len(weights) != len(features):
            raise ValueError("the verifier has one weight per feature")
        return cls(weights=weights, bias=float(data["bias"]), threshold=float(data["threshold"]), features=features)

    def to_dict(self) -> dict:
        return {"features": list(self.features), "weights": [round(w, 6) for w in self.weights],
                "bias": round(self.bias, 6), "threshold": self.threshold}


def verify(features: AnswerFeatures, verifier: Verifier) -> float:
    """The verifier's probability that the answer is right, in [0, 1]."""
    z = verifier.bias + sum(w * x for w, x in zip(verifier.weights, features.vector()))
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    ez = math.exp(z)
    return ez / (1.0 + ez)
