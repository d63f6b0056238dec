"""``qa bench --compare``: reader runtimes and reading strategies side by side, in one process.

Each variant changes only how the networks run or how much the reader reads (torch or ONNX
Runtime, fp32 or int8, all top_k passages or early stopping); retrieval and index are
shared, and every question is asked of every variant in turn, so that a load change on the
machine hits all variants alike. Measured per variant: end-to-end F1, exact match and
abstention on the article's evaluation set (eval/questions.jsonl) and on a sample of the
reader's dev split read as one open corpus; p50/p95 of ``ask`` on the article and on the
dev split's Wikipedia paragraphs (SQuADShifts new_wiki) as an open corpus; passages read
per question; cold start to the first answer and peak RSS in a fresh process.

The quality rule decides which variants may be the default: end-to-end F1 on the article
set and on the dev split each drop by less than 0.5 points against torch fp32 reading all
passages, and abstention does not get worse.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from qa.config import PROJECT_DIR, Settings
from qa.metrics import answer_scores, latency_summary

#: The reader's training data; its by-context dev split (6% of contexts) is what the reader was chosen on.
DEFAULT_DATA = PROJECT_DIR.parent / "shared" / "qa-data" / "train.jsonl"
DEV_FRACTION = 0.06
#: The early-stopping confidence the early-stop variants use.
EARLY_STOP = 0.8
BASELINE = "torch fp32"
#: Largest F1 drop (points) a default may cost, on each set.
MAX_F1_DROP = 0.5

_TORCH = {"reader_runtime": "torch", "embedding_runtime": "torch"}
_ONNX = {"reader_runtime": "onnx", "embedding_runtime": "onnx"}
#: torch variants run both networks on torch, ONNX ones both on ONNX Runtime; the last one is the default
#: of before the embedder ran on ONNX, to show what that change alone does.
VARIANTS: dict[str, dict] = {
    "torch fp32": {**_TORCH, "reader_precision": "fp32", "early_stop": None},
    "torch int8": {**_TORCH, "reader_precision": "int8", "early_stop": None},
    "onnx fp32": {**_ONNX, "reader_precision": "fp32", "early_stop": None},
    "onnx int8": {**_ONNX, "reader_precision": "int8", "early_stop": None},
    "torch fp32 early stop": {**_TORCH, "reader_precision": "fp32", "early_stop": EARLY_STOP},
    "onnx fp32 early stop": {**_ONNX, "reader_precision": "fp32", "early_stop": EARLY_STOP},
    "onnx int8 early stop": {**_ONNX, "reader_precision": "int8", "early_stop": EARLY_STOP},
    "onnx fp32 early stop (torch embedder)": {**_ONNX, "embedding_runtime": "torch", "reader_precision": "fp32",
                                             "early_stop": EARLY_STOP},
}


def chosen_variants(names: str | None) -> dict[str, dict]:
    """The variants named in ``names`` (comma-separated), the baseline always among them; None means all."""
    if names is None:
        return dict(VARIANTS)
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in VARIANTS]
    if unknown:
        raise ValueError(f"no variant named {unknown[0]!r}; the variants are: {', '.join(VARIANTS)}")
    return {n: VARIANTS[n] for n in VARIANTS if n in wanted or n == BASELINE}


def dev_split(path: str | Path = DEFAULT_DATA, *, limit: int | None = None, source: str | None = None) -> list:
    """The reader's dev split of ``path`` (questions asked alone), optionally of one ``source`` (a
    substring of it), every n-th example so that ``limit`` of them spread over the whole split."""
    from qa.evaluation.qa_data import is_dev_context, load_examples

    examples = [ex for ex in load_examples(path) if is_dev_context(ex.context, DEV_FRACTION)
                and not ex.meta.get("conversation") and (source is None or source in ex.source)]
    if limit is not None and len(examples) > limit:
        step = len(examples) / limit
        examples = [examples[int(i * step)] for i in range(limit)]
    return examples


def _variant_pipelines(base, variants: dict[str, dict]) -> dict:
    """One pipeline per variant; variants with the same embedding runtime share one embedder (the base
    pipeline's where it runs the same), so each variant's question embedding costs what it would alone."""
    from qa.pipeline import Pipeline
    from qa.retriever.embedding import Embedder

    embedders = {base.settings.embedding_runtime: base.embedder}
    pipelines = {}
    for name, changes in variants.items():
        settings = base.settings.replace(**changes)
        if settings.embedding_runtime not in embedders:
            embedders[settings.embedding_runtime] = Embedder.from_settings(settings)
        pipeline = Pipeline(settings, embedder=embedders[settings.embedding_runtime])
        pipeline.embedder.embed(["warm up"])
        pipeline.reader.warm_up()
        pipelines[name] = pipeline
    return pipelines


def _ask_interleaved(pipelines: dict, questions: list[tuple[str, tuple[str, ...], str | None]], index, log,
                     label: str) -> dict[str, dict]:
    """Ask every question of every variant in turn; ``questions`` holds (question, golds, conversation)."""
    out = {name: {"predictions": [], "seconds": [], "passages": []} for name in pipelines}
    history: dict[tuple[str, str], list] = defaultdict(list)
    for i, (question, _, conversation) in enumerate(questions):
        for name, pipeline in pipelines.items():
            turns = history[(name, conversation)] if conversation else []
            started = time.perf_counter()
            answer = pipeline.ask(question, history=list(turns) or None, index=index)
            out[name]["seconds"].append(time.perf_counter() - started)
            out[name]["predictions"].append(answer.text)
            out[name]["passages"].append(len(answer.passages))
            if conversation:
                turns.append((question, answer.text))
        if (i + 1) % 50 == 0:
            log(f"  {label}: {i + 1}/{len(questions)} questions")
    return out


def _figures(run: dict, golds: list[tuple[str, ...]]) -> dict:
    scores = answer_scores(run["predictions"], golds)
    unanswerable = [p for p, g in zip(run["predictions"], golds) if not g]
    return {"f1": scores["f1"], "exact_match": scores["exact_match"],
            "abstained_unanswerable": sum(p is None for p in unanswerable), "unanswerable": len(unanswerable),
            "passages_read": round(float(np.mean(run["passages"])), 2), **latency_summary(run["seconds"])}


def _plain_forward_ms(pipeline, questions: list[str], index) -> dict:
    """A plain PyTorch forward (fp32, one batch padded to the longest window) over the passages ``ask``
    retrieves for each question: the yardstick the issue's 0.6x target is measured against."""
    import torch
    from transformers import AutoModelForQuestionAnswering

    from qa.pipeline import reading_context
    from qa.reader.windows import clip_question

    reader = pipeline.reader
    tokenizer, _ = reader._components()
    model = AutoModelForQuestionAnswering.from_pretrained(reader.source, dtype=torch.float32).eval()
    samples = []
    for question in questions:
        passages = pipeline.retriever.retrieve(question, index, pipeline.settings.top_k)
        texts = [reading_context(p.chunk, pipeline.settings.read_headings)[0] for p in passages]
        encoded = tokenizer([clip_question(tokenizer, question, reader.max_query_tokens)] * len(texts), texts,
                            truncation="only_second", max_length=reader.max_seq_length, stride=reader.doc_stride,
                            return_overflowing_tokens=True, padding="longest", return_tensors="pt")
        inputs = {k: encoded[k] for k in ("input_ids", "attention_mask", "token_type_ids")}
        with torch.inference_mode():
            model(**inputs)
            started = time.perf_counter()
            model(**inputs)
            samples.append(time.perf_counter() - started)
    return latency_summary(samples)


_COLD_START = """
import time
started = time.perf_counter()
import json, sys
import qa
from qa.config import Settings, offline_environment
offline_environment()
pipeline = qa.Pipeline(Settings.from_json(sys.argv[1]))
pipeline.ask(sys.argv[2])
first = time.perf_counter() - started
for _ in range(10):
    pipeline.ask(sys.argv[2])
from qa.metrics import peak_rss_mb
print(json.dumps({"first_answer_s": round(first, 2), "peak_rss_mb": peak_rss_mb()}))
"""


def cold_start(settings: Settings, question: str) -> dict:
    """Seconds from a fresh interpreter to the first answer, and that process's peak RSS after ten more
    answers (index and ONNX export already on disk)."""
    out = subprocess.run([sys.executable, "-c", _COLD_START, settings.to_json(), question], capture_output=True,
                         text=True, timeout=600, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(settings: Settings | None = None, *, data: str | Path = DEFAULT_DATA,
            variants: dict[str, dict] | None = None, article_limit: int | None = None, dev_limit: int = 200,
            wiki_limit: int = 60, cold: bool = True, isolated: bool = False, plain_forward: bool = True,
            log=None, partial=None) -> dict:
    """Measure every variant (see the module docstring); returns JSON-serialisable figures.
    ``partial(results)``, when given, receives the figures so far after each part (a long run on a
    busy machine then leaves what it measured).

    ``isolated`` measures each variant alone in a fresh process, one after the other, instead of
    interleaving them in one: torch's and ONNX Runtime's thread pools, both loaded in one process,
    keep spinning after their own calls and slow the other's, which an interleaved run charges to
    whichever variant comes next; a load change on the machine is then no longer shared alike.
    ``plain_forward`` (the plain torch yardstick) is measured in the baseline's process only."""
    from qa.evaluation.open_corpus import write_open_corpus
    from qa.evaluation.run import load_questions, select
    from qa.pipeline import Pipeline

    if not Path(data).is_file():
        raise ValueError(f"no QA data at {data} (its dev split is measured; pass --data)")
    log = log or (lambda message: None)
    variants = dict(VARIANTS if variants is None else variants)
    if isolated:
        return _compare_isolated(settings or Settings.from_env(), variants, log=log, partial=partial, data=str(data),
                                 article_limit=article_limit, dev_limit=dev_limit, wiki_limit=wiki_limit, cold=cold)
    base = Pipeline(settings)
    article_index = base.search_index()
    log(f"loading {len(variants)} variants (the ONNX exports are made now if not cached)")
    # Only the variants' own models are loaded: the base pipeline lends its index and settings.
    pipelines = _variant_pipelines(base, variants)
    first = next(iter(pipelines.values()))
    results: dict = {"variants": {name: {"settings": changes} for name, changes in variants.items()},
                     "top_k": base.settings.top_k, "reader": base.reader.source, "baseline": BASELINE}

    article = select(load_questions(), article_limit)
    log(f"article: {len(article)} questions x {len(variants)} variants")
    asked = [(q.question, q.answers, q.conversation) for q in article]
    runs = _ask_interleaved(pipelines, asked, article_index, log, "article")
    for name, run in runs.items():
        results["variants"][name]["article"] = _figures(run, [q.answers for q in article])
    standalone = [q.standalone or q.question for q in article]
    if plain_forward:
        results["plain_torch_forward_ms"] = _plain_forward_ms(first, standalone, article_index)
    partial = partial or (lambda figures: None)
    partial(results)

    with tempfile.TemporaryDirectory(prefix="qa-compare-") as tmp:
        for key, examples in (("dev", dev_split(data, limit=dev_limit)),
                              ("wiki", dev_split(data, limit=wiki_limit, source="new_wiki"))):
            questions = write_open_corpus(examples, Path(tmp) / key / "corpus")
            corpus = Pipeline(base.settings.replace(corpus=(str(Path(tmp) / key / "corpus"),),
                                                    index_dir=str(Path(tmp) / key / "index")),
                              embedder=first.embedder)
            index = corpus.search_index(log=lambda message: None)
            results[f"{key}_corpus"] = {"questions": len(questions), "chunks": len(index.chunks)}
            log(f"{key}: {len(questions)} questions over {len(index.chunks)} passages x {len(variants)} variants")
            runs = _ask_interleaved(pipelines, [(q.question, q.answers, None) for q in questions], index, log, key)
            for name, run in runs.items():
                results["variants"][name][key] = _figures(run, [q.answers for q in questions])
            partial(results)

    if cold:
        seen: dict[tuple, dict] = {}
        for name, changes in variants.items():
            key = (changes.get("reader_runtime"), changes.get("reader_precision"), changes.get("embedding_runtime"))
            if key not in seen:
                log(f"cold start: {name}")
                seen[key] = cold_start(pipelines[name].settings, article[0].question)
            results["variants"][name]["cold"] = seen[key]
    if BASELINE in results["variants"]:
        results["quality_rule"] = quality_rule(results)
    return results


_ISOLATED = """
import json, sys
from qa.config import Settings, offline_environment
offline_environment()
from lab.compare import compare
variants, options = (json.loads(a) for a in sys.argv[2:4])
print(json.dumps(compare(Settings.from_json(sys.argv[1]), variants=variants, **options)))
"""


def _compare_isolated(settings: Settings, variants: dict[str, dict], *, log, partial, **options) -> dict:
    """:func:`compare` for each variant alone in a fresh process, merged into one set of figures."""
    results: dict = {"isolated": True}
    for name, changes in variants.items():
        log(f"{name}: measured alone in a fresh process")
        run = subprocess.run([sys.executable, "-c", _ISOLATED, settings.to_json(), json.dumps({name: changes}),
                              json.dumps({**options, "plain_forward": name == BASELINE})],
                             capture_output=True, text=True, timeout=4 * 3600)
        if run.returncode != 0:
            raise RuntimeError(f"the {name} run failed: {(run.stderr.strip().splitlines() or ['no message'])[-1]}")
        part = json.loads(run.stdout.strip().splitlines()[-1])
        results.setdefault("variants", {}).update(part.pop("variants"))
        for key, value in part.items():  # shared figures (corpus sizes, the yardstick): the first run's
            results.setdefault(key, value)
        if partial:
            partial(results)
    if BASELINE in results.get("variants", {}):
        results["quality_rule"] = quality_rule(results)
    return results


def quality_rule(results: dict) -> dict[str, bool]:
    """Per variant, whether it may be the default: F1 within ``MAX_F1_DROP`` of the baseline on the
    article set and on the dev split, and no fewer unanswerable questions abstained on either."""
    base = results["variants"][BASELINE]
    verdicts = {}
    for name, figures in results["variants"].items():
        verdicts[name] = all(
            figures[key]["f1"] > base[key]["f1"] - MAX_F1_DROP
            and figures[key]["abstained_unanswerable"] >= base[key]["abstained_unanswerable"]
            for key in ("article", "dev"))
    return verdicts


def print_comparison(results: dict, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    plain = results["plain_torch_forward_ms"]["p50_ms"]
    table = Table(title=f"qa bench --compare (top {results['top_k']}; plain torch forward over the same "
                        f"passages: p50 {plain:g} ms)")
    for column in ("variant", "article F1", "abstained", "dev F1", "dev no-ans", "article p50/p95 ms",
                   "x plain", "wiki p50/p95 ms", "passages", "cold s", "RSS MB", "rule"):
        table.add_column(column, justify="left" if column == "variant" else "right")
    for name, v in results["variants"].items():
        a, d, w, c = v["article"], v["dev"], v["wiki"], v.get("cold", {})
        table.add_row(
            name, f"{a['f1']:.2f}", f"{a['abstained_unanswerable']}/{a['unanswerable']}", f"{d['f1']:.2f}",
            f"{d['abstained_unanswerable']}/{d['unanswerable']}", f"{a['p50_ms']:g} / {a['p95_ms']:g}",
            f"{a['p50_ms'] / plain:.2f}", f"{w['p50_ms']:g} / {w['p95_ms']:g}", f"{a['passages_read']:g}",
            f"{c['first_answer_s']:g}" if c else "", f"{c['peak_rss_mb']:g}" if c else "",
            "ok" if results["quality_rule"][name] else "no")
    console.print(table)
