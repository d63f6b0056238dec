"""Questions that name their document, as questions over a library do ("In the USDA weekly energy
round-up of Feb 24, 2017, what is ..."): a copy of each document-style row with such a lead.

    python train/name_documents.py train/data/docs_supplement.jsonl --output train/data/docs_supplement_named.jsonl \
        [--row-negatives train/data/docs_supplement_rownegs.jsonl]

The reader sees one chunk, and a chunk does not hold its document's title (keyword search sees it,
the reader does not), so the lead is words the context does not answer to. Trained only on short
questions, the reader scores the right cell low once a question opens with them. Each row of the
document-style supplement gets one copy, with a lead drawn (seeded by the row's id) from invented
document names of its writer's topics; unanswerable rows too, so that a lead never means "answer".
``--row-negatives`` also writes, for each answerable named question, the same question against the most
similar other row (or piece) of its own table: without them, a reader trained on the leads answered
a question about Nebraska from Iowa's row.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lab.data import hardest_negative  # noqa: E402

#: Invented documents of each writer's topics (train/data/BRIEF.md), keyed by the writer's id prefix.
DOCUMENTS = {
    "a": ["the county's FY 2024 budget summary", "the state grants ledger for the second quarter of 2023",
          "the Office of Consumer Affairs budget request", "the procurement cost estimate of May 2022",
          "the legislative office's expenditure report for April to September 2019",
          "the agency head's memorandum of March 3, 2021", "the city payroll report for 2023"],
    "b": ["the weekly grain and energy price report of March 10, 2023", "the county health department's 2023 data sheet",
          "the school district enrolment report for 2022-23", "the regional housing statistics bulletin",
          "the transit authority's October 2023 ridership fact sheet", "the state's annual census tables"],
    "c": ["the named-entity recognition paper's results section", "the pump series technical data sheet",
          "the security control catalogue, revision 5", "the release notes of version 4.0",
          "the court's opinion in the licensing case", "the dataset paper's appendix"],
    "d": ["the 2023 tax form instructions", "the training deck from the June 8 meeting",
          "the county recorder's fee schedule", "the energy-assistance eligibility guide for 2024",
          "the shuttle timetable for the spring term", "the grant closeout checklist"],
}
LEADS = ["In {doc}, {question}", "According to {doc}, {question}", "{question_end} (in {doc})"]
#: Words a question may open with that are lowercased after a lead; any other first word (a name, an
#: acronym) keeps its capital.
OPENERS = {"What", "What's", "How", "Which", "When", "Who", "Where", "Why", "Is", "Are", "Does", "Did", "Do",
           "Has", "Will", "By", "On", "In", "Under", "Until", "At", "If", "Above", "As", "After", "Below", "Up"}


def named(question: str, doc: str, lead: str) -> str:
    """``question`` led by the name of its document."""
    first, _, rest = question.partition(" ")
    if lead.startswith("{question_end}"):
        return lead.format(question_end=question.rstrip("?").rstrip(), doc=doc) + "?"
    opener = first.lower() if first in OPENERS else first
    return lead.format(doc=doc, question=f"{opener} {rest}".strip())


def name_rows(rows: list[dict], *, seed: int = 5) -> list[dict]:
    out = []
    for row in rows:
        rng = random.Random(f"{seed}:{row['id']}")
        writer = row["id"].split("-")[1]
        doc, lead = rng.choice(DOCUMENTS[writer]), rng.choice(LEADS)
        out.append({**row, "id": f"{row['id']}-named", "source": f"{row['source']}_named",
                    "question": named(row["question"], doc, lead)})
    return out


def row_negatives(rows: list[dict]) -> list[dict]:
    """Each answerable row again, unanswerable, against the most similar other context of its table."""
    def table(row: dict) -> str:
        return "-".join(row["id"].split("-")[:3])  # docs1-WRITER-TABLE

    contexts: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row["context"] not in contexts[table(row)]:
            contexts[table(row)].append(row["context"])
    out = []
    for row in rows:
        others = [c for c in contexts[table(row)] if c != row["context"]]
        best = hardest_negative(row["question"], row["answers"], others) if row["answers"] else None
        if best is not None:
            out.append({**row, "id": f"{row['id']}-rowneg", "context": best, "answers": [], "answer_starts": []})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--row-negatives", type=Path, default=None, help="also write the named questions' "
                        "hard negatives (another row of their table) here")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = name_rows(rows)
    _write(out, args.output)
    print(f"{len(out)} questions naming their document -> {args.output}")
    if args.row_negatives:
        negatives = row_negatives(out)
        _write(negatives, args.row_negatives)
        print(f"{len(negatives)} of them against another row of their table -> {args.row_negatives}")
    return 0


def _write(rows: list[dict], path: Path) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
