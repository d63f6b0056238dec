"""A Milvus collection as the vector store: Milvus Lite (a local ``.db``) or a Milvus server by URI.

Each chunk is one row: its JSON, its search text (heading + paragraph) run through
Milvus's English analyzer into a BM25 sparse vector by the collection's own BM25
function, and its dense vector. Hybrid retrieval is one ``hybrid_search`` with
Milvus's RRF ranker, so processes that share a server keep no index state of their own.

Layout: ``name`` (the ``milvus_collection`` setting) is an alias for a physical
collection ``<name>_<fingerprint[:16]>_<build id>`` whose properties record the
index fingerprint, the embedding model and whether the build finished. A rebuild
fills a new physical collection, reusing the stored vectors of unchanged chunks,
then moves the alias in one step and drops the old one: a reader never sees a
half-built collection.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from qa.config import Settings
from qa.corpus.chunking import Chunk, normalize_space
from qa.errors import StoreInUseError, StoreUnavailableError, VectorStoreError
from qa.retriever.store import VectorStore, fuse
from qa.types import Passage

FORMAT_VERSION = "1"
#: Flushing and loading a large collection take longer than a query; still bounded.
BUILD_TIMEOUT_S = 600.0
_INSERT_BATCH = 256
_QUERY_BATCH = 512
_MAX_VARCHAR = 65_535
#: The text field holds the FAISS store's own BM25 tokens (bm25s: Snowball stems, English stopwords
#: removed) joined by spaces, and questions are tokenised the same way, so Milvus's analyzer only splits
#: on spaces: Milvus Lite's analyzer has no stemmer, and both stores then rank by the same terms.
ANALYZER = {"tokenizer": "standard"}
#: bm25s's defaults, so that both stores weigh terms alike.
BM25_PARAMS = {"bm25_k1": 1.5, "bm25_b": 0.75}
HNSW_BUILD = {"M": 32, "efConstruction": 80}
HNSW_EF = 64


def is_local(uri: str) -> bool:
    """A Milvus Lite file rather than a server address."""
    return urlparse(uri).scheme.lower() not in ("http", "https", "tcp", "grpc", "unix")


def vector_key(chunk: Chunk, recipe: str) -> str:
    """What a chunk's vector depends on (its text, heading and the embedding recipe), hashed: equal keys
    mean a stored vector can be reused."""
    return hashlib.sha256(json.dumps([recipe, chunk.section, normalize_space(chunk.text)]).encode()).hexdigest()


def lexical_terms(text: str) -> str:
    """``text`` as the space-separated BM25 terms that the FAISS store's bm25s index matches."""
    from qa.retriever.bm25 import tokenize

    return " ".join(tokenize([text])[0])


def connect(uri: str, timeout: float = Settings.milvus_timeout):
    """A MilvusClient for ``uri``, or a :class:`StoreUnavailableError` / :class:`StoreInUseError` saying why."""
    _quiet()
    from pymilvus import MilvusClient
    from pymilvus.exceptions import MilvusException

    local = is_local(uri)
    if local:
        if not uri.endswith(".db"):
            raise StoreUnavailableError(f"milvus_uri {uri!r} is neither a server address (http://host:19530) "
                                        "nor a Milvus Lite file ending in .db")
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    try:
        client = MilvusClient(uri=uri, timeout=timeout)
        version = client.get_server_version(timeout=timeout)
    except (MilvusException, OSError) as exc:
        if local and _locked_by_another_process(Path(uri)):
            raise StoreInUseError(
                f"the Milvus Lite file {uri} is open in another process (Milvus Lite allows one process per "
                "file): stop that process, give this one its own file, or share a Milvus server "
                "(milvus_uri=http://host:19530)") from None
        raise StoreUnavailableError(f"cannot reach Milvus at {uri}: {_message(exc)}") from None
    if not local and _too_old(version):
        raise StoreUnavailableError(f"Milvus at {uri} is version {version}; qa needs Milvus 2.5 or later "
                                    "(BM25 full-text search)")
    return client


