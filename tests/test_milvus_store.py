"""The Milvus vector store against real Milvus Lite: build, reuse, rebuild, the same answers as FAISS,
hybrid retrieval through Milvus's BM25, and clear failures (real model, real Milvus Lite, no mocks)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time

import pytest

from qa import Pipeline, Settings
from qa.errors import StoreInUseError, StoreUnavailableError, VectorStoreError
from qa.retriever.milvus import MilvusStore, connect, open_store
from qa.retriever.store import LayeredStore
from tests.conftest import ARTICLE, ROOT

pytestmark = pytest.mark.slow

QUESTIONS = [json.loads(line)["question"] for line in (ROOT / "eval" / "questions.jsonl").open()
             if json.loads(line)["conversation"] is None][:12]


@pytest.fixture(scope="module")
def stores(fresh_pipeline, tmp_path_factory):
    """The article in both stores, with the shipped reader; one embedder, one reader, one embedding pass."""
    faiss_pipeline = Pipeline(dataclasses.replace(fresh_pipeline.settings, reader=None, answer_threshold=None),
                              embedder=fresh_pipeline.embedder)
    faiss_store = faiss_pipeline.search_index()
    uri = str(tmp_path_factory.mktemp("milvus") / "article.db")
    milvus_pipeline = Pipeline(faiss_pipeline.settings.replace(vector_store="milvus", milvus_uri=uri),
                               embedder=fresh_pipeline.embedder, reader=faiss_pipeline.reader)
    # The FAISS store's vectors for the same chunks and model: the article is embedded once per session.
    rows = {c.id: i for i, c in enumerate(faiss_store.chunks)}
    stored = faiss_store.dense.faiss_index.reconstruct_n(0, len(rows))
    milvus_pipeline.index.embed_chunks = lambda chunks, progress=False: stored[[rows[c.id] for c in chunks]]
    milvus_store = milvus_pipeline.search_index(log=lambda message: None)
    return faiss_pipeline, milvus_pipeline, faiss_store, milvus_store, uri


def test_the_article_is_a_milvus_collection_reused_when_nothing_changed(stores):
    _, milvus_pipeline, faiss_store, milvus_store, uri = stores
    assert isinstance(milvus_store, MilvusStore) and milvus_pipeline.index.was_built
    assert [c.id for c in milvus_store.chunks] == [c.id for c in faiss_store.chunks]
    again = Pipeline(milvus_pipeline.settings, embedder=milvus_pipeline.embedder)
    again.index.embed_chunks = lambda *a, **k: pytest.fail("re-embedded an unchanged corpus")
    assert isinstance(again.search_index(), MilvusStore) and not again.index.was_built


def test_same_answers_as_faiss_for_a_dozen_article_questions(stores):
    faiss_pipeline, milvus_pipeline, *_ = stores
    for question in QUESTIONS:
        a, b = faiss_pipeline.ask(question), milvus_pipeline.ask(question)
        assert [p.chunk.id for p in b.passages] == [p.chunk.id for p in a.passages], question
        assert (b.text, b.score, b.citation) == (a.text, a.score, a.citation), question
        for x, y in zip(a.passages, b.passages):
            assert y.score == pytest.approx(x.score, abs=2e-6) and y.similarity == pytest.approx(x.similarity, abs=1e-5)


def test_hybrid_retrieval_uses_milvus_bm25(stores):
    faiss_pipeline, milvus_pipeline, faiss_store, milvus_store, _ = stores
    retriever = milvus_pipeline.retriever
    # BM25 alone: Milvus's full-text search over the same terms ranks as bm25s does, scores in proportion
    # (Lucene BM25 with k1 + 1 in the numerator).
    for question in QUESTIONS:
        ours = retriever.retrieve(question, milvus_store, 10, mode="bm25")
        theirs = retriever.retrieve(question, faiss_store, 10, mode="bm25")
        assert [p.chunk.id for p in ours] == [p.chunk.id for p in theirs], question
        assert ours[0].bm25 == pytest.approx(2.5 * theirs[0].bm25, rel=1e-4)
    # A word that only BM25 can match: the lexical side of the hybrid search brings its paragraph up.
    hits = milvus_store.lexical_hits("Nangarhar", 5)
    assert hits and "Nangarhar" in hits[0][0].text
    hybrid = retriever.retrieve("Nangarhar", milvus_store, 3)
    assert "Nangarhar" in hybrid[0].chunk.text
    assert retriever.retrieve("the of and?", milvus_store, 3, mode="bm25") == []


def test_rebuilt_incrementally_when_the_corpus_changes_and_refused_for_another_model(fresh_pipeline, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Lighthouses\n\nThe Skellig lighthouse is kept by Brigid Walsh.\n\n"
                                  "Its lamp was electrified in 1969.\n")
    settings = dict(corpus=(str(corpus),), index_dir=str(tmp_path / "index"), vector_store="milvus")
    messages = []

    def pipeline():
        return Pipeline(Settings.from_env(**settings), embedder=fresh_pipeline.embedder)

    first = pipeline()
    assert len(first.search_index(log=messages.append).chunks) == 2 and first.index.was_built
    (corpus / "b.txt").write_text("Ferries\n\nThe ferry to Inis Mor leaves at nine.\n")
    second = pipeline()
    store = second.search_index(log=messages.append)
    assert second.index.was_built and len(store.chunks) == 3
    assert "reusing 2 stored vectors, embedding 1 chunks" in messages[-1]
    client = connect(second.settings.milvus_target)
    assert client.list_collections() == [store.physical]  # the old build was dropped after the alias moved
    passage = second.retriever.retrieve("When does the ferry leave?", store, 1)[0]
    assert passage.chunk.doc_id == "b"

    with pytest.raises(VectorStoreError, match="another embedding model"):
        open_store(second.settings.milvus_target, "qa_chunks", "other", store.chunks, lambda c: None,
                   embedding="some-other-model:0123", recipe="x")

    # A user's upload sits on top of the shared collection, which is never written for one session.
    from qa.corpus.documents import parse_document

    upload = parse_document("The harbour master is Cian Doyle.\n", name="harbour.txt")
    layered = second.with_documents([upload])
    assert isinstance(layered, LayeredStore)
    assert second.ask("Who is the harbour master?", index=layered, threshold=0.0).citation.doc_id == "harbour"
    assert len(store.chunks) == 3 and client.query("qa_chunks", filter="pos >= 0", output_fields=["pos"],
                                                   limit=10).__len__() == 3

    # A dropped collection is an error that says what happened, not a hang or a traceback.
    client.drop_alias("qa_chunks")
    client.drop_collection(store.physical)
    with pytest.raises(VectorStoreError, match="gone"):
        second.retriever.retrieve("When does the ferry leave?", store, 1)


def test_an_unreachable_milvus_fails_fast_with_a_message(tmp_path):
    pipeline = Pipeline(Settings.from_env(corpus=(str(ARTICLE),), index_dir=str(tmp_path), vector_store="milvus",
                                          milvus_uri="http://127.0.0.1:9", milvus_timeout=3))
    started = time.perf_counter()
    with pytest.raises(StoreUnavailableError, match=r"cannot reach Milvus at http://127\.0\.0\.1:9"):
        pipeline.search_index()
    assert time.perf_counter() - started < 10
    with pytest.raises(StoreUnavailableError, match="neither a server address"):
        connect(str(tmp_path / "store.txt"))


def test_a_second_process_is_told_that_milvus_lite_is_single_process(stores):
    *_, uri = stores  # this process holds the file open
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "qa", "index", "--corpus", str(ARTICLE), "--vector-store", "milvus",
                          "--milvus-uri", uri], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 2
    assert "is open in another process (Milvus Lite allows one process per file)" in out.stderr
    assert out.stderr.count("\n") == 1, out.stderr  # one line, no traceback
    # The library raises StoreInUseError for it (a StoreUnavailableError, so a QAError).
    code = ("import sys; from qa.retriever.milvus import connect\n"
            "try:\n    connect(sys.argv[1])\nexcept Exception as e:\n    print(type(e).__name__)")
    result = subprocess.run([sys.executable, "-c", code, uri], capture_output=True, text=True, env=env, cwd=ROOT,
                            timeout=120)
    assert result.stdout.strip() == StoreInUseError.__name__


def test_the_scale_benchmark_measures_both_stores_against_exact_search(tmp_path):
    """``qa bench --scale`` on a few hundred generated paragraphs: each store built in its own process from
    the same vectors, exact recall for flat FAISS, and the same hybrid top 10 from Milvus's BM25."""
    from lab.bench import scale_benchmark

    settings = Settings.from_env(index_dir=str(tmp_path / "index"))
    results = scale_benchmark(300, stores=("faiss", "milvus"), queries=20, asks=3, settings=settings,
                              heading_sample=50)
    assert results["paragraphs"] == 300 and results["embed_chunks_per_s"] > 0
    faiss, milvus = results["stores"]["faiss"], results["stores"]["milvus"]
    assert "error" not in faiss and "error" not in milvus, results["stores"]
    assert faiss["dense_recall@10_vs_exact"] == 1.0
    assert milvus["dense_recall@10_vs_exact"] >= 0.95
    assert milvus["hybrid_top10_overlap_with_faiss"] >= 0.9
    assert faiss["ask_p50_ms"] > 0 and milvus["peak_rss_mb"] > 0
