"""``qa eval-docs``: a folder of real documents read as one library, and questions asked of all of it.

This measures what a user meets first: their own PDFs and Word files, added together and asked
about. Each question (``doc``, ``question``, ``answers``, ``page``, ``answerable`` per JSONL
line) is asked of the whole library, through the real pipeline. Per document and in total it
reports answers right / partial / wrong / abstained, whether the cited page is the page the
answer is printed on, whether the answer came from the right document, unanswerable questions
abstained, what the chunks look like (count, median size, fragments, bare numbers and repeated
lines), and how long indexing and asking take. Several settings variants (PDF readers among them:
``PDF_READER=plain`` is the plain-text baseline) are measured in one run, side by side.
"""

from __future__ import annotations

import json
import re
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from qa.config import Settings
from qa.metrics import f1_score, latency_summary, normalize_answer

#: Chunks shorter than this are fragments rather than passages.
FRAGMENT_CHARS = 40
#: An answer that holds the whole gold answer is right if it adds at most this many words.
EXTRA_WORDS_ALLOWED = 5


@dataclass(frozen=True)
class DocQuestion:
    """A question about a library of documents; ``pages`` are 1-based physical PDF pages."""

    doc: str
    question: str
    answers: tuple[str, ...]
    pages: tuple[int, ...]
    answerable: bool


def load_questions(path: str | Path) -> list[DocQuestion]:
    """The questions of a JSONL file (``doc``, ``question``, ``answers``, ``page``, ``answerable``)."""
    questions = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        try:
            page = row.get("page")
            pages = tuple(page) if isinstance(page, list) else (() if page is None else (int(page),))
            questions.append(DocQuestion(row["doc"], row["question"], tuple(row.get("answers") or ()), pages,
                                         bool(row.get("answerable", bool(row.get("answers"))))))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}, line {n}: not a question row ({exc})") from None
    return questions


def verdict(prediction: str | None, answers: tuple[str, ...]) -> str:
    """How a person would mark an answer: "right", "partial", "wrong" or "abstained".

    Right: the whole of one gold answer, with at most a few words around it ("37M unique
    papers" for "37M"), or F1 of at least 0.8; partial: some words in common; wrong: none.
    """
    if prediction is None:
        return "abstained"
    said = normalize_answer(prediction).split()
    for gold in answers:
        want = normalize_answer(gold).split()
        if want and _contains(said, want) and len(said) <= len(want) + EXTRA_WORDS_ALLOWED:
            return "right"
    score = f1_score(prediction, answers)
    return "right" if score >= 0.8 else "partial" if score > 0 else "wrong"


def _contains(words: list[str], part: list[str]) -> bool:
    return any(words[i: i + len(part)] == part for i in range(len(words) - len(part) + 1))


_BARE_NUMBER = re.compile(r"^[\W\d_]*\d[\W\d_]*$")


def chunk_statistics(chunks) -> dict:
    """What the chunks look like: count, median characters, the share of fragments, and chunks that
    are only a number (a page or line number) or a line repeated three times or more in a document
    (a running header; table rows, which may repeat a cell, are not counted)."""
    sizes = [len(c.text) for c in chunks]
    prose = [c for c in chunks if c.kind != "table"]
    repeats = Counter((c.doc_id, " ".join(c.text.split()).lower()) for c in prose)
    repeated = sum(1 for c in prose if repeats[(c.doc_id, " ".join(c.text.split()).lower())] >= 3)
    return {"chunks": len(chunks), "median_chars": statistics.median(sizes) if sizes else 0,
            "under_40_chars": round(100 * sum(s < FRAGMENT_CHARS for s in sizes) / max(1, len(sizes)), 1),
            "bare_numbers": sum(bool(_BARE_NUMBER.match(c.text)) for c in chunks),
            "repeated_lines": repeated}


def _doc_id(name: str) -> str:
    return Path(name).stem


