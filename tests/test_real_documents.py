"""The real-document yardstick (issue 25): a folder of real PDFs and Word files asked about as one library.

The files and questions live outside the repository (``../shared/real-docs``, mounted read-only in
CI); the test is skipped where they are absent. It indexes about 190 pages with the shipped models
and default settings (a few minutes on two cores) and holds the product to floors, so that a change
to PDF reading that loses answers or lets running headers, page numbers or line numbers back into
the chunks fails CI.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.config import Settings

REAL_DOCS = Path(__file__).resolve().parents[2] / "shared" / "real-docs"

#: Floors; raise them as the reader improves.
ANSWERABLE_RIGHT = 35  # measured 40 of 62 on 2026-12-08 (stage 7; the reader reads questions without their
#                        document-naming lead, which alone took 23 to 38); the 60% is 38
ANSWERED_WRONG = 19  # answerable questions answered with none of the answer: 15 on 2026-12-08
UNANSWERABLE_ABSTAINED = 9
NOISE_CHUNKS = 20  # chunks that are a bare number plus chunks that are a line repeated in their document
MEDIAN_CHUNK_CHARS = 100
ANSWERS_FROM_ANOTHER_DOCUMENT = 2


@pytest.mark.slow
def test_real_documents_yardstick():
    files, questions_file = REAL_DOCS / "files", REAL_DOCS / "questions.jsonl"
    if not files.is_dir() or not questions_file.is_file():
        pytest.skip(f"the real-document yardstick is not here ({REAL_DOCS}: needs files/ and questions.jsonl)")
    from qa.evaluation.documents import evaluate_documents, load_questions

    questions = load_questions(questions_file)
    results = evaluate_documents(files, questions, {"default": Settings()})["default"]
    total = results["total"]
    report = {k: total[k] for k in ("answerable", "right", "partial", "wrong", "abstained", "gold_among_passages",
                                    "unanswerable", "unanswerable_abstained", "answers_from_another_document", "chunks",
                                    "median_chars", "bare_numbers", "repeated_lines", "skipped", "index_seconds")}
    print(report)
    assert total["skipped"] == [], report
    assert total["right"] >= ANSWERABLE_RIGHT, report
    assert total["wrong"] <= ANSWERED_WRONG, report
    assert total["unanswerable_abstained"] >= UNANSWERABLE_ABSTAINED, report
    assert total["bare_numbers"] + total["repeated_lines"] <= NOISE_CHUNKS, report
    assert total["median_chars"] >= MEDIAN_CHUNK_CHARS, report
    assert total["answers_from_another_document"] <= ANSWERS_FROM_ANOTHER_DOCUMENT, report
