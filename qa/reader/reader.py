"""The extractive reader: an ``AutoModelForQuestionAnswering`` run over passages in sliding windows."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from qa.config import MAX_QUERY_TOKENS, SHIPPED_READER_DIR, Settings, hub_downloads_allowed, quiet_model_loading
from qa.errors import ReaderError
from qa.reader.decoding import DecodedSpans, decode_spans

#: Written next to a reader's weights; holds its calibration, answer threshold and dev metrics.
READER_CARD = "qa_reader.json"


@dataclass(frozen=True)
class ReaderCard:
    """How to turn a reader's margins into confidences, and where to draw the line."""

    scale: float = 1.0
    bias: float = 0.0
    answer_threshold: float = 0.5
    metrics: dict | None = None

    @classmethod
    def load(cls, model_dir: str | Path) -> "ReaderCard":
        path = Path(model_dir) / READER_CARD
        if not path.is_file():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(scale=float(data.get("scale", 1.0)), bias=float(data.get("bias", 0.0)),
                   answer_threshold=float(data.get("answer_threshold", 0.5)), metrics=data.get("metrics"))


class ExtractiveReader:
    """Finds answer spans in texts. Configuration is stored here; the model loads on first use.

    ``model`` is a local folder or a hub id (a hub id needs network access the
    first time); None means the reader shipped with this package.
    """

    def __init__(self, model: str | None = None, *, max_seq_length: int = Settings.max_seq_length,
                 doc_stride: int = Settings.doc_stride, max_answer_tokens: int = Settings.max_answer_tokens,
                 max_query_tokens: int = MAX_QUERY_TOKENS, batch_size: int = 16,
                 precision: str = Settings.reader_precision, device: str | None = None) -> None:
        self.model = model
        self.precision = precision
        #: torch device; None means CUDA when present (int8 always runs on the CPU).
        self.device = device
        self.max_seq_length = max_seq_length
        self.doc_stride = doc_stride
        self.max_answer_tokens = max_answer_tokens
        self.max_query_tokens = max_query_tokens
        self.batch_size = batch_size
        self._loaded = None
        self._lock = threading.Lock()
        self._tokenizer_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, **options) -> "ExtractiveReader":
        """The reader ``settings`` describe; ``options`` (``device``, ``batch_size``, ...) override them."""
        return cls(**{"model": settings.reader, "max_seq_length": settings.max_seq_length,
                      "doc_stride": settings.doc_stride, "max_answer_tokens": settings.max_answer_tokens,
                      "precision": settings.reader_precision, **options})

    @property
    def source(self) -> str:
        """Where the weights come from, for display."""
        return self.model or str(SHIPPED_READER_DIR)

    @cached_property
    def card(self) -> ReaderCard:
        """Calibration and threshold from the reader's ``qa_reader.json`` (defaults for other models)."""
        path = Path(self.source)
        return ReaderCard.load(path) if path.is_dir() else ReaderCard()

    def warm_up(self) -> None:
        """Load tokenizer and model now rather than on the first question."""
        self._components()

    def _components(self):
        with self._lock:
            if self._loaded is None:
                source = self.source
                if self.model is None and not (SHIPPED_READER_DIR / "config.json").is_file():
                    raise ReaderError(f"the shipped reader is missing from {SHIPPED_READER_DIR}")
                try:
                    import torch
                    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

                    quiet_model_loading()

                    local = Path(source).is_dir()
                    offline = local or not hub_downloads_allowed()
                    tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=offline)
                    model = AutoModelForQuestionAnswering.from_pretrained(source, local_files_only=offline,
                                                                          dtype=torch.float32)
                except (OSError, ValueError) as exc:
                    hint = ""
                    if not local and not hub_downloads_allowed():
                        hint = (" (qa keeps the Hugging Face hub off: to download a hub reader once, run with "
                                "HF_HUB_OFFLINE=0 TRANSFORMERS_OFFLINE=0; later runs use the cached copy)")
                    raise ReaderError(f"cannot load the reader from {source}: {exc}{hint}") from exc
                if not getattr(tokenizer, "is_fast", False):
                    raise ReaderError(f"the reader at {source} needs a fast tokenizer (offset mapping)")
                model.eval()
                if self.precision == "int8":
                    model = _quantized(model)
                else:
                    model = model.to(self.device or ("cuda" if torch.cuda.is_available() else "cpu"))
                self._loaded = (tokenizer, model)
            return self._loaded

    def read(self, question: str, contexts: list[str]) -> list[DecodedSpans]:
        """Candidate spans for each context (offsets into that context), in one batched pass."""
        if not contexts:
            return []
        import torch

        tokenizer, model = self._components()
        pad_right = tokenizer.padding_side == "right"
        # A fast tokenizer switches its truncation/padding state on each call: one caller at a time.
        with self._tokenizer_lock:
            question = clip_question(tokenizer, question, self.max_query_tokens)
            encoded = tokenizer(
                [question] * len(contexts) if pad_right else contexts,
                contexts if pad_right else [question] * len(contexts),
                truncation="only_second" if pad_right else "only_first",
                max_length=self.max_seq_length,
                stride=self.doc_stride,
                return_overflowing_tokens=True,
                return_offsets_mapping=True,
                padding="longest",
                return_tensors="pt",
            )
        context_id = 1 if pad_right else 0
        offsets, cls_positions = [], []
        for i, ids in enumerate(encoded["input_ids"].tolist()):
            seq_ids = encoded.sequence_ids(i)
            offsets.append([tuple(o) if seq_ids[t] == context_id else None
                            for t, o in enumerate(encoded["offset_mapping"][i].tolist())])
            # The null answer lives at [CLS], which is not at 0 when the tokenizer pads on the left.
            cls_positions.append(ids.index(tokenizer.cls_token_id) if tokenizer.cls_token_id in ids else 0)
        inputs = {k: v for k, v in encoded.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
        starts, ends = [], []
        with torch.inference_mode():
            for lo in range(0, len(offsets), self.batch_size):
                out = model(**{k: v[lo : lo + self.batch_size].to(model.device) for k, v in inputs.items()})
                starts.append(out.start_logits.float().cpu().numpy())
                ends.append(out.end_logits.float().cpu().numpy())
        start_logits, end_logits = np.concatenate(starts), np.concatenate(ends)
        windows_of = encoded["overflow_to_sample_mapping"].tolist()
        results = []
        for c, context in enumerate(contexts):
            rows = [w for w, owner in enumerate(windows_of) if owner == c]
            results.append(decode_spans([start_logits[w] for w in rows], [end_logits[w] for w in rows],
                                        [offsets[w] for w in rows], context,
                                        cls_index=[cls_positions[w] for w in rows],
                                        max_answer_tokens=self.max_answer_tokens))
        return results


def clip_question(tokenizer, question: str, max_tokens: int) -> str:
    """Keep a long question's first ``max_tokens`` tokens, so that the context always fits a window."""
    encoded = tokenizer(question, add_special_tokens=False, return_offsets_mapping=True)
    offsets = encoded["offset_mapping"]
    if len(offsets) <= max_tokens:
        return question
    return question[: offsets[max_tokens - 1][1]]


def _quantized(model):
    """Dynamic int8 quantisation of the linear layers: weights int8, activations quantised on the fly."""
    import warnings

    import torch
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization announces its move to torchao
        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
