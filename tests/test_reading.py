"""The reader's own scores: calibrated, ranked candidates and its verdict, from hand-set margins (no model)."""

from __future__ import annotations

import pytest

from qa.reader.decoding import DecodedSpans, SpanCandidate, confidence
from qa.reader.reading import NOISE_FLOOR, Context, ReadingOptions, rank_candidates, shifted


def spans(*items: tuple[int, int, float]) -> DecodedSpans:
    ranked = sorted(items, key=lambda item: -item[2])
    return DecodedSpans([SpanCandidate(start, end, margin, margin, 0.0, 0) for start, end, margin in ranked], 0.0)


def calibrated(i, span, _spans) -> float:
    return confidence(span.margin)


def test_candidates_are_ranked_across_contexts_without_overlaps():
    decoded = [spans((0, 5, 1.0), (2, 8, 0.5)), spans((0, 4, 2.0), (10, 14, -1.0))]
    reading = rank_candidates(decoded, scale=1.0, bias=0.0, answer_score=calibrated, threshold=0.5)
    assert [(c.context, c.start, c.end) for c in reading.candidates] == [(1, 0, 4), (0, 0, 5), (1, 10, 14)]
    assert reading.best.confidence == pytest.approx(confidence(2.0))
    assert reading.best.score == round(confidence(2.0), 4) and reading.answered
    assert reading.contexts_read == 2


def test_the_best_is_kept_however_weak_the_rest_only_above_the_noise_floor():
    weak = -10.0  # confidence ~0.00005, below the floor
    assert confidence(weak) < NOISE_FLOOR
    reading = rank_candidates([spans((0, 3, weak), (5, 9, weak - 1))], scale=1.0, bias=0.0, answer_score=calibrated,
                              threshold=0.5)
    assert [(c.start, c.end) for c in reading.candidates] == [(0, 3)]
    assert not reading.answered


def test_the_verdict_is_on_the_answer_score_not_the_confidence():
    """A verifier's probability (here a fixed 0.9) decides; the confidence still ranks."""
    decoded = [spans((0, 3, -3.0))]
    reading = rank_candidates(decoded, scale=1.0, bias=0.0, answer_score=lambda *_: 0.9, threshold=0.6)
    assert reading.best.confidence < 0.6 and reading.best.score == 0.9 and reading.answered


def test_nothing_found_is_no_answer():
    reading = rank_candidates([spans()], scale=1.0, bias=0.0, answer_score=calibrated, threshold=0.0)
    assert reading.best is None and not reading.answered


def test_offsets_skip_the_lead_in():
    context = Context("Heading\nThe text.", lead_in=len("Heading\n"))
    moved = shifted(spans((0, 7, 3.0), (8, 11, 2.0)), context)
    assert [(c.start, c.end) for c in moved.candidates] == [(0, 3)]


def test_the_options_default_to_the_settings():
    from qa.config import Settings

    assert ReadingOptions() == ReadingOptions.from_settings(Settings())


def test_the_verdict_says_how_sure_an_answer_is():
    """Under the threshold no answer; between it and the card's confident threshold a tentative one."""
    for score, level in [(0.2, None), (0.5, "tentative"), (0.95, "confident")]:
        reading = rank_candidates([spans((0, 3, 1.0))], scale=1.0, bias=0.0, answer_score=lambda *_: score,
                                  threshold=0.3, confident_threshold=0.9)
        assert reading.level == level and reading.answered == (level is not None)
    always = rank_candidates([spans((0, 3, 1.0))], scale=1.0, bias=0.0, answer_score=lambda *_: 0.5, threshold=0.3)
    assert always.level == "confident"  # a card without a confident threshold calls every answer confident
