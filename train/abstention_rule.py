"""Judge a candidate reader against the shipped one by the abstention shipping rule, on the dev report set.

    python train/abstention_rule.py --candidate runs/reader-abst2/model [--baseline qa/models/reader] [--write-card]

The rule (issue 27, ``train/shipping_rule.py``): on the dev report set (train/fit_verifier.py: the dev
split's real rows, synthetic and generated negatives; gold context) the candidate's trade-off between
answerable F1 and abstention on real unanswerable questions dominates the shipped reader's from the
shipped F1 down to 3 points below it, it abstains on at least 3 points more at the chosen cut (its
most-abstaining cut within 1 point of the shipped F1), and its F1 on ``train/data/news_dev.jsonl``
(gold context, at that cut) is at most 1 point below the shipped reader's (at its card threshold).

Both readers are judged on their own margins (the reader's span logit minus its null logit), not on
a verifier. The chosen cut is picked on the dev report set, so the candidate's figures there are an
upper bound; news_dev is its held-out check. ``--write-card`` (only for a candidate that passes) stores
the chosen cut as the candidate card's answer threshold, on the card's calibration (calibrate first),
with the verdict in the card's metrics and a section of its model card.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import asdict, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fit_verifier import add_report_set_arguments, cached_predictions, report_set  # noqa: E402
from shipping_rule import chosen_cut, shipping_verdict, verdict_markdown  # noqa: E402

from qa.reader.decoding import confidence  # noqa: E402
from lab.reader_eval import abstention_tradeoff, score_predictions, write_card  # noqa: E402
from qa.evaluation.qa_data import load_examples, negative_kind  # noqa: E402
from qa.reader.reader import ExtractiveReader  # noqa: E402

NEWS_DEV = "train/data/news_dev.jsonl"


def margin_curve(predictions, kinds: list[str]) -> tuple[list[float], list[dict]]:
    """201 margin cuts spread over the predictions' margins (quantiles), and the trade-off at each."""
    margins = [p.margin for p in predictions]
    finite = sorted(m for m in margins if m != float("-inf"))
    cuts = [finite[int(i * (len(finite) - 1) / 200)] for i in range(201)]
    return cuts, abstention_tradeoff(margins, [p.f1_if_answered for p in predictions], kinds, cuts)


def card_cut(predictions, card) -> float:
    """The card's threshold as a margin cut (confidence is monotone in the margin)."""
    shipped = [p.margin for p in predictions if p.margin != float("-inf")
               and confidence(p.margin, card.scale, card.bias) >= card.answer_threshold]
    return min(shipped) if shipped else float("inf")


def threshold_of(cut: float, card) -> float:
    """A confidence threshold on ``card``'s calibration that answers where the margin reaches ``cut``
    (rounded down to 4 decimals, as a card stores it)."""
    return math.floor(confidence(cut, card.scale, card.bias) * 1e4) / 1e4


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidate", required=True)
    parser.add_argument("--baseline", default="qa/models/reader")
    add_report_set_arguments(parser)
    parser.add_argument("--news-dev", default=NEWS_DEV)
    parser.add_argument("--json", default=None)
    parser.add_argument("--write-card", action="store_true",
                        help="a candidate that passes: store the chosen cut, the verdict and the table in its card")
    args = parser.parse_args(argv)

    examples = report_set(args)
    news_dev = load_examples(args.news_dev)
    kinds = [negative_kind(e) for e in examples]
    out: dict = {"examples": len(examples), "by_kind": {k: kinds.count(k) for k in sorted(set(kinds))}}
    readers, cuts = {}, {}
    for name, path in (("baseline", args.baseline), ("candidate", args.candidate)):
        reader = readers[name] = ExtractiveReader(path)
        predictions = cached_predictions(reader, examples, Path(args.cache))
        cuts[name], curve = margin_curve(predictions, kinds)
        at_card = abstention_tradeoff([p.margin for p in predictions], [p.f1_if_answered for p in predictions],
                                      kinds, [card_cut(predictions, reader.card.without_verifier())])[0]
        out[name] = {"reader": path, "at_card_threshold": at_card, "curve": curve}

    base_card, cand_card = readers["baseline"].card.without_verifier(), readers["candidate"].card.without_verifier()
    news = {name: cached_predictions(readers[name], news_dev, Path(args.cache)) for name in readers}
    news_base = score_predictions(news["baseline"], base_card)["f1"]
    shipped_f1 = out["baseline"]["at_card_threshold"]["answerable_f1"]
    candidate_curve = out["candidate"]["curve"]
    # The candidate's news_dev F1 at the cut the rule would choose (its card's threshold when none is).
    chosen = chosen_cut(candidate_curve, shipped_f1)
    threshold = None if chosen is None else threshold_of(cuts["candidate"][candidate_curve.index(chosen)], cand_card)
    news_cand = score_predictions(news["candidate"], cand_card, threshold)["f1"]
    verdict = shipping_verdict(out["baseline"]["curve"], candidate_curve, shipped_f1=shipped_f1,
                               news_dev_f1_baseline=news_base, news_dev_f1_candidate=news_cand)
    out["rule"] = {**asdict(verdict), "chosen_threshold": threshold,
                   "news_dev_f1": {"baseline": news_base, "candidate": news_cand}}
    lines = verdict_markdown(verdict, news_dev_f1_baseline=news_base, news_dev_f1_candidate=news_cand,
                             threshold=threshold)
    print(json.dumps({k: v for k, v in out["rule"].items() if k != "crossings"}, indent=2))
    print("\n".join(lines))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    if args.write_card:
        if not verdict.ships:
            parser.error("the candidate does not pass the rule: its card is left as it is")
        write_verdict(readers["candidate"], threshold, out["rule"], lines)
    return 0


def write_verdict(reader: ExtractiveReader, threshold: float, rule: dict, lines: list[str]) -> None:
    """The chosen cut becomes the card's threshold; the verdict goes into its metrics and model card.
    The rule judged the reader's own margins, so a verifier is not kept; a confident level fitted on
    the old threshold is dropped (refit it: train/fit_confidence_levels.py)."""
    from ship_reader import write_card_section

    card = replace(reader.card.without_verifier(), answer_threshold=threshold, confident_threshold=None)
    metrics = {**(card.metrics or {}), "shipping_rule": {k: v for k, v in rule.items() if k != "crossings"}}
    print(f"threshold {threshold} written to {write_card(reader.source, card, metrics)}")
    write_card_section(reader.source, "Shipping rule", lines)


if __name__ == "__main__":
    sys.exit(main())
