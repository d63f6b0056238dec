"""Adversarial unanswerable questions, generated from answerable ones by rules over the text.

SQuAD 2.0's writers made unanswerable questions by editing answerable ones so that they still
look answerable from the paragraph: swapping an entity, number or date for another of the same
kind that the paragraph does not contain, or an antonym that turns the question into one the
paragraph does not answer. :func:`adversarial_negatives` makes such edits and keeps one only
when the new key term occurs nowhere in the paragraph, so the edited question is unanswerable
there by construction. The context is left as it is (the original row keeps its answer offsets).
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from dataclasses import dataclass, replace

from qa.evaluation.qa_data import QAExample
from qa.text import MONTH, MONTHS, NUMBER, YEAR, name_matches, term_absent

#: Words that flip what a question asks for; an edit is kept only if the paragraph lacks the new word.
ANTONYMS = {
    "first": "last", "last": "first", "largest": "smallest", "smallest": "largest",
    "biggest": "smallest", "highest": "lowest", "lowest": "highest", "most": "least",
    "least": "most", "earliest": "latest", "latest": "earliest", "oldest": "youngest",
    "youngest": "oldest", "before": "after", "after": "before", "north": "south",
    "south": "north", "east": "west", "west": "east", "northern": "southern",
    "southern": "northern", "eastern": "western", "western": "eastern", "won": "lost",
    "lost": "won", "increase": "decrease", "decrease": "increase", "increased": "decreased",
    "decreased": "increased", "longest": "shortest", "shortest": "longest", "maximum": "minimum",
    "minimum": "maximum", "best": "worst", "worst": "best", "top": "bottom", "more": "fewer",
    "fewer": "more", "higher": "lower", "lower": "higher", "larger": "smaller", "smaller": "larger",
    "start": "end", "began": "ended", "opened": "closed", "closed": "opened", "inside": "outside",
    "outside": "inside", "older": "younger", "younger": "older", "early": "late", "late": "early",
    "upper": "lower", "public": "private", "private": "public", "male": "female", "female": "male",
    "men": "women", "women": "men", "winter": "summer", "summer": "winter",
}

_ANTONYM_WORD = re.compile(r"\b(" + "|".join(sorted(ANTONYMS, key=len, reverse=True)) + r")\b")


@dataclass(frozen=True)
class Edit:
    """One rule-made edit: ``question[start:end]`` (the old term) replaced by ``new``."""

    kind: str  # "year", "number", "month", "name", "antonym"
    start: int
    end: int
    new: str


def candidate_edits(question: str, context: str, names: list[str], rng: random.Random) -> list[Edit]:
    """Every rule's edit of ``question`` whose new term is absent from ``context`` (and whose old
    term is present in it, so the edit changes something the paragraph talks about).

    ``names`` is a pool of names from other paragraphs to swap in.
    """
    edits: list[Edit] = []
    for match in YEAR.finditer(question):
        year = int(match.group(0))
        for delta in rng.sample([-30, -20, -12, -7, -5, -3, 3, 5, 7, 12, 20, 30], 12):
            new = str(year + delta)
            if term_absent(new, context) and not term_absent(match.group(0), context):
                edits.append(Edit("year", match.start(), match.end(), new))
                break
    for match in NUMBER.finditer(question):
        if YEAR.fullmatch(match.group(0)):
            continue
        value = float(match.group(0).replace(",", ""))
        if value <= 1 or term_absent(match.group(0), context):
            continue
        for factor in rng.sample([0.5, 2, 3, 1.5, 0.25, 10], 6):
            number = value * factor
            new = f"{number:,.0f}" if "," in match.group(0) else (
                str(int(number)) if number == int(number) else f"{number:.1f}")
            if new != match.group(0) and term_absent(new, context):
                edits.append(Edit("number", match.start(), match.end(), new))
                break
    for match in MONTH.finditer(question):
        if term_absent(match.group(0), context):
            continue
        others = [m for m in MONTHS if m != match.group(0) and term_absent(m, context)]
        if others:
            edits.append(Edit("month", match.start(), match.end(), rng.choice(others)))
    for match in name_matches(question):
        old = match.group(0)
        if term_absent(old, context):
            continue
        width = len(old.split())
        same_shape = [n for n in names if len(n.split()) == width and n != old]
        for new in rng.sample(same_shape, min(8, len(same_shape))):
            if term_absent(new, context) and all(term_absent(w, context) for w in new.split() if len(w) > 3):
                edits.append(Edit("name", match.start(), match.end(), new))
                break
    for match in _ANTONYM_WORD.finditer(question.lower()):
        old = question[match.start():match.end()]
        new = ANTONYMS[old.lower()]
        if term_absent(new, context) and term_absent(new, question):  # not "higher or lower" -> "lower or lower"
            edits.append(Edit("antonym", match.start(), match.end(), new))
    return edits


def apply_edit(question: str, edit: Edit) -> str:
    """The question with the edit made."""
    return question[: edit.start] + edit.new + question[edit.end :]


def adversarial_negatives(
    examples: list[QAExample], *, seed: int, per_example: int = 1, kinds: tuple[str, ...] | None = None
) -> list[QAExample]:
    """Unanswerable questions made by editing the answerable ``examples`` (at most ``per_example``
    each), with source tag ``adv_<tag>`` (the id's prefix before ":", else the source) and id ``<id>-adv<n>``; the context is unchanged.

    Names to swap in come from the questions of other paragraphs of the same source, so a name
    is replaced by a name of the same shape and field (a person by a person more often than not).
    """
    rng = random.Random(seed)
    names_by_source: dict[str, list[str]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for ex in examples:
        for match in name_matches(ex.question):
            key = (ex.source, match.group(0))
            if key not in seen:
                seen.add(key)
                names_by_source[ex.source].append(match.group(0))
    out = []
    for ex in examples:
        if not ex.is_answerable:
            continue
        edits = candidate_edits(ex.question, ex.context, names_by_source[ex.source], rng)
        if kinds is not None:
            edits = [e for e in edits if e.kind in kinds]
        rng.shuffle(edits)
        tag = ex.id.split(":")[0] if ":" in ex.id else ex.source
        for n, edit in enumerate(edits[:per_example]):
            out.append(replace(ex, id=f"{ex.id}-adv{n}", question=apply_edit(ex.question, edit),
                               answers=(), answer_starts=(), source=f"adv_{tag}",
                               meta={"edit": edit.kind}))
    return out
