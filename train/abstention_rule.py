"""Judge a candidate reader against the shipped one by the abstention shipping rule, on the dev report set.

    python train/abstention_rule.py --candidate runs/reader-abst2/model [--baseline qa/models/reader]

The rule (issue 15): a new reader ships only if, on the dev report set (train/fit_verifier.py: the dev
split's real rows, synthetic and generated negatives; gold context), it abstains on at least 20
points more of the real unanswerable questions while its answerable F1 is at most 1 point lower.
The baseline is read at its card's threshold. The candidate's threshold is free (its margins are on
their own scale), so the report gives its whole trade-off: every margin cut between answering and
abstaining, with answerable F1 and abstention by kind, and the cut that abstains most on real
questions while keeping answerable F1 within 1 point. That cut is chosen on the dev report set, so
the candidate's figures there are an upper bound: confirm on held-out data (news_dev, the article,
``qa eval-open``) before shipping.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fit_verifier import DEFAULT_DATA, cached_predictions, dev_report_examples  # noqa: E402

from qa.reader.decoding import confidence  # noqa: E402
from qa.reader.evaluation import abstention_tradeoff, best_cut, negative_kind  # noqa: E402
from qa.reader.reader import ExtractiveReader  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidate", required=True)
    parser.add_argument("--baseline", default="qa/models/reader")
    parser.add_argument("--data", nargs="+", default=DEFAULT_DATA)
    parser.add_argument("--adversarial", default="runs/abst/adversarial.jsonl")
    parser.add_argument("--cache", default="runs/verifier-cache")
    parser.add_argument("--limit-synthetic", type=int, default=400)
    parser.add_argument("--limit-generated", type=int, default=500)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)

    examples = dev_report_examples(args.data, args.adversarial)
    synthetic = [e for e in examples if negative_kind(e) == "synthetic"][: args.limit_synthetic]
    generated = [e for e in examples if negative_kind(e) == "generated"][: args.limit_generated]
    examples = [e for e in examples if negative_kind(e) in ("answerable", "real")] + synthetic + generated
    kinds = [negative_kind(e) for e in examples]
    out: dict = {"examples": len(examples), "by_kind": {k: kinds.count(k) for k in sorted(set(kinds))}}
    for name, path in (("baseline", args.baseline), ("candidate", args.candidate)):
        reader = ExtractiveReader(path)
        predictions = cached_predictions(reader, examples, Path(args.cache))
        margins = [p.margin for p in predictions]
        f1s = [p.f1_if_answered for p in predictions]
        finite = sorted(m for m in margins if m != float("-inf"))
        cuts = [finite[int(i * (len(finite) - 1) / 200)] for i in range(201)]
        card = reader.card.without_verifier()
        # The card's threshold as a margin cut: confidence is monotone in the margin.
        shipped = [m for m in finite if confidence(m, card.scale, card.bias) >= card.answer_threshold]
        shipped_cut = min(shipped) if shipped else float("inf")
        out[name] = {"reader": path, "at_card_threshold": abstention_tradeoff(margins, f1s, kinds, [shipped_cut])[0],
                     "curve": abstention_tradeoff(margins, f1s, kinds, cuts)}
    base = out["baseline"]["at_card_threshold"]
    chosen = best_cut(out["candidate"]["curve"], base["answerable_f1"] - 1.0)
    out["rule"] = {"baseline": base, "candidate_best_within_1_f1": chosen,
                   "real_abstention_gain": None if chosen is None else
                   round(chosen.get("real_abstained", 0) - base.get("real_abstained", 0), 2),
                   "passes": bool(chosen and chosen.get("real_abstained", 0) - base.get("real_abstained", 0) >= 20)}
    # The baseline's own curve at the same F1 floor: what a threshold alone buys.
    out["rule"]["baseline_best_within_1_f1"] = best_cut(out["baseline"]["curve"], base["answerable_f1"] - 1.0)
    print(json.dumps(out["rule"], indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
