"""``qa eval-open``: QA data (the qa-data JSONL format) read as one open corpus, end to end.

Every distinct context becomes a plain-text document (its line breaks made paragraph
breaks) and every question is asked of the whole corpus through the real pipeline,
the way ``qa.ask`` reads the article. Several configurations (variants of the
settings) are measured in one run, side by side: EM and F1, no-answer accuracy,
recall@k of the paragraph that holds the answer, and where the F1 lost against
reading the gold context alone goes (see :func:`loss_category`), and F1 by answer threshold.
Conversational rows (``conversation``, ``turn``, ``standalone``) are asked turn by turn, with the
pipeline's own answers as history, and their follow-ups are also scored against their standalone
wording (see :func:`followup_figures`).

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
from qa.metrics import answer_scores, best_threshold, f1_score, recall_at_k, threshold_curve
from qa.evaluation.qa_data import QAExample
from qa.evaluation.qa_data import negative_kind

#: Each document starts with a title line, so that no passage's first line is taken for its title.
_TITLE = "Open corpus passage {n:04d}"


@dataclass(frozen=True)
class OpenQuestion:
    """A question of the open corpus; ``answer_offsets`` are offsets into its document's text."""

    question: str
    answers: tuple[str, ...]
    doc_id: str
    answer_offsets: tuple[int, ...]
    #: The QA context the question was written on, for the gold-context reading it is compared with.
    context: str = ""
    #: A follow-up's conversation (asked after its earlier turns, with the pipeline's own answers as
    #: history) and how it reads on its own; empty and None for a question asked alone.
    conversation: str = ""
    standalone: str | None = None
    #: "answerable", or the kind of unanswerable question: "real", "synthetic" or "generated"
    #: (qa.evaluation.qa_data.negative_kind).
    kind: str = "answerable"


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
    questions, last_turn = [], {}
    for ex in examples:
        conversation, turn = ex.meta.get("conversation"), ex.meta.get("turn")
        if conversation and turn is not None:  # history is built in file order
            if turn <= last_turn.get(conversation, 0):
                raise ValueError(f"{ex.id}: turn {turn} of conversation {conversation} comes after a later turn")
            last_turn[conversation] = turn
        if ex.context not in doc_of:
            n = len(doc_of) + 1
            text, at = passage_document(ex.context, n)
            (folder / f"passage-{n:04d}.txt").write_text(text, encoding="utf-8")
            doc_of[ex.context] = (f"passage-{n:04d}", at)
        doc_id, at = doc_of[ex.context]
        questions.append(OpenQuestion(ex.question, ex.answers, doc_id, tuple(at(s) for s in ex.answer_starts),
                                      ex.context, ex.meta.get("conversation", ""), ex.meta.get("standalone"),
                                      negative_kind(ex)))
    return questions


def loss_category(answerable: bool, gold_paragraph_read: bool, answered: bool, cited_gold_paragraph: bool) -> str:
    """Why an open-corpus answer may fall short of the gold-context one: the stage to blame."""
    if not answerable:
        return "unanswerable question"
    if not gold_paragraph_read:
        return "answer's paragraph not among the passages read"
    if not answered:
        return "abstained though the answer's paragraph was read"
    return "answered from the answer's paragraph" if cited_gold_paragraph else "answered from another paragraph"


def loss_breakdown(rows: list[tuple[str, float, float]]) -> dict[str, dict]:
    """Per category, its questions and the F1 points (of the whole set) lost against gold context.

    ``rows`` holds (category, gold-context F1, open-corpus F1) per question, F1 in 0..1.
    """
    n = max(1, len(rows))
    out: dict[str, dict] = {}
    for category, gold_f1, open_f1 in rows:
        entry = out.setdefault(category, {"questions": 0, "f1_points_lost": 0.0})
        entry["questions"] += 1
        entry["f1_points_lost"] += 100 * (gold_f1 - open_f1) / n
    return {c: {**e, "f1_points_lost": round(e["f1_points_lost"], 2)} for c, e in sorted(out.items())}


