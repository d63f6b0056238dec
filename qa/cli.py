"""The ``qa`` command: a thin layer over the library that turns its errors into one-line messages."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _add_train_reader(sub) -> None:
    from qa.config import TrainConfig

    p = sub.add_parser("train-reader", help="fine-tune an extractive reader (SQuAD 2.0 objective)")
    TrainConfig.add_arguments(p, "training (each also a QA_TRAIN_* environment variable)")
    # The flag's earlier spelling, kept working.
    p.add_argument("--fp32", dest="save_fp16", action="store_false", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def _run_train_reader(args) -> int:
    from qa.config import TrainConfig
    from qa.reader.training import train_reader

    model_dir = train_reader(TrainConfig.from_args(args))
    print(f"model saved to {model_dir}")
    return 0


def _add_settings(p) -> None:
    """Flags shared by the commands that build a pipeline: one per setting, each over its QA_* variable."""
    from qa.config import Settings

    Settings.add_arguments(p, "settings (each also a QA_* environment variable)")


def settings_from_args(args, environ: dict[str, str] | None = None):
    """Settings from the environment (``environ``, default ``os.environ``), overridden by the flags."""
    from qa.config import Settings

    return Settings.from_args(args, environ)


def _pipeline(args):
    from qa.pipeline import Pipeline

    return Pipeline(settings_from_args(args))


def format_answer(answer, pipeline) -> str:
    """The human-readable reply (see :func:`qa.presentation.plain_text`)."""
    from qa.presentation import corpus_name, plain_text

    return plain_text(answer, threshold=pipeline.answer_threshold, multi_document=len(pipeline.documents) > 1,
                      single=corpus_name(pipeline.documents))


def _add_ask(sub) -> None:
    p = sub.add_parser("ask", help="answer a question (or, with --jsonl, one question per stdin line)")
    p.add_argument("question", nargs="?", help="the question; '-' or none with --jsonl reads stdin")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print Answer.to_dict() as JSON")
    out.add_argument("--jsonl", action="store_true", help="read questions from stdin, print one JSON per line")
    _add_settings(p)


def _read_stdin_lines():
    data = sys.stdin.buffer.read()
    # Invalid UTF-8 becomes U+FFFD rather than an exception: the question is still asked.
    return data.decode("utf-8", errors="replace").splitlines()


def _run_ask(args) -> int:
    from qa.errors import QuestionError
    from qa.presentation import error_message

    pipeline = _pipeline(args)
    if args.jsonl:
        if args.question not in (None, "-"):
            raise UsageError("--jsonl reads questions from stdin; give no question")
        failures = 0
        for line in _read_stdin_lines():
            if not line.strip():
                continue
            try:
                row = pipeline.ask(line).to_dict()
            except QuestionError as exc:
                failures += 1
                row = {"question": line, "error": error_message(exc)}
            print(json.dumps(row, ensure_ascii=False), flush=True)
        return 1 if failures else 0
    question = args.question
    if question in (None, "-"):
        if sys.stdin.isatty() or question is None:
            raise UsageError("give a question, e.g. qa ask \"Who leads ISIS-K?\"")
        question = "\n".join(_read_stdin_lines())
    answer = pipeline.ask(question)
    print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) if args.json else format_answer(answer, pipeline))
    return 0


def _add_index(sub) -> None:
    p = sub.add_parser("index", help="build the index if needed (or --rebuild it) and describe it")
    p.add_argument("--rebuild", action="store_true", help="discard the saved index and build it again")
    _add_settings(p)


def _run_index(args) -> int:
    import time
    import shutil

    pipeline = _pipeline(args)
    if args.rebuild:  # and every chunk embedded again
        shutil.rmtree(pipeline.vector_cache.directory, ignore_errors=True)
    started = time.perf_counter()
    index = pipeline.search_index(rebuild=args.rebuild)
    seconds = time.perf_counter() - started
    verb = "built" if pipeline.index_was_built else "loaded"
    print(f"index {verb} in {seconds:.1f}s: {len(pipeline.documents)} document(s), {len(index.chunks)} chunks "
          f"in {pipeline.settings.store_location}")
    return 0


def _add_library(sub) -> None:
    p = sub.add_parser("add", help="copy documents into the library folder and update the index")
    p.add_argument("paths", nargs="+", metavar="FILE_OR_FOLDER", help=".txt, .md, .html, .pdf or .docx files, or "
                                                                      "folders of them")
    _add_settings(p)
    p = sub.add_parser("remove", help="delete documents from the library folder and update the index")
    p.add_argument("names", nargs="+", metavar="NAME", help="a document's file name (or its name without suffix)")
    _add_settings(p)
    p = sub.add_parser("list", help="the corpus's documents with their chunks and pages")
    p.add_argument("--json", action="store_true", help="one JSON object per document")
    _add_settings(p)


def _update_index(pipeline) -> None:
    import time

    started = time.perf_counter()
    index = pipeline.search_index()
    print(f"index updated in {time.perf_counter() - started:.1f}s: {pipeline.chunks_embedded} of "
          f"{len(index.chunks)} chunks embedded (the others reused), {len(pipeline.documents)} document(s)")


def _run_add(args) -> int:
    from qa.library import add_files, library_folder
    from qa.pipeline import Pipeline

    settings = settings_from_args(args)
    result = add_files(settings, args.paths)
    folder = library_folder(settings)
    for document in result.added:
        name = Path(document.source).name
        pages = f", {document.pages} page(s)" if document.pages else ""
        verb = "replaced" if name in result.replaced else "added"
        print(f"{verb} {name} ({document.title}{pages}) in {folder}")
    for problem in result.refused:
        print(f"qa add: refused {problem}", file=sys.stderr)
    if result.added:
        pipeline = Pipeline(settings)
        _update_index(pipeline)
        counts = {}
        for chunk in pipeline.search_index().chunks:
            counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
        for document in result.added:
            print(f"  {Path(document.source).name}: {counts.get(document.id, 0)} chunks")
    return 1 if result.refused else 0


def _run_remove(args) -> int:
    from qa.errors import QAError
    from qa.library import remove_file
    from qa.pipeline import Pipeline

    settings = settings_from_args(args)
    failed = False
    removed = 0
    for name in args.names:
        try:
            path = remove_file(settings, name)
        except QAError as exc:
            print(f"qa remove: {exc}", file=sys.stderr)
            failed = True
            continue
        removed += 1
        print(f"removed {path.name} from {path.parent}")
    if removed:
        _update_index(Pipeline(settings))
    return 1 if failed else 0


def _run_list(args) -> int:
    from qa.library import list_documents
    from qa.presentation import clip

    pipeline = _pipeline(args)
    rows = list_documents(pipeline)
    if args.json:
        for row in rows:
            print(json.dumps(row.to_dict(), ensure_ascii=False))
        return 0
    width = max([len(r.file) for r in rows] + [8])
    print(f"{'document':<{width}}  {'chunks':>6}  {'pages':>5}  title")
    for r in rows:
        print(f"{r.file:<{width}}  {r.chunks:>6}  {r.pages if r.pages else '-':>5}  {clip(r.title, 60)}")
    print(f"{len(rows)} document(s), {sum(r.chunks for r in rows)} chunks")
    for problem in pipeline.skipped:
        print(f"not indexed: {problem}")
    return 0


def _add_eval_reader(sub) -> None:
    p = sub.add_parser("eval-reader", help="EM/F1/no-answer accuracy of a reader on QA data with gold contexts")
    p.add_argument("data", help="JSONL in the qa-data format (or a SQuAD .json file)")
    p.add_argument("--reader", default=None, help="reader to measure (default: the shipped reader)")
    p.add_argument("--limit", type=int, default=None, help="only the first N examples")
    p.add_argument("--threshold", type=float, default=None, help="answer threshold (default: the reader's card)")
    p.add_argument("--calibrate", action="store_true",
                   help="fit confidence calibration and threshold on this data and write them into the reader's card")


def _run_eval_reader(args) -> int:
    from qa.reader.data import load_examples
    from qa.reader.evaluation import calibrate, calibration_error, predict, score_predictions, write_card
    from qa.reader.reader import ExtractiveReader

    examples = load_examples(args.data)[: args.limit]
    reader = ExtractiveReader(args.reader)
    predictions = predict(reader, examples, progress=True)
    card = calibrate(predictions) if args.calibrate else reader.card
    metrics = score_predictions(predictions, card, args.threshold)
    metrics["ece"] = round(calibration_error(predictions, card), 4)
    print(json.dumps(metrics, indent=2))
    if args.calibrate:
        path = write_card(reader.source, card, {"dev": metrics, "data": str(args.data)})
        print(f"calibration written to {path}: scale {card.scale}, bias {card.bias}, "
              f"threshold {card.answer_threshold}")
    return 0


def _add_eval_open(sub) -> None:
    p = sub.add_parser("eval-open", help="QA data read as one open corpus, end to end, under settings variants")
    p.add_argument("data", help="JSONL in the qa-data format, e.g. train/data/news_dev.jsonl")
    p.add_argument("--variant", action="append", default=[], metavar="NAME:SETTING=VALUE,...",
                   help="a configuration to compare, settings named as their QA_* variables without the prefix "
                        "(e.g. 'bm25top3:RETRIEVAL=bm25,TOP_K=3'); flags such as --top-k apply to every "
                        "variant and win over it; default: one variant, the settings as given")
    p.add_argument("--limit", type=int, default=None, help="only the first N examples")
    p.add_argument("--no-read", action="store_true", help="measure retrieval only")
    p.add_argument("--per-document", action="store_true",
                   help="ask each question of its own document alone, as qa.ask reads one article")
    p.add_argument("--json", default=None, help="also write the figures to this JSON file")
    _add_settings(p)


def _variant_settings(args) -> dict:
    """``--variant`` flags as named Settings: the environment, then the variant's settings, then the flags."""
    import os

    from qa.config import Settings

    # The open corpus replaces these.
    known = {f.name.upper() for f, _, _, _ in Settings.declarations()} - {"CORPUS", "INDEX_DIR"}
    variants = {}
    for spec in args.variant or ["settings:"]:
        name, colon, pairs = spec.partition(":")
        if not colon:
            raise UsageError(f"--variant takes NAME:SETTING=VALUE,..., not {spec!r}")
        environ = dict(os.environ)
        for pair in filter(None, pairs.split(",")):
            key, sep, value = pair.partition("=")
            key = key.strip().upper()
            if not sep or not key or not value.strip():
                raise UsageError(f"--variant takes NAME:SETTING=VALUE,..., not {spec!r}")
            if key not in known:
                raise UsageError(f"--variant {spec!r}: no setting named {key} that a variant can set "
                                 "(see the README's settings table)")
            environ[f"QA_{key}"] = value.strip()
        if (name or spec) in variants:
            raise UsageError(f"two variants are named {name or spec!r}")
        variants[name or spec] = settings_from_args(args, environ)
    return variants


