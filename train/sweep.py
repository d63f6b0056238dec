"""Train several reader recipes side by side and compare them on one fixed dev file.

    python train/sweep.py --data ../shared/qa-data/train.jsonl --dev runs/dev.jsonl --output runs/sweep \\
        --run lr1e-4 "--learning-rate 1e-4 --epochs 3" --run lr2e-4 "--learning-rate 2e-4 --epochs 3"

Each ``--run NAME FLAGS`` is a ``train/train_reader.py`` run (the flags are added to
``--data`` and ``--output``); the runs train in parallel (meant for a GPU, where a
MiniLM-sized model leaves most of the card idle), then every model is calibrated and
scored on the same dev file, so the figures compare. Runs each write their own dev
split too; the shared ``--dev`` file is what keeps the comparison fair when recipes
differ in their negatives. Prints a table and writes ``sweep.json``; the best dev F1
is listed first.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.config import offline_environment  # noqa: E402

offline_environment()  # like the qa command: no hub, no tokenizer threads, before transformers loads

from qa.evaluation.qa_data import load_examples  # noqa: E402
from lab.reader_eval import calibrate, calibration_error, predict, score_predictions  # noqa: E402
from qa.reader.reader import ExtractiveReader  # noqa: E402

TRAIN_SCRIPT = Path(__file__).resolve().parent / "train_reader.py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", nargs="+", required=True)
    parser.add_argument("--dev", required=True, help="the one dev file every model is scored on")
    parser.add_argument("--output", required=True, help="folder for the runs and sweep.json")
    parser.add_argument("--run", nargs=2, action="append", metavar=("NAME", "FLAGS"), required=True)
    args = parser.parse_args(argv)

    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    procs = {}
    for name, flags in args.run:
        log = open(out / f"{name}.log", "w", encoding="utf-8")
        cmd = [sys.executable, str(TRAIN_SCRIPT), "--data", *args.data, "--output", str(out / name),
               *shlex.split(flags)]
        procs[name] = (subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT), flags)
    for name, (proc, _) in procs.items():
        proc.wait()
        print(f"{name}: exit {proc.returncode} after {time.time() - started:.0f}s", flush=True)

    dev = load_examples(args.dev)
    results = []
    for name, (proc, flags) in procs.items():
        model_dir = out / name / "model"
        if proc.returncode != 0 or not (model_dir / "config.json").is_file():
            results.append({"name": name, "flags": flags, "failed": True})
            continue
        predictions = predict(ExtractiveReader(str(model_dir)), dev)
        card = calibrate(predictions)
        metrics = score_predictions(predictions, card)
        metrics["ece"] = round(calibration_error(predictions, card), 4)
        training = json.loads((out / name / "training.json").read_text())
        results.append({"name": name, "flags": flags, "train_seconds": training["train_seconds"],
                        "steps": training["steps"], **metrics})
    results.sort(key=lambda r: -r.get("f1", -1))
    (out / "sweep.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"{'run':<16} {'EM':>6} {'F1':>6} {'noans%':>7} {'thr':>5} {'train s':>8}  flags")
    for r in results:
        if r.get("failed"):
            print(f"{r['name']:<16} failed  {r['flags']}")
            continue
        print(f"{r['name']:<16} {r['exact_match']:>6} {r['f1']:>6} {r['no_answer_accuracy']:>7} "
              f"{r['threshold']:>5} {r['train_seconds']:>8}  {r['flags']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
