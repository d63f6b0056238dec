"""From the reader's spans to calibrated candidates and a verdict: what :meth:`ExtractiveReader.read` returns.

The reader's margins become confidences through its card (a logistic calibration); the best
candidates, no two overlapping, are then scored by the card's verifier when it has one, and the
best one is held against the threshold: that is the reader's verdict, answer or abstain. Pure
functions over decoded spans (no model), so they are tested with hand-set margins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qa.config import Settings
from qa.reader.decoding import DecodedSpans, confidence, suppress_overlaps, without_lead_in
from qa.types import confidence_level

#: Candidates after the best whose confidence is below this are noise, not alternatives.
NOISE_FLOOR = 0.01


@dataclass(frozen=True)
class Context:
    """A text to read: ``text``, of which the first ``lead_in`` characters are read but not quoted (a
    section heading on a line of its own above the paragraph). Candidates' offsets skip the lead-in."""

    text: str
    lead_in: int = 0


@dataclass(frozen=True)
class ReadingOptions:
    """How the reader decides (from the settings ``answer_threshold``, ``use_verifier``, ``early_stop``
    and ``read_batch``); a pipeline passes its own, so that pipelines can share one loaded reader."""

    #: The score an answer needs; None means the reader card's threshold.
    threshold: float | None = Settings.answer_threshold
    use_verifier: bool = Settings.use_verifier
    #: Read the contexts ``batch`` at a time, in order, until a confidence reaches this; None reads all.
    early_stop: float | None = Settings.early_stop
    batch: int = Settings.read_batch

    @classmethod
    def from_settings(cls, settings: Settings) -> "ReadingOptions":
        return cls(threshold=settings.answer_threshold, use_verifier=settings.use_verifier,
                   early_stop=settings.early_stop, batch=settings.read_batch)


@dataclass(frozen=True)
class Candidate:
    """A proposed answer: ``contexts[context].text[start:end]`` (lead-in excluded from the offsets)."""

    context: int
    start: int
    end: int
    #: The reader's calibrated confidence, in [0, 1]; candidates are ranked by it.
    confidence: float
    #: How likely the answer is right, in [0, 1], to 4 decimals: the verifier's probability when the
    #: card has one, else the confidence. This is what the threshold is held against.
    score: float


@dataclass(frozen=True)
class Reading:
    """What the reader found: candidates best first, no two overlapping in one context (the best kept
    however weak, the others only above :data:`NOISE_FLOOR`), and its verdict."""

    candidates: tuple[Candidate, ...]
    threshold: float
    #: How many of the contexts were read (early stopping may leave the last ones unread).
    contexts_read: int
    #: The score from which an answer given is confident rather than tentative (the card's; None: always).
    confident_threshold: float | None = None

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def level(self) -> str | None:
        """The verdict: None when the reader abstains (the best score is under the threshold), else how
        sure the answer is, ``confident`` or ``tentative`` (:func:`qa.types.confidence_level`)."""
        if self.best is None:
            return None
        return confidence_level(self.best.score, self.threshold, self.confident_threshold)

    @property
    def answered(self) -> bool:
        return self.level is not None


def read_until_confident(read, contexts: Sequence, *, stop_at: float | None, batch: int,
                         confidence_of) -> list[DecodedSpans]:
    """``read(contexts[i:j])`` batch by batch, in order, until a span's ``confidence_of(margin)`` reaches
    ``stop_at``; all at once when ``stop_at`` is None. Returns the spans of the contexts read.

    A passage not yet read may hold a span of any confidence short of 1, so what is left cannot
    be bounded; the rule is a margin instead: an answer this sure is rarely beaten by a
    lower-ranked passage (``qa bench --compare`` measures how rarely, against reading them all)."""
    if stop_at is None:
        return list(read(contexts)) if contexts else []
    decoded: list[DecodedSpans] = []
    for lo in range(0, len(contexts), batch):
        decoded += read(contexts[lo : lo + batch])
        best = max((c.margin for spans in decoded for c in spans.candidates[:1]), default=None)
        if best is not None and confidence_of(best) >= stop_at:
            break
    return decoded


def rank_candidates(decoded: Sequence[DecodedSpans], *, scale: float, bias: float,
                    answer_score: Callable[[int, object, DecodedSpans], float], threshold: float,
                    confident_threshold: float | None = None) -> Reading:
    """The :class:`Reading` of ``decoded`` (the spans of the contexts read, in order, lead-ins removed):
    candidates ranked by calibrated confidence (then context, then position), overlaps suppressed, each
    scored by ``answer_score(context index, span, spans of that context)``."""
    ranked = sorted(((confidence(span.margin, scale, bias), i, span) for i, spans in enumerate(decoded)
                     for span in spans.candidates), key=lambda item: (-item[0], item[1], item[2].start))
    keep = suppress_overlaps([(i, span.start, span.end) for _, i, span in ranked])
    kept = [ranked[k] for n, k in enumerate(keep) if n == 0 or ranked[k][0] >= NOISE_FLOOR]
    candidates = tuple(Candidate(i, span.start, span.end, conf, round(answer_score(i, span, decoded[i]), 4))
                       for conf, i, span in kept)
    return Reading(candidates, threshold, len(decoded), confident_threshold)


def shifted(spans: DecodedSpans, context: Context) -> DecodedSpans:
    """``spans`` of ``context.text`` with offsets past its lead-in (spans in the lead-in dropped)."""
    return without_lead_in(spans, context.lead_in)
