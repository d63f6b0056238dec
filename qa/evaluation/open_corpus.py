"""``qa eval-open``: QA data (the qa-data JSONL format) read as one open corpus, end to end.

Every distinct context becomes a plain-text document (its line breaks made paragraph
breaks) and every question is asked of the whole corpus through the real pipeline,
the way ``qa.ask`` reads the article. Several configurations (variants of the
settings) are measured in one run, side by side: EM and F1, no-answer accuracy,
and recall@k of the paragraph that holds the answer.

This is where pipeline choices (retrieval and reading settings) are checked on data
that was never trained on, such as ``train/data/news_dev.jsonl`` (which also decides
whether a new reader ships, and so is held out from training, not from every choice).
The reader's own training data would flatter the reader, though it still measures
retrieval, which never trained on it.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qa.config import Settings
from qa.metrics import answer_scores, recall_at_k
from qa.reader.data import QAExample

#: Each document starts with a title line, so that no passage's first line is taken for its title.
_TITLE = "Open corpus passage {n:04d}"


@dataclass(frozen=True)
class OpenQuestion:
    """A question of the open corpus; ``answer_offsets`` are offsets into its document's text."""

    question: str
    answers: tuple[str, ...]
    doc_id: str
    answer_offsets: tuple[int, ...]


def passage_document(context: str, number: int) -> tuple[str, Callable[[int], int]]:
    """A QA context as a plain-text document, and where each context offset lands in it.

    A title line comes first, so that no passage line is taken for the title. A context whose
    paragraphs are single lines (no blank line anywhere) gets each line break doubled, which is
    how a plain-text document separates paragraphs; one that already has blank lines is kept as is.
    """
    title = _TITLE.format(n=number) + "\n\n"
    if "\n\n" in context:
        return title + context, lambda s: len(title) + s
    return title + context.replace("\n", "\n\n"), lambda s: len(title) + s + context.count("\n", 0, s)


def write_open_corpus(examples: list[QAExample], folder: str | Path) -> list[OpenQuestion]:
    """Write each distinct context of ``examples`` as ``folder/passage-NNNN.txt``; return the questions."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    doc_of: dict[str, tuple[str, Callable[[int], int]]] = {}
    questions = []
    for ex in examples:
        if ex.context not in doc_of:
            n = len(doc_of) + 1
            text, at = passage_document(ex.context, n)
            (folder / f"passage-{n:04d}.txt").write_text(text, encoding="utf-8")
            doc_of[ex.context] = (f"passage-{n:04d}", at)
        doc_id, at = doc_of[ex.context]
        questions.append(OpenQuestion(ex.question, ex.answers, doc_id, tuple(at(s) for s in ex.answer_starts)))
    return questions


def evaluate_open(examples: list[QAExample], variants: dict[str, Settings], *, read: bool = True,
                  log=None) -> dict[str, dict]:
    """Figures per variant; each variant's ``corpus`` and ``index_dir`` are replaced by the open corpus."""
    from qa.pipeline import Pipeline

    log = log or (lambda message: None)
    results = {}
    with tempfile.TemporaryDirectory(prefix="qa-open-") as tmp:
        questions = write_open_corpus(examples, Path(tmp) / "corpus")
        for n, (name, settings) in enumerate(variants.items()):
            pipeline = Pipeline(settings.replace(corpus=(str(Path(tmp) / "corpus"),),
                                                 index_dir=str(Path(tmp) / f"index-{n}")))
            log(f"{name}: indexing {len({q.doc_id for q in questions})} passages")
            results[name] = _measure(pipeline, questions, read=read, log=log)
            log(f"{name}: {results[name]}")
    return results


def _measure(pipeline, questions: list[OpenQuestion], *, read: bool, log) -> dict:
    index = pipeline.search_index()
    s = pipeline.settings
    ranked, relevant = [], []
    for q in questions:
        gold = {c.id for c in index.chunks
                if c.doc_id == q.doc_id and any(c.start <= o < c.end for o in q.answer_offsets)}
        if gold:  # answerable, and not from a heading
            ranked.append([p.chunk.id for p in pipeline.retriever.retrieve(q.question, index, max(10, s.top_k))])
            relevant.append(gold)
    # Recall counts the answerable questions whose answer lies inside one paragraph (not in a heading).
    figures = {"questions": len(questions), "retrieval_questions": len(ranked), "chunks": len(index.chunks),
               **{f"recall@{k}": round(recall_at_k(ranked, relevant, k), 4) for k in (1, 3, 5)}}
    if not read:
        return figures
    predictions, seconds = [], []
    for i, q in enumerate(questions):
        started = time.perf_counter()
        predictions.append(pipeline.ask(q.question).text)
        seconds.append(time.perf_counter() - started)
        if (i + 1) % 100 == 0:
            log(f"  {i + 1}/{len(questions)} questions")
    overall = answer_scores(predictions, [q.answers for q in questions])
    answerable = [(q, p) for q, p in zip(questions, predictions) if q.answers]
    unanswerable = [p for q, p in zip(questions, predictions) if not q.answers]
    figures.update({
        "exact_match": overall["exact_match"],
        "f1": overall["f1"],
        "answerable_f1": answer_scores([p for _, p in answerable], [q.answers for q, _ in answerable])["f1"],
        "no_answer_accuracy": round(100 * sum(p is None for p in unanswerable) / max(1, len(unanswerable)), 2),
        "p50_ms": round(1000 * statistics.median(seconds), 1),
    })
    return figures
