"""How the reader's network runs: PyTorch, or ONNX Runtime over an export made from the same weights.

Either way the reader sees one function, :class:`Logits`, from a batch of tokenised
windows (numpy ``input_ids``, ``attention_mask``, ``token_type_ids``) to start and end
logits; tokenising and span decoding stay the reader's.

The ONNX model is never shipped: :func:`onnx_model` exports it from the reader's own
weights on first use and caches it under a fingerprint of those weights, so a retrained
reader gets a fresh export and an unchanged one reuses the cached file. Files are written
to a temporary name and moved into place (``os.replace``), so a crash leaves either the
old file or none; a file that is truncated or does not load anyway is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Protocol

import numpy as np

from qa.files import atomic_replace

INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAMES = ("start_logits", "end_logits")
#: Bumped when the export recipe changes, so that old exports are rebuilt.
EXPORT_VERSION = 1
#: What a reader's weights are made of: hashed (contents, not sizes) into the export's fingerprint.
_WEIGHT_FILES = ("config.json", "model.safetensors", "pytorch_model.bin")


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


def weights_fingerprint(model_dir: str | Path) -> str:
    """A hash of the reader's configuration and weights (their bytes) and of the export recipe."""
    model_dir = Path(model_dir)
    digest = hashlib.sha256(f"export:{EXPORT_VERSION}".encode())
    found = False
    for name in _WEIGHT_FILES:
        path = model_dir / name
        if path.is_file():
            found = found or name != "config.json"
            digest.update(name.encode())
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 22), b""):
                    digest.update(block)
    if not found:
        raise FileNotFoundError(f"no reader weights (model.safetensors) in {model_dir}")
    return digest.hexdigest()[:20]


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/qa`` (``~/.cache/qa`` by default): derived files that can always be rebuilt."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qa"


def onnx_model(model_dir: str | Path, precision: str = "fp32", cache_dir: str | Path | None = None, *,
               log=None) -> Path:
    """The path of the ONNX export of the reader in ``model_dir`` at ``precision`` ("fp32" or "int8"),
    exported (and, for int8, quantised) now unless a valid one is cached for these exact weights."""
    from filelock import FileLock

    if precision not in ("fp32", "int8"):
        raise ValueError(f"precision must be fp32 or int8, not {precision!r}")
    folder = Path(cache_dir or default_cache_dir()) / "reader-onnx" / weights_fingerprint(model_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"reader-{precision}.onnx"
    if _is_complete(path):
        return path
    # One process exports; another one waiting here then finds the finished file.
    with FileLock(str(folder / ".lock")):
        if _is_complete(path):
            return path
        log = log or (lambda message: None)
        fp32 = folder / "reader-fp32.onnx"
        if not _is_complete(fp32):
            log(f"exporting the reader to ONNX ({fp32})")
            _atomic(fp32, lambda tmp: _export(model_dir, tmp))
        if precision == "int8":
            log(f"quantising the ONNX reader to int8 ({path})")
            _atomic(path, lambda tmp: _quantize(fp32, tmp))
    return path


def discard(path: str | Path) -> None:
    """Forget a cached export (one that would not load), so that the next :func:`onnx_model` rebuilds it."""
    path = Path(path)
    for p in (path, _manifest(path)):
        p.unlink(missing_ok=True)


def load_onnx_session(path: str | Path, *, threads: int | None = None):
    """An ONNX Runtime CPU session with every graph optimisation on."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        options.intra_op_num_threads = threads
    options.log_severity_level = 3  # warnings about unused initialisers are not the user's business
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _manifest(path: Path) -> Path:
    return path.with_suffix(".json")


def _is_complete(path: Path) -> bool:
    """Whether ``path`` was written to the end: its manifest, written last, records its size."""
    try:
        recorded = json.loads(_manifest(path).read_text(encoding="utf-8"))
        return path.stat().st_size == recorded["bytes"]
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _atomic(path: Path, write) -> None:
    """Run ``write(tmp)`` on a temporary file beside ``path``, then move it into place, manifest last."""
    _manifest(path).unlink(missing_ok=True)
    # 0644: a temporary file's 0600 would hide a shared cache from other users.
    atomic_replace(path, write, mode=0o644, suffix=".onnx")
    manifest = {"bytes": path.stat().st_size, "export_version": EXPORT_VERSION}
    atomic_replace(_manifest(path), lambda tmp: tmp.write_text(json.dumps(manifest), encoding="utf-8"),
                   suffix=".json")


def _export(model_dir: str | Path, target: Path) -> None:
    """Trace the transformers model into ONNX with dynamic batch and sequence axes."""
    import warnings

    import torch
    from transformers import AutoModelForQuestionAnswering

    from qa.config import quiet_model_loading

    quiet_model_loading()
    model = AutoModelForQuestionAnswering.from_pretrained(str(model_dir), local_files_only=True,
                                                          dtype=torch.float32).eval()
    names = [n for n in INPUT_NAMES if n != "token_type_ids" or model.config.type_vocab_size > 1]

    class _Outputs(torch.nn.Module):  # a plain tuple of tensors: what the tracer needs
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *inputs):
            out = self.inner(**dict(zip(names, inputs)))
            return out.start_logits, out.end_logits

    sample = torch.ones((2, 16), dtype=torch.long)
    axes = {n: {0: "windows", 1: "tokens"} for n in (*names, *OUTPUT_NAMES)}
    with warnings.catch_warnings(), torch.no_grad():
        # The tracer warns about Python conditions on shapes; the export is checked against torch in the tests.
        warnings.simplefilter("ignore")
        torch.onnx.export(_Outputs(model), tuple(sample for _ in names), str(target), input_names=names,
                          output_names=list(OUTPUT_NAMES), dynamic_axes=axes, opset_version=17, dynamo=False)


def _quantize(fp32: Path, target: Path) -> None:
    """Dynamic int8 quantisation: int8 weights, activations quantised per batch at run time."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8, per_channel=True)
