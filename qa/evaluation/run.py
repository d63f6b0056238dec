"""``qa eval``: run the whole pipeline over the question set and measure every stage.

One run loads the models once, then measures, side by side: retrieval (dense,
BM25, hybrid), the reader end to end and with the gold paragraph given,
citations, abstention, calibration and latency. The numbers land in a JSON file
and a Markdown report with plots; the previous reference report's figures are
compared with this run's.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from qa.config import PROJECT_DIR, RETRIEVAL_MODES, Settings
from qa.metrics import (answer_scores, expected_calibration_error, f1_score, latency_summary, mean_reciprocal_rank,
                        peak_rss_mb, recall_at_k, reliability_bins, threshold_curve)

DEFAULT_QUESTIONS = PROJECT_DIR / "eval" / "questions.jsonl"
DEFAULT_REPORTS = PROJECT_DIR / "eval" / "reports"


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    answers: tuple[str, ...]
    paragraphs: frozenset[int]
    type: str
    conversation: str | None = None
    turn: int | None = None
    standalone: str | None = None

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def load_questions(path: str | Path = DEFAULT_QUESTIONS) -> list[EvalQuestion]:
    """The evaluation set: one JSON object per line (see eval/README.md for the fields)."""
    out = []
    for line_no, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                row = json.loads(line)
                out.append(EvalQuestion(row["id"], row["question"], tuple(row["answers"]),
                                        frozenset(row["paragraphs"]), row["type"], row.get("conversation"),
                                        row.get("turn"), row.get("standalone")))
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}:{line_no}: not an evaluation question ({exc!r})") from None
    return out


def select(questions: list[EvalQuestion], limit: int | None) -> list[EvalQuestion]:
    """The first ``limit`` questions, keeping whole conversations so that follow-ups keep their history."""
    if limit is None:
        return questions
    chosen, seen = [], 0
    for q in questions:
        if seen >= limit and not (q.conversation and q.turn and q.turn > 1 and chosen and
                                  chosen[-1].conversation == q.conversation):
            break
        chosen.append(q)
        seen += 1
    return chosen


@dataclass
class Run:
    """One pass of the pipeline over the set under one configuration."""

    name: str
    predictions: list[str | None] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    best_guesses: list[str | None] = field(default_factory=list)
    cited_paragraphs: list[int | None] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def _run_pipeline(pipeline, questions: list[EvalQuestion], name: str, **ask_options) -> Run:
    run = Run(name)
    history: dict[str, list] = defaultdict(list)
    for q in questions:
        turns = history[q.conversation] if q.conversation else []
        started = time.perf_counter()
        answer = pipeline.ask(q.question, history=list(turns) or None, **ask_options)
        run.seconds.append(time.perf_counter() - started)
        run.predictions.append(answer.text)
        run.scores.append(answer.score)
        run.best_guesses.append(answer.best_guess)
        run.cited_paragraphs.append(answer.citation.paragraph if answer.citation else None)
        if q.conversation:
            turns.append((q.question, answer.text))
    return run


def _answer_metrics(questions: list[EvalQuestion], predictions: list[str | None]) -> dict:
    def block(items):
        return answer_scores([p for _, p in items], [q.answers for q, _ in items])

    pairs = list(zip(questions, predictions))
    by_type = defaultdict(list)
    for q, p in pairs:
        by_type[q.type].append((q, p))
    return {"overall": block(pairs), "answerable": block([(q, p) for q, p in pairs if q.answerable]),
            "by_type": {t: block(items) for t, items in sorted(by_type.items())}}


def _retrieval_metrics(pipeline, questions: list[EvalQuestion], mode: str) -> dict:
    index = pipeline.search_index()
    ranked, relevant = [], []
    history: dict[str, list] = defaultdict(list)
    for q in questions:
        turns = history[q.conversation] if q.conversation else []
        query = pipeline.followups.rewrite(q.question, turns)
        if q.conversation:
            turns.append((q.question, None))
        if not q.answerable:
            continue
        passages = pipeline.retriever.retrieve(query, index, 10, mode=mode)
        ranked.append([p.chunk.paragraph for p in passages])
        relevant.append(set(q.paragraphs))
    return {"recall@1": round(recall_at_k(ranked, relevant, 1), 4), "recall@3": round(recall_at_k(ranked, relevant, 3), 4),
            "recall@5": round(recall_at_k(ranked, relevant, 5), 4), "mrr": round(mean_reciprocal_rank(ranked, relevant), 4),
            "recall_curve": [round(recall_at_k(ranked, relevant, k), 4) for k in range(1, 11)], "questions": len(ranked)}


def _gold_paragraph_run(pipeline, questions: list[EvalQuestion]) -> list[str | None]:
    """The reader alone, given the (first) evidence paragraph: separates reader errors from retrieval errors."""
    from qa.pipeline import reading_context

    by_paragraph: dict[int, list[str]] = defaultdict(list)  # a split paragraph has several chunks
    for c in pipeline.search_index().chunks:
        if c.doc_id == _doc_id(pipeline):  # read as qa.ask reads it: heading included when the settings say so
            by_paragraph[c.paragraph].append(reading_context(c, pipeline.settings.read_headings)[0])
    out = []
    for q in questions:
        if not q.answerable:
            out.append(None)
            continue
        text = "\n\n".join(part for p in sorted(q.paragraphs) for part in by_paragraph.get(p, []))
        out.append(pipeline.read(q.standalone or q.question, text).text if text.strip() else None)
    return out


def _doc_id(pipeline) -> str:
    """The question set is about the first document of the corpus (the article)."""
    return pipeline.documents[0].id


def _abstention(questions: list[EvalQuestion], run: Run, threshold: float) -> dict:
    abstained = [p is None for p in run.predictions]
    unanswerable = [not q.answerable for q in questions]
    true_abstain = sum(a and u for a, u in zip(abstained, unanswerable))
    precision = true_abstain / max(1, sum(abstained))
    recall = true_abstain / max(1, sum(unanswerable))
    f1_if_answered = [f1_score(g, q.answers) if q.answerable else 0.0 for q, g in zip(questions, run.best_guesses)]
    curve = threshold_curve(run.scores, f1_if_answered, [q.answerable for q in questions])
    return {"threshold": threshold, "precision": round(precision, 4), "recall": round(recall, 4),
            "unanswerable": sum(unanswerable), "abstained": sum(abstained),
            "f1_by_threshold": [(t, round(100 * f, 2)) for t, f in curve]}


def _calibration(questions: list[EvalQuestion], run: Run) -> dict:
    correct = [float(q.answerable and f1_score(g, q.answers) >= 0.5) for q, g in zip(questions, run.best_guesses)]
    return {"ece": round(expected_calibration_error(run.scores, correct), 4),
            "bins": reliability_bins(run.scores, correct)}


def fresh_index_build_seconds(pipeline) -> float:
    """Time a from-scratch build of this corpus's index (in a temporary folder; models already loaded)."""
    from qa.pipeline import Pipeline

    with tempfile.TemporaryDirectory() as directory:
        # A Milvus server given by milvus_uri gets a collection of its own for this, not the served one.
        fresh = Pipeline(pipeline.settings.replace(index_dir=directory,
                                                   milvus_collection=f"{pipeline.settings.milvus_collection}_bench"),
                         embedder=pipeline.embedder, reader=pipeline.reader)
        started = time.perf_counter()
        fresh.search_index(log=lambda message: None)
        return time.perf_counter() - started


