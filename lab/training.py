"""Fine-tune an encoder as a SQuAD 2.0-style extractive reader, reproducibly, on CPU or a GPU.

Used by ``train/train_reader.py`` and ``qa train-reader``. The recipe: question and
context in sliding windows, start/end cross-entropy, unanswerable windows labelled
at the [CLS] position (SQuAD 2.0), AdamW with linear warm-up and decay. Batches are
grouped by length and padded dynamically, which roughly halves CPU time on
paragraph-sized contexts. On a CUDA device the forward pass runs under bf16 autocast
(weights and optimizer stay fp32). Checkpoints let an interrupted run resume where it stopped.
"""

from __future__ import annotations

import fnmatch
import json
import math
import os
import random
import time
from dataclasses import asdict
from pathlib import Path

# Declared with every other setting, so that its flags and QA_TRAIN_* variables come from one place.
from lab.config import TrainConfig
from qa.reader.windows import tokenize_windows
from lab.data import add_negatives
from qa.evaluation.qa_data import QAExample, load_examples, split_by_context, write_examples


def _seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def prepare_data(config: TrainConfig) -> tuple[list[QAExample], list[QAExample]]:
    """Load every data file, split by context, subsample train, add negatives to both splits."""
    examples: list[QAExample] = []
    for path in config.data:
        examples.extend(load_examples(path))
    train, dev = split_by_context(examples, config.dev_fraction)
    rng = random.Random(config.seed)
    rng.shuffle(train)
    if config.max_examples is not None:
        train = train[: config.max_examples]
    train = add_negatives(train, config.negative_ratio, seed=config.seed)
    # Repeats come after the negatives so that a small in-domain source weighs more, its negatives too.
    train = repeat_by_source(train, config.source_repeats, seed=config.seed)
    dev = add_negatives(dev, config.negative_ratio, seed=config.seed + 1)
    return train, dev


def repeat_by_source(examples: list[QAExample], weights: dict[str, float], *, seed: int) -> list[QAExample]:
    """Each example ``w`` times for its source's weight ``w``: whole copies, plus one more with
    probability of the fractional part (so 0.1 keeps about a tenth of a source, 2.5 doubles it and
    adds half again). A name may be a shell-style pattern ("ours_news*"): an exact name wins over a
    pattern, the first matching pattern over "*", the weight of every source matched by nothing;
    without "*" such sources count once."""
    rng = random.Random(seed)
    patterns = [(name, w) for name, w in weights.items() if name != "*" and any(ch in name for ch in "*?[")]

    def weight_of(source: str) -> float:
        if source in weights:
            return weights[source]
        return next((w for name, w in patterns if fnmatch.fnmatchcase(source, name)), weights.get("*", 1))

    out = []
    for ex in examples:
        weight = weight_of(ex.source)
        copies = int(weight) + (rng.random() < weight - int(weight))
        out.extend([ex] * copies)
    return out


def tokenize_for_training(examples: list[QAExample], tokenizer, config: TrainConfig) -> list[dict]:
    """Turn examples into windows labelled with token start/end ([CLS]=0 when unanswerable)."""
    features = []
    batch = 256
    for lo in range(0, len(examples), batch):
        chunk = examples[lo : lo + batch]
        # The reader's own windows, so that training sees (question, context) exactly as reading does.
        windows = tokenize_windows(tokenizer, [ex.question.strip() for ex in chunk], [ex.context for ex in chunk],
                                   max_length=config.max_seq_length, stride=config.doc_stride,
                                   max_query_tokens=config.max_query_tokens)
        enc = windows.encoding
        for i, offsets in enumerate(windows.offsets):
            ex = chunk[windows.owners[i]]
            start_pos = end_pos = 0
            if ex.is_answerable:
                ans_start = ex.answer_starts[0]
                ans_end = ans_start + len(ex.answers[0])
                ctx_tokens = [t for t, o in enumerate(offsets) if o is not None]
                first, last = ctx_tokens[0], ctx_tokens[-1]
                if offsets[first][0] <= ans_start and offsets[last][1] >= ans_end:
                    start_pos = first
                    while start_pos <= last and offsets[start_pos][1] <= ans_start:
                        start_pos += 1
                    end_pos = last
                    while end_pos >= first and offsets[end_pos][0] >= ans_end:
                        end_pos -= 1
            features.append(
                {
                    "input_ids": enc["input_ids"][i],
                    "token_type_ids": enc["token_type_ids"][i] if "token_type_ids" in enc else None,
                    "start_positions": start_pos,
                    "end_positions": end_pos,
                }
            )
    return features


def length_grouped_batches(lengths: list[int], batch_size: int, seed: int) -> list[list[int]]:
    """Shuffle, then sort within mega-batches by length, so each batch pads little."""
    rng = random.Random(seed)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    mega = batch_size * 50
    batches = []
    for lo in range(0, len(order), mega):
        group = sorted(order[lo : lo + mega], key=lambda i: lengths[i])
        batches.extend(group[j : j + batch_size] for j in range(0, len(group), batch_size))
    rng.shuffle(batches)
    return batches


