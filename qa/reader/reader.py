"""The extractive reader: an ``AutoModelForQuestionAnswering`` run over passages in sliding windows."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from qa.config import MAX_QUERY_TOKENS, SHIPPED_READER_DIR, Settings, hub_downloads_allowed, quiet_model_loading
from qa.errors import ReaderError
from qa.reader.decoding import DecodedSpans, SpanCandidate, confidence, decode_spans
from qa.reader.verifier import Verifier, answer_features, runner_up_of, verify
from qa.reader.windows import clip_question, tokenize_windows  # noqa: F401  (clip_question: its old home)

#: Written next to a reader's weights; holds its calibration, answer threshold and dev metrics.
READER_CARD = "qa_reader.json"


@dataclass(frozen=True)
class ReaderCard:
    """How to turn a reader's margins into confidences, and where to draw the line.

    With a ``verifier`` (see qa/reader/verifier.py), an answer's score is the verifier's probability
    that it is right, and :attr:`threshold` is the verifier's; without one, the calibrated margin and
    ``answer_threshold``.
    """

    scale: float = 1.0
    bias: float = 0.0
    answer_threshold: float = 0.5
    metrics: dict | None = None
    verifier: Verifier | None = None

    @classmethod
    def load(cls, model_dir: str | Path) -> "ReaderCard":
        path = Path(model_dir) / READER_CARD
        if not path.is_file():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            verifier = Verifier.from_dict(data["verifier"]) if data.get("verifier") else None
            return cls(scale=float(data.get("scale", 1.0)), bias=float(data.get("bias", 0.0)),
                       answer_threshold=float(data.get("answer_threshold", 0.5)), metrics=data.get("metrics"),
                       verifier=verifier)
        except (ValueError, KeyError, TypeError) as exc:
            raise ReaderError(f"the reader card {path} is damaged: {exc}") from exc

    @property
    def threshold(self) -> float:
        """The score an answer needs to be given."""
        return self.verifier.threshold if self.verifier is not None else self.answer_threshold

    def without_verifier(self) -> "ReaderCard":
        return replace(self, verifier=None)

    def answer_score(self, question: str, context: str, candidate: SpanCandidate,
                     candidates: list[SpanCandidate], *, lead_in: str = "") -> float:
        """How likely ``candidate`` (a span of ``context``, one of ``candidates``, best first) is right."""
        if self.verifier is None:
            return confidence(candidate.margin, self.scale, self.bias)
        others = [c for c in candidates if c is not candidate]
        features = answer_features(question, context, candidate, runner_up_of(candidate, others), lead_in=lead_in)
        return verify(features, self.verifier)


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
        # A fast tokenizer switches its truncation/padding state on each call: one caller at a time.
        with self._tokenizer_lock:
            windows = tokenize_windows(tokenizer, [question] * len(contexts), contexts,
                                       max_length=self.max_seq_length, stride=self.doc_stride,
                                       max_query_tokens=self.max_query_tokens, padding="longest",
                                       return_tensors="pt")
        encoded, offsets, cls_positions = windows.encoding, windows.offsets, windows.cls_positions
        inputs = {k: v for k, v in encoded.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
        starts, ends = [], []
        with torch.inference_mode():
            for lo in range(0, len(offsets), self.batch_size):
                out = model(**{k: v[lo : lo + self.batch_size].to(model.device) for k, v in inputs.items()})
                starts.append(out.start_logits.float().cpu().numpy())
                ends.append(out.end_logits.float().cpu().numpy())
        start_logits, end_logits = np.concatenate(starts), np.concatenate(ends)
        windows_of = windows.owners
        results = []
        for c, context in enumerate(contexts):
            rows = [w for w, owner in enumerate(windows_of) if owner == c]
            results.append(decode_spans([start_logits[w] for w in rows], [end_logits[w] for w in rows],
                                        [offsets[w] for w in rows], context,
                                        cls_index=[cls_positions[w] for w in rows],
                                        max_answer_tokens=self.max_answer_tokens))
        return results


def _quantized(model):
    """Dynamic int8 quantisation of the linear layers: weights int8, activations quantised on the fly."""
    import warnings

    import torch
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization announces its move to torchao
        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
