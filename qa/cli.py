"""The ``qa`` command: a thin layer over the library that turns its errors into one-line messages."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_settings(p) -> None:
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
    p.set_defaults(run=_run_ask)
    p.add_argument("question", nargs="?", help="the question; '-' or none with --jsonl reads stdin")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print Answer.to_dict() as JSON")
    out.add_argument("--jsonl", action="store_true", help="read questions from stdin, print one JSON per line")
    add_settings(p)


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
    p.set_defaults(run=_run_index)
    p.add_argument("--rebuild", action="store_true", help="discard the saved index and build it again")
    add_settings(p)


def _run_index(args) -> int:
    import time
    import shutil

    pipeline = _pipeline(args)
    if args.rebuild:  # and every chunk embedded again
        shutil.rmtree(pipeline.index.vector_cache.directory, ignore_errors=True)
    started = time.perf_counter()
    index = pipeline.search_index(rebuild=args.rebuild)
    seconds = time.perf_counter() - started
    verb = "built" if pipeline.index.was_built else "loaded"
    print(f"index {verb} in {seconds:.1f}s: {len(pipeline.documents)} document(s), {len(index.chunks)} chunks "
          f"in {pipeline.settings.store_location}")
    return 0


def _add_library(sub) -> None:
    p = sub.add_parser("add", help="copy documents into the library folder and update the index")
    p.set_defaults(run=_run_add)
    p.add_argument("paths", nargs="+", metavar="FILE_OR_FOLDER", help=".txt, .md, .html, .pdf or .docx files, or "
                                                                      "folders of them")
    add_settings(p)
    p = sub.add_parser("remove", help="delete documents from the library folder and update the index")
    p.set_defaults(run=_run_remove)
    p.add_argument("names", nargs="+", metavar="NAME", help="a document's file name (or its name without suffix)")
    add_settings(p)
    p = sub.add_parser("list", help="the corpus's documents with their chunks and pages")
    p.set_defaults(run=_run_list)
    p.add_argument("--json", action="store_true", help="one JSON object per document")
    add_settings(p)


def _update_index(pipeline) -> None:
    import time

    started = time.perf_counter()
    index = pipeline.search_index()
    print(f"index updated in {time.perf_counter() - started:.1f}s: {pipeline.index.chunks_embedded} of "
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
    for problem in pipeline.index.skipped:
        print(f"not indexed: {problem}")
    return 0


def _add_eval_open(sub) -> None:
    p = sub.add_parser("eval-open", help="QA data read as one open corpus, end to end, under settings variants")
    p.set_defaults(run=_run_eval_open)
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
    add_settings(p)


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
    from qa.evaluation.qa_data import load_examples

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
    p.set_defaults(run=_run_eval_docs)
    p.add_argument("folder", help="the documents (PDF, Word, text), indexed together")
    p.add_argument("questions", help="JSONL: doc, question, answers, page, answerable")
    p.add_argument("--variant", action="append", default=[], metavar="NAME:SETTING=VALUE,...",
                   help="a configuration to compare, e.g. 'plain:PDF_READER=plain' (the plain-text baseline); "
                        "default: one variant, the settings as given")
    p.add_argument("--json", default=None, help="also write the figures (and every answer) to this JSON file")
    add_settings(p)


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
    p.set_defaults(run=_run_eval)
    p.add_argument("--questions", default=None, help="question set (default: eval/questions.jsonl)")
    p.add_argument("--limit", type=int, default=None, help="only the first N questions (whole conversations kept)")
    p.add_argument("--output", default=None, help="report folder (default: eval/reports)")
    p.add_argument("--reference", default=None,
                   help="report.json to compare with (default: the one in eval/reports, kept in git)")
    p.add_argument("--no-read-all", action="store_true", help="skip the read-every-chunk baseline")
    p.add_argument("--compare-stores", action="store_true",
                   help="instead: ask every question of the FAISS and the Milvus store and count identical answers")
    add_settings(p)


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


def _add_serve(sub) -> None:
    from qa.ui.options import add_arguments

    p = sub.add_parser("serve", help="start the chat UI (Gradio) on 127.0.0.1:7860")
    add_arguments(p)
    p.set_defaults(run=_run_serve)


def _run_serve(args) -> int:
    from qa.ui.starting import serve

    return serve(args)


class UsageError(Exception):
    """A mistake in how the command was called."""


#: Modules that add commands of their own when they can be imported: the lab (``lab/`` beside the package:
#: training, benchmarks, experiments), which imports the package and is never imported by it. Each has
#: ``register(subparsers)``, adding parsers whose ``run`` default is the command.
PLUGINS = ("lab.commands",)


def build_parser() -> argparse.ArgumentParser:
    import importlib
    from importlib.util import find_spec

    parser = argparse.ArgumentParser(prog="qa", description="Extractive, cited question answering over documents.")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (_add_ask, _add_index, _add_library, _add_serve, _add_eval, _add_eval_open, _add_eval_docs):
        add(sub)
    for name in PLUGINS:
        if find_spec(name.partition(".")[0]) is not None:
            importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``qa`` command; returns the exit code."""
    from qa.config import offline_environment, warn_unknown_variables

    offline_environment()  # before anything imports transformers or gradio
    parser = build_parser()  # first: the plugins declare their variables
    warn_unknown_variables("qa")
    from qa.errors import QAError
    from qa.presentation import error_message

    args = parser.parse_args(argv)
    try:
        return args.run(args)
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