def _collate(features: list[dict], pad_id: int):
    import torch

    width = max(len(f["input_ids"]) for f in features)
    ids = torch.full((len(features), width), pad_id, dtype=torch.long)
    types = torch.zeros((len(features), width), dtype=torch.long)
    mask = torch.zeros((len(features), width), dtype=torch.long)
    for row, f in enumerate(features):
        n = len(f["input_ids"])
        ids[row, :n] = torch.tensor(f["input_ids"])
        if f["token_type_ids"] is not None:
            types[row, :n] = torch.tensor(f["token_type_ids"])
        mask[row, :n] = 1
    batch = {
        "input_ids": ids,
        "attention_mask": mask,
        "start_positions": torch.tensor([f["start_positions"] for f in features]),
        "end_positions": torch.tensor([f["end_positions"] for f in features]),
    }
    if features[0]["token_type_ids"] is not None:  # RoBERTa-style models have none
        batch["token_type_ids"] = types
    return batch


def train_reader(config: TrainConfig, *, progress: bool = True) -> Path:
    """Run (or resume) a training run; returns the directory holding the final model."""
    import torch
    from tqdm.auto import tqdm
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer, get_linear_schedule_with_warmup

    from qa.config import hub_downloads_allowed, packaged_embedding_model_path

    if config.threads:
        torch.set_num_threads(config.threads)
    device = torch.device(config.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    _seed_everything(config.seed)
    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    base = config.base_model or str(packaged_embedding_model_path())

    started = time.time()
    train, dev = prepare_data(config)
    write_examples(dev, out / "dev.jsonl")
    offline = Path(base).is_dir() or not hub_downloads_allowed()
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=offline)
    features = tokenize_for_training(train, tokenizer, config)
    lengths = [len(f["input_ids"]) for f in features]
    batches = length_grouped_batches(lengths, config.batch_size, config.seed)
    order_epoch = 0
    total_steps = max(1, math.ceil(len(batches) * config.epochs))
    _log(out, f"train examples {len(train)} (features {len(features)}), dev examples {len(dev)}, "
              f"steps {total_steps}, device {device}")

    model = AutoModelForQuestionAnswering.from_pretrained(base, dtype=torch.float32,
                                                          local_files_only=offline).to(device)
    no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not any(k in n for k in no_decay)],
         "weight_decay": config.weight_decay},
        {"params": [p for n, p in model.named_parameters() if any(k in n for k in no_decay)],
         "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=config.learning_rate)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(config.warmup_ratio * total_steps), total_steps)

    step = 0
    ckpt = out / "checkpoint.pt"
    recipe = _recipe_hash(config, base)
    if ckpt.exists():
        state = torch.load(ckpt, weights_only=False, map_location=device)
        if state.get("recipe") not in (None, recipe):
            raise ValueError(f"{ckpt} belongs to a run with other data or settings; use another --output")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step = state["step"]
        torch.set_rng_state(state["torch_rng"].cpu())
        _log(out, f"resumed from step {step}")

    def save_checkpoint() -> None:
        tmp = ckpt.with_suffix(".tmp")
        torch.save(
            {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
             "scheduler": scheduler.state_dict(), "step": step, "torch_rng": torch.get_rng_state(),
             "recipe": recipe},
            tmp,
        )
        os.replace(tmp, ckpt)

    model.train()
    loop_start = time.time()
    stopped_early = False
    bar = tqdm(total=total_steps, initial=step, disable=not progress, desc="training reader")
    running = None
    while step < total_steps:
        epoch, position = divmod(step, len(batches))
        if epoch != order_epoch:  # each epoch visits the batches in its own (seeded) order
            order_epoch = epoch
            batches = length_grouped_batches(lengths, config.batch_size, config.seed + epoch)
        batch = _collate([features[i] for i in batches[position]], tokenizer.pad_token_id)
        batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        step += 1
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        bar.update(1)
        bar.set_postfix(loss=f"{running:.3f}")
        if step % config.checkpoint_every == 0:
            save_checkpoint()
            _log(out, f"step {step}/{total_steps} loss {running:.4f} elapsed {time.time() - loop_start:.0f}s")
        if config.time_budget_s is not None and time.time() - started > config.time_budget_s:
            stopped_early = step < total_steps
            break
    bar.close()
    save_checkpoint()

    train_seconds = time.time() - loop_start
    model.eval()
    model = model.cpu()
    if config.save_fp16:
        model = model.half()
    model.save_pretrained(out / "model", safe_serialization=True)
    tokenizer.save_pretrained(out / "model")
    summary = {
        "config": asdict(config),
        "base_model": base,
        "train_examples": len(train),
        "train_features": len(features),
        "dev_examples": len(dev),
        "steps": step,
        "planned_steps": total_steps,
        "stopped_by_time_budget": stopped_early,
        "train_seconds": round(train_seconds, 1),
        "seconds_per_feature": round(train_seconds / max(1, step * config.batch_size), 4),
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    (out / "training.json").write_text(json.dumps(summary, indent=2))
    _log(out, f"saved model after {step} steps in {train_seconds:.0f}s")
    return out / "model"


def _recipe_hash(config: TrainConfig, base: str) -> str:
    """What a checkpoint must match to be resumed: everything but the output, budget and logging knobs."""
    import hashlib

    fields = {k: v for k, v in asdict(config).items()
              if k not in ("output_dir", "time_budget_s", "checkpoint_every", "threads", "device")}
    fields["data_sizes"] = [Path(p).stat().st_size for p in config.data]
    return hashlib.sha256(json.dumps({**fields, "base": base}, sort_keys=True, default=str).encode()).hexdigest()


def _log(out: Path, message: str) -> None:
    line = f"{time.strftime('%H:%M:%S')} {message}"
    print(line, flush=True)
    with open(out / "train.log", "a", encoding="utf-8") as log:
        log.write(line + "\n")
