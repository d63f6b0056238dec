"""How the reader's network runs: PyTorch, or ONNX Runtime over an export made from the same weights.

Either way the reader sees one function, :class:`Logits`, from a batch of tokenised
windows (numpy ``input_ids``, ``attention_mask``, ``token_type_ids``) to start and end
logits; tokenising and span decoding stay the reader's.

The ONNX model is never shipped: :func:`onnx_model` exports it from the reader's own
weights on first use and caches it (:mod:`qa.exports`: by a fingerprint of the weights,
written atomically, rebuilt when truncated or damaged).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from qa.exports import cached_file, export_folder, export_model
from qa.quantization import quantize_int8

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
    return cached_file(int8, lambda tmp: quantize_int8(fp32, tmp), log=log,
                       note=f"quantising the ONNX reader to int8 ({int8})")


def _export(model_dir: str | Path, target: Path) -> None:
    """Trace the transformers model into ONNX with dynamic batch and sequence axes."""
    export_model(model_dir, target, auto_class="AutoModelForQuestionAnswering", output_names=list(OUTPUT_NAMES),
                 outputs=lambda out: (out.start_logits, out.end_logits))
