"""``qa eval --compare-stores``: the evaluation set through the FAISS and the Milvus store, answer by answer.

Both pipelines share one embedder and one reader, so any difference comes from the stores'
retrieval (the order of passages, hence what the reader reads).
"""

from __future__ import annotations

import time
from collections import defaultdict

from qa.config import Settings
from qa.metrics import answer_scores, latency_summary


def compare_stores(settings: Settings, questions, *, log=None) -> dict:
    """Ask every question of both stores (follow-ups with each pipeline's own earlier answers) and count
    identical answers (text, score and citation) and identical passage rankings."""
    from qa.pipeline import Pipeline

    log = log or (lambda message: None)
    faiss = Pipeline(settings.replace(vector_store="faiss"))
    milvus = Pipeline(settings.replace(vector_store="milvus"), embedder=faiss.embedder, reader=faiss.reader)
    log("loading the FAISS index and the Milvus collection")
    faiss.warm_up()
    milvus.search_index(log=log)
    answers: dict[str, list] = {"faiss": [], "milvus": []}
    seconds: dict[str, list] = {"faiss": [], "milvus": []}
    for name, pipeline in (("faiss", faiss), ("milvus", milvus)):
        history: dict[str, list] = defaultdict(list)
        for q in questions:
            turns = history[q.conversation] if q.conversation else []
            started = time.perf_counter()
            answer = pipeline.ask(q.question, history=list(turns) or None)
            seconds[name].append(time.perf_counter() - started)
            answers[name].append(answer)
            if q.conversation:
                turns.append((q.question, answer.text))
    differing = []
    same_answer = same_passages = 0
    for q, a, b in zip(questions, answers["faiss"], answers["milvus"]):
        identical = (a.text, a.score, a.citation) == (b.text, b.score, b.citation)
        ranked_alike = [p.chunk.id for p in a.passages] == [p.chunk.id for p in b.passages]
        same_answer += identical
        same_passages += ranked_alike
        if not identical or not ranked_alike:
            differing.append({"id": q.id, "question": q.question, "faiss": a.text, "milvus": b.text,
                              "faiss_passages": [p.chunk.paragraph for p in a.passages],
                              "milvus_passages": [p.chunk.paragraph for p in b.passages]})
    return {
        "questions": len(questions),
        "identical_answers": same_answer,
        "identical_passage_rankings": same_passages,
        "f1": {name: round(answer_scores([x.text for x in answers[name]], [q.answers for q in questions])["f1"], 2)
               for name in answers},
        "ask_ms": {name: latency_summary(seconds[name]) for name in seconds},
        "milvus": settings.replace(vector_store="milvus").store_location,
        "differing": differing,
    }
