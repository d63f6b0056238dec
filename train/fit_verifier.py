"""Fit the answer verifier (qa/reader/verifier.py) on the dev split and measure it against the reader alone.

    python train/fit_verifier.py --reader qa/models/reader --held-out train/data/news_dev.jsonl [--write-card]

The dev report set is the training data's dev split (6% of the contexts, by hash; never trained on):
its real rows (answerable, and the unanswerable questions people wrote: SQuAD 2.0's and ours),
synthetic negatives (a question paired with another paragraph) and generated adversarial
questions on dev contexts (``--adversarial``, from train/adversarial_data.py). The figures are
out-of-fold: five folds by context, each fold scored by a verifier fitted on the other four. The
verifier written into the card is then fitted on all of it; the threshold is the one that
maximises out-of-fold dev F1.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.metrics import best_threshold  # noqa: E402
from lab.data import add_negatives  # noqa: E402
from qa.evaluation.qa_data import is_dev_context, load_examples  # noqa: E402
from lab.reader_eval import Prediction, predict, score_predictions, write_card  # noqa: E402
from qa.reader.reader import ExtractiveReader, ReaderCard  # noqa: E402
from qa.reader.verifier import FEATURE_NAMES, Verifier, candidate_features  # noqa: E402

DEFAULT_DATA = ["../shared/qa-data/train.jsonl"] + [
    f"train/data/news_supplement{suffix}.jsonl" for suffix in ("", "_2", "_3", "_4", "_5")]


def dev_report_examples(data: list[str], adversarial: str | None, *, dev_fraction: float = 0.06,
                        synthetic_ratio: float = 0.3, seed: int = 44):
    """The dev split's real rows, synthetic negatives for a ``synthetic_ratio`` share of its answerable
    questions, and the generated adversarial questions whose context is in the dev split."""
    real = [ex for path in data for ex in load_examples(path) if is_dev_context(ex.context, dev_fraction)]
    examples = add_negatives(real, synthetic_ratio, seed=seed)
    if adversarial:
        examples += [ex for ex in load_examples(adversarial) if is_dev_context(ex.context, dev_fraction)]
    return examples


def add_report_set_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that pick the dev report set (see :func:`report_set`) and where predictions are cached."""
    parser.add_argument("--data", nargs="+", default=DEFAULT_DATA)
    parser.add_argument("--adversarial", default="runs/abst/adversarial.jsonl")
    parser.add_argument("--cache", default="runs/verifier-cache")
    parser.add_argument("--limit-synthetic", type=int, default=400)
    parser.add_argument("--limit-generated", type=int, default=500)


def report_set(args: argparse.Namespace):
    """The dev report set as the flags of :func:`add_report_set_arguments` pick it: every real row,
    and the first ``--limit-synthetic`` synthetic and ``--limit-generated`` generated negatives."""
    from qa.evaluation.qa_data import negative_kind

    examples = dev_report_examples(args.data, args.adversarial)
    synthetic = [e for e in examples if negative_kind(e) == "synthetic"][: args.limit_synthetic]
    generated = [e for e in examples if negative_kind(e) == "generated"][: args.limit_generated]
    return [e for e in examples if negative_kind(e) in ("answerable", "real")] + synthetic + generated


def cached_predictions(reader: ExtractiveReader, examples, cache_dir: Path) -> list[Prediction]:
    """The reader's predictions, cached by reader weights and examples (reading is the slow part)."""
    weights = Path(reader.source) / "model.safetensors"
    key = hashlib.sha256(json.dumps([str(weights), weights.stat().st_mtime if weights.exists() else 0,
                                     reader.max_seq_length, reader.doc_stride,
                                     [(e.id, e.question, e.context) for e in examples]]).encode()).hexdigest()[:16]
    path = cache_dir / f"predictions-{key}.pkl"
    if path.exists():
        try:
            return pickle.loads(path.read_bytes())
        except (ImportError, AttributeError, pickle.UnpicklingError):  # written by code that has moved since
            path.unlink()
    predictions = predict(reader, examples, progress=True)
    cache_dir.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(predictions))
    return predictions


def feature_rows(predictions: list[Prediction]) -> list[list[float] | None]:
    rows = []
    for p in predictions:
        best = p.best
        if best is None:
            rows.append(None)
            continue
        rows.append(candidate_features(p.example.question, p.example.context, best, p.spans.candidates).vector())
    return rows


