"""Confidence levels (issue 27): an answer given is confident or tentative, by the reader card's fitted level."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from lab.reader_eval import write_card
from qa.reader.reader import ReaderCard
from qa.reader.verifier import Verifier
from qa.types import CONFIDENT, TENTATIVE, Answer, confidence_level

TRAIN = Path(__file__).resolve().parent.parent / "train"
if str(TRAIN) not in sys.path:
    sys.path.insert(0, str(TRAIN))

from fit_confidence_levels import fit_confident_threshold, level_split, split_markdown  # noqa: E402


def test_levels_from_the_threshold_and_the_confident_level():
    assert confidence_level(0.2, 0.33, 0.8) is None  # not given: an abstention has no level
    assert confidence_level(0.33, 0.33, 0.8) == TENTATIVE
    assert confidence_level(0.79, 0.33, 0.8) == TENTATIVE
    assert confidence_level(0.8, 0.33, 0.8) == CONFIDENT
    # A card without a fitted level (a hub reader) calls every given answer confident, as before levels.
    assert confidence_level(0.34, 0.33, None) == CONFIDENT
    # A threshold raised above the level (the chat's slider) leaves only confident answers.
    assert confidence_level(0.9, 0.95, 0.8) is None and confidence_level(0.96, 0.95, 0.8) == CONFIDENT


def test_the_level_is_the_lowest_at_which_nine_answers_in_ten_are_right():
    # Given answers (the threshold is 0.33) with whether each is right: from 0.61 up (the grid's step
    # past 0.6), 9 of 10 are; further down, more of them are wrong.
    scores = [0.95] * 9 + [0.9, 0.6, 0.5, 0.4, 0.35, 0.2, 0.1]
    right = [True] * 9 + [False, False, True, True, False, False, True]
    assert fit_confident_threshold(scores, right, 0.33) == 0.61
    assert fit_confident_threshold(scores, right, 0.33, target=0.8) == 0.36  # 11 of 13 from 0.36 up
    assert fit_confident_threshold(scores, right, 0.33, target=0.75) == 0.33  # 11 of 14: right at the threshold
    assert fit_confident_threshold([0.5, 0.6], [False, False], 0.33) is None


def test_the_split_counts_questions_and_how_often_each_level_is_right():
    scores = [0.95, 0.92, 0.5, 0.6, 0.2, 0.1, 0.7]
    right = [True, False, True, False, False, False, False]
    answerable = [True, True, True, True, True, False, False]
    table = level_split(scores, right, answerable, 0.33, 0.9)
    assert table["confident"]["all"] == {"questions": 2, "right": 50.0}
    assert table["tentative"]["answerable"] == {"questions": 2, "right": 50.0}
    assert table["tentative"]["unanswerable"] == {"questions": 1, "right": 0.0}  # answered: wrong
    assert table["abstained"]["answerable"] == {"questions": 1, "right": 0.0}
    assert table["abstained"]["unanswerable"] == {"questions": 1, "right": 100.0}
    assert table["confident"]["unanswerable"] == {"questions": 0, "right": None}
    lines = split_markdown(table)
    assert lines[2] == "| confident | 2 (50.0% right) | 2 (50.0% right) | 0 |"


def test_the_answer_dict_carries_its_level():
    answer = Answer(question="q", text="2,000", score=0.6, confidence_level=TENTATIVE)
    assert answer.to_dict()["confidence_level"] == "tentative"
    assert Answer(question="q", text=None, score=0.1).to_dict()["confidence_level"] is None
    json.dumps(answer.to_dict())


def test_the_card_keeps_its_level_and_drops_it_with_the_verifier_whose_scale_it_was_on(tmp_path):
    card = ReaderCard(scale=0.2, bias=-0.3, answer_threshold=0.33, confident_threshold=0.91)
    write_card(tmp_path, card, {"dev": {}})
    assert ReaderCard.load(tmp_path) == ReaderCard(0.2, -0.3, 0.33, {"dev": {}}, confident_threshold=0.91)
    assert card.without_verifier() is card
    verified = ReaderCard(0.2, -0.3, 0.33, verifier=Verifier((0.0,) * 3, 0.0, 0.5), confident_threshold=0.7)
    assert verified.without_verifier().confident_threshold is None
