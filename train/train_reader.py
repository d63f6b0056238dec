"""Train the offline default reader (see qa/models/reader/README.md for the shipped run).

    python train/train_reader.py --data ../shared/qa-data/train.jsonl --output runs/reader

Same as ``qa train-reader``; ``--help`` lists the recipe's knobs.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(["train-reader", *sys.argv[1:]]))
