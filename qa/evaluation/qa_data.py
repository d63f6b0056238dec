"""QA data: extractive-QA examples, their file format and a by-context dev split (``qa eval-open`` reads
them; the lab trains on them).

The format is one JSON object per line with ``id``, ``source``, ``context``,
``question``, ``answers`` (strings, empty when unanswerable) and ``answer_starts``
(character offsets into ``context``); a conversational row may add ``conversation``,
``turn`` and ``standalone`` (see ``CONVERSATION_FIELDS``). Official SQuAD JSON files are read too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable


#: Optional fields of a conversational row, kept in ``QAExample.meta``: the conversation it belongs to,
#: its turn (1 is the opening question), and how a follow-up reads on its own.
CONVERSATION_FIELDS = ("conversation", "turn", "standalone")


@dataclass(frozen=True)
class QAExample:
    """One question about one context; ``answers == ()`` means unanswerable."""

    id: str
    question: str
    context: str
    answers: tuple[str, ...] = ()
    answer_starts: tuple[int, ...] = ()
    source: str = ""
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_answerable(self) -> bool:
        return bool(self.answers)


def load_examples(path: str | Path) -> list[QAExample]:
    """Read examples from a ``.jsonl`` file (our format) or an official SQuAD ``.json`` file."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        try:
            return list(_from_squad_json(json.loads(text)))
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: not a SQuAD JSON file ({exc})") from exc
    examples = []
    for line_no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            example = QAExample(
                id=str(row.get("id", f"{path.stem}-{line_no}")),
                question=row["question"],
                context=row["context"],
                answers=tuple(row.get("answers") or ()),
                answer_starts=tuple(row.get("answer_starts") or ()),
                source=row.get("source", ""),
                meta={k: row[k] for k in CONVERSATION_FIELDS if row.get(k) is not None},
            )
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}:{line_no}: not a QA example ({exc})") from exc
        if len(example.answer_starts) != len(example.answers) or any(
            example.context[s : s + len(a)] != a for a, s in zip(example.answers, example.answer_starts)
        ):
            raise ValueError(f"{path}:{line_no}: answer_starts do not point at the answers in the context")
        examples.append(example)
    return examples


def _from_squad_json(data: dict) -> Iterable[QAExample]:
    version = data.get("version", "squad")
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            for qa in paragraph["qas"]:
                answers = [] if qa.get("is_impossible") else qa.get("answers", [])
                yield QAExample(
                    id=str(qa["id"]),
                    question=qa["question"],
                    context=context,
                    answers=tuple(a["text"] for a in answers),
                    answer_starts=tuple(a["answer_start"] for a in answers),
                    source=f"{version}:{article.get('title', '')}",
                )


def is_dev_context(context: str, dev_fraction: float) -> bool:
    """Stable by-context split: a context lands in dev by a hash of its text, never in both."""
    bucket = int(hashlib.sha1(context.encode("utf-8")).hexdigest()[:8], 16) % 10_000
    return bucket < dev_fraction * 10_000


def split_by_context(
    examples: list[QAExample], dev_fraction: float
) -> tuple[list[QAExample], list[QAExample]]:
    """Split into (train, dev) so that no context appears in both."""
    train, dev = [], []
    for example in examples:
        (dev if is_dev_context(example.context, dev_fraction) else train).append(example)
    return train, dev


def write_examples(examples: Iterable[QAExample], path: str | Path) -> None:
    """Write examples in the JSONL format that :func:`load_examples` reads."""
    with open(path, "w", encoding="utf-8") as out:
        for ex in examples:
            row = {
                "id": ex.id,
                "source": ex.source,
                "context": ex.context,
                "question": ex.question,
                "answers": list(ex.answers),
                "answer_starts": list(ex.answer_starts),
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def negative_kind(example: QAExample) -> str:
    """What kind of question an example is: "answerable"; "real" unanswerable (written by people, SQuAD 2.0
    or ours); "synthetic" (a question paired with another paragraph, ``-neg``); or "generated" (an edited
    question, ``-adv``, see lab/adversarial.py)."""
    if example.is_answerable:
        return "answerable"
    if example.id.endswith("-neg"):
        return "synthetic"
    if "-adv" in example.id:
        return "generated"
    return "real"
