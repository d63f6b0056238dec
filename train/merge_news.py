"""Merge the writers' news-style QA files (train/data/BRIEF.md) into one training file.

Rows a writer marked ``"followup_of": <id>`` are conversational ("Who said that?"). The
reader never sees them as typed: the pipeline first rewrites a follow-up against the
earlier turn (:func:`qa.followup.rewrite_followup`). So the merged row's ``question`` is
that rewrite, made with the earlier question and its first gold answer, and ``asked``
keeps the words as typed. Everything else is checked and copied as written.

    python train/merge_news.py /tmp/news4/?.jsonl --output train/data/news_supplement_4.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa.followup import rewrite_followup  # noqa: E402
from qa.evaluation.qa_data import load_examples  # noqa: E402


def merge(paths: list[Path]) -> list[dict]:
    """Rows of every file, in order, with follow-ups rewritten as the pipeline would."""
    for path in paths:
        load_examples(path)  # the training loader's own checks: well-formed rows, answers at their offsets
    rows = [json.loads(line) for path in paths for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    by_id = {}
    for row in rows:
        if row["id"] in by_id:
            raise ValueError(f"duplicate id {row['id']}")
        by_id[row["id"]] = row
    merged = []
    for row in rows:
        earlier_id = row.get("followup_of")
        if earlier_id:
            earlier = by_id.get(earlier_id)
            if earlier is None or earlier["context"] != row["context"] or earlier.get("followup_of"):
                raise ValueError(f"{row['id']}: follows {earlier_id!r}, which is not a plain question on its passage")
            history = [(earlier["question"], earlier["answers"][0] if earlier["answers"] else None)]
            row = {**row, "asked": row["question"], "question": rewrite_followup(row["question"], history)}
        merged.append(row)
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="the writers' JSONL files")
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    rows = merge(args.files)
    args.output.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    followups = [r for r in rows if r.get("followup_of")]
    rewritten = sum(r["question"] != r["asked"] for r in followups)
    print(f"{len(rows)} rows on {len({r['context'] for r in rows})} passages, "
          f"{sum(not r['answers'] for r in rows)} unanswerable, {len(followups)} follow-ups "
          f"({rewritten} rewritten) -> {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
