"""``qa bench``: where the time goes, as medians over repeated runs in one process.

Stages timed separately (question embedding, FAISS search, BM25, reader, whole
``ask``), each with its share of the warm ``ask``; reading every chunk against
top-k in the same run; cold start to first answer in a fresh process; index
build from scratch; peak resident memory.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from qa.config import Settings
from qa.metrics import latency_summary

QUESTIONS = [
    "How many fighters are estimated to be affiliated with ISIS-K?",
    "Who is Colin Clarke?",
    "What does ISKP stand for?",
    "Which minority does ISIS-K primarily target?",
    "When did ISIS-K begin operations in Afghanistan?",
    "Who is the leader of ISIS-K?",
    "Where is Mark Gollom based?",
    "How many people were killed in the maternity hospital attack?",
]


def _median_ms(fn, repeats: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    summary = latency_summary(samples)
    return summary["p50_ms"], summary["p95_ms"]


def fresh_index_build_seconds(pipeline) -> float:
    """Time a from-scratch build of this corpus's index (in a temporary folder; models already loaded)."""
    from qa.pipeline import Pipeline

    with tempfile.TemporaryDirectory() as directory:
        fresh = Pipeline(pipeline.settings.replace(index_dir=directory), embedder=pipeline.embedder,
                         reader=pipeline.reader)
        started = time.perf_counter()
        fresh.search_index(log=lambda message: None)
        return time.perf_counter() - started


