"""ONNX exports of the project's models (reader and embedder), made from their own weights and cached.

An export is never shipped: it is made on first use and cached under a fingerprint of the
weights it came from, so retrained weights get a fresh export and unchanged ones reuse the
cached file. Files are written to a temporary name and moved into place, manifest last, so a
crash leaves either the old file or none; a file that is truncated (its size differs from its
manifest's) or does not load is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Callable

from qa.files import atomic_replace

#: Bumped when an export recipe changes, so that old exports are rebuilt.
EXPORT_VERSION = 2
#: The attention the models are traced with. Eager attention gives torch's logits like SDPA does, and
#: ONNX Runtime runs its graph 5-10% faster than the traced SDPA one on this CPU (96 and 200 tokens).
EXPORT_ATTENTION = "eager"
#: Exports of this many distinct weights are kept per kind (the most recently used); older ones are
#: deleted when a new one is made, so retrained readers do not fill the cache (about 90 MB each).
KEEP_EXPORTS = 3
#: What a model's weights are made of: hashed (contents, not sizes) into its exports' fingerprint.
WEIGHT_FILES = ("config.json", "model.safetensors", "pytorch_model.bin")


def weights_fingerprint(model_dir: str | Path) -> str:
    """A hash of a model's configuration and weights (their bytes) and of the export recipe."""
    model_dir = Path(model_dir)
    digest = hashlib.sha256(f"export:{EXPORT_VERSION}".encode())
    found = False
    for name in WEIGHT_FILES:
        path = model_dir / name
        if path.is_file():
            found = found or name != "config.json"
            digest.update(name.encode())
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 22), b""):
                    digest.update(block)
    if not found:
        raise FileNotFoundError(f"no model weights (model.safetensors) in {model_dir}")
    return digest.hexdigest()[:20]


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/qa`` (``~/.cache/qa`` by default): derived files that can always be rebuilt."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qa"


def export_folder(kind: str, model_dir: str | Path, cache_dir: str | Path | None = None) -> Path:
    """``cache_dir/<kind>/<fingerprint of model_dir's weights>``, created, and marked as just used."""
    folder = Path(cache_dir or default_cache_dir()) / kind / weights_fingerprint(model_dir)
    folder.mkdir(parents=True, exist_ok=True)
    os.utime(folder)  # what prune_exports keeps is what was used last
    return folder


def prune_exports(kind_dir: Path, keep: int = KEEP_EXPORTS) -> list[Path]:
    """Delete all but the ``keep`` most recently used export folders in ``kind_dir``; returns the deleted.
    A process that still runs a deleted export is unaffected (its session holds the model in memory)."""
    import shutil

    folders = sorted((p for p in kind_dir.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in folders[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    return folders[keep:]


def cached_file(path: Path, write: Callable[[Path], None], *, log=None, note: str = "") -> Path:
    """``path``, made now by ``write(tmp)`` unless a complete one is there; one process writes it while
    others wait on a lock beside it and then find the finished file."""
    from filelock import FileLock

    if is_complete(path):
        return path
    with FileLock(str(path.parent / ".lock")):
        if not is_complete(path):
            if note and log:
                log(note)
            _atomic(path, write)
            prune_exports(path.parent.parent)
    return path


def discard(path: str | Path) -> None:
    """Forget a cached export (one that would not load), so that the next request rebuilds it."""
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
    # Each session has its own thread pool, and a spinning pool keeps the CPU busy after its call: the
    # embedder's then slows the reader's next call (ask p50 100 ms against 74 ms on 2 cores).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def open_session(path_of: Callable[[], Path], *, threads: int | None = None):
    """A session over the export ``path_of()`` names; an export that does not load although its size is
    right (damaged some other way) is discarded and made again, once."""
    path = path_of()
    try:
        return load_onnx_session(path, threads=threads)
    except Exception:  # noqa: BLE001 - onnxruntime raises its own untyped errors on a damaged file
        discard(path)
        return load_onnx_session(path_of(), threads=threads)


def model_input_names(config: dict) -> list[str]:
    """The inputs a model with this ``config.json`` takes: segment ids too where it has more than one
    segment type (BERT tells question from passage by them; RoBERTa and DistilBERT have none)."""
    return ["input_ids", "attention_mask"] + (["token_type_ids"] if config.get("type_vocab_size", 0) > 1 else [])


def export_model(model_dir: str | Path, target: Path, *, auto_class: str, output_names: list[str], outputs) -> None:
    """Load ``model_dir`` with transformers' ``auto_class`` (fp32, :data:`EXPORT_ATTENTION`) and trace it
    into ONNX at ``target``. Its inputs are the input ids, the attention mask and, for models with
    segments, the token type ids; ``outputs(model_output)`` picks the tensors named ``output_names``."""
    import torch
    import transformers

    from qa.config import quiet_model_loading

    quiet_model_loading()
    model = getattr(transformers, auto_class).from_pretrained(
        str(model_dir), local_files_only=True, dtype=torch.float32, attn_implementation=EXPORT_ATTENTION).eval()
    names = model_input_names(model.config.to_dict())

    class _Traced(torch.nn.Module):  # tensors in, a tensor or a tuple of tensors out: what the tracer needs
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *inputs):
            return outputs(self.inner(**dict(zip(names, inputs))))

    trace_to_onnx(_Traced(model), names, output_names, target)


def trace_to_onnx(module, input_names: list[str], output_names: list[str], target: Path) -> None:
    """Trace a torch module taking ``input_names`` (int64, batch by tokens) into ONNX at ``target``, with
    dynamic batch and sequence axes on every input and output."""
    import warnings

    import torch

    sample = torch.ones((2, 16), dtype=torch.long)
    axes = {n: {0: "batch", 1: "tokens"} for n in (*input_names, *output_names)}
    with warnings.catch_warnings(), torch.no_grad():
        # The tracer warns about Python conditions on shapes; each export is checked against torch in the tests.
        warnings.simplefilter("ignore")
        torch.onnx.export(module, tuple(sample for _ in input_names), str(target), input_names=input_names,
                          output_names=output_names, dynamic_axes=axes, opset_version=17, dynamo=False)


def is_complete(path: Path) -> bool:
    """Whether ``path`` was written to the end: its manifest, written last, records its size."""
    try:
        recorded = json.loads(_manifest(path).read_text(encoding="utf-8"))
        return path.stat().st_size == recorded["bytes"]
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _manifest(path: Path) -> Path:
    return path.with_suffix(".json")


def _atomic(path: Path, write) -> None:
    """Run ``write(tmp)`` on a temporary file beside ``path``, then move it into place, manifest last."""
    _manifest(path).unlink(missing_ok=True)
    # 0644: a temporary file's 0600 would hide a shared cache from other users.
    atomic_replace(path, write, mode=0o644, suffix=path.suffix)
    manifest = {"bytes": path.stat().st_size, "export_version": EXPORT_VERSION}
    atomic_replace(_manifest(path), lambda tmp: tmp.write_text(json.dumps(manifest), encoding="utf-8"),
                   suffix=".json")
