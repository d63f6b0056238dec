"""The embedder on ONNX Runtime: the same vectors as sentence-transformers, a cached export, and a question
answered without torch."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from qa.config import packaged_embedding_model_path
from qa.exports import is_complete
from qa.retriever.embedding import Embedder, OnnxSentenceEncoder, embedder_onnx_model

pytestmark = pytest.mark.slow

TEXTS = [
    "How many fighters does ISIS-K have?",
    "What does ISKP stand for?",
    "Who is Colin Clarke?",
    "",
    "a",
    "Kabul",
    "The attack on the prison left at least 39 people dead and freed nearly 400 ISIS-K fighters.",
    # Longer than the model's 256 tokens: both runtimes must cut it at the same place.
    "The group's fighters moved between Nangarhar and Kunar provinces over several years. " * 30,
    "Les combattants ont quitté la ville.",
    "2,000 fighters; 1,500–2,200 (UN estimate)",
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("onnx-cache")


def test_onnx_vectors_equal_sentence_transformers(cache_dir):
    onnx = Embedder(runtime="onnx", precision="fp32", cache_dir=str(cache_dir)).embed(TEXTS, batch_size=4)
    torch_vectors = Embedder(runtime="torch", precision="fp32").embed(TEXTS, batch_size=4)
    assert onnx.shape == torch_vectors.shape == (len(TEXTS), 384)
    assert onnx.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(onnx, torch_vectors, atol=2e-5)
    # Batching and order do not change a text's vector.
    single = Embedder(runtime="onnx", precision="fp32", cache_dir=str(cache_dir)).embed([TEXTS[6]])
    np.testing.assert_allclose(single[0], onnx[6], atol=1e-6)


def test_the_export_is_cached_and_rebuilt_when_truncated(cache_dir):
    model = packaged_embedding_model_path()
    notes: list[str] = []
    path = embedder_onnx_model(model, cache_dir, log=notes.append)
    assert is_complete(path) and notes == []  # made by the test above, reused now
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size // 2)
    again = embedder_onnx_model(model, cache_dir, log=notes.append)
    assert again == path and is_complete(path)
    assert len(notes) == 1 and "exporting the embedder" in notes[0]
    vectors = Embedder(runtime="onnx", precision="fp32", cache_dir=str(cache_dir)).embed(TEXTS[:3])
    np.testing.assert_allclose(vectors, Embedder(runtime="torch", precision="fp32").embed(TEXTS[:3]), atol=2e-5)


def test_int8_vectors_stay_close_to_fp32_on_both_runtimes_and_mark_their_indexes(cache_dir):
    fp32 = Embedder(runtime="onnx", precision="fp32", cache_dir=str(cache_dir))
    int8 = Embedder(runtime="onnx", precision="int8", cache_dir=str(cache_dir))
    exact, quantised = fp32.embed(TEXTS), int8.embed(TEXTS)
    np.testing.assert_allclose(np.linalg.norm(quantised, axis=1), 1.0, atol=1e-5)
    similarity = (exact * quantised).sum(axis=1)
    assert similarity.min() > 0.97 and not np.allclose(exact, quantised, atol=1e-4)
    assert (embedder_onnx_model(packaged_embedding_model_path(), cache_dir, precision="int8").name
            == "embedder-int8.onnx")
    # torch quantises per tensor, not per channel: a little further off (0.93 for the empty text)
    torch_similarity = (exact * Embedder(runtime="torch", precision="int8").embed(TEXTS)).sum(axis=1)
    assert torch_similarity.min() > 0.9 and np.median(torch_similarity) > 0.97
    # an index built with fp32 vectors is not searched with int8 questions: the fingerprint differs
    assert int8.fingerprint == fp32.fingerprint + ":int8"
    with pytest.raises(ValueError, match="precision"):
        Embedder(precision="int4")


def test_a_model_the_encoder_cannot_reproduce_runs_on_sentence_transformers(tmp_path):
    folder = tmp_path / "max-pooled"
    shutil.copytree(packaged_embedding_model_path(), folder)
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    pooling.update(pooling_mode_mean_tokens=False, pooling_mode_max_tokens=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    assert OnnxSentenceEncoder.supports(packaged_embedding_model_path())
    assert not OnnxSentenceEncoder.supports(folder)
    assert not OnnxSentenceEncoder.supports(tmp_path / "nowhere")
    embedder = Embedder(str(folder), runtime="onnx", cache_dir=str(tmp_path / "cache"))
    assert embedder.embed(["hello"]).shape == (1, 384)
    assert type(embedder._model).__name__ == "SentenceTransformer"
    assert not (tmp_path / "cache").exists()


def test_with_onnx_runtimes_a_question_is_answered_without_torch(cache_dir, tmp_path, article_text):
    """Cold start and memory: with both exports cached, asking loads neither torch nor sentence-transformers."""
    import qa

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "article.txt").write_text(article_text, encoding="utf-8")
    settings = dict(corpus=(str(corpus),), index_dir=str(tmp_path / "index"), cache_dir=str(cache_dir))
    expected = qa.Pipeline(**settings, reader_runtime="torch", embedding_runtime="torch").ask(
        "Who is Colin Clarke?")  # builds the index; exports are made below, in this process
    qa.Pipeline(**settings).warm_up()
    probe = textwrap.dedent(f"""
        import json, sys
        from qa.config import offline_environment
        offline_environment()
        import qa
        answer = qa.Pipeline(**{settings!r}).ask("Who is Colin Clarke?")
        heavy = [m for m in ("torch", "sentence_transformers") if m in sys.modules]
        print(json.dumps({{"text": answer.text, "start": answer.citation.start, "heavy": heavy}}))
    """)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["heavy"] == []
    assert result["text"] == expected.text and result["start"] == expected.citation.start