def cold_start_seconds(settings: Settings, question: str) -> float:
    """Seconds from a fresh interpreter to the first answer (index already on disk)."""
    code = (
        "import time; t=time.perf_counter(); import qa; from qa.config import Settings; import json,sys; "
        f"s=Settings(**json.loads(sys.argv[1])); qa.Pipeline(s).ask({question!r}); print(time.perf_counter()-t)"
    )
    fields = {k: (list(v) if isinstance(v, tuple) else v) for k, v in settings.__dict__.items()}
    out = subprocess.run([sys.executable, "-c", code, json.dumps(fields)], capture_output=True, text=True,
                         timeout=600, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def run_benchmark(settings: Settings | None = None, *, repeats: int = 5, include_cold: bool = True,
                  log=None) -> dict:
    """Measure and return every figure (milliseconds unless named otherwise)."""
    from qa.pipeline import Pipeline

    log = log or (lambda message: None)
    pipeline = Pipeline(settings)
    settings = pipeline.settings
    results: dict = {"questions": len(QUESTIONS), "repeats": repeats, "reader": pipeline.reader.source,
                     "reader_precision": settings.reader_precision,
                     "reader_runtime": settings.reader_runtime, "top_k": settings.top_k}
    if include_cold:
        pipeline.search_index()  # make sure the index exists on disk first
        log("cold start (fresh process)")
        colds = [cold_start_seconds(settings, QUESTIONS[0]) for _ in range(max(1, min(3, repeats)))]
        results["cold_start_s"] = round(statistics.median(colds), 2)
    log("warming up")
    pipeline.warm_up()
    index = pipeline.search_index()
    builds = [fresh_index_build_seconds(pipeline) for _ in range(max(1, min(3, repeats)))]
    results["index_build_ms"] = latency_summary(builds)["p50_ms"]

    from qa.pipeline import reading_context
    from qa.reader.reader import ExtractiveReader

    other_precision = "int8" if settings.reader_precision == "fp32" else "fp32"
    other_reader = ExtractiveReader.from_settings(settings.replace(reader_precision=other_precision))
    other_reader.warm_up()
    other_name = f"reader_{other_precision}"
    stages: dict[str, list[float]] = {k: [] for k in ("embed", "faiss", "bm25", "reader", other_name, "ask",
                                                      "read_all_ask")}
    for question in QUESTIONS:
        vector = pipeline.embedder.embed([question])[0]
        passages = pipeline.retriever.retrieve(question, index, settings.top_k)
        texts = [reading_context(p.chunk, settings.read_headings)[0] for p in passages]  # what ask reads
        for name, fn in (
            ("embed", lambda: pipeline.embedder.embed([question])),
            ("faiss", lambda: index.dense.search(vector, settings.candidates)),
            ("bm25", lambda: index.lexical.search(question, settings.candidates)),
            ("reader", lambda: pipeline.reader.read(question, texts)),
            (other_name, lambda: other_reader.read(question, texts)),
            ("ask", lambda: pipeline.ask(question)),
            ("read_all_ask", lambda: pipeline.ask(question, top_k=len(index.chunks))),
        ):
            median, _ = _median_ms(fn, repeats if name != "read_all_ask" else max(1, repeats // 2))
            stages[name].append(median)
    ask_samples = []
    for question in QUESTIONS:
        for _ in range(repeats):
            started = time.perf_counter()
            pipeline.ask(question)
            ask_samples.append(time.perf_counter() - started)
    summary = latency_summary(ask_samples)
    results["ask_p50_ms"], results["ask_p95_ms"] = summary["p50_ms"], summary["p95_ms"]
    medians = {name: round(statistics.median(values), 2) for name, values in stages.items()}
    results["stages_ms"] = medians
    results["stage_share_of_ask"] = {
        name: round(medians[name] / medians["ask"], 3) for name in ("embed", "faiss", "bm25", "reader")
    }
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return results


def print_benchmark(results: dict, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    table = Table(title=f"qa bench: medians over {results['questions']} questions x {results['repeats']} runs")
    table.add_column("measure")
    table.add_column("median ms", justify="right")
    table.add_column("share of ask", justify="right")
    for name, value in results["stages_ms"].items():
        share = results["stage_share_of_ask"].get(name)
        table.add_row(name, f"{value:g}", "" if share is None else f"{share:.0%}")
    table.add_row("ask p50 / p95", f"{results['ask_p50_ms']:g} / {results['ask_p95_ms']:g}", "")
    table.add_row("index build", f"{results['index_build_ms']:g}", "")
    if "cold_start_s" in results:
        table.add_row("cold start to first answer", f"{1000 * results['cold_start_s']:g}", "")
    table.add_row("peak RSS (MB)", f"{results['peak_rss_mb']:g}", "")
    console.print(table)


def synthetic_corpus(n_paragraphs: int, seed: int = 7) -> str:
    """A deterministic, varied text of ``n_paragraphs`` paragraphs, with headings every 8 paragraphs."""
    import random

    rng = random.Random(seed)
    people = ["Ada Moreno", "Ravi Patel", "Lena Okafor", "Tomas Berg", "Mei Chen", "Omar Haddad", "Sara Quinn"]
    places = ["Lisbon", "Nairobi", "Osaka", "Quito", "Tromso", "Adelaide", "Bergen", "Cusco", "Hanoi"]
    things = ["bridge", "library", "harbour", "observatory", "railway", "orchard", "museum", "dam", "market"]
    verbs = ["opened", "rebuilt", "expanded", "closed", "funded", "designed", "restored", "inspected"]
    lines = ["A synthetic gazette of invented towns", ""]
    for i in range(n_paragraphs):
        if i % 8 == 0:
            lines += [f"What happened in {rng.choice(places)} in {1900 + i % 120}?", ""]
        person, place, thing = rng.choice(people), rng.choice(places), rng.choice(things)
        year, count = 1850 + rng.randrange(170), rng.randrange(2, 5000)
        lines += [f"In {year}, {person} {rng.choice(verbs)} the {thing} of {place} (item {i}), which served "
                  f"{count} people a day. Critics in {rng.choice(places)} said the {rng.choice(things)} "
                  f"mattered more, and {rng.choice(people)} agreed.", ""]
    return "\n".join(lines)


def scale_benchmark(n_paragraphs: int = 10_000, *, queries: int = 200, log=None) -> dict:
    """Index a generated corpus with flat and HNSW FAISS indexes; HNSW recall@10 against exact search,
    search latency, build time, and a whole ``ask`` on the large corpus."""
    import numpy as np

    from qa.corpus import chunk_corpus, parse_document
    from qa.pipeline import Pipeline
    from qa.retriever.index import build_index

    log = log or (lambda message: None)
    document = parse_document(synthetic_corpus(n_paragraphs), name="gazette.txt")
    chunks = chunk_corpus([document])
    pipeline = Pipeline()
    log(f"embedding {len(chunks)} chunks")
    started = time.perf_counter()
    vectors = pipeline.embed_chunks(chunks)
    embed_s = time.perf_counter() - started
    rng = np.random.default_rng(0)
    picks = rng.choice(len(chunks), size=min(queries, len(chunks)), replace=False)
    query_vectors = pipeline.embedder.embed([" ".join(chunks[i].text.split()[:12]) for i in picks])
    out = {"paragraphs": len(chunks), "embed_s": round(embed_s, 1)}
    exact = None
    for kind in ("flat", "hnsw"):
        started = time.perf_counter()
        index = build_index(chunks, vectors, "scale", kind)
        build_s = time.perf_counter() - started
        hits = [[i for i, _ in index.search(v, 10)] for v in query_vectors]
        latency, _ = _median_ms(lambda: [index.search(v, 10) for v in query_vectors[:50]], 3)
        if exact is None:
            exact = hits
        recall = float(np.mean([len(set(h) & set(e)) / max(1, len(e)) for h, e in zip(hits, exact)]))
        out[kind] = {"build_s": round(build_s, 2), "search_ms_per_query": round(latency / 50, 3),
                     "recall@10_vs_exact": round(recall, 4)}
    from qa.retriever.retriever import SearchIndex

    search_index = SearchIndex.over(build_index(chunks, vectors, "scale", "flat"))
    question = f"Who {chunks[len(chunks) // 2].text.split()[3]} the {chunks[len(chunks) // 2].text.split()[5]}?"
    out["ask_ms_on_large_corpus"], _ = _median_ms(lambda: pipeline.ask(question, index=search_index), 3)
    return out