def _run_eval_open(args) -> int:
    from pathlib import Path

    from rich.console import Console

    from qa.evaluation.open_corpus import evaluate_open
    from qa.reader.data import load_examples

    console = Console()
    variants = _variant_settings(args)
    results = evaluate_open(load_examples(args.data)[: args.limit], variants, read=not args.no_read,
                            per_document=args.per_document, log=lambda message: console.print(f"[dim]{message}[/]"))
    console.print_json(json.dumps(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


def _add_eval_docs(sub) -> None:
    p = sub.add_parser("eval-docs", help="a folder of documents read as one library, asked every question of a "
                                         "JSONL file; per document and in total")
    p.add_argument("folder", help="the documents (PDF, Word, text), indexed together")
    p.add_argument("questions", help="JSONL: doc, question, answers, page, answerable")
    p.add_argument("--variant", action="append", default=[], metavar="NAME:SETTING=VALUE,...",
                   help="a configuration to compare, e.g. 'plain:PDF_READER=plain' (the plain-text baseline); "
                        "default: one variant, the settings as given")
    p.add_argument("--json", default=None, help="also write the figures (and every answer) to this JSON file")
    _add_settings(p)


def _run_eval_docs(args) -> int:
    from pathlib import Path

    from rich.console import Console

    from qa.evaluation.documents import evaluate_documents, load_questions
    from qa.evaluation.report import print_document_figures

    console = Console()
    results = evaluate_documents(args.folder, load_questions(args.questions), _variant_settings(args),
                                 log=lambda message: console.print(f"[dim]{message}[/]"))
    print_document_figures(results, console)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


def _add_eval(sub) -> None:
    p = sub.add_parser("eval", help="measure the whole pipeline on the evaluation question set")
    p.add_argument("--questions", default=None, help="question set (default: eval/questions.jsonl)")
    p.add_argument("--limit", type=int, default=None, help="only the first N questions (whole conversations kept)")
    p.add_argument("--output", default=None, help="report folder (default: eval/reports)")
    p.add_argument("--reference", default=None,
                   help="report.json to compare with (default: the one in eval/reports, kept in git)")
    p.add_argument("--no-read-all", action="store_true", help="skip the read-every-chunk baseline")
    p.add_argument("--compare-stores", action="store_true",
                   help="instead: ask every question of the FAISS and the Milvus store and count identical answers")
    _add_settings(p)


def _run_eval(args) -> int:
    from pathlib import Path

    from rich.console import Console

    from qa.evaluation.report import print_summary, write_report
    from qa.evaluation.run import DEFAULT_QUESTIONS, DEFAULT_REPORTS, evaluate

    console = Console(stderr=False)
    if args.compare_stores:
        from qa.evaluation.run import load_questions, select
        from qa.evaluation.stores import compare_stores

        questions = select(load_questions(args.questions or DEFAULT_QUESTIONS), args.limit)
        results = compare_stores(settings_from_args(args), questions,
                                 log=lambda message: console.print(f"[dim]{message}[/]"))
        console.print_json(json.dumps(results))
        if args.output:
            Path(args.output).mkdir(parents=True, exist_ok=True)
            (Path(args.output) / "stores.json").write_text(json.dumps(results, indent=2) + "\n")
        return 0
    reference_path = Path(args.reference) if args.reference else DEFAULT_REPORTS / "report.json"
    reference = json.loads(reference_path.read_text()) if reference_path.is_file() else None
    report = evaluate(settings_from_args(args), questions_path=args.questions or DEFAULT_QUESTIONS,
                      limit=args.limit, read_all=not args.no_read_all,
                      progress=lambda message: console.print(f"[dim]{message}[/]"))
    print_summary(report, reference, console)
    path = write_report(report, Path(args.output) if args.output else DEFAULT_REPORTS, reference)
    console.print(f"report written to {path}")
    return 0


def _add_bench(sub) -> None:
    p = sub.add_parser("bench", help="time each stage (medians), cold start, index build and memory")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--no-cold", action="store_true", help="skip the fresh-process cold-start measurement")
    p.add_argument("--json", default=None, help="also write the figures to this JSON file")
    p.add_argument("--incremental", type=int, default=None, metavar="N", nargs="?", const=10_000,
                   help="instead: add a 10-page PDF to N generated paragraphs (default 10,000), full rebuild "
                        "against incremental update")
    p.add_argument("--scale", type=int, default=None, metavar="N",
                   help="instead: index N generated paragraphs in each vector store (--stores) and measure them")
    p.add_argument("--stores", default="faiss,faiss-hnsw,milvus",
                   help="with --scale: comma-separated stores among faiss, faiss-hnsw, milvus")
    p.add_argument("--asks", type=int, default=20, help="with --scale: questions asked end to end per store")
    p.add_argument("--load", type=int, default=None, metavar="CLIENTS",
                   help="instead: CLIENTS concurrent gradio clients x --per-client questions against the app")
    p.add_argument("--per-client", type=int, default=10)
    p.add_argument("--api", action="store_true", help="with --load: ask through the HTTP API (POST /api/ask)")
    p.add_argument("--add", default=None, metavar="FILE",
                   help="with --load --api: add this document through POST /api/documents during the load")
    p.add_argument("--compare", action="store_true",
                   help="instead: reader runtimes (torch/ONNX, fp32/int8) and early stopping side by side, "
                        "with F1 on the article set and the dev split, latency, cold start and memory")
    p.add_argument("--data", default=None, help="with --compare: the QA data whose dev split is read "
                                               "(default: the reader's training data)")
    p.add_argument("--dev-limit", type=int, default=200, help="with --compare: dev-split questions")
    p.add_argument("--wiki-limit", type=int, default=60, help="with --compare: Wikipedia questions")
    p.add_argument("--article-limit", type=int, default=None, help="with --compare: article questions")
    p.add_argument("--isolated", action="store_true",
                   help="with --compare: each variant alone in a fresh process, one after the other (no other "
                        "runtime's threads beside it), instead of interleaved in one process")
    p.add_argument("--variants", default=None, metavar="NAME,NAME",
                   help="with --compare: only these variants (default: all; see qa/evaluation/compare.py)")
    _add_settings(p)


def _run_bench(args) -> int:
    from pathlib import Path

    from rich.console import Console

    console = Console()

    def log(message: str) -> None:
        console.print(f"[dim]{message}[/]")

    ok = True
    if args.load:
        results = _run_load(args, log)
        ok = results["failed"] == 0 and results["mismatched"] == 0
        console.print_json(json.dumps(results))
    elif args.incremental:
        from qa.evaluation.bench import incremental_benchmark

        results = incremental_benchmark(args.incremental, log=log)
        console.print_json(json.dumps(results))
    elif args.compare:
        from qa.evaluation.compare import DEFAULT_DATA, chosen_variants, compare, print_comparison

        results = compare(settings_from_args(args), data=args.data or DEFAULT_DATA, dev_limit=args.dev_limit,
                          wiki_limit=args.wiki_limit, article_limit=args.article_limit, cold=not args.no_cold,
                          variants=chosen_variants(args.variants), isolated=args.isolated, log=log,
                          partial=(lambda figures: Path(args.json).write_text(json.dumps(figures, indent=2) + "\n"))
                          if args.json else None)
        print_comparison(results, console)
    elif args.scale:
        from qa.evaluation.bench import scale_benchmark

        results = scale_benchmark(args.scale, stores=[s.strip() for s in args.stores.split(",") if s.strip()],
                                  asks=args.asks, settings=settings_from_args(args), log=log)
        console.print_json(json.dumps(results))
    else:
        from qa.evaluation.bench import print_benchmark, run_benchmark

        results = run_benchmark(settings_from_args(args), repeats=args.repeats, include_cold=not args.no_cold,
                                log=log)
        print_benchmark(results, console)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0 if ok else 1


def _run_load(args, log) -> dict:
    """``qa bench --load``: through Gradio's client, or the HTTP API (``--api``), adding ``--add`` meanwhile."""
    import tempfile

    from qa.evaluation.load import run_load
    from qa.pipeline import Pipeline

    if args.add and not args.api:
        raise UsageError("--add needs --api: the document is added through the HTTP API")
    settings = settings_from_args(args)
    with tempfile.TemporaryDirectory(prefix="qa-load-") as scratch:
        if args.add:  # the document joins a scratch library and index, not the user's
            settings = settings.replace(library_dir=f"{scratch}/library", index_dir=f"{scratch}/index")
        return run_load(Pipeline(settings), clients=args.load, questions_per_client=args.per_client, api=args.api,
                        add=args.add, log=log)


def _add_serve(sub) -> None:
    from qa.ui.options import add_arguments

    add_arguments(sub.add_parser("serve", help="start the chat UI (Gradio) on 127.0.0.1:7860"))


def _run_serve(args) -> int:
    from qa.ui.starting import serve

    return serve(args)


class UsageError(Exception):
    """A mistake in how the command was called."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="Extractive, cited question answering over documents.")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_ask(sub)
    _add_index(sub)
    _add_library(sub)
    _add_serve(sub)
    _add_eval(sub)
    _add_bench(sub)
    _add_eval_reader(sub)
    _add_eval_open(sub)
    _add_eval_docs(sub)
    _add_train_reader(sub)
    return parser


COMMANDS = {"ask": _run_ask, "index": _run_index, "add": _run_add, "remove": _run_remove, "list": _run_list,
            "serve": _run_serve, "eval": _run_eval, "bench": _run_bench,
            "eval-reader": _run_eval_reader, "eval-open": _run_eval_open,
            "eval-docs": _run_eval_docs,
            "train-reader": _run_train_reader}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``qa`` command; returns the exit code."""
    from qa.config import offline_environment, warn_unknown_variables

    offline_environment()  # before anything imports transformers or gradio
    warn_unknown_variables("qa")
    from qa.errors import QAError
    from qa.presentation import error_message

    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (QAError, ValueError) as exc:  # what the library raises on purpose; anything else is a bug
        print(f"qa: error: {error_message(exc)}", file=sys.stderr)
        return 2
    except (UsageError, OSError) as exc:  # how the command was called; files named on the command line
        print(f"qa: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("qa: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
