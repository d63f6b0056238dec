"""Measure a reader with gold contexts, and calibrate it: confidence scale, bias and answer threshold."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from qa.metrics import best_threshold, exact_match, expected_calibration_error, f1_score, fit_logistic
from qa.evaluation.qa_data import QAExample, negative_kind
from qa.reader.decoding import DecodedSpans, confidence
from qa.reader.reader import READER_CARD, ExtractiveReader, ReaderCard


@dataclass(frozen=True)
class Prediction:
    """The reader's best span for one example, whatever its score, and how good it would be."""

    example: QAExample
    text: str | None
    margin: float
    f1_if_answered: float
    em_if_answered: float
    #: Every candidate the reader found (for the verifier's features); None when it found none.
    spans: DecodedSpans | None = field(default=None, compare=False, repr=False)

    @property
    def best(self):
        return self.spans.candidates[0] if self.spans and self.spans.candidates else None

    def score(self, card: ReaderCard) -> float:
        """The card's answer score for this prediction's best span (0 when there is none)."""
        best = self.best
        if best is None:
            return 0.0
        return card.answer_score(self.example.question, self.example.context, best, self.spans.candidates)


def predict(reader: ExtractiveReader, examples: list[QAExample], *, progress: bool = False) -> list[Prediction]:
    """Best span per example (gold context given). ``margin`` is span logit minus null logit."""
    from tqdm.auto import tqdm

    out = []
    for ex in tqdm(examples, disable=not progress, desc="reading"):
        decoded = reader.spans(ex.question, [ex.context])[0]
        best = decoded.candidates[0] if decoded.candidates else None
        text = ex.context[best.start : best.end] if best else None
        margin = best.margin if best else float("-inf")
        golds = list(ex.answers)
        out.append(Prediction(ex, text, margin,
                              f1_score(text, golds) if golds else 0.0,
                              exact_match(text, golds) if golds else 0.0, decoded))
    return out


def score_predictions(predictions: list[Prediction], card: ReaderCard, threshold: float | None = None) -> dict:
    """EM, F1 and no-answer accuracy (SQuAD 2.0 style) at the card's (or the given) threshold, with
    ``by_kind``: answerable F1 and, per kind of unanswerable question (real, synthetic, generated; see
    :func:`negative_kind`), the share abstained."""
    threshold = card.threshold if threshold is None else threshold
    n = max(1, len(predictions))
    em = f1 = 0.0
    unanswerable = abstained_right = answerable = answered_answerable = 0
    kinds: dict[str, list[float]] = {}
    for p in predictions:
        answered = p.score(card) >= threshold
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
        kinds.setdefault(negative_kind(p.example), []).append(f1_score(shown, golds) if golds else float(not answered))
    by_kind = {kind: {"examples": len(values), ("f1" if kind == "answerable" else "abstained"):
                      round(100 * sum(values) / len(values), 2)} for kind, values in sorted(kinds.items())}
    return {
        "examples": len(predictions),
        "exact_match": round(100 * em / n, 2),
        "f1": round(100 * f1 / n, 2),
        "no_answer_accuracy": round(100 * abstained_right / max(1, unanswerable), 2),
        "has_answer_answered": round(100 * answered_answerable / max(1, answerable), 2),
        "unanswerable": unanswerable,
        "threshold": threshold,
        "by_kind": by_kind,
    }


def abstention_tradeoff(margins: list[float], f1_if_answered: list[float], kinds: list[str],
                        cuts: list[float]) -> list[dict]:
    """For each margin cut (answer when margin >= cut): answerable F1 and the share abstained per kind of
    question (:func:`negative_kind`), in percent. ``f1_if_answered`` is each answer's F1 were it given."""
    rows = []
    for cut in cuts:
        by_kind: dict[str, list[float]] = {}
        for margin, f1, kind in zip(margins, f1_if_answered, kinds):
            answered = margin >= cut
            # An answerable question scores its answer's F1; an unanswerable one scores 1 when abstained.
            by_kind.setdefault(kind, []).append((f1 if answered else 0.0) if kind == "answerable" else
                                                float(not answered))
        row = {"cut": round(cut, 3)}
        for kind, values in sorted(by_kind.items()):
            name = "answerable_f1" if kind == "answerable" else f"{kind}_abstained"
            row[name] = round(100 * sum(values) / len(values), 2)
        rows.append(row)
    return rows


def best_cut(rows: list[dict], min_f1: float) -> dict | None:
    """The row of :func:`abstention_tradeoff` with the most real abstention among those keeping answerable
    F1 at ``min_f1`` or more (None if none does): what a reader buys under the shipping rule's F1 floor."""
    allowed = [r for r in rows if r["answerable_f1"] >= min_f1]
    return max(allowed, key=lambda r: (r.get("real_abstained", 0), r["answerable_f1"]), default=None)


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
    scores = [p.score(card) for p in predictions]
    return expected_calibration_error(scores, [float(p.f1_if_answered >= 0.5) for p in predictions])


def write_card(model_dir: str | Path, card: ReaderCard, metrics: dict) -> Path:
    """Store calibration, threshold and metrics beside the weights (read by :class:`ReaderCard`)."""
    path = Path(model_dir) / READER_CARD
    data = {"scale": card.scale, "bias": card.bias, "answer_threshold": card.answer_threshold}
    if card.verifier is not None:
        data["verifier"] = card.verifier.to_dict()
    if card.confident_threshold is not None:
        data["confident_threshold"] = card.confident_threshold
    data["metrics"] = metrics
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path
