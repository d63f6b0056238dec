"""Write adversarial unanswerable questions made from answerable QA rows (lab/adversarial.py).

    python train/adversarial_data.py ../shared/qa-data/train.jsonl train/data/news_supplement*.jsonl \
        --output runs/abst/adversarial.jsonl

The output is derived from the input data (for the public sets, under their licences): keep it
under runs/, never commit it. Train with it as one more ``--data`` file; its rows carry source
tags ``adv_<tag>``, so ``--repeat 'adv_*=0.3'`` weighs them.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lab.adversarial import adversarial_negatives  # noqa: E402
from qa.evaluation.qa_data import load_examples, write_examples  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="+", help="QA files (.jsonl) to edit the answerable rows of")
    parser.add_argument("--output", required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    examples = [ex for path in args.data for ex in load_examples(path)]
    negatives = adversarial_negatives(examples, seed=args.seed)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    write_examples(negatives, args.output)
    kinds = collections.Counter(ex.meta["edit"] for ex in negatives)
    print(f"{len(negatives)} adversarial questions from {len(examples)} rows: {dict(kinds)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
