"""How the reader's network runs: PyTorch, or ONNX Runtime over an export made from the same weights.

Either way the reader sees one function, :class:`Logits`, from a batch of tokenised
windows (numpy ``input_ids``, ``attention_mask``, ``token_type_ids``) to start and end
logits; tokenising and span decoding stay the reader's.

The ONNX model is never shipped: :func:`onnx_model` exports it from the reader's own
weights on first use and caches it (:mod:`qa.exports`: by a fingerprint of the weights,
written atomically, rebuilt when truncated or damaged).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

import numpy as np

from qa.exports import cached_file, export_folder, export_model

INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAMES = ("start_logits", "end_logits")
#: The int8 export's file; its name changes with the quantisation recipe, so an old one is not reused.
INT8_FILE = "reader-int8-v2.onnx"


class Logits(Protocol):
    """Start and end logits, each (windows, tokens) float32, for a batch of tokenised windows."""

    def __call__(self, batch: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]: ...


class TorchLogits:
    """The transformers model itself."""

    def __init__(self, model) -> None:
        self.model = model

    def __call__(self, batch: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        import torch

        names = [n for n in INPUT_NAMES if n in batch]
        with torch.inference_mode():
            out = self.model(**{n: torch.from_numpy(batch[n]).to(self.model.device) for n in names})
        return out.start_logits.float().cpu().numpy(), out.end_logits.float().cpu().numpy()


class OnnxLogits:
    """An ONNX Runtime session over an exported reader (CPU)."""

    def __init__(self, session) -> None:
        self.session = session
        self.inputs = [i.name for i in session.get_inputs()]

    def __call__(self, batch: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        feed = {n: batch[n] if n in batch else np.zeros_like(batch["input_ids"]) for n in self.inputs}
        start, end = self.session.run(list(OUTPUT_NAMES), feed)
        return start, end


def onnx_model(model_dir: str | Path, precision: str = "fp32", cache_dir: str | Path | None = None, *,
               log=None) -> Path:
    """The path of the ONNX export of the reader in ``model_dir`` at ``precision`` ("fp32" or "int8"),
    exported (and, for int8, quantised) now unless a valid one is cached for these exact weights."""
    if precision not in ("fp32", "int8"):
        raise ValueError(f"precision must be fp32 or int8, not {precision!r}")
    folder = export_folder("reader-onnx", model_dir, cache_dir)
    fp32 = cached_file(folder / "reader-fp32.onnx", lambda tmp: _export(model_dir, tmp), log=log,
                       note=f"exporting the reader to ONNX ({folder / 'reader-fp32.onnx'})")
    if precision == "fp32":
        return fp32
    int8 = folder / INT8_FILE
    return cached_file(int8, lambda tmp: _quantize(fp32, tmp), log=log,
                       note=f"quantising the ONNX reader to int8 ({int8})")


def _export(model_dir: str | Path, target: Path) -> None:
    """Trace the transformers model into ONNX with dynamic batch and sequence axes."""
    export_model(model_dir, target, auto_class="AutoModelForQuestionAnswering", output_names=list(OUTPUT_NAMES),
                 outputs=lambda out: (out.start_logits, out.end_logits))


def _quantize(fp32: Path, target: Path) -> None:
    """Dynamic int8 quantisation of the matrix products that keep or widen their input (see
    :func:`keeps_fp32`): int8 weights, activations quantised per batch at run time."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(fp32), load_external_data=False).graph
    shapes = {w.name: tuple(w.dims) for w in graph.initializer}
    quantized = [node.name for node in graph.node if node.op_type == "MatMul" and node.input[1] in shapes
                 and not keeps_fp32(*shapes[node.input[1]][-2:])]
    # The quantiser advises pre-processing on the root logger, advice meant for static quantisation; only
    # that message is dropped (the reader may be loading beside a running app whose warnings matter).
    root = logging.getLogger()
    advice = _DropMessage("Please consider to run pre-processing")
    root.addFilter(advice)
    try:
        quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"], nodes_to_quantize=quantized)
    finally:
        root.removeFilter(advice)


class _DropMessage(logging.Filter):
    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.prefix)


def keeps_fp32(in_features: int, out_features: int) -> bool:
    """Whether int8 leaves a linear layer in fp32: one that narrows its input, which in a transformer is the
    feed-forward output (its input, after GELU, has outliers that one int8 scale per batch flattens) and
    the span head. Quantising every linear layer cost 1.1 dev F1 with the gold paragraph (2.8 end to end);
    keeping these seven in fp32 cost 0.2, for a forward in 0.66x fp32's time instead of 0.49x (README,
    Speed)."""
    return in_features > out_features