def _score(rows: list[dict]) -> dict:
    """Totals over question rows (each with verdict, page_right, right_document, answerable, f1)."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    counts = Counter(r["verdict"] for r in answerable)
    paged = [r for r in answerable if r["verdict"] == "right" and r["page_right"] is not None]
    return {
        "answerable": len(answerable),
        **{k: counts.get(k, 0) for k in ("right", "partial", "wrong", "abstained")},
        "right_pct": round(100 * counts.get("right", 0) / max(1, len(answerable)), 1),
        "f1": round(100 * statistics.fmean([r["f1"] for r in answerable]), 1) if answerable else None,
        "right_with_right_page": sum(r["page_right"] is True for r in paged),
        "right_with_page": len(paged),
        "answers_from_another_document": sum(r["right_document"] is False for r in rows),
        "unanswerable": len(unanswerable),
        "unanswerable_abstained": sum(r["verdict"] == "abstained" for r in unanswerable),
    }


def evaluate_documents(folder: str | Path, questions: list[DocQuestion], variants: dict[str, Settings], *,
                       log=None) -> dict[str, dict]:
    """Figures per variant: each variant's ``corpus`` is ``folder`` and its index a fresh temporary one."""
    from qa.pipeline import Pipeline

    log = log or (lambda message: None)
    results = {}
    with tempfile.TemporaryDirectory(prefix="qa-docs-") as tmp:
        for n, (name, settings) in enumerate(variants.items()):
            pipeline = Pipeline(settings.replace(corpus=(str(folder),), index_dir=str(Path(tmp) / f"index-{n}"),
                                                 library_dir=None))
            log(f"{name}: indexing {folder}")
            results[name] = _measure(pipeline, questions, log)
            log(f"{name}: {json.dumps(results[name]['total'])}")
    return results


def _gold_passage(passages, q: DocQuestion) -> int | None:
    """The rank (1-based) of the first passage read that is from the question's document and holds a
    gold answer; None if none does. It tells a retrieval miss from a reading miss."""
    golds = [normalize_answer(a) for a in q.answers if normalize_answer(a)]
    for n, passage in enumerate(passages, 1):
        text = normalize_answer(passage.chunk.text)
        if passage.chunk.doc_id == _doc_id(q.doc) and any(g in text for g in golds):
            return n
    return None


def _measure(pipeline, questions: list[DocQuestion], log) -> dict:
    started = time.perf_counter()
    index = pipeline.search_index(log=log)
    index_seconds = time.perf_counter() - started
    documents = {d.id: d for d in pipeline.documents}
    pages = sum(d.pages or 0 for d in documents.values())
    pipeline.warm_up()
    rows, seconds = [], []
    for q in questions:
        started = time.perf_counter()
        answer = pipeline.ask(q.question)
        seconds.append(time.perf_counter() - started)
        citation = answer.citation
        rows.append({
            "doc": q.doc, "question": q.question, "answer": answer.text, "answerable": q.answerable,
            "verdict": verdict(answer.text, q.answers) if q.answerable else
            ("abstained" if answer.text is None else "answered"),
            "f1": f1_score(answer.text, q.answers) if q.answerable else 0.0,
            # the answer given or turned down, and its score: what another threshold would have answered
            "score": round(answer.score, 4), "best_guess": answer.best_guess,
            "best_guess_verdict": verdict(answer.best_guess, q.answers) if q.answerable else None,
            "cited": None if citation is None else citation.doc_id,
            "page": None if citation is None else citation.page,
            "right_document": None if citation is None else citation.doc_id == _doc_id(q.doc),
            "page_right": None if citation is None or not q.pages else citation.page in q.pages,
            "gold_passage": _gold_passage(answer.passages, q) if q.answerable else None,
        })
    read = [r["gold_passage"] for r in rows if r["answerable"]]
    by_document = {}
    for doc in sorted({q.doc for q in questions}):
        doc_rows = [r for r in rows if r["doc"] == doc]
        chunks = [c for c in index.chunks if c.doc_id == _doc_id(doc)]
        by_document[doc] = {**_score(doc_rows), **chunk_statistics(chunks),
                            "indexed": _doc_id(doc) in documents}
    return {
        "total": {**_score(rows), **chunk_statistics(index.chunks), "documents": len(documents),
                  "skipped": [str(e) for e in pipeline.index.skipped], "pages": pages,
                  "index_seconds": round(index_seconds, 1),
                  "pages_per_second": round(pages / index_seconds, 2) if index_seconds else None,
                  "ask": latency_summary(seconds),
                  # answerable questions whose gold answer was among the passages read at all
                  "gold_among_passages": sum(r is not None for r in read)},
        "by_document": by_document,
        "questions": rows,
    }