def _too_old(version: str) -> bool:
    """Servers before 2.5 have no BM25 function (2.3 not even sparse vectors)."""
    import re

    found = re.match(r"v?(\d+)\.(\d+)", str(version))
    return bool(found) and (int(found.group(1)), int(found.group(2))) < (2, 5)


def _locked_by_another_process(path: Path) -> bool:
    """Whether Milvus Lite's lock on ``path`` is held (only asked after opening failed: in the process that
    holds it, pymilvus reuses its server instead)."""
    import fcntl

    lock = path / "LOCK"
    if not lock.exists():
        return False
    with open(lock, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def _quiet() -> None:
    """pymilvus logs every failed call with a traceback; the errors raised here already say what failed."""
    for name in ("pymilvus", "milvus_lite"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _message(exc: Exception) -> str:
    return str(getattr(exc, "message", None) or exc).strip()


class MilvusStore(VectorStore):
    """Search over one Milvus collection (by its alias); ``chunks`` is the corpus this process built it from."""

    def __init__(self, client, name: str, uri: str, chunks: list[Chunk], *, timeout: float = Settings.milvus_timeout,
                 fingerprint: str = "", physical: str = "") -> None:
        self.client, self.name, self.uri, self.timeout = client, name, uri, timeout
        self.fingerprint, self.physical = fingerprint, physical
        self._chunks = list(chunks)

    @property
    def chunks(self) -> list[Chunk]:
        return self._chunks

    def dense_hits(self, query_vector, k):
        result = self._call("search", self.name, data=[_floats(query_vector)], anns_field="dense", limit=k,
                            search_params={"metric_type": "IP", "params": {"ef": max(HNSW_EF, k)}},
                            output_fields=["chunk"])
        return [(_chunk(hit["entity"]["chunk"]), float(hit["distance"])) for hit in result[0]]

    def lexical_hits(self, question, k):
        terms = lexical_terms(question)
        if not terms:
            return []
        result = self._call("search", self.name, data=[terms], anns_field="sparse", limit=k,
                            search_params={"metric_type": "BM25"}, output_fields=["chunk"])
        # Milvus Lite reports BM25 as a negated distance, a server as a score: the magnitude is the score.
        return [(_chunk(hit["entity"]["chunk"]), abs(float(hit["distance"]))) for hit in result[0]]

    def search(self, question, query_vector, *, mode, pool, top_k, rrf_k) -> list[Passage]:
        if mode != "hybrid":
            return super().search(question, query_vector, mode=mode, pool=pool, top_k=top_k, rrf_k=rrf_k)
        from pymilvus import AnnSearchRequest, RRFRanker

        terms = lexical_terms(question)
        if not terms:  # nothing to match lexically (only stopwords): the dense ranking alone, as bm25s gives
            return fuse(self.dense_hits(query_vector, pool), [], top_k=top_k, rrf_k=rrf_k)
        requests = [
            AnnSearchRequest([_floats(query_vector)], "dense", {"metric_type": "IP", "params": {"ef": max(HNSW_EF, pool)}},
                             limit=pool),
            AnnSearchRequest([terms], "sparse", {"metric_type": "BM25"}, limit=pool),
        ]
        # Twice the pool: every fused candidate, so that ties are broken here, not at Milvus's cut-off.
        result = self._call("hybrid_search", self.name, requests, RRFRanker(rrf_k), limit=2 * pool,
                            output_fields=["chunk", "dense"])
        hits = []
        for hit in result[0]:
            vector = hit["entity"].get("dense")
            similarity = None if vector is None else float(np.dot(np.asarray(vector, np.float32), query_vector))
            hits.append((float(hit["distance"]), similarity, _chunk(hit["entity"]["chunk"])))
        # Equal fused scores in the order the FAISS store gives them (first seen in the dense ranking, that
        # is by cosine), so that both stores rank alike; float32 scores are compared to 8 decimals.
        hits.sort(key=lambda h: (-round(h[0], 8), -(h[1] if h[1] is not None else -2.0)))
        # The fused ranking gives no per-ranker BM25 score: bm25 stays None on this path.
        return [Passage(chunk=chunk, rank=rank, score=round(score, 6), similarity=similarity)
                for rank, (score, similarity, chunk) in enumerate(hits[:top_k], 1)]

    def extended(self, chunks, vectors):
        from qa.retriever.retriever import upload_layer

        return upload_layer(self, chunks, vectors)

    def _call(self, method: str, *args, **kwargs):
        from pymilvus.exceptions import MilvusException

        try:
            return getattr(self.client, method)(*args, timeout=self.timeout, **kwargs)
        except MilvusException as exc:
            text = _message(exc)
            if "not found" in text.lower() or "not exist" in text.lower():
                raise VectorStoreError(f"the Milvus collection {self.name!r} at {self.uri} is gone (dropped?): "
                                       "run `qa index` to build it again") from None
            raise StoreUnavailableError(f"Milvus at {self.uri} failed: {text}") from None


@lru_cache(maxsize=4096)
def _chunk(payload: str) -> Chunk:
    return Chunk(**json.loads(payload))


def _floats(vector) -> list[float]:
    return np.asarray(vector, dtype=np.float32).reshape(-1).tolist()


def open_store(uri: str, name: str, fingerprint: str, chunks: list[Chunk], embed, *, embedding: str,
               recipe: str, index_type: str = "flat", timeout: float = Settings.milvus_timeout, rebuild: bool = False,
               log=None) -> tuple[MilvusStore, bool]:
    """Reuse the collection behind alias ``name`` at ``uri`` if it was built for ``fingerprint``; otherwise
    build it, embedding (with ``embed(chunks) -> array``) only the chunks whose vectors it does not hold.

    ``embedding`` names the embedding model: a collection built with another one is refused (its vectors
    cannot be compared with this model's), unless ``rebuild``. Returns the store and whether it was built.
    """
    from pymilvus.exceptions import MilvusException

    log = log or (lambda message: None)
    client = connect(uri, timeout)
    try:
        current = _alias_target(client, name, timeout)
        old_props = _properties(client, current, timeout) if current else {}
        if current and old_props.get("qa_embedding") != embedding and not rebuild:
            raise VectorStoreError(
                f"the Milvus collection {name!r} at {uri} was built with another embedding model "
                f"({old_props.get('qa_embedding') or 'unknown'}; this pipeline embeds with {embedding}): "
                "rebuild it (`qa index --rebuild`) or choose another milvus_collection")
        if (current and not rebuild and old_props.get("qa_fingerprint") == fingerprint
                and old_props.get("qa_complete") == "1" and old_props.get("qa_format") == FORMAT_VERSION):
            client.load_collection(current, timeout=max(timeout, BUILD_TIMEOUT_S))
            return MilvusStore(client, name, uri, chunks, timeout=timeout, fingerprint=fingerprint,
                               physical=current), False
        reason = "forced" if rebuild else ("the corpus, the embedding model or the chunking settings changed"
                                           if current else "")
        log(f"Rebuilding the Milvus collection {name!r} at {uri}: {reason}." if current else
            f"Building the Milvus collection {name!r} at {uri} ({len(chunks)} chunks)...")
        reusable = current if current and old_props.get("qa_embedding") == embedding else None
        physical = f"{name}_{fingerprint[:16]}_{uuid.uuid4().hex[:8]}"
        _build(client, physical, chunks, embed, recipe=recipe, reuse_from=reusable, index_type=index_type,
               properties={"qa_format": FORMAT_VERSION, "qa_fingerprint": fingerprint, "qa_embedding": embedding,
                           "qa_count": str(len(chunks))}, timeout=timeout, log=log)
        if current:
            client.alter_alias(physical, name, timeout=timeout)
            client.drop_collection(current, timeout=timeout)
        else:
            client.create_alias(physical, name, timeout=timeout)
        return MilvusStore(client, name, uri, chunks, timeout=timeout, fingerprint=fingerprint,
                           physical=physical), True
    except MilvusException as exc:
        raise StoreUnavailableError(f"Milvus at {uri} failed: {_message(exc)}") from None


def _alias_target(client, name: str, timeout: float) -> str | None:
    """The physical collection behind alias ``name``, or None when there is none."""
    from pymilvus.exceptions import MilvusException

    try:
        return client.describe_alias(name, timeout=timeout)["collection_name"]
    except MilvusException:
        if client.has_collection(name, timeout=timeout):  # a plain collection of that name, not ours
            raise VectorStoreError(f"{name!r} is a Milvus collection that qa did not build; choose another "
                                   "milvus_collection") from None
        return None


def _properties(client, collection: str, timeout: float) -> dict:
    return dict(client.describe_collection(collection, timeout=timeout).get("properties") or {})


def _schema(client, dimension: int):
    from pymilvus import DataType, Function, FunctionType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("pos", DataType.INT64, is_primary=True)
    schema.add_field("chunk", DataType.VARCHAR, max_length=_MAX_VARCHAR)
    schema.add_field("text", DataType.VARCHAR, max_length=_MAX_VARCHAR, enable_analyzer=True,
                     analyzer_params=ANALYZER)
    schema.add_field("key", DataType.VARCHAR, max_length=64)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dimension)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                 output_field_names=["sparse"]))
    return schema


