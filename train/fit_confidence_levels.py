"""Fit a reader's confident level on the dev report set, report how answers split across the levels,
and write the level into the reader's card.

    python train/fit_confidence_levels.py [--reader qa/models/reader] [--write-card]

An answer the reader gives (score at or above its card's threshold) is "confident" from the confident
level up and "tentative" below it (qa.types.confidence_level): the chat and the CLI show a tentative
one as "Possibly: … — low confidence; check the quote". The level is the lowest one, on a grid of
0.01, at which the answers given with at least that score are right (F1 >= 0.5; an answer to an
unanswerable question is wrong) at least ``--target`` of the time on the dev report set
(train/fit_verifier.py: the dev split's real rows, synthetic and generated negatives; gold context).
The split (questions and how often each level is right, answerable and unanswerable apart) is
reported there and on the held-out news_dev; ``--write-card`` stores the level and both tables in the
reader's card and model card. Rerun it whenever a reader's calibration or threshold changes.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fit_verifier import add_report_set_arguments, cached_predictions, report_set  # noqa: E402

from qa.config import offline_environment  # noqa: E402
from qa.types import CONFIDENT, TENTATIVE, confidence_level  # noqa: E402

ABSTAINED = "abstained"
LEVELS = (CONFIDENT, TENTATIVE, ABSTAINED)
#: How right the confident level must be: the issue's target (issue 27).
TARGET = 0.9


def fit_confident_threshold(scores: list[float], right: list[bool], threshold: float, *,
                            target: float = TARGET, step: float = 0.01) -> float | None:
    """The lowest level (``threshold``, or a multiple of ``step`` above it) at which the answers scoring
    at least that are right at least ``target`` of the time; None when no level with answers is."""
    grid = [threshold] + [round(k * step, 6) for k in range(int(1 / step) + 1) if k * step > threshold]
    for level in grid:
        above = [r for s, r in zip(scores, right) if s >= level]
        if above and sum(above) / len(above) >= target:
            return level
    return None


def level_split(scores: list[float], right: list[bool], answerable: list[bool], threshold: float,
                confident: float | None) -> dict:
    """Per level (confident, tentative, abstained): how many questions, and how often the level is right
    (an answer with F1 >= 0.5; an abstention on an unanswerable question), over all questions and over
    the answerable and the unanswerable ones apart. ``right`` says whether each answer, if given, is."""
    groups = {"all": [True] * len(scores), "answerable": answerable, "unanswerable": [not a for a in answerable]}
    table: dict = {}
    for level in LEVELS:
        table[level] = {}
        for group, member in groups.items():
            outcomes = [(not a) if level == ABSTAINED else r
                        for s, r, a, m in zip(scores, right, answerable, member)
                        if m and (confidence_level(s, threshold, confident) or ABSTAINED) == level]
            table[level][group] = {"questions": len(outcomes),
                                   "right": None if not outcomes else round(100 * sum(outcomes) / len(outcomes), 1)}
    return table


def split_markdown(table: dict) -> list[str]:
    """:func:`level_split` as a Markdown table: questions (share right) per level and group."""
    def cell(figures: dict) -> str:
        return "0" if not figures["questions"] else f"{figures['questions']:,} ({figures['right']}% right)"

    groups = list(table[CONFIDENT])
    return ["| level | " + " | ".join(f"{g} questions" for g in groups) + " |",
            "|---|" + "---|" * len(groups),
            *[f"| {level} | " + " | ".join(cell(table[level][g]) for g in groups) + " |" for level in LEVELS]]


def scored(predictions, card) -> tuple[list[float], list[bool], list[bool]]:
    """Each prediction's answer score on ``card``, whether its answer is right, whether it is answerable."""
    return ([p.score(card) for p in predictions], [p.f1_if_answered >= 0.5 for p in predictions],
            [p.example.is_answerable for p in predictions])


def main(argv: list[str] | None = None) -> int:
    offline_environment()
    from qa.evaluation.qa_data import load_examples
    from lab.reader_eval import write_card
    from qa.reader.reader import ExtractiveReader

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader", default="qa/models/reader")
    add_report_set_arguments(parser)
    parser.add_argument("--held-out", nargs="*", default=["train/data/news_dev.jsonl"])
    parser.add_argument("--target", type=float, default=TARGET, help="share of confident answers that are right")
    parser.add_argument("--write-card", action="store_true", help="store the level and the tables in the card")
    args = parser.parse_args(argv)

    reader = ExtractiveReader(args.reader)
    card = reader.card
    scores, right, answerable = scored(cached_predictions(reader, report_set(args), Path(args.cache)), card)
    level = fit_confident_threshold(scores, right, card.threshold, target=args.target)
    if level is None:
        parser.error(f"no level makes {args.target:.0%} of the answers right on the dev report set")
    results = {"confident_threshold": level, "answer_threshold": card.threshold, "target": args.target,
               "dev_report_set": level_split(scores, right, answerable, card.threshold, level)}
    for path in args.held_out:
        held = scored(cached_predictions(reader, load_examples(path), Path(args.cache)), card)
        results[f"held_out {path}"] = level_split(*held, card.threshold, level)
    print(json.dumps(results, indent=2))
    lines = card_lines(results, args.held_out)
    print("\n".join(lines))
    if args.write_card:
        from ship_reader import write_card_section

        path = write_card(reader.source, replace(card, confident_threshold=level),
                          {**(card.metrics or {}), "confidence_levels": results})
        write_card_section(reader.source, "Confidence levels", lines)
        print(f"confident level {level} written to {path}")
    return 0


def card_lines(results: dict, held_out: list[str]) -> list[str]:
    """The model card's section: the rule, the level and the split tables."""
    lines = [
        f"A given answer (score at least {results['answer_threshold']}) is *confident* from "
        f"{results['confident_threshold']} up and *tentative*",
        "below it: the chat and the CLI show a tentative answer as \"Possibly: … — low confidence; check the",
        "quote\". The level is the lowest (on a grid of 0.01) at which the answers given are right (F1 >= 0.5)",
        f"at least {results['target']:.0%} of the time on the dev report set (the dev split's real rows with "
        "synthetic and generated",
        "negatives, gold context): `python train/fit_confidence_levels.py --reader <dir> --write-card`.",
        "An abstention is right when the question is unanswerable.",
        "",
        "Dev report set (the level was fitted here):",
        "",
        *split_markdown(results["dev_report_set"]),
    ]
    for path in held_out:
        lines += ["", f"Held out, `{path}` (gold context, never used for the fit):", "",
                  *split_markdown(results[f"held_out {path}"])]
    return lines


if __name__ == "__main__":
    sys.exit(main())
