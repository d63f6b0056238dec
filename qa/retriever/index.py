"""The persisted dense index: FAISS vectors plus chunk metadata, described by a manifest.

Layout of an index directory::

    manifest.json   what the index was built from (fingerprint) and checksums of the files
    vectors.faiss   unit-length chunk embeddings (inner product = cosine)
    chunks.jsonl    one chunk per line, in vector order
    vector-cache/   every chunk's vector by content hash (:mod:`qa.retriever.vector_cache`), so that
                    a changed corpus re-embeds only its new or changed chunks

Every file is written to a temporary name and renamed into place, the manifest
last, so an interrupted build never passes for a finished one. A manifest whose
checksums do not match, or files that FAISS cannot read, mean the index is
rebuilt, with a message saying why.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.corpus.chunking import Chunk
from qa.errors import IndexCorruptError
from qa.files import atomic_write_bytes
from qa.locking import exclusive

FORMAT_VERSION = 1
MANIFEST, VECTORS, CHUNKS = "manifest.json", "vectors.faiss", "chunks.jsonl"
VECTOR_CACHE = "vector-cache"


def _faiss():
    import faiss

    return faiss


def new_faiss_index(dimension: int, index_type: str):
    """An empty inner-product index: exact ("flat") or HNSW graph ("hnsw") for large corpora."""
    faiss = _faiss()
    if index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 64
        return index
    return faiss.IndexFlatIP(dimension)


@dataclass
class DenseIndex:
    """Chunks and their vectors in one FAISS index; ``search`` returns (chunk position, cosine) pairs."""

    chunks: list[Chunk]
    faiss_index: object
    fingerprint: str

    def search(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        k = min(k, len(self.chunks))
        if k <= 0:
            return []
        scores, ids = self.faiss_index.search(query_vector.reshape(1, -1).astype(np.float32), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def extended(self, chunks: list[Chunk], vectors: np.ndarray) -> "DenseIndex":
        """A new in-memory index holding this one's chunks plus more (this one is left unchanged)."""
        faiss = _faiss()
        copy = faiss.clone_index(self.faiss_index)
        if len(chunks):
            copy.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return DenseIndex(self.chunks + list(chunks), copy, f"{self.fingerprint}+{len(chunks)}")

    def subset(self, positions: list[int]) -> "DenseIndex":
        """A new in-memory flat index over some of this one's chunks, reusing their stored vectors."""
        vectors = np.array([self.faiss_index.reconstruct(int(i)) for i in positions], dtype=np.float32)
        return build_index([self.chunks[i] for i in positions], vectors.reshape(len(positions), self.faiss_index.d),
                           f"{self.fingerprint}[{len(positions)}]")


