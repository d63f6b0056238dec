"""The lab's ``qa`` commands (``qa train-reader``, ``qa eval-reader``, ``qa bench``), added to the command
line by :data:`qa.cli.PLUGINS` when the lab is importable."""

from __future__ import annotations

import argparse
import json

from qa.cli import UsageError, add_settings, settings_from_args


def register(sub) -> None:
    """Add the lab's commands to the ``qa`` subparsers ``sub``."""
    for add, run in ((_add_bench, _run_bench), (_add_eval_reader, _run_eval_reader),
                     (_add_train_reader, _run_train_reader)):
        add(sub).set_defaults(run=run)


def _add_train_reader(sub) -> argparse.ArgumentParser:
    from lab.config import TrainConfig

    p = sub.add_parser("train-reader", help="fine-tune an extractive reader (SQuAD 2.0 objective)")
    TrainConfig.add_arguments(p, "training (each also a QA_TRAIN_* environment variable)")
    return p


def _run_train_reader(args) -> int:
    from lab.config import TrainConfig
    from lab.training import train_reader

    model_dir = train_reader(TrainConfig.from_args(args))
    print(f"model saved to {model_dir}")
    return 0


def _add_eval_reader(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("eval-reader", help="EM/F1/no-answer accuracy of a reader on QA data with gold contexts")
    p.add_argument("data", help="JSONL in the qa-data format (or a SQuAD .json file)")
    p.add_argument("--reader", default=None, help="reader to measure (default: the shipped reader)")
    p.add_argument("--limit", type=int, default=None, help="only the first N examples")
    p.add_argument("--threshold", type=float, default=None, help="answer threshold (default: the reader's card)")
    p.add_argument("--calibrate", action="store_true",
                   help="fit confidence calibration and threshold on this data and write them into the reader's card")
    return p


def _run_eval_reader(args) -> int:
    from qa.evaluation.qa_data import load_examples
    from lab.reader_eval import calibrate, calibration_error, predict, score_predictions, write_card
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


def _add_bench(sub) -> argparse.ArgumentParser:
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
                   help="with --compare: only these variants (default: all; see lab/compare.py)")
    add_settings(p)
    return p


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
        from lab.bench import incremental_benchmark

        results = incremental_benchmark(args.incremental, log=log)
        console.print_json(json.dumps(results))
    elif args.compare:
        from lab.compare import DEFAULT_DATA, chosen_variants, compare, print_comparison

        results = compare(settings_from_args(args), data=args.data or DEFAULT_DATA, dev_limit=args.dev_limit,
                          wiki_limit=args.wiki_limit, article_limit=args.article_limit, cold=not args.no_cold,
                          variants=chosen_variants(args.variants), isolated=args.isolated, log=log,
                          partial=(lambda figures: Path(args.json).write_text(json.dumps(figures, indent=2) + "\n"))
                          if args.json else None)
        print_comparison(results, console)
    elif args.scale:
        from lab.bench import scale_benchmark

        results = scale_benchmark(args.scale, stores=[s.strip() for s in args.stores.split(",") if s.strip()],
                                  asks=args.asks, settings=settings_from_args(args), log=log)
        console.print_json(json.dumps(results))
    else:
        from lab.bench import print_benchmark, run_benchmark

        results = run_benchmark(settings_from_args(args), repeats=args.repeats, include_cold=not args.no_cold,
                                log=log)
        print_benchmark(results, console)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0 if ok else 1


def _run_load(args, log) -> dict:
    """``qa bench --load``: through Gradio's client, or the HTTP API (``--api``), adding ``--add`` meanwhile."""
    import tempfile

    from lab.load import run_load
    from qa.pipeline import Pipeline

    if args.add and not args.api:
        raise UsageError("--add needs --api: the document is added through the HTTP API")
    settings = settings_from_args(args)
    with tempfile.TemporaryDirectory(prefix="qa-load-") as scratch:
        if args.add:  # the document joins a scratch library and index, not the user's
            settings = settings.replace(library_dir=f"{scratch}/library", index_dir=f"{scratch}/index")
        return run_load(Pipeline(settings), clients=args.load, questions_per_client=args.per_client, api=args.api,
                        add=args.add, log=log)