def evaluate_open(examples: list[QAExample], variants: dict[str, Settings], *, read: bool = True,
                  per_document: bool = False, log=None) -> dict[str, dict]:
    """Figures per variant; each variant's ``corpus`` and ``index_dir`` are replaced by the open corpus.

    ``per_document`` asks each question of its own document alone (one small index per document),
    the way ``qa.ask`` reads a single article: questions such as "Who took the photo?", written
    for one passage, are then no longer ambiguous among all the others.
    """
    from qa.pipeline import Pipeline

    log = log or (lambda message: None)
    results = {}
    with tempfile.TemporaryDirectory(prefix="qa-open-") as tmp:
        questions = write_open_corpus(examples, Path(tmp) / "corpus")
        for n, (name, settings) in enumerate(variants.items()):
            pipeline = Pipeline(settings.replace(corpus=(str(Path(tmp) / "corpus"),),
                                                 index_dir=str(Path(tmp) / f"index-{n}")))
            log(f"{name}: indexing {len({q.doc_id for q in questions})} passages")
            results[name] = _measure(pipeline, questions, read=read, per_document=per_document, log=log)
            log(f"{name}: {results[name]}")
    return results


def _document_indexes(index) -> dict[str, object]:
    """One search index per document, over that document's chunks alone (their vectors reused)."""
    from qa.retriever.retriever import SearchIndex

    if not isinstance(index, SearchIndex):
        raise ValueError("--per-document needs vector_store=faiss (it builds one small index per document)")
    positions: dict[str, list[int]] = {}
    for i, chunk in enumerate(index.chunks):
        positions.setdefault(chunk.doc_id, []).append(i)
    return {doc_id: SearchIndex.over(index.dense.subset(rows)) for doc_id, rows in positions.items()}


def _measure(pipeline, questions: list[OpenQuestion], *, read: bool, per_document: bool, log) -> dict:
    index = pipeline.search_index()
    own = _document_indexes(index) if per_document else {}

    def index_for(q: OpenQuestion):
        return own.get(q.doc_id, index)
    gold_chunks = [{c.id for c in index.chunks if c.doc_id == q.doc_id and any(c.start <= o < c.end
                                                                                for o in q.answer_offsets)}
                   for q in questions]
    figures = _retrieval_figures(pipeline, questions, gold_chunks, index_for, chunks=len(index.chunks))
    if read:
        figures.update(_reading_figures(pipeline, questions, gold_chunks, index_for, log))
    return figures


def _retrieval_figures(pipeline, questions: list[OpenQuestion], gold_chunks: list[set], index_for, *,
                       chunks: int) -> dict:
    ranked, relevant = [], []
    for q, gold in zip(questions, gold_chunks):
        if gold and q.standalone is None:  # answerable, not from a heading, and not a follow-up
            ranked.append([p.chunk.id for p in pipeline.retriever.retrieve(q.question, index_for(q),
                                                                           max(10, pipeline.settings.top_k))])
            relevant.append(gold)
    # Recall counts the answerable questions whose answer lies inside one paragraph (not in a heading);
    # a follow-up is searched for only once its history exists, so it is measured by reading below.
    return {"questions": len(questions), "retrieval_questions": len(ranked), "chunks": chunks,
            **{f"recall@{k}": round(recall_at_k(ranked, relevant, k), 4) for k in (1, 3, 5)}}