def build_index(chunks: list[Chunk], vectors: np.ndarray, fingerprint: str, index_type: str = "flat") -> DenseIndex:
    index = new_faiss_index(vectors.shape[1], index_type)
    if len(chunks):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return DenseIndex(list(chunks), index, fingerprint)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_index(index: DenseIndex, directory: str | Path, *, describe: dict | None = None) -> None:
    """Persist atomically: data files first, the manifest (with their checksums) last."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    faiss = _faiss()
    (directory / MANIFEST).unlink(missing_ok=True)  # from here on, a crash leaves "no index", not a stale one
    # Checksums come from the bytes written, not from re-reading files that another process may replace.
    payload = {
        VECTORS: faiss.serialize_index(index.faiss_index).tobytes(),
        CHUNKS: "".join(json.dumps(c.to_dict(), ensure_ascii=False) + "\n" for c in index.chunks).encode("utf-8"),
    }
    for name, data in payload.items():
        atomic_write_bytes(directory / name, data)
    manifest = {
        "format_version": FORMAT_VERSION,
        "fingerprint": index.fingerprint,
        "count": len(index.chunks),
        "files": {name: _sha256(data) for name, data in payload.items()},
        **(describe or {}),
    }
    atomic_write_bytes(directory / MANIFEST, json.dumps(manifest, indent=2).encode("utf-8"))


def load_index(directory: str | Path, fingerprint: str) -> DenseIndex:
    """Load an index built for ``fingerprint``.

    Raises FileNotFoundError when there is none, and :class:`IndexCorruptError`
    (saying why) when it is stale, partial or damaged.
    """
    directory = Path(directory)
    manifest_path = directory / MANIFEST
    if not manifest_path.exists():
        if (directory / VECTORS).exists() or (directory / CHUNKS).exists():
            raise IndexCorruptError("the index has no manifest (an earlier build was interrupted)")
        raise FileNotFoundError(f"no index in {directory}")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexCorruptError(f"the index manifest is unreadable ({exc})") from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexCorruptError("the index was written by another version of qa")
    if manifest.get("fingerprint") != fingerprint:
        raise IndexCorruptError("the corpus, the embedding model or the chunking settings changed")
    data = {}
    for name in (VECTORS, CHUNKS):
        try:
            data[name] = (directory / name).read_bytes()  # read once: what is checked is what is loaded
        except FileNotFoundError:
            raise IndexCorruptError(f"{name} is missing") from None
        if _sha256(data[name]) != files.get(name):
            raise IndexCorruptError(f"{name} is truncated or corrupted (checksum mismatch)")
    try:
        faiss_index = _faiss().deserialize_index(np.frombuffer(data[VECTORS], dtype=np.uint8))
        # Split on "\n" only: JSON keeps U+2028 and U+0085 unescaped, and splitlines() would break on them.
        chunks = [Chunk(**json.loads(line)) for line in data[CHUNKS].decode("utf-8").split("\n") if line]
    except Exception as exc:  # FAISS raises RuntimeError, JSON ValueError, Chunk TypeError
        raise IndexCorruptError(f"the index files cannot be read ({exc})") from exc
    if faiss_index.ntotal != len(chunks) or len(chunks) != manifest.get("count"):
        raise IndexCorruptError("the index files disagree on the number of chunks")
    return DenseIndex(chunks, faiss_index, fingerprint)


@dataclass(frozen=True)
class IndexRecipe:
    """What an index is built from. Its :attr:`fingerprint` (checked on load) and the manifest's
    description (for people) both come from here, so they cannot disagree."""

    #: SHA-256 of the chunks themselves, so that parser and chunker changes count too.
    chunks_sha256: str
    embedding_model: str
    #: Changes with the embedding model's files (see ``Embedder.fingerprint``).
    embedding: str
    chunk_max_chars: int
    heading_weight: float
    index_type: str
    documents: tuple[str, ...] = ()
    #: How headings enter the vectors (Settings.heading_embedding).
    heading_embedding: str = "mixed"

    @classmethod
    def of(cls, chunks: list[Chunk], *, embedding_model: str, embedding: str, chunk_max_chars: int,
           heading_weight: float, index_type: str, documents=(), heading_embedding: str = "mixed") -> "IndexRecipe":
        digest = _sha256(json.dumps([c.to_dict() for c in chunks]).encode())
        return cls(digest, embedding_model, embedding, chunk_max_chars, heading_weight, index_type, tuple(documents),
                   heading_embedding)

    @property
    def fingerprint(self) -> str:
        """What a saved index must match to be reused: everything that shapes the vectors (not where the
        documents were read from)."""
        shaping = {"format": FORMAT_VERSION, "chunks": self.chunks_sha256, "embedding": self.embedding,
                   "chunk_max_chars": self.chunk_max_chars, "heading_weight": self.heading_weight,
                   "index_type": self.index_type}
        if self.heading_embedding != "mixed":  # absent for the default, so existing indexes stay valid
            shaping["heading_embedding"] = self.heading_embedding
        return _sha256(json.dumps(shaping, sort_keys=True).encode())

    def describe(self) -> dict:
        """The manifest's description of the index."""
        return {"embedding_model": self.embedding_model, "embedding": self.embedding,
                "documents": list(self.documents), "chunks_sha256": self.chunks_sha256,
                "chunk_max_chars": self.chunk_max_chars, "heading_weight": self.heading_weight,
                "index_type": self.index_type, "heading_embedding": self.heading_embedding}


@dataclass(frozen=True)
class LoadedIndex:
    """The outcome of :func:`load_or_build_index`: the index, whether it was (re)built, and why."""

    index: DenseIndex
    built: bool
    reason: str | None = None


def load_or_build_index(directory, recipe: IndexRecipe, chunks: list[Chunk], embed, *, log=None) -> LoadedIndex:
    """Reuse the index in ``directory`` if it was built from ``recipe``; otherwise build and save it.

    ``embed(chunks)`` produces the vectors. A directory that cannot be written to still yields a
    working in-memory index, with a warning.
    """
    log = log or (lambda message: print(message, file=sys.stderr))
    with _build_lock(Path(directory)):  # two processes starting together build once, not over each other
        try:
            return LoadedIndex(load_index(directory, recipe.fingerprint), built=False)
        except FileNotFoundError:
            reason = "there was no index"
            log(f"Building the index in {directory} ({len(chunks)} chunks)...")
        except IndexCorruptError as exc:
            reason = str(exc)
            log(f"Rebuilding the index in {directory}: {exc}.")
        index = _build_and_save(directory, recipe.fingerprint, chunks, embed, recipe.index_type, recipe.describe(),
                                log)
        return LoadedIndex(index, built=True, reason=reason)


def _build_lock(directory: Path):
    """An exclusive lock file in the index folder; no lock (and no error) where the folder is not writable."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    return exclusive(directory / ".lock", required=False)


def _build_and_save(directory, fingerprint, chunks, embed, index_type, describe, log) -> DenseIndex:
    vectors = embed(chunks)
    index = build_index(chunks, vectors, fingerprint, index_type)
    try:
        save_index(index, directory, describe=describe)
    except OSError as exc:
        log(f"Warning: could not save the index to {directory} ({exc.strerror or exc}); using it from memory.")
    return index