def _index_params(client, index_type: str):
    params = client.prepare_index_params()
    if index_type == "hnsw":
        params.add_index("dense", index_type="HNSW", metric_type="IP", params=HNSW_BUILD)
    else:
        params.add_index("dense", index_type="FLAT", metric_type="IP")
    params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params=BM25_PARAMS)
    return params


def stored_vectors(client, collection: str, keys: list[str], timeout: float) -> dict[str, np.ndarray]:
    """The vectors ``collection`` holds for these vector keys."""
    found: dict[str, np.ndarray] = {}
    unique = sorted(set(keys))
    for i in range(0, len(unique), _QUERY_BATCH):
        batch = unique[i : i + _QUERY_BATCH]
        rows = client.query(collection, filter=f"key in {json.dumps(batch)}", output_fields=["key", "dense"],
                            limit=len(batch) * 4, timeout=timeout)
        for row in rows:
            found[row["key"]] = np.asarray(row["dense"], dtype=np.float32)
    return found


def _build(client, physical: str, chunks: list[Chunk], embed, *, recipe: str, reuse_from: str | None,
           index_type: str, properties: dict, timeout: float, log) -> None:
    from qa.retriever.bm25 import tokenize

    keys = [vector_key(c, recipe) for c in chunks]
    reused = stored_vectors(client, reuse_from, keys, timeout) if reuse_from else {}
    todo = [i for i, k in enumerate(keys) if k not in reused]
    if reuse_from:
        log(f"reusing {len(chunks) - len(todo)} stored vectors, embedding {len(todo)} chunks")
    fresh = embed([chunks[i] for i in todo]) if todo else np.zeros((0, 0), np.float32)
    vectors = dict(reused)
    for i, row in zip(todo, fresh):
        vectors[keys[i]] = row
    if not vectors:
        raise VectorStoreError("there is nothing to index (the corpus has no chunks)")
    dimension = len(next(iter(vectors.values())))
    client.create_collection(physical, schema=_schema(client, dimension), index_params=_index_params(client, index_type),
                             properties={**properties, "qa_complete": "0"}, timeout=timeout)
    for start in range(0, len(chunks), _INSERT_BATCH):
        rows = []
        terms = [" ".join(t) for t in tokenize([c.lexical_text for c in chunks[start : start + _INSERT_BATCH]])]
        for pos in range(start, min(start + _INSERT_BATCH, len(chunks))):
            chunk = chunks[pos]
            payload = json.dumps(chunk.to_dict(), ensure_ascii=False)
            if len(payload.encode("utf-8")) > _MAX_VARCHAR:
                raise VectorStoreError(f"chunk {chunk.id} is too long for Milvus ({len(payload)} characters); "
                                       "lower chunk_max_chars")
            rows.append({"pos": pos, "chunk": payload, "text": terms[pos - start], "key": keys[pos],
                         "dense": _floats(vectors[keys[pos]])})
        client.insert(physical, rows, timeout=timeout)
    client.flush(physical, timeout=max(timeout, BUILD_TIMEOUT_S))
    client.alter_collection_properties(physical, properties={"qa_complete": "1"}, timeout=timeout)
    client.load_collection(physical, timeout=max(timeout, BUILD_TIMEOUT_S))
