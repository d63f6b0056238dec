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
from qa.exports import model_input_names, open_session
from qa.quantization import quantized_torch
from qa.reader.decoding import DecodedSpans, SpanCandidate, confidence, decode_spans
from qa.reader.reading import Context, Reading, ReadingOptions, rank_candidates, read_until_confident, shifted
from qa.reader.runtime import INPUT_NAMES, Logits, OnnxLogits, TorchLogits, onnx_model
from qa.reader.verifier import Verifier, candidate_features, verify
from qa.reader.windows import tokenize_windows

#: Written next to a reader's weights; holds its calibration, answer threshold and dev metrics.
READER_CARD = "qa_reader.json"
#: How to let a hub reader download, said wherever one cannot be loaded.
HUB_OFF_HINT = ("qa keeps the Hugging Face hub off: to download a hub reader once, run with HF_HUB_OFFLINE=0 "
                "TRANSFORMERS_OFFLINE=0; later runs use the cached copy")


@dataclass(frozen=True)
class ReaderCard:
    """How to turn a reader's margins into confidences, and where to draw the line.

    With a ``verifier`` (see qa/reader/verifier.py), an answer's score is the verifier's probability
    that it is right, and :attr:`threshold` is the verifier's; without one, the calibrated margin and
    ``answer_threshold``.

    ``confident_threshold`` is the score (on the same scale) from which a given answer is "confident"
    rather than "tentative" (:func:`qa.types.confidence_level`), fitted on dev data by
    train/fit_confidence_levels.py; None (a card that was never fitted, a hub reader) calls every
    given answer confident, as before levels existed.
    """

    scale: float = 1.0
    bias: float = 0.0
    answer_threshold: float = 0.5
    metrics: dict | None = None
    verifier: Verifier | None = None
    confident_threshold: float | None = None

    @classmethod
    def load(cls, model_dir: str | Path) -> "ReaderCard":
        path = Path(model_dir) / READER_CARD
        if not path.is_file():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            verifier = Verifier.from_dict(data["verifier"]) if data.get("verifier") else None
            confident = data.get("confident_threshold")
            return cls(scale=float(data.get("scale", 1.0)), bias=float(data.get("bias", 0.0)),
                       answer_threshold=float(data.get("answer_threshold", 0.5)), metrics=data.get("metrics"),
                       verifier=verifier, confident_threshold=None if confident is None else float(confident))
        except (ValueError, KeyError, TypeError) as exc:
            raise ReaderError(f"the reader card {path} is damaged: {exc}") from exc

    @property
    def threshold(self) -> float:
        """The score an answer needs to be given."""
        return self.verifier.threshold if self.verifier is not None else self.answer_threshold

    def without_verifier(self) -> "ReaderCard":
        """The card scoring by the reader's own calibrated margin. A confident level fitted on the
        verifier's scale means nothing on that one, so it goes too."""
        if self.verifier is None:
            return self
        return replace(self, verifier=None, confident_threshold=None)

    def answer_score(self, question: str, context: str, candidate: SpanCandidate,
                     candidates: list[SpanCandidate], *, lead_in: str = "") -> float:
        """How likely ``candidate`` (a span of ``context``, one of ``candidates``, best first) is right."""
        if self.verifier is None:
            return confidence(candidate.margin, self.scale, self.bias)
        return verify(candidate_features(question, context, candidate, candidates, lead_in=lead_in), self.verifier)


