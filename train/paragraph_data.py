"""Paragraph-level training rows from passage-level QA data: what the reader really reads in ``qa.ask``.

    python train/paragraph_data.py train/data/news_supplement*.jsonl     # -> runs/news_paragraphs.jsonl

At question time the reader does not see a whole news passage: it sees one retrieved
paragraph with its section heading above it, and four more paragraphs of the same
article that usually do not hold the answer. This turns each passage into that: the
passage is parsed and chunked by the pipeline's own code, and each question becomes
- a positive row: the paragraph holding the answer, read as ``qa.ask`` reads it;
- a hard negative: the sibling paragraph (same passage) sharing most content words with the
  question, without any of its answers, as an unanswerable row;
- for an unanswerable question: its most similar paragraph, still unanswerable.

Passages that fall in the training run's dev split (by the same context hash) are left out,
and so is any row whose own context would land in dev, so the dev split stays exactly the
passage-level one: no paragraph of a dev passage is trained on, and none scores the model.

Measured (2026-12-01), and not shipped: a one-epoch continuation of the stage-5 reader with
these rows (7,126, from all five supplements) added to its stage-5 mixture lost on every
held-out figure against stage 5 calibrated on the same dev file: dev F1 75.8 against 76.2,
news_dev F1 83.0 against 84.3, and news_dev read as an open corpus (``qa eval-open``) F1 70.3
against 73.4, with fewer unanswerable questions abstained (69% against 75%).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.config import offline_environment  # noqa: E402

offline_environment()  # like the qa command: no hub, no tokenizer threads, before transformers loads

from qa.config import Settings  # noqa: E402
from qa.corpus.chunking import chunk_document  # noqa: E402
from qa.corpus.documents import parse_document  # noqa: E402
from qa.evaluation.open_corpus import passage_document  # noqa: E402
from qa.pipeline import reading_context  # noqa: E402
from lab.data import hardest_negative  # noqa: E402
from qa.evaluation.qa_data import QAExample, is_dev_context, load_examples, write_examples  # noqa: E402
from lab.config import TrainConfig  # noqa: E402

SOURCE = "ours_news_para"


def paragraph_rows(examples: list[QAExample], *, dev_fraction: float,
                   chunk_max_chars: int = Settings.chunk_max_chars) -> list[QAExample]:
    """The positive, hard-negative and unanswerable paragraph rows of ``examples`` (see the module doc),
    chunked as the pipeline chunks with ``chunk_max_chars``."""
    rows: list[QAExample] = []
    chunks_of: dict[str, tuple[list, Callable[[int], int]]] = {}
    for ex in examples:
        if is_dev_context(ex.context, dev_fraction):
            continue
        if ex.context not in chunks_of:
            text, at = passage_document(ex.context, len(chunks_of) + 1)
            document = parse_document(text, name="passage.txt")
            chunks_of[ex.context] = (chunk_document(document, max_chars=chunk_max_chars), at)
        chunks, at = chunks_of[ex.context]
        offsets = [at(s) for s in ex.answer_starts]
        holding = None
        for chunk in chunks:
            inside = [(a, o) for a, o in zip(ex.answers, offsets) if chunk.start <= o and o + len(a) <= chunk.end]
            if inside:
                holding = chunk
                context, lead_in = reading_context(chunk, True)
                rows.append(QAExample(id=f"{ex.id}-para", question=ex.question, context=context,
                                      answers=tuple(a for a, _ in inside),
                                      answer_starts=tuple(lead_in + o - chunk.start for _, o in inside),
                                      source=SOURCE))
                break
        if ex.answers and holding is None:
            continue  # the answer is in a heading or across paragraphs
        hardest = hardest_negative(ex.question, ex.answers,
                                   (reading_context(c, True)[0] for c in chunks if c is not holding))
        if hardest is not None:
            rows.append(QAExample(id=f"{ex.id}-sibling", question=ex.question, context=hardest, answers=(),
                                  answer_starts=(), source=SOURCE))
    return [row for row in rows if not is_dev_context(row.context, dev_fraction)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="+", help="passage-level QA JSONL files")
    parser.add_argument("--output", default="runs/news_paragraphs.jsonl")
    parser.add_argument("--dev-fraction", type=float, default=TrainConfig.dev_fraction,
                        help="the training run's dev fraction (default: the training script's)")
    args = parser.parse_args(argv)
    examples = [ex for path in args.data for ex in load_examples(path)]
    rows = paragraph_rows(examples, dev_fraction=args.dev_fraction,
                          chunk_max_chars=Settings.from_env().chunk_max_chars)
    write_examples(rows, args.output)
    load_examples(args.output)  # the training loader's own checks: every answer at its offsets
    answerable = sum(1 for r in rows if r.answers)
    print(json.dumps({"questions": len(examples), "rows": len(rows), "positive": answerable,
                      "unanswerable": len(rows) - answerable, "output": args.output}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