def evaluate(settings: Settings | None = None, *, questions_path: str | Path = DEFAULT_QUESTIONS,
             limit: int | None = None, progress=None, read_all: bool = True) -> dict:
    """Run every measurement and return the figures as one JSON-serialisable dict."""
    from qa.pipeline import Pipeline

    log = progress or (lambda message: None)
    questions = select(load_questions(questions_path), limit)
    started = time.perf_counter()
    pipeline = Pipeline(settings)
    index = pipeline.search_index()
    first = pipeline.ask(questions[0].question)
    cold_start = time.perf_counter() - started
    del first
    log(f"cold start {cold_start:.1f}s; {len(questions)} questions")
    index_seconds = fresh_index_build_seconds(pipeline)

    report: dict = {
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
        "questions": len(questions),
        "reader": pipeline.reader.source,
        "threshold": pipeline.answer_threshold,
        "top_k": pipeline.settings.top_k,
        "chunks": len(index.chunks),
    }
    runs = {}
    for mode in RETRIEVAL_MODES:
        log(f"end to end, {mode} retrieval")
        runs[mode] = _run_pipeline(pipeline, questions, mode, retrieval=mode)
    if read_all:
        log("end to end, reading every chunk")
        runs["read_all"] = _run_pipeline(pipeline, questions, "read_all", top_k=len(index.chunks))
    main_run = runs[pipeline.settings.retrieval]
    log("reader with the gold paragraph")
    gold = _gold_paragraph_run(pipeline, questions)

    report["end_to_end"] = _answer_metrics(questions, main_run.predictions)
    report["gold_paragraph"] = _answer_metrics(questions, gold)["answerable"]
    report["retrieval"] = {mode: _retrieval_metrics(pipeline, questions, mode) for mode in RETRIEVAL_MODES}
    report["baselines"] = {
        name: {**_answer_metrics(questions, run.predictions)["overall"], **latency_summary(run.seconds)}
        for name, run in runs.items()
    }
    cited = [(q, p) for q, p, text in zip(questions, main_run.cited_paragraphs, main_run.predictions)
             if q.answerable and text is not None]
    report["citation_accuracy"] = round(sum(p in q.paragraphs for q, p in cited) / max(1, len(cited)), 4)
    report["abstention"] = _abstention(questions, main_run, pipeline.answer_threshold)
    report["calibration"] = _calibration(questions, main_run)
    report["latency"] = {**latency_summary(main_run.seconds), "seconds": [round(s, 4) for s in main_run.seconds],
                         "cold_start_s": round(cold_start, 2), "index_build_s": round(index_seconds, 2),
                         "index_was_built": pipeline.index.was_built,
                         "peak_rss_mb": peak_rss_mb()}
    report["per_question"] = [
        {"id": q.id, "type": q.type, "question": q.question, "gold": list(q.answers), "prediction": p,
         "score": round(s, 4), "cited_paragraph": c, "f1": round(f1_score(p, q.answers), 3)}
        for q, p, s, c in zip(questions, main_run.predictions, main_run.scores, main_run.cited_paragraphs)
    ]
    return report