class ExtractiveReader:
    """Finds answer spans in texts. Configuration is stored here; the model loads on first use.

    ``model`` is a local folder or a hub id (a hub id needs network access the
    first time); None means the reader shipped with this package.
    """

    def __init__(self, model: str | None = None, *, max_seq_length: int = Settings.max_seq_length,
                 doc_stride: int = Settings.doc_stride, max_answer_tokens: int = Settings.max_answer_tokens,
                 max_query_tokens: int = MAX_QUERY_TOKENS, batch_size: int = 16,
                 precision: str = Settings.reader_precision, device: str | None = None,
                 runtime: str = Settings.reader_runtime, cache_dir: str | None = Settings.cache_dir,
                 threads: int | None = Settings.threads, options: ReadingOptions = ReadingOptions()) -> None:
        self.model = model
        #: How :meth:`read` decides when it is given no options of its own.
        self.options = options
        self.precision = precision
        #: "torch", or "onnx" (ONNX Runtime on the CPU over an export cached in ``cache_dir``, see
        #: qa.reader.runtime); a reader that is not a local folder always runs on torch.
        self.runtime = runtime
        self.cache_dir = cache_dir
        self.threads = threads
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
                      "precision": settings.reader_precision, "runtime": settings.reader_runtime,
                      "cache_dir": settings.cache_dir, "threads": settings.threads,
                      "options": ReadingOptions.from_settings(settings), **options})

    @property
    def source(self) -> str:
        """Where the weights come from, for display."""
        return self.model or str(SHIPPED_READER_DIR)

    @cached_property
    def card(self) -> ReaderCard:
        """Calibration and threshold from the reader's ``qa_reader.json`` (defaults for other models)."""
        path = Path(self.source)
        return ReaderCard.load(path) if path.is_dir() else ReaderCard()

    def card_for(self, options: ReadingOptions | None = None) -> ReaderCard:
        """The card, without its verifier when ``options`` (default: the reader's own) turn it off."""
        options = self.options if options is None else options
        return self.card if options.use_verifier else self.card.without_verifier()

    def threshold(self, options: ReadingOptions | None = None) -> float:
        """The score an answer needs under ``options`` (default: the reader's own)."""
        options = self.options if options is None else options
        return self.card_for(options).threshold if options.threshold is None else options.threshold

    def check(self) -> None:
        """Raise ReaderError now if the reader cannot be found, without loading it (cheap, for start-up)."""
        source = Path(self.source)
        if source.is_dir():
            if not (source / "config.json").is_file():
                what = "the shipped reader is missing from" if self.model is None else "no reader (config.json) in"
                raise ReaderError(f"{what} {source}")
            return
        if source.exists() or self.source.startswith((".", "/", "~")) or self.source.count("/") > 1:
            raise ReaderError(f"cannot load the reader from {self.source}: no such folder")
        if not hub_downloads_allowed():
            from huggingface_hub import try_to_load_from_cache

            try:
                cached = try_to_load_from_cache(self.source, "config.json")
            except ValueError:  # not a valid hub id either
                cached = None
            if not isinstance(cached, str):
                raise ReaderError(f"cannot load the reader from {self.source}: not a folder, and not in the "
                                  f"Hugging Face cache ({HUB_OFF_HINT})")

    def warm_up(self) -> None:
        """Load tokenizer and model now rather than on the first question."""
        self._components()

    def _components(self):
        with self._lock:
            if self._loaded is None:
                source = self.source
                if self.model is None and not (SHIPPED_READER_DIR / "config.json").is_file():
                    raise ReaderError(f"the shipped reader is missing from {SHIPPED_READER_DIR}")
                local = Path(source).is_dir()
                try:
                    quiet_model_loading()
                    tokenizer = _tokenizer(source, local)
                    logits = self._onnx_logits(source) if local and self.runtime == "onnx" else self._torch_logits(source)
                except (OSError, ValueError) as exc:
                    hint = f" ({HUB_OFF_HINT})" if not local and not hub_downloads_allowed() else ""
                    raise ReaderError(f"cannot load the reader from {source}: {exc}{hint}") from exc
                if not getattr(tokenizer, "is_fast", False):
                    raise ReaderError(f"the reader at {source} needs a fast tokenizer (offset mapping)")
                self._loaded = (tokenizer, logits)
            return self._loaded

    def _torch_logits(self, source: str) -> TorchLogits:
        import torch
        from transformers import AutoModelForQuestionAnswering

        if self.threads:
            torch.set_num_threads(self.threads)
        offline = Path(source).is_dir() or not hub_downloads_allowed()
        model = AutoModelForQuestionAnswering.from_pretrained(source, local_files_only=offline, dtype=torch.float32)
        model.eval()
        if self.precision == "int8":
            model = quantized_torch(model)
        else:
            model = model.to(self.device or ("cuda" if torch.cuda.is_available() else "cpu"))
        return TorchLogits(model)

    def _onnx_logits(self, source: str) -> OnnxLogits:
        return OnnxLogits(open_session(lambda: onnx_model(source, self.precision, self.cache_dir),
                                       threads=self.threads))

    def read(self, question: str, contexts: list[str | Context], options: ReadingOptions | None = None) -> Reading:
        """Calibrated candidates for ``question`` in ``contexts`` and the reader's verdict, under ``options``
        (default: the reader's own). With early stopping the contexts are read in order, a batch at a
        time, only until a candidate is confident enough."""
        options = self.options if options is None else options
        contexts = [c if isinstance(c, Context) else Context(c) for c in contexts]
        card = self.card_for(options)
        threshold = self.threshold(options)
        # The stop rule reads the reader's own confidence, so it is held to the reader's threshold: a
        # verifier's threshold is on another scale.
        reader_threshold = threshold if card.verifier is None else card.answer_threshold
        decoded = read_until_confident(
            lambda batch: [shifted(spans, c) for spans, c in zip(self.spans(question, [c.text for c in batch]), batch)],
            contexts, batch=options.batch,
            stop_at=None if options.early_stop is None else max(options.early_stop, reader_threshold),
            confidence_of=lambda margin: confidence(margin, card.scale, card.bias))

        def answer_score(i: int, span: SpanCandidate, spans: DecodedSpans) -> float:
            text, lead_in = contexts[i].text, contexts[i].lead_in
            return card.answer_score(question, text[lead_in:], span, spans.candidates,
                                     lead_in=text[:lead_in].rstrip("\n"))

        return rank_candidates(decoded, scale=card.scale, bias=card.bias, answer_score=answer_score,
                               threshold=threshold, confident_threshold=card.confident_threshold)

    def spans(self, question: str, contexts: list[str]) -> list[DecodedSpans]:
        """Every candidate span of each context with its raw margin (offsets into that context), in one
        batched pass: what :meth:`read` calibrates, and what the lab calibrates the card on."""
        if not contexts:
            return []
        tokenizer, logits = self._components()
        # A fast tokenizer switches its truncation/padding state on each call: one caller at a time.
        with self._tokenizer_lock:
            windows = tokenize_windows(tokenizer, [question] * len(contexts), contexts,
                                       max_length=self.max_seq_length, stride=self.doc_stride,
                                       max_query_tokens=self.max_query_tokens, padding="longest",
                                       return_tensors="np")
        encoded, offsets, cls_positions = windows.encoding, windows.offsets, windows.cls_positions
        inputs = {k: encoded[k].astype(np.int64) for k in INPUT_NAMES if k in encoded}
        start_logits, end_logits = window_logits(logits, inputs, self.batch_size,
                                                 trim_right=tokenizer.padding_side == "right")
        windows_of = windows.owners
        results = []
        for c, context in enumerate(contexts):
            rows = [w for w, owner in enumerate(windows_of) if owner == c]
            results.append(decode_spans([start_logits[w] for w in rows], [end_logits[w] for w in rows],
                                        [offsets[w] for w in rows], context,
                                        cls_index=[cls_positions[w] for w in rows],
                                        max_answer_tokens=self.max_answer_tokens))
        return results


