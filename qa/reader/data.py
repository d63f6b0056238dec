"""Extractive-QA examples: loading, a by-context dev split, and SQuAD 2.0-style negatives.

The format is one JSON object per line with ``id``, ``source``, ``context``,
``question``, ``answers`` (strings, empty when unanswerable) and ``answer_starts``
(character offsets into ``context``); a conversational row may add ``conversation``,
``turn`` and ``standalone`` (see ``CONVERSATION_FIELDS``). Official SQuAD JSON files are read too.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Sequence


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


WORD = re.compile(r"\w+")
#: Function words, left out when questions and contexts are compared word by word.
STOP_WORDS = frozenset(
    "a an the of in on at to for from by with and or is are was were be been what which who whom "
    "whose when where why how did do does that this these those it its as than then there their "
    "they he she his her you your i my me we our us not no".split()
)


def _content_words(text: str) -> set[str]:
    return {w for w in WORD.findall(text.lower()) if w not in STOP_WORDS}


def hardest_negative(question: str, answers: Sequence[str], contexts: Iterable[str]) -> str | None:
    """Of ``contexts``, the one sharing most content words with ``question`` among those holding none of
    ``answers`` (case-insensitive): the first of them on a tie, None when every one holds an answer."""
    question_words = _content_words(question)
    lowered_answers = [answer.lower() for answer in answers]
    best, best_overlap = None, -1
    for context in contexts:
        lowered = context.lower()
        if any(answer in lowered for answer in lowered_answers):
            continue
        overlap = len(question_words & _content_words(context))
        if overlap > best_overlap:
            best, best_overlap = context, overlap
    return best


def add_negatives(
    examples: list[QAExample], ratio: float, *, seed: int, candidates: int = 24
) -> list[QAExample]:
    """Pair questions with other contexts of the same source that do not hold their answer.

    SQuAD 2.0-style negatives teach the reader to abstain. For a ``ratio`` share of the
    answerable examples, the negative context is the one among ``candidates`` random
    contexts of the same source that shares most content words with the question
    (a hard negative), provided none of the answers occurs in it.
    """
    rng = random.Random(seed)
    contexts_by_source: dict[str, list[str]] = defaultdict(list)
    seen: set[str] = set()
    for ex in examples:
        if ex.context not in seen:
            seen.add(ex.context)
            contexts_by_source[ex.source].append(ex.context)
    negatives = []
    for ex in examples:
        if not ex.is_answerable or rng.random() >= ratio:
            continue
        pool = contexts_by_source[ex.source]
        if len(pool) < 2:
            continue
        others = [context for context in rng.sample(pool, min(candidates, len(pool))) if context != ex.context]
        best = hardest_negative(ex.question, ex.answers, others)
        if best is not None:
            negatives.append(replace(ex, id=f"{ex.id}-neg", context=best, answers=(), answer_starts=()))
    return examples + negatives


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
