"""Validates the evaluation question set in eval/questions.jsonl against the article it is about.

Uses only the standard library and the project's own chunker, so that paragraph numbers
mean exactly what the product's citations mean.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from qa.corpus import chunk_corpus, load_corpus  # noqa: E402

QUESTIONS = ROOT / "eval" / "questions.jsonl"
CORPUS = ROOT / "corpus"
DOC_ID = "cbc-explains-isis-k"

FIELDS = {"id", "question", "answers", "paragraphs", "type", "conversation", "turn", "standalone"}
TYPES = {"factoid", "descriptive", "paraphrase", "heading", "caption", "unanswerable"}

MIN_TOTAL = 100
MIN_UNANSWERABLE = 20
MIN_CONVERSATIONS = 10
MIN_PER_TYPE = 10

_SPACE = re.compile(r"\s+")  # \s covers U+00A0 in str patterns


def norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    out = []
    with QUESTIONS.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            assert line.strip(), f"line {lineno} is blank"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:  # pragma: no cover - reported as a failure
                pytest.fail(f"line {lineno} is not valid JSON: {exc}")
            assert isinstance(row, dict), f"line {lineno} is not a JSON object"
            out.append(row)
    assert out, "no questions"
    return out


@pytest.fixture(scope="module")
def article():
    """(whole article text normalised, {paragraph number: normalised paragraph text})."""
    documents = [d for d in load_corpus(CORPUS) if d.id == DOC_ID]
    assert documents, f"{DOC_ID} not found in {CORPUS}"
    pieces: dict[int, list[str]] = defaultdict(list)
    for chunk in chunk_corpus(documents):
        pieces[chunk.paragraph].append(chunk.text)
    paragraphs = {number: norm(" ".join(texts)) for number, texts in pieces.items()}
    return norm(documents[0].text), paragraphs


def test_fields_and_value_types(rows):
    for row in rows:
        rid = row.get("id")
        assert set(row) == FIELDS, f"{rid}: fields {sorted(row)}"
        assert isinstance(row["question"], str) and row["question"].strip(), f"{rid}: empty question"
        assert isinstance(row["answers"], list), f"{rid}: answers is not a list"
        for answer in row["answers"]:
            assert isinstance(answer, str) and answer.strip(), f"{rid}: bad answer {answer!r}"
            assert answer == answer.strip(), f"{rid}: answer has surrounding whitespace: {answer!r}"
        assert len(set(map(norm, row["answers"]))) == len(row["answers"]), f"{rid}: duplicate answers"
        assert isinstance(row["paragraphs"], list), f"{rid}: paragraphs is not a list"
        for number in row["paragraphs"]:
            assert isinstance(number, int) and not isinstance(number, bool), f"{rid}: bad paragraph {number!r}"
        assert len(set(row["paragraphs"])) == len(row["paragraphs"]), f"{rid}: duplicate paragraphs"
        assert row["type"] in TYPES, f"{rid}: unknown type {row['type']!r}"
        assert row["conversation"] is None or isinstance(row["conversation"], str), f"{rid}: bad conversation"
        assert row["turn"] is None or (isinstance(row["turn"], int) and not isinstance(row["turn"], bool)), \
            f"{rid}: bad turn"
        assert row["standalone"] is None or isinstance(row["standalone"], str), f"{rid}: bad standalone"


def test_ids_unique_and_in_order(rows):
    ids = [row["id"] for row in rows]
    assert len(set(ids)) == len(ids), f"duplicate ids: {[i for i, n in Counter(ids).items() if n > 1]}"
    assert ids == [f"q{i:03d}" for i in range(1, len(rows) + 1)], "ids must be q001, q002, ... in file order"


def test_answers_occur_in_article(rows, article):
    text, _ = article
    for row in rows:
        for answer in row["answers"]:
            assert norm(answer) in text, f"{row['id']}: answer not in article: {answer!r}"


def test_paragraphs_exist(rows, article):
    _, paragraphs = article
    for row in rows:
        for number in row["paragraphs"]:
            assert number in paragraphs, f"{row['id']}: no paragraph {number} (article has 1..{max(paragraphs)})"


def test_answers_occur_in_evidence_paragraphs(rows, article):
    _, paragraphs = article
    for row in rows:
        evidence = [paragraphs[n] for n in row["paragraphs"] if n in paragraphs]
        for answer in row["answers"]:
            assert any(norm(answer) in p for p in evidence), \
                f"{row['id']}: answer {answer!r} is in none of paragraphs {row['paragraphs']}"


def test_unanswerable_have_no_answers_and_answerable_do(rows):
    for row in rows:
        if row["type"] == "unanswerable":
            assert row["answers"] == [] and row["paragraphs"] == [], f"{row['id']}: unanswerable with evidence"
        else:
            assert row["answers"] and row["paragraphs"], f"{row['id']}: answerable without answers or paragraphs"


def test_conversations(rows):
    turns: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        conv, turn, standalone = row["conversation"], row["turn"], row["standalone"]
        if conv is None:
            assert turn is None and standalone is None, f"{row['id']}: turn/standalone outside a conversation"
            continue
        assert re.fullmatch(r"c\d+", conv), f"{row['id']}: bad conversation id {conv!r}"
        assert isinstance(turn, int) and turn >= 1, f"{row['id']}: conversation without a turn"
        if turn >= 2:
            assert standalone and standalone.strip(), f"{row['id']}: follow-up without a standalone rewrite"
        else:
            assert standalone is None, f"{row['id']}: turn 1 must not have a standalone rewrite"
        turns[conv].append(turn)
    for conv, seen in turns.items():
        assert seen == list(range(1, len(seen) + 1)), f"{conv}: turns {seen} are not 1..n in file order"
        assert len(seen) >= 2, f"{conv}: a conversation needs at least two turns"
    assert len(turns) >= MIN_CONVERSATIONS, f"only {len(turns)} conversations"


def test_counts(rows):
    types = Counter(row["type"] for row in rows)
    assert len(rows) >= MIN_TOTAL, f"only {len(rows)} questions"
    assert types["unanswerable"] >= MIN_UNANSWERABLE, f"only {types['unanswerable']} unanswerable"
    for kind in TYPES:
        assert types[kind] >= MIN_PER_TYPE, f"only {types[kind]} questions of type {kind}"


def test_questions_unique(rows):
    questions = Counter(norm(row["question"]).lower() for row in rows if row["conversation"] is None)
    assert not [q for q, n in questions.items() if n > 1], "duplicate standalone questions"