def _tokenizer(source: str, local: bool):
    """The reader's fast tokenizer. A local folder's ``tokenizer.json`` is loaded as it is, without
    AutoTokenizer, whose model-class lookup imports torch: the ONNX runtime then never loads it."""
    if local and (Path(source) / "tokenizer.json").is_file():
        from transformers import PreTrainedTokenizerFast

        config = json.loads((Path(source) / "config.json").read_text(encoding="utf-8"))
        # AutoTokenizer's class would know whether the model takes segment ids; here the config says.
        return PreTrainedTokenizerFast.from_pretrained(source, local_files_only=True,
                                                       model_input_names=model_input_names(config))
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(source, local_files_only=local or not hub_downloads_allowed())


def window_logits(logits: Logits, inputs: dict[str, np.ndarray], batch_size: int, *,
                  trim_right: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Start and end logits of every window, ``batch_size`` windows per forward pass.

    With right padding, each batch is cut to its own longest window, so a batch of short
    windows is not padded to a long one elsewhere; cut positions get a logit far below any
    real one (they are padding, which decoding never picks anyway)."""
    n, width = inputs["input_ids"].shape
    starts = np.full((n, width), -1e4, dtype=np.float32)
    ends = np.full((n, width), -1e4, dtype=np.float32)
    lengths = inputs["attention_mask"].sum(axis=1)
    for lo in range(0, n, batch_size):
        rows = slice(lo, lo + batch_size)
        cut = int(lengths[rows].max()) if trim_right else width
        start, end = logits({k: np.ascontiguousarray(v[rows, :cut]) for k, v in inputs.items()})
        starts[rows, :cut], ends[rows, :cut] = start, end
    return starts, ends
