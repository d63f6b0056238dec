"""Does retrieval evidence make reader scores comparable across passages? Measured on the dev split.

    python train/retrieval_evidence.py runs/reader-v3/dev.jsonl [--reader PATH] [--limit N] [--json FILE]

The dev split is read as an open corpus, the way ``qa.ask`` reads the article: every
distinct dev context becomes a passage of one hybrid (FAISS + BM25) index, and each
dev question (not the added other-paragraph negatives, whose own paragraph is in
the corpus too) is retrieved against all of them and read from its top passages.
Every candidate span gets features: the reader's margin, the log of its passage's
rank and the passage's cosine similarity. Scoring functions (a logistic model over
each feature set) are compared by two-fold cross-validation by question: weights
and answer threshold fitted on one half, F1 measured on the other. The reader's own
calibrated confidence at its card threshold is the baseline. The shipped pipeline
scores answers by the reader alone because the richer models did not beat it here.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.config import offline_environment  # noqa: E402

offline_environment()  # like the qa command: no hub, no tokenizer threads, before transformers loads

from qa.config import Settings  # noqa: E402
from qa.corpus.chunking import Chunk  # noqa: E402
from qa.metrics import best_threshold, f1_score, fit_logistic_features, threshold_curve  # noqa: E402
from qa.evaluation.qa_data import QAExample, load_examples  # noqa: E402
from qa.reader.decoding import confidence  # noqa: E402
from qa.retriever.embedding import embed_chunks  # noqa: E402
from qa.retriever.index import build_index  # noqa: E402
from qa.retriever.retriever import SearchIndex  # noqa: E402

#: Candidate spans kept per passage.
SPANS_PER_PASSAGE = 3

FEATURE_SETS: dict[str, Callable[[dict], list[float]]] = {
    "margin": lambda c: [c["margin"]],
    "margin + log rank": lambda c: [c["margin"], math.log(c["rank"])],
    "margin + similarity": lambda c: [c["margin"], c["similarity"]],
    "margin + log rank + similarity": lambda c: [c["margin"], math.log(c["rank"]), c["similarity"]],
}


def open_corpus_candidates(examples: list[QAExample], reader: str | None, top_k: int) -> list[dict]:
    """For each question: whether it is answerable, and its candidate spans with features and F1."""
    from tqdm.auto import tqdm

    from qa.pipeline import Pipeline

    pipeline = Pipeline(Settings(reader=reader, top_k=top_k))
    contexts = sorted({ex.context for ex in examples})
    chunks = [Chunk(id=f"dev{i}#p1", doc_id=f"dev{i}", doc_title=f"dev{i}", paragraph=1, section=None, kind="body",
                    start=0, end=len(text), text=text) for i, text in enumerate(contexts)]
    vectors = embed_chunks(pipeline.embedder, chunks, heading_weight=pipeline.settings.heading_weight)
    index = SearchIndex.over(build_index(chunks, vectors, "dev"))
    questions = []
    for ex in tqdm(examples, desc="retrieve and read"):
        passages = pipeline.retriever.retrieve(ex.question, index, top_k)
        decoded = pipeline.reader.spans(ex.question, [p.chunk.text for p in passages])
        candidates = [
            {"margin": c.margin, "rank": p.rank, "similarity": p.similarity or 0.0,
             "f1": f1_score(p.chunk.text[c.start : c.end], list(ex.answers)) if ex.answers else 0.0}
            for p, spans in zip(passages, decoded) for c in spans.candidates[:SPANS_PER_PASSAGE]
        ]
        questions.append({"answerable": ex.is_answerable, "candidates": candidates})
    return questions


def _best(question: dict, score: Callable[[dict], float]) -> tuple[float, float]:
    """(score, F1) of the question's top-scoring candidate; (0, 0) when it has none."""
    if not question["candidates"]:
        return 0.0, 0.0
    top = max(question["candidates"], key=score)
    return score(top), top["f1"]


def open_f1(questions: list[dict], score: Callable[[dict], float], threshold: float) -> float:
    """End-to-end F1 (SQuAD 2.0 style) when the top-scoring span is given at or above ``threshold``."""
    best = [_best(q, score) for q in questions]
    return dict(threshold_curve([s for s, _ in best], [f for _, f in best], [q["answerable"] for q in questions],
                                [threshold]))[threshold]


def fitted_scorer(questions: list[dict], features: Callable[[dict], list[float]]):
    """Logistic weights for "this span has F1 >= 0.5", and the dev-F1-best threshold, from ``questions``."""
    rows = [c for q in questions for c in q["candidates"]]
    weights, bias = fit_logistic_features([features(c) for c in rows], [float(c["f1"] >= 0.5) for c in rows])

    def score(c: dict) -> float:
        return confidence(sum(w * x for w, x in zip(weights, features(c))), 1.0, bias)

    best = [_best(q, score) for q in questions]
    threshold = best_threshold([s for s, _ in best], [f for _, f in best], [q["answerable"] for q in questions])
    return score, threshold, [round(w, 4) for w in weights] + [round(bias, 4)]


def compare(questions: list[dict], card, seed: int = 0) -> list[dict]:
    """The reader's card against each feature set, by two-fold cross-validation over questions."""
    order = list(range(len(questions)))
    random.Random(seed).shuffle(order)
    half = len(order) // 2
    folds = [[questions[i] for i in order[:half]], [questions[i] for i in order[half:]]]
    results = [{"scoring": "reader card (shipped)", "held_out_f1": round(100 * open_f1(
        questions, lambda c: confidence(c["margin"], card.scale, card.bias), card.answer_threshold), 2),
        "threshold": card.answer_threshold}]
    for name, features in FEATURE_SETS.items():
        f1s, fits = [], []
        for fit_on, test_on in (folds, folds[::-1]):
            score, threshold, weights = fitted_scorer(fit_on, features)
            f1s.append(open_f1(test_on, score, threshold))
            fits.append({"threshold": threshold, "weights_and_bias": weights})
        results.append({"scoring": name, "held_out_f1": round(100 * sum(f1s) / 2, 2), "folds": fits})
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dev", help="a dev split in the qa-data format (e.g. a training run's dev.jsonl)")
    parser.add_argument("--reader", default=None, help="reader to measure (default: the shipped reader)")
    parser.add_argument("--top-k", type=int, default=Settings().top_k)
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args(argv)

    from qa.reader.reader import ExtractiveReader

    examples = [ex for ex in load_examples(args.dev) if not ex.id.endswith("-neg")][: args.limit]
    questions = open_corpus_candidates(examples, args.reader, args.top_k)
    results = compare(questions, ExtractiveReader(args.reader).card)
    unanswerable = sum(not q["answerable"] for q in questions)
    print(f"{len(questions)} questions ({unanswerable} unanswerable) over "
          f"{len({ex.context for ex in examples})} passages, top {args.top_k}")
    print(f"{'answer scoring':<34} {'held-out F1':>11}")
    for r in results:
        print(f"{r['scoring']:<34} {r['held_out_f1']:>11}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
