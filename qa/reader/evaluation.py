"""Measure a reader with gold contexts, and calibrate it: confidence scale, bias and answer threshold."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from qa.metrics import best_threshold, exact_match, expected_calibration_error, f1_score, fit_logistic
from qa.reader.data import QAExample
from qa.reader.decoding import confidence
from qa.reader.reader import READER_CARD, ExtractiveReader, ReaderCard


@dataclass(frozen=True)
class Prediction:
    """The reader's best span for one example, whatever its score, and how good it would be."""

    example: QAExample
    text: str | None
    margin: float
    f1_if_answered: float
    em_if_answered: float


def predict(reader: ExtractiveReader, examples: list[QAExample], *, progress: bool = False) -> list[Prediction]:
    """Best span per example (gold context given). ``margin`` is span logit minus null logit."""
    from tqdm.auto import tqdm

    out = []
    for ex in tqdm(examples, disable=not progress, desc="reading"):
        decoded = reader.read(ex.question, [ex.context])[0]
        best = decoded.candidates[0] if decoded.candidates else None
        text = ex.context[best.start : best.end] if best else None
        margin = best.margin if best else float("-inf")
        golds = list(ex.answers)
        out.append(Prediction(ex, text, margin,
                              f1_score(text, golds) if golds else 0.0,
                              exact_match(text, golds) if golds else 0.0))
    return out


def score_predictions(predictions: list[Prediction], card: ReaderCard, threshold: float | None = None) -> dict:
    """EM, F1 and no-answer accuracy (SQuAD 2.0 style) at the card's (or the given) threshold."""
    threshold = card.answer_threshold if threshold is None else threshold
    n = max(1, len(predictions))
    em = f1 = 0.0
    unanswerable = abstained_right = answerable = answered_answerable = 0
    for p in predictions:
        answered = confidence(p.margin, card.scale, card.bias) >= threshold
        golds = list(p.example.answers)
        shown = p.text if answered else None
        em += exact_match(shown, golds)
        f1 += f1_score(shown, golds)
        if golds:
            answerable += 1
            answered_answerable += answered
        else:
            unanswerable += 1
            abstained_right += not answered
    return {
        "examples": len(predictions),
        "exact_match": round(100 * em / n, 2),
        "f1": round(100 * f1 / n, 2),
        "no_answer_accuracy": round(100 * abstained_right / max(1, unanswerable), 2),
        "has_answer_answered": round(100 * answered_answerable / max(1, answerable), 2),
        "unanswerable": unanswerable,
        "threshold": threshold,
    }


def calibrate(predictions: list[Prediction]) -> ReaderCard:
    """Fit confidence = sigmoid(scale * margin + bias) to "the span is right" (F1 >= 0.5, no-answer
    questions counting as wrong when answered), then pick the threshold that maximises dev F1."""
    finite = [p for p in predictions if p.margin != float("-inf")]
    scale, bias = fit_logistic([p.margin for p in finite], [float(p.f1_if_answered >= 0.5) for p in finite])
    scores = [confidence(p.margin, scale, bias) for p in predictions]
    threshold = best_threshold(scores, [p.f1_if_answered for p in predictions],
                               [bool(p.example.answers) for p in predictions])
    return ReaderCard(scale=round(scale, 6), bias=round(bias, 6), answer_threshold=threshold)


def calibration_error(predictions: list[Prediction], card: ReaderCard) -> float:
    scores = [confidence(p.margin, card.scale, card.bias) for p in predictions]
    return expected_calibration_error(scores, [float(p.f1_if_answered >= 0.5) for p in predictions])


def write_card(model_dir: str | Path, card: ReaderCard, metrics: dict) -> Path:
    """Store calibration, threshold and metrics beside the weights (read by :class:`ReaderCard`)."""
    path = Path(model_dir) / READER_CARD
    data = {"scale": card.scale, "bias": card.bias, "answer_threshold": card.answer_threshold, "metrics": metrics}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path