def _reading_figures(pipeline, questions: list[OpenQuestion], gold_chunks: list[set], index_for, log) -> dict:
    predictions, scores, guesses, seconds, losses, followups = [], [], [], [], [], []
    history: dict[str, list] = {}
    for i, (q, gold) in enumerate(zip(questions, gold_chunks)):
        turns = history.setdefault(q.conversation, []) if q.conversation else []
        started = time.perf_counter()
        answer = pipeline.ask(q.question, index=index_for(q), history=list(turns) or None)
        seconds.append(time.perf_counter() - started)
        predictions.append(answer.text)
        scores.append(answer.score)
        guesses.append(answer.best_guess)
        if q.conversation:
            turns.append((q.question, answer.text))
        if q.standalone is not None:
            alone = pipeline.ask(q.standalone, index=index_for(q)).text
            followups.append((q, answer.text, alone))
        cited = answer.citation.chunk_id if answer.citation else None
        category = loss_category(bool(q.answers), bool(gold & {p.chunk.id for p in answer.passages}),
                                 answer.text is not None, cited in gold)
        # Read as the pipeline read it (a follow-up rewritten), so that the gap is not the rewrite's.
        read_as = answer.rewritten_question or q.question
        gold_context = pipeline.read(read_as, q.context).text if q.context else None
        losses.append((category, f1_score(gold_context, q.answers), f1_score(answer.text, q.answers)))
        if (i + 1) % 100 == 0:
            log(f"  {i + 1}/{len(questions)} questions")
    overall = answer_scores(predictions, [q.answers for q in questions])
    curve_inputs = (scores, [f1_score(g, q.answers) for q, g in zip(questions, guesses)],
                    [bool(q.answers) for q in questions])
    answerable = [(q, p) for q, p in zip(questions, predictions) if q.answers]
    unanswerable = [p for q, p in zip(questions, predictions) if not q.answers]
    figures = {
        "exact_match": overall["exact_match"],
        "f1": overall["f1"],
        "answerable_f1": answer_scores([p for _, p in answerable], [q.answers for q, _ in answerable])["f1"],
        "no_answer_accuracy": round(100 * sum(p is None for p in unanswerable) / max(1, len(unanswerable)), 2),
        "abstained_by_kind": _abstained_by_kind(questions, predictions),
        "p50_ms": round(1000 * statistics.median(seconds), 1),
        "gold_context_f1": round(100 * sum(g for _, g, _ in losses) / max(1, len(losses)), 2),
        "f1_lost_against_gold_context": loss_breakdown(losses),
        # Follow-ups keep the history they were asked with, so in conversations the curve is approximate.
        "f1_by_threshold": {f"{t:.2f}": round(100 * f, 2)
                            for t, f in threshold_curve(*curve_inputs, [i / 20 for i in range(2, 17)])},
        "best_threshold": best_threshold(*curve_inputs),
    }
    if followups:
        figures["followups"] = followup_figures(followups)
    return figures


def _abstained_by_kind(questions: list[OpenQuestion], predictions: list[str | None]) -> dict:
    """The share of unanswerable questions abstained on, for each kind (real, synthetic, generated)."""
    by_kind: dict[str, list[bool]] = {}
    for q, p in zip(questions, predictions):
        if q.kind != "answerable":
            by_kind.setdefault(q.kind, []).append(p is None)
    return {kind: {"questions": len(flags), "abstained": round(100 * sum(flags) / len(flags), 2)}
            for kind, flags in sorted(by_kind.items())}


def followup_figures(followups: list[tuple[OpenQuestion, str | None, str | None]]) -> dict:
    """Follow-ups as asked (after their history) against their standalone wording asked alone.

    ``followups`` holds (question, answer as asked, answer to the standalone wording); the gap
    between the two F1s is what resolving the follow-up costs.
    """
    golds = [q.answers for q, _, _ in followups]
    asked = answer_scores([a for _, a, _ in followups], golds)
    alone = answer_scores([s for _, _, s in followups], golds)
    unanswerable = [(a, s) for (q, a, s) in followups if not q.answers]
    return {"questions": len(followups), "unanswerable": len(unanswerable),
            "exact_match": asked["exact_match"], "f1": asked["f1"],
            "standalone_exact_match": alone["exact_match"], "standalone_f1": alone["f1"],
            "no_answer_accuracy": _share_abstained([a for a, _ in unanswerable]),
            "standalone_no_answer_accuracy": _share_abstained([s for _, s in unanswerable])}


def _share_abstained(answers: list[str | None]) -> float | None:
    """Percent of ``answers`` that are abstentions; None when there are none to count."""
    return round(100 * sum(a is None for a in answers) / len(answers), 2) if answers else None
