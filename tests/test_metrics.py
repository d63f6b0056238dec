"""Metric and fusion maths against hand-computed cases."""

from __future__ import annotations

import pytest

from qa.metrics import (answer_scores, best_threshold, exact_match, expected_calibration_error, f1_score, fit_logistic,
                        fit_logistic_features,
                        mean_reciprocal_rank, normalize_answer, recall_at_k, reliability_bins, threshold_curve)
from qa.retriever.fusion import reciprocal_rank_fusion


def test_squad_normalisation():
    assert normalize_answer("The  U.S. Army!") == "us army"
    assert normalize_answer("“At least” 2,000 — fighters") == "at least 2000 fighters"


def test_exact_match_and_f1():
    assert exact_match("the 2,000", ["2,000"]) == 1.0
    assert exact_match("2,000 fighters", ["2,000"]) == 0.0
    assert f1_score("2,000 fighters", ["at least 2,000"]) == pytest.approx(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))
    assert f1_score("Kabul", ["Jalalabad", "Kabul"]) == 1.0
    assert f1_score(None, []) == 1.0 and exact_match(None, []) == 1.0
    assert f1_score("x", []) == 0.0 and f1_score(None, ["x"]) == 0.0


def test_answer_scores_average_over_questions_in_percent():
    # EM 1 + 0 + 1 (right abstention) + 0 (answered an unanswerable one); F1 1 + 0.4 + 1 + 0.
    scores = answer_scores(["2,000", "2,000 fighters", None, "x"], [["2,000"], ["at least 2,000"], [], []])
    assert scores == {"count": 4, "exact_match": 50.0, "f1": 60.0}
    assert answer_scores([], []) == {"count": 0, "exact_match": 0.0, "f1": 0.0}


def test_recall_at_k_and_mrr():
    ranked = [[3, 1, 2], [5, 6, 7], [9, 8, 4]]
    relevant = [{1}, {7, 6}, {0}]
    assert recall_at_k(ranked, relevant, 1) == 0.0
    assert recall_at_k(ranked, relevant, 2) == pytest.approx(2 / 3)
    assert mean_reciprocal_rank(ranked, relevant) == pytest.approx((1 / 2 + 1 / 2 + 0) / 3)


def test_calibration_error_and_bins():
    scores = [0.9, 0.9, 0.1, 0.1]
    correct = [1, 0, 0, 0]
    # bin 9: confidence 0.9, accuracy 0.5 -> gap 0.4; bin 1: 0.1 vs 0 -> 0.1; ECE = 0.5*0.4 + 0.5*0.1
    assert expected_calibration_error(scores, correct) == pytest.approx(0.25)
    bins = reliability_bins(scores, correct)
    assert [b["count"] for b in bins] == [0, 2, 0, 0, 0, 0, 0, 0, 0, 2]
    assert expected_calibration_error([1.0], [1]) == 0.0


def test_threshold_curve_and_best_threshold():
    scores = [0.9, 0.6, 0.3]
    f1 = [1.0, 0.0, 0.0]
    answerable = [True, False, False]
    curve = dict(threshold_curve(scores, f1, answerable, [0.0, 0.5, 0.7, 1.0]))
    assert curve[0.0] == pytest.approx(1 / 3)   # answers all: only the first is right
    assert curve[0.7] == pytest.approx(1.0)     # answers the first, abstains on the rest
    assert curve[1.0] == pytest.approx(2 / 3)
    assert 0.6 < best_threshold(scores, f1, answerable) <= 0.9


def test_fit_logistic_recovers_a_known_curve():
    import math
    import random

    rng = random.Random(0)
    xs = [rng.uniform(-6, 6) for _ in range(4000)]
    ys = [float(rng.random() < 1 / (1 + math.exp(-(0.8 * x - 1.0)))) for x in xs]
    scale, bias = fit_logistic(xs, ys)
    assert scale == pytest.approx(0.8, abs=0.1) and bias == pytest.approx(-1.0, abs=0.15)
    assert fit_logistic([1.0, 2.0], [1.0, 1.0]) == (1.0, 0.0)


def test_fit_logistic_features_recovers_two_known_weights():
    import math
    import random

    rng = random.Random(1)
    rows = [(rng.uniform(-6, 6), math.log(rng.randint(1, 5))) for _ in range(6000)]
    ys = [float(rng.random() < 1 / (1 + math.exp(-(0.5 * m - 1.5 * r + 0.3)))) for m, r in rows]
    (margin_weight, rank_weight), bias = fit_logistic_features(rows, ys)
    assert margin_weight == pytest.approx(0.5, abs=0.08) and rank_weight == pytest.approx(-1.5, abs=0.3)
    assert bias == pytest.approx(0.3, abs=0.2)
    assert fit_logistic_features([[1.0, 2.0]], [0.0]) == ([1.0, 1.0], 0.0)


def test_reciprocal_rank_fusion():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]], k=1)
    scores = dict(fused)
    assert scores["a"] == pytest.approx(1 / 2 + 1 / 3)
    assert scores["c"] == pytest.approx(1 / 4 + 1 / 2)
    assert scores["b"] == pytest.approx(1 / 3)
    assert [item for item, _ in fused] == ["a", "c", "b"]
    assert reciprocal_rank_fusion([]) == []
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["a"]], k=-1)


def test_peak_rss_is_this_process_own_not_a_parent_carried_over():
    import subprocess
    import sys

    from qa.metrics import peak_rss_mb

    ballast = bytearray(300 * 1024 * 1024)  # this process now peaks above 300 MB
    ballast[::4096] = b"x" * len(ballast[::4096])
    assert peak_rss_mb() > 300
    child = subprocess.run([sys.executable, "-c", "from qa.metrics import peak_rss_mb; print(peak_rss_mb())"],
                           capture_output=True, text=True, check=True)
    assert float(child.stdout) < 200
    del ballast
