"""The vector-store interface's pure logic: fusion, the upload layer, heading modes, store settings."""

from __future__ import annotations

import numpy as np
import pytest

from qa.config import Settings
from qa.corpus.chunking import Chunk
from qa.retriever.embedding import embed_chunks
from qa.retriever.fusion import reciprocal_rank_fusion
from qa.retriever.milvus import _too_old, is_local, vector_key
from qa.retriever.store import LayeredStore, VectorStore, fuse


def chunk(n: int, section: str | None = None, text: str | None = None) -> Chunk:
    return Chunk(id=f"d#p{n}", doc_id="d", doc_title="D", paragraph=n, section=section, kind="body", start=0,
                 end=1, text=text or f"paragraph {n}")


class Fixed(VectorStore):
    """A store that answers with hand-set hits."""

    def __init__(self, dense, lexical):
        self._dense, self._lexical = dense, lexical

    @property
    def chunks(self):
        return [c for c, _ in self._dense]

    def dense_hits(self, query_vector, k):
        return self._dense[:k]

    def lexical_hits(self, question, k):
        return self._lexical[:k]

    def extended(self, chunks, vectors):
        raise NotImplementedError


def test_fuse_is_reciprocal_rank_fusion_and_keeps_each_rankers_score():
    a, b, c = chunk(1), chunk(2), chunk(3)
    passages = fuse([(a, 0.9), (b, 0.5)], [(c, 7.0), (a, 3.0)], top_k=3, rrf_k=60)
    expected = reciprocal_rank_fusion([[a.id, b.id], [c.id, a.id]], 60)
    assert [(p.chunk.id, p.score) for p in passages] == [(i, round(s, 6)) for i, s in expected]
    assert (passages[0].similarity, passages[0].bm25) == (0.9, 3.0)
    assert (passages[1].chunk.id, passages[1].similarity, passages[1].bm25) == (c.id, None, 7.0)
    tied = fuse([(a, 0.9), (b, 0.5)], [(b, 2.0), (a, 1.0)], top_k=2, rrf_k=60)
    assert [p.chunk.id for p in tied] == [a.id, b.id]  # equal fused scores: first seen (dense) first


def test_layered_store_merges_each_ranker_by_score():
    base = Fixed([(chunk(1), 0.5), (chunk(2), 0.2)], [(chunk(1), 4.0)])
    top = Fixed([(chunk(9), 0.7)], [(chunk(9), 1.0)])
    layered = LayeredStore(base, top)
    assert [c.id for c, _ in layered.dense_hits(None, 2)] == ["d#p9", "d#p1"]
    assert [c.id for c, _ in layered.lexical_hits("q", 5)] == ["d#p1", "d#p9"]
    assert [p.chunk.id for p in layered.search("q", None, mode="bm25", pool=5, top_k=5, rrf_k=60)] == ["d#p1", "d#p9"]
    assert [c.id for c in layered.chunks] == ["d#p1", "d#p2", "d#p9"]


class CountingEmbedder:
    """Texts to deterministic unit vectors, counting what it is asked to embed."""

    def __init__(self):
        self.texts: list[str] = []

    def embed(self, texts, progress=False):
        self.texts += list(texts)
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(8) for t in texts]
        return np.array([r / np.linalg.norm(r) for r in rows], dtype=np.float32).reshape(len(texts), 8)


def test_heading_modes_embed_what_they_say():
    chunks = [chunk(1, "Ferries"), chunk(2, "Ferries"), chunk(3, None)]
    for mode, expected in (("mixed", 5), ("cached", 4), ("joint", 3)):
        embedder = CountingEmbedder()
        vectors = embed_chunks(embedder, chunks, heading_mode=mode)
        assert len(embedder.texts) == expected, mode
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert embedder.texts == [c.search_text for c in chunks]  # joint: heading and paragraph together
    cached = CountingEmbedder()
    vectors = embed_chunks(cached, chunks, heading_mode="cached", heading_weight=0.5)
    plain, heading = cached.embed(["paragraph 1", "Ferries"])
    mixed = plain + 0.5 * heading
    assert np.allclose(vectors[0], mixed / np.linalg.norm(mixed), atol=1e-6)
    with pytest.raises(ValueError):
        embed_chunks(cached, chunks, heading_mode="twice")


def test_store_settings_are_validated_and_located(tmp_path):
    s = Settings.from_env({}, index_dir=str(tmp_path))
    assert (s.vector_store, s.milvus_target, s.store_location) == ("faiss", str(tmp_path / "milvus.db"), str(tmp_path))
    m = Settings.from_env({"QA_VECTOR_STORE": "milvus", "QA_MILVUS_URI": "http://db:19530"})
    assert m.store_location == "Milvus collection 'qa_chunks' at http://db:19530"
    for bad in ({"QA_VECTOR_STORE": "pinecone"}, {"QA_HEADING_EMBEDDING": "twice"}, {"QA_MILVUS_TIMEOUT": "0"}):
        with pytest.raises(ValueError):
            Settings.from_env(bad)


def test_milvus_helpers():
    assert is_local("/data/store.db") and is_local("store.db") and not is_local("http://host:19530")
    assert _too_old("v2.3.5-lite") and _too_old("2.4.9") and not _too_old("v2.5.4") and not _too_old("milvus_lite-3.2.2")
    assert vector_key(chunk(1, "A"), "r") == vector_key(chunk(7, "A", "paragraph 1"), "r")  # position does not matter
    assert len({vector_key(chunk(1, "A"), "r"), vector_key(chunk(1, "B"), "r"), vector_key(chunk(1, "A"), "s")}) == 3
