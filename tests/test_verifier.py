"""The answer verifier: pure features and a pure decision, loaded from the reader's card."""

import json
import math

import pytest

from qa.errors import ReaderError
from qa.reader.decoding import SpanCandidate
from qa.reader.reader import ReaderCard
from qa.reader.verifier import FEATURE_NAMES, AnswerFeatures, Verifier, answer_features, runner_up_of, verify

CONTEXT = "The Skellig lighthouse was built in 1826 by the Ballast Board and automated in 1967."


def span(text, margin, context=CONTEXT):
    start = context.index(text)
    return SpanCandidate(start, start + len(text), margin, margin + 1.0, 1.0, 0)


def test_features_see_a_key_term_the_passage_lacks():
    best, other = span("1826", 6.0), span("1967", 2.5)
    asked_right = answer_features("When was the Skellig lighthouse built?", CONTEXT, best, other)
    asked_wrong = answer_features("When was the Fastnet lighthouse built?", CONTEXT, best, other)
    assert asked_right.missing_key_terms == 0 and asked_wrong.missing_key_terms == 1
    assert asked_right.missing_words == 0 and asked_wrong.missing_words == pytest.approx(1 / 3)
    assert asked_right.margin == 6.0 and asked_right.runner_up_gap == pytest.approx(3.5)
    assert asked_right.near_span_words == 1.0
    assert asked_right.answer_in_question == 0.0 and asked_right.answer_length == pytest.approx(math.log(2))
    # A heading the reader saw above the paragraph counts as passage text.
    with_heading = answer_features("When was the Fastnet lighthouse built?", CONTEXT, best, other,
                                   lead_in="Fastnet and Skellig")
    assert with_heading.missing_key_terms == 0


def test_runner_up_is_the_best_span_not_overlapping():
    best = span("1826", 6.0)
    overlapping = SpanCandidate(best.start - 3, best.end, 5.0, 6.0, 1.0, 0)
    assert runner_up_of(best, [overlapping, span("1967", 1.0)]).margin == 1.0
    assert runner_up_of(best, [overlapping]) is None
    assert answer_features("When?", CONTEXT, best, None).runner_up_gap == 0.0


def test_verify_is_a_logistic_of_the_features():
    features = AnswerFeatures(margin=2.0, runner_up_gap=1.0, missing_words=0.5, missing_key_terms=1.0,
                              near_span_words=0.5, answer_in_question=0.0, answer_length=1.0)
    verifier = Verifier(weights=(1.0, 0.0, 0.0, -3.0, 0.0, 0.0, 0.0), bias=0.5, threshold=0.4)
    assert verify(features, verifier) == pytest.approx(1 / (1 + math.exp(0.5)))  # z = 2 - 3 + 0.5
    assert verify(AnswerFeatures(*[0.0] * 7), Verifier((0.0,) * 7, 0.0, 0.5)) == 0.5
    assert verify(AnswerFeatures(1e6, *[0.0] * 6), Verifier((1.0,) + (0.0,) * 6, 0.0, 0.5)) == 1.0


def test_card_loads_the_verifier_and_refuses_a_damaged_one(tmp_path):
    verifier = Verifier(weights=tuple(float(i) for i in range(len(FEATURE_NAMES))), bias=-1.0, threshold=0.45)
    (tmp_path / "qa_reader.json").write_text(json.dumps(
        {"scale": 0.2, "bias": -0.3, "answer_threshold": 0.33, "verifier": verifier.to_dict()}))
    card = ReaderCard.load(tmp_path)
    assert card.verifier == verifier and card.threshold == 0.45
    assert card.without_verifier().threshold == 0.33
    best = span("1826", 6.0)
    assert card.answer_score("When was it built?", CONTEXT, best, [best]) == pytest.approx(
        verify(answer_features("When was it built?", CONTEXT, best, None), verifier))
    assert card.without_verifier().answer_score("q", CONTEXT, best, [best]) == pytest.approx(
        1 / (1 + math.exp(-(0.2 * 6.0 - 0.3))))
    (tmp_path / "qa_reader.json").write_text(json.dumps(
        {"scale": 0.2, "verifier": {"features": ["margin"], "weights": [1.0], "bias": 0, "threshold": 0.5}}))
    with pytest.raises(ReaderError, match="damaged"):
        ReaderCard.load(tmp_path)
