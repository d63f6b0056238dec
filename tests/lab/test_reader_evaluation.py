"""Gold-context scoring: unanswerable questions counted by kind (real, synthetic, generated)."""

import pytest

from qa.evaluation.qa_data import QAExample
from qa.reader.decoding import DecodedSpans, SpanCandidate
from lab.reader_eval import Prediction, score_predictions
from qa.evaluation.qa_data import negative_kind
from qa.reader.reader import ReaderCard

CONTEXT = "The Skellig lighthouse was built in 1826."


def prediction(example_id, answers, margin):
    example = QAExample(example_id, "When was it built?", CONTEXT, answers,
                        tuple(CONTEXT.index(a) for a in answers))
    start = CONTEXT.index("1826")
    spans = DecodedSpans([SpanCandidate(start, start + 4, margin, margin, 0.0, 0)], 0.0)
    f1 = 1.0 if answers else 0.0
    return Prediction(example, "1826", margin, f1, f1, spans)


def test_negative_kinds_come_from_the_ids():
    assert [negative_kind(prediction(i, a, 0).example) for i, a in [
        ("s:1", ("1826",)), ("s:2", ()), ("s:3-neg", ()), ("s:4-adv0", ())]] == [
        "answerable", "real", "synthetic", "generated"]


def test_scores_split_abstention_by_kind():
    card = ReaderCard(scale=1.0, bias=0.0, answer_threshold=0.5)
    predictions = [prediction("a:1", ("1826",), 3.0), prediction("a:2", ("1826",), -3.0),
                   prediction("r:1", (), -2.0), prediction("r:2", (), 2.0),
                   prediction("s:1-neg", (), -1.0), prediction("g:1-adv0", (), 1.0)]
    metrics = score_predictions(predictions, card)
    assert metrics["by_kind"] == {
        "answerable": {"examples": 2, "f1": 50.0}, "real": {"examples": 2, "abstained": 50.0},
        "synthetic": {"examples": 1, "abstained": 100.0}, "generated": {"examples": 1, "abstained": 0.0}}
    assert metrics["no_answer_accuracy"] == pytest.approx(50.0)


def test_the_abstention_tradeoff_and_the_best_cut_under_an_f1_floor():
    from lab.reader_eval import abstention_tradeoff, best_cut

    margins = [5.0, 1.0, -2.0, 3.0, -1.0, 0.5, -4.0]
    f1s = [1.0, 0.5, 1.0, 0.0, 0.0, 0.0, 0.0]
    kinds = ["answerable", "answerable", "answerable", "real", "real", "synthetic", "generated"]
    rows = abstention_tradeoff(margins, f1s, kinds, [-5.0, 0.0, 2.0])
    assert rows[0] == {"cut": -5.0, "answerable_f1": 83.33, "generated_abstained": 0.0, "real_abstained": 0.0,
                       "synthetic_abstained": 0.0}
    # At 0: the answer at -2 is withheld (F1 1.5 of 3), the real one at -1 is abstained, the one at 3 is not.
    assert rows[1] == {"cut": 0.0, "answerable_f1": 50.0, "generated_abstained": 100.0, "real_abstained": 50.0,
                       "synthetic_abstained": 0.0}
    assert rows[2]["answerable_f1"] == 33.33 and rows[2]["synthetic_abstained"] == 100.0
    assert best_cut(rows, 50.0) is rows[1]  # the most real abstention that keeps F1 >= 50
    assert best_cut(rows, 80.0) is rows[0]
    assert best_cut(rows, 90.0) is None
