"""Write the open-corpus abstention check: Wikipedia rows of the dev split (SQuAD 1.1, SQuAD 2.0, SQuAD-shifts new_wiki).

    python train/wiki_dev.py --output runs/abst/dev_wiki_500.jsonl
    qa eval-open runs/abst/dev_wiki_500.jsonl

Every real SQuAD 2.0 unanswerable question of the dev split (152) and 348 answerable ones drawn with
a fixed seed. Derived from the public sets: keep it under runs/, never commit it.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.evaluation.qa_data import is_dev_context, load_examples, write_examples  # noqa: E402

WIKIPEDIA = ("squad11_dev", "squad20_dev_half", "squadshifts_new_wiki")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/qa-data/train.jsonl")
    parser.add_argument("--output", required=True)
    parser.add_argument("--answerable", type=int, default=348)
    args = parser.parse_args(argv)
    rows = [e for e in load_examples(args.data)
            if is_dev_context(e.context, 0.06) and e.id.split(":")[0] in WIKIPEDIA]
    answerable = [e for e in rows if e.is_answerable]
    random.Random(5).shuffle(answerable)
    keep = [e for e in rows if not e.is_answerable] + answerable[: args.answerable]
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    write_examples(keep, args.output)
    print(f"{len(keep)} questions on {len({e.context for e in keep})} paragraphs -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
