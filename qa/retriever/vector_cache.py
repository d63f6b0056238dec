"""A per-chunk cache of embedding vectors, so that changing one document re-embeds only its chunks.

A vector is stored under two keys: the *recipe* (everything that shapes the vectors besides the
chunk: the embedding model's fingerprint and the heading weight) and the chunk's *content hash*
(the text and the heading it is embedded with, see :func:`content_key`). Its identity, position or
document do not count, so a paragraph that moves, or a document that is renamed, reuses its vector.

Layout, under any folder (the pipeline uses ``<index_dir>/vector-cache``)::

    <recipe hash>/recipe.json    the recipe in words, for people
    <recipe hash>/vectors.npz    keys (content hashes) and float32 vectors, row for row

``vectors.npz`` is written to a temporary name and renamed into place, so a crash leaves the old
cache; a damaged file is reported and treated as empty (the vectors are embedded again).
Any vector store can use it: the FAISS index here, or a vector database (issue 17)::

    cache = EmbeddingCache(Path(index_dir) / "vector-cache", recipe="minilm:abc|heading_weight=0.5")
    vectors = cache.embed(chunks, lambda todo: embed_chunks(embedder, todo))   # misses only
    cache.last_embedded      # how many chunks that call really embedded
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from qa.files import atomic_write_bytes

VECTORS_FILE = "vectors.npz"
RECIPE_FILE = "recipe.json"


def content_key(chunk) -> str:
    """The hash of what a chunk's vector is computed from: its text and its section heading."""
    digest = hashlib.sha256()
    digest.update((chunk.section or "").encode("utf-8"))
    digest.update(b"\x00")
    digest.update(chunk.text.encode("utf-8"))
    return digest.hexdigest()


class EmbeddingCache:
    """Vectors keyed by (recipe, chunk content hash), kept in memory and saved under ``directory``.

    ``recipe`` names everything besides the chunk that changes a vector; caches of different
    recipes live side by side and never mix. Thread-safe; loads lazily on first use.
    """

    def __init__(self, directory: str | os.PathLike, recipe: str, *, log: Callable[[str], None] | None = None) -> None:
        self.recipe = recipe
        self.directory = Path(directory) / hashlib.sha256(recipe.encode("utf-8")).hexdigest()[:16]
        self.log = log or (lambda message: None)
        self.last_embedded = 0
        self._vectors: dict[str, np.ndarray] | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._loaded())

    def _loaded(self) -> dict[str, np.ndarray]:
        if self._vectors is None:
            self._vectors = {}
            path = self.directory / VECTORS_FILE
            if path.exists():
                try:
                    with np.load(path, allow_pickle=False) as data:
                        keys, vectors = data["keys"], data["vectors"]
                    if len(keys) != len(vectors):
                        raise ValueError("keys and vectors disagree")
                    self._vectors = {str(k): v for k, v in zip(keys, np.asarray(vectors, dtype=np.float32))}
                except Exception as exc:  # a zip CRC error, a truncated file, a wrong shape: start afresh
                    self.log(f"The vector cache in {self.directory} is damaged ({exc}); embedding again.")
        return self._vectors

    def lookup(self, keys: Sequence[str]) -> list[np.ndarray | None]:
        """The cached vector of each key, or None where there is none."""
        with self._lock:
            vectors = self._loaded()
            return [vectors.get(k) for k in keys]

    def store(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Remember ``vectors[i]`` for ``keys[i]`` (in memory; :meth:`save` writes them)."""
        with self._lock:
            cached = self._loaded()
            for key, vector in zip(keys, np.asarray(vectors, dtype=np.float32)):
                cached[key] = vector.copy()

    def embed(self, chunks: Sequence, embed: Callable[[list], np.ndarray], *, keep_only: bool = False,
              save: bool = True) -> np.ndarray:
        """Vectors for ``chunks`` in order; ``embed(chunks)`` is called once, on the chunks not cached
        (each distinct content once). Sets :attr:`last_embedded`; saves the cache unless ``save`` is
        False; a cache that cannot be written is only logged. ``keep_only`` drops every cached vector that these chunks do not use (a corpus's
        removed documents), so the cache does not grow without end."""
        keys = [content_key(c) for c in chunks]
        found = self.lookup(keys)
        todo: dict[str, object] = {}
        for key, chunk, vector in zip(keys, chunks, found):
            if vector is None and key not in todo:
                todo[key] = chunk
        if todo:
            fresh = np.asarray(embed(list(todo.values())), dtype=np.float32)
            self.store(list(todo), fresh)
        self.last_embedded = len(todo)
        with self._lock:
            cached = self._loaded()
            if keep_only:
                used = set(keys)
                for key in [k for k in cached if k not in used]:
                    del cached[key]
            dimension = next(iter(cached.values())).shape[0] if cached else 0
            out = np.stack([cached[k] for k in keys]) if keys else np.zeros((0, dimension), dtype=np.float32)
        if save and (todo or keep_only):
            try:
                self.save()
            except OSError as exc:  # a read-only index folder: the vectors still serve from memory
                self.log(f"Warning: could not save the vector cache in {self.directory} ({exc.strerror or exc}).")
        return np.ascontiguousarray(out, dtype=np.float32)

    def save(self) -> None:
        """Write the cache atomically (temporary file, then rename). Raises OSError if it cannot."""
        with self._lock:
            cached = self._loaded()
            keys = np.array(list(cached), dtype="U64")
            vectors = np.stack(list(cached.values())) if cached else np.zeros((0, 0), dtype=np.float32)
        buffer = io.BytesIO()
        np.savez(buffer, keys=keys, vectors=vectors)
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / RECIPE_FILE).write_text(json.dumps({"recipe": self.recipe}) + "\n", encoding="utf-8")
        atomic_write_bytes(self.directory / VECTORS_FILE, buffer.getvalue())