def fit(rows, labels, *, c: float = 1.0):
    """A logistic regression on standardised features, folded back into raw-feature weights."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x = np.asarray(rows, dtype=float)
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=c, max_iter=1000).fit(scaler.transform(x), labels)
    weights = model.coef_[0] / scaler.scale_
    bias = float(model.intercept_[0] - np.sum(model.coef_[0] * scaler.mean_ / scaler.scale_))
    return tuple(float(w) for w in weights), bias


def out_of_fold_scores(predictions, rows, labels, *, folds: int = 5) -> list[float]:
    """Each example scored by a verifier fitted on the folds (by context) it is not in."""
    from qa.reader.verifier import AnswerFeatures, verify

    fold_of = [int(hashlib.sha1(p.example.context.encode()).hexdigest()[:8], 16) % folds for p in predictions]
    scores = [0.0] * len(predictions)
    for k in range(folds):
        train = [i for i, r in enumerate(rows) if r is not None and fold_of[i] != k]
        weights, bias = fit([rows[i] for i in train], [labels[i] for i in train])
        verifier = Verifier(weights, bias, 0.5)
        for i, r in enumerate(rows):
            if fold_of[i] == k and r is not None:
                scores[i] = verify(AnswerFeatures(*r), verifier)
    return scores


def report(predictions, scores, threshold) -> dict:
    """score_predictions with precomputed scores (the out-of-fold ones)."""
    fixed = [_Fixed(p, s) for p, s in zip(predictions, scores)]
    return score_predictions(fixed, ReaderCard(), threshold)


class _Fixed:
    """A prediction whose score is given (duck-types Prediction for score_predictions)."""

    def __init__(self, prediction: Prediction, score: float) -> None:
        self.example, self.text, self._score = prediction.example, prediction.text, score

    def score(self, card) -> float:
        return self._score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader", default="qa/models/reader")
    add_report_set_arguments(parser)
    parser.add_argument("--held-out", nargs="*", default=["train/data/news_dev.jsonl"])
    parser.add_argument("--write-card", action="store_true", help="store the verifier in the reader's card")
    parser.add_argument("--calibrate", action="store_true",
                        help="also refit the reader's own calibration and threshold on the dev report set "
                             "(for a newly trained reader)")
    parser.add_argument("--json", default=None, help="also write the figures here")
    args = parser.parse_args(argv)

    from lab.reader_eval import calibrate

    examples = report_set(args)
    reader = ExtractiveReader(args.reader)
    card = reader.card.without_verifier()
    predictions = cached_predictions(reader, examples, Path(args.cache))
    if args.calibrate:
        fitted = calibrate(predictions)
        card = ReaderCard(fitted.scale, fitted.bias, fitted.answer_threshold, card.metrics)
    rows = feature_rows(predictions)
    labels = [float(p.f1_if_answered >= 0.5) for p in predictions]
    results = {"dev_examples": len(predictions), "features": list(FEATURE_NAMES),
               "reader_calibration": {"scale": card.scale, "bias": card.bias, "threshold": card.answer_threshold}}
    results["dev_reader_alone"] = score_predictions(predictions, card)

    oof = out_of_fold_scores(predictions, rows, labels)
    threshold = best_threshold(oof, [p.f1_if_answered for p in predictions],
                               [p.example.is_answerable for p in predictions])
    results["dev_verifier_out_of_fold"] = report(predictions, oof, threshold)
    weights, bias = fit([r for r in rows if r is not None], [y for r, y in zip(rows, labels) if r is not None])
    verifier = Verifier(weights, bias, threshold)
    results["verifier"] = verifier.to_dict()
    with_verifier = ReaderCard(card.scale, card.bias, card.answer_threshold, card.metrics, verifier)

    for path in args.held_out:
        held = cached_predictions(reader, load_examples(path), Path(args.cache))
        results[f"held_out {path}"] = {"reader_alone": score_predictions(held, card),
                                       "verifier": score_predictions(held, with_verifier)}
    print(json.dumps(results, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    if args.write_card:
        metrics = dict(card.metrics or {})
        metrics["verifier"] = {k: v for k, v in results.items() if k != "verifier"}
        path = write_card(reader.source, with_verifier, metrics)
        print(f"verifier written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
