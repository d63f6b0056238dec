"""The news-style QA files written for this project (train/data/): well-formed, and honest to the evaluation.

They may look like the article (headings, quoted analysts, captions, bylines) but must never be about
its subject or share its text, and the held-out news dev set must share no text with the training files.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ARTICLE, ROOT

DATA = ROOT / "train" / "data"
TRAINING_FILES = sorted(p for p in DATA.glob("news_supplement*.jsonl")) + sorted(DATA.glob("docs_supplement*.jsonl"))
#: The real-documents yardstick (issue 25): the document-style supplement was written without it.
YARDSTICK_QUESTIONS = ROOT.parent / "shared" / "real-docs" / "questions.jsonl"
HELD_OUT = DATA / "news_dev.jsonl"
#: Long explainers (450-700 words, read per document like the article); held out as well.
HELD_OUT_LONG = DATA / "news_dev_long.jsonl"
#: The article's subject: no training or dev passage may be about it.
SUBJECT = re.compile(r"\b(isis|isil|iskp|is-k|islamic state|al-qaeda|taliban|afghan\w*|kabul|khorasan|jihad\w*)\b",
                     re.IGNORECASE)
#: Conversations of three turns on the long explainers (held out too): the follow-up rules are tuned on the
#: first, and the second checks them.
CONVERSATIONS = [DATA / "news_conversations_dev.jsonl", DATA / "news_conversations_test.jsonl"]
RUN = 8  # words: a shared run this long means copied text


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def runs_of_words(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + RUN]) for i in range(len(words) - RUN + 1)}


def test_there_are_training_files_and_a_held_out_file():
    assert len(TRAINING_FILES) >= 3 and HELD_OUT.is_file() and HELD_OUT_LONG.is_file()


@pytest.mark.parametrize("path", [*TRAINING_FILES, HELD_OUT, HELD_OUT_LONG, *CONVERSATIONS], ids=lambda p: p.name)
def test_answers_are_verbatim_at_their_offsets_and_nothing_is_about_the_subject(path):
    seen_ids = set()
    for row in rows(path):
        assert row["id"] not in seen_ids, row["id"]
        seen_ids.add(row["id"])
        assert row["source"].startswith(("ours_news", "ours_docs")) and row["question"].strip(), row["id"]
        assert len(row["answers"]) == len(row["answer_starts"]), row["id"]
        for answer, start in zip(row["answers"], row["answer_starts"]):
            assert answer and row["context"][start : start + len(answer)] == answer, row["id"]
        assert not SUBJECT.search(row["context"]) and not SUBJECT.search(row["question"]), row["id"]


def test_no_passage_shares_text_with_the_article_and_the_dev_set_shares_none_with_training():
    article = runs_of_words(ARTICLE.read_text(encoding="utf-8"))
    held_out = set().union(*(runs_of_words(r["context"]) for path in (HELD_OUT, HELD_OUT_LONG) for r in rows(path)))
    for path in TRAINING_FILES:
        for context in {r["context"] for r in rows(path)}:
            passage = runs_of_words(context)
            assert not passage & article, f"{path.name}: {context[:60]!r} copies the article"
            assert not passage & held_out, f"{path.name}: {context[:60]!r} shares text with a held-out file"
    assert not held_out & article


def test_the_document_style_supplement_shares_no_question_with_the_real_documents_yardstick():
    if not YARDSTICK_QUESTIONS.is_file():
        pytest.skip("the real-documents yardstick is not here")
    yardstick = {r["question"].strip().lower() for r in rows(YARDSTICK_QUESTIONS)}
    written = {r["question"].strip().lower() for r in rows(DATA / "docs_supplement.jsonl")}
    assert len(written) > 1000 and not yardstick & written


@pytest.mark.parametrize("path", [*TRAINING_FILES, HELD_OUT_LONG], ids=lambda p: p.name)
def test_follow_ups_follow_an_answerable_question_on_their_own_passage(path):
    by_id = {row["id"]: row for row in rows(path)}
    for row in by_id.values():
        if "followup_of" in row:
            earlier = by_id[row["followup_of"]]
            assert earlier["context"] == row["context"] and earlier["answers"], row["id"]
            assert row["asked"].strip() and "followup_of" not in earlier, row["id"]


def test_merging_rewrites_follow_ups_as_the_pipeline_would_and_rejects_bad_offsets(tmp_path):
    context = "Ada Lin is a Perth-based engineer. She designs bridges."
    first = {"id": "x-1", "source": "ours_news_x", "context": context, "question": "Who is Ada Lin?",
             "answers": ["a Perth-based engineer"], "answer_starts": [context.find("a Perth")]}
    follow = {**first, "id": "x-2", "question": "What does she design?", "answers": ["bridges"],
              "answer_starts": [context.find("bridges")], "followup_of": "x-1"}
    source, merged = tmp_path / "a.jsonl", tmp_path / "merged.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in (first, follow)), encoding="utf-8")
    command = [sys.executable, str(ROOT / "train" / "merge_news.py"), str(source), "--output", str(merged)]
    subprocess.run(command, check=True, capture_output=True)
    out = rows(merged)
    assert out[0] == first
    assert out[1]["question"] == "What does Ada Lin design?" and out[1]["asked"] == "What does she design?"
    source.write_text(json.dumps({**first, "answer_starts": [0]}), encoding="utf-8")
    failed = subprocess.run(command, capture_output=True, text=True)
    assert failed.returncode != 0 and "answer_starts do not point at the answers" in failed.stderr


def test_conversations_are_three_turns_on_one_held_out_document_each_and_split_by_document():
    long_documents = {r["context"] for r in rows(HELD_OUT_LONG)}
    documents = []
    for path in CONVERSATIONS:
        conversations: dict[str, list[dict]] = {}
        for row in rows(path):
            conversations.setdefault(row["conversation"], []).append(row)
        assert len(conversations) >= 40, path.name
        for name, turns in conversations.items():
            assert [t["turn"] for t in turns] == [1, 2, 3], name
            assert len({t["context"] for t in turns}) == 1 and turns[0]["context"] in long_documents, name
            assert turns[0]["standalone"] is None and turns[0]["answers"], name
            assert all(t["standalone"] and t["standalone"].endswith("?") for t in turns[1:]), name
        documents.append({r["context"] for r in rows(path)})
    assert not documents[0] & documents[1]  # the check set's documents were never looked at while tuning
