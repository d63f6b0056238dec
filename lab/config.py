"""Everything that decides a training run (``qa train-reader``), declared like the product's settings:
one declaration per option, each with its ``QA_TRAIN_*`` variable and its flag."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

from qa.config import MAX_QUERY_TOKENS, Declared, register_group, setting


def _source_repeats(pairs: list[str]) -> dict[str, float]:
    """``["ours_news=3", "*=0.1"]`` as {source pattern: weight}; ValueError on anything else."""
    repeats = {}
    for pair in pairs:
        source, _, count = pair.rpartition("=")
        try:
            weight = float(count)
        except ValueError:
            weight = -1.0
        if not source or not 0 <= weight < float("inf"):
            raise ValueError(f"--repeat takes SOURCE=N with a number N >= 0, not {pair!r}")
        repeats[source] = int(weight) if weight.is_integer() else weight
    return repeats


def _json_object(items: list[str]) -> dict:
    value = json.loads(" ".join(items))
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


@register_group
@dataclass
class TrainConfig(Declared):
    """Everything that decides a training run (``qa train-reader``); written into the model card.

    Field order and names are part of a run's recipe hash (resuming checks it): add new ones at the end.
    """

    ENV_PREFIX: ClassVar[str] = "QA_TRAIN_"

    data: list[str] = setting(metavar="FILE", help="JSONL files in the qa-data format or SQuAD .json files")
    output_dir: str = setting(flag="--output", help="run directory: checkpoints, log, final model")
    base_model: str | None = setting(None, help="hub id or local path; none means the packaged all-MiniLM-L6-v2")
    max_seq_length: int = setting(192, minimum=32, maximum=512, help="training window length, in tokens")
    doc_stride: int = setting(64, minimum=0, help="overlap of training windows, in tokens")
    max_query_tokens: int = setting(MAX_QUERY_TOKENS, minimum=1, help="questions are clipped to this many tokens")
    max_examples: int | None = setting(10_000, parse=lambda raw: int(raw) or None,
                                       help="training examples before negatives (0 = all)")
    negative_ratio: float = setting(0.2, minimum=0.0, help="share of answerable examples paired with a hard negative")
    dev_fraction: float = setting(0.06, minimum=0.0, maximum=1.0, help="share of contexts held out as dev")
    batch_size: int = setting(32, minimum=1, help="windows per optimizer step")
    learning_rate: float = setting(1.5e-4, minimum=0.0, help="peak AdamW learning rate")
    warmup_ratio: float = setting(0.1, minimum=0.0, maximum=1.0, help="share of steps of linear warm-up")
    weight_decay: float = setting(0.01, minimum=0.0, help="AdamW weight decay (not on biases and norms)")
    epochs: float = setting(1.0, minimum=0.0, help="passes over the training windows")
    seed: int = setting(13, help="seed of every random draw")
    time_budget_s: float | None = setting(None, flag="--time-budget", minimum=0.0,
                                          help="stop (and save) after this many seconds")
    checkpoint_every: int = setting(50, minimum=1, help="steps between checkpoints")
    threads: int | None = setting(None, minimum=1, help="torch threads")
    save_fp16: bool = setting(True, help="save the final weights in fp16 (--no-save-fp16: fp32)")
    device: str | None = setting(None, help="torch device, e.g. cpu or cuda; none means cuda when present")
    source_repeats: dict[str, float] = setting(
        {}, flag="--repeat", metavar="SOURCE=N", parse=_source_repeats, separator=" ",
        help="weigh the training examples of a source tag N times (e.g. ours_news=3; 0 leaves it out, 0.1 keeps a "
             "tenth); a SOURCE may be a pattern ('ours_news*=1'); '*=N' weighs every source matched by nothing "
             "else (a fraction is a seeded draw)")
    extra: dict = setting({}, parse=_json_object, metavar="JSON", separator="\0",
                          help="free-form notes kept with the run (a JSON object)")
