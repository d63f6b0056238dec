"""Interpolate two readers' weights into a new run directory (weight averaging, "model soup").

    python train/average_readers.py runs/reader-abst3 qa/models/reader --weight 0.5 --output runs/reader-abst3-avg

``--weight`` is the first reader's share: each tensor is ``w * first + (1 - w) * second``. Both must be
the same architecture (one fine-tuned from the other). The output is a run directory like the one
``train/train_reader.py`` writes (model/, plus the first run's dev.jsonl and its training.json with an
``averaged`` entry), so ``train/abstention_rule.py`` and ``train/ship_reader.py`` take it as they take
a trained run, and the model card lists the averaging with the stage.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from safetensors.torch import load_file, save_file

MODEL_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")


def model_dir(path: Path) -> Path:
    """A run directory's model/, or the path itself when it holds the weights (a shipped reader)."""
    return path / "model" if (path / "model" / "model.safetensors").is_file() else path


def interpolate(first: dict, second: dict, weight: float) -> dict:
    """``weight * first + (1 - weight) * second`` per tensor, in the first reader's dtypes."""
    if first.keys() != second.keys():
        raise ValueError("the two readers have different tensors; average only one reader with its own fine-tune")
    return {name: (weight * first[name].float() + (1 - weight) * second[name].float()).to(first[name].dtype)
            for name in first}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("first", type=Path, help="run directory or reader directory")
    parser.add_argument("second", type=Path, help="run directory or reader directory")
    parser.add_argument("--weight", type=float, default=0.5, help="the first reader's share (0 to 1)")
    parser.add_argument("--output", type=Path, required=True, help="run directory to write")
    args = parser.parse_args(argv)
    if not 0 <= args.weight <= 1:
        parser.error("--weight is a share between 0 and 1")
    first, second = model_dir(args.first), model_dir(args.second)
    out = args.output / "model"
    out.mkdir(parents=True, exist_ok=True)
    averaged = interpolate(load_file(first / "model.safetensors"), load_file(second / "model.safetensors"),
                           args.weight)
    save_file(averaged, out / "model.safetensors", metadata={"format": "pt"})
    for name in MODEL_FILES:
        if (first / name).is_file():
            shutil.copy2(first / name, out / name)
    if (args.first / "dev.jsonl").is_file():
        shutil.copy2(args.first / "dev.jsonl", args.output / "dev.jsonl")
    if (args.first / "training.json").is_file():  # the model card's history says the weights were averaged
        training = json.loads((args.first / "training.json").read_text())
        training["averaged"] = {"with": str(args.second), "weight": args.weight, "output_dir": str(args.output)}
        (args.output / "training.json").write_text(json.dumps(training, indent=2) + "\n")
    print(f"{args.weight:g} x {args.first} + {1 - args.weight:g} x {args.second} -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
