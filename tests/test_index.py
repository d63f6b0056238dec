"""The persisted index: built, reused, rebuilt on change, recovered from damage (real model, real FAISS)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from qa import Pipeline, Settings
from qa.errors import IndexCorruptError
from qa.retriever.index import CHUNKS, MANIFEST, VECTOR_CACHE, VECTORS, load_index
from tests.conftest import ARTICLE

pytestmark = pytest.mark.slow


@pytest.fixture()
def corpus_dir(tmp_path):
    directory = tmp_path / "corpus"
    directory.mkdir()
    shutil.copy(ARTICLE, directory / ARTICLE.name)
    return directory


def make(corpus_dir, index_dir, **settings):
    return Pipeline(Settings.from_env(corpus=(str(corpus_dir),), index_dir=str(index_dir), **settings))


def test_built_persisted_and_reloaded_without_reembedding(corpus_dir, tmp_path, monkeypatch):
    index_dir = tmp_path / "index"
    first = make(corpus_dir, index_dir)
    built = first.search_index()
    assert first.index.was_built
    assert {p.name for p in index_dir.iterdir()} == {MANIFEST, VECTORS, CHUNKS, VECTOR_CACHE, ".lock"}
    manifest = json.loads((index_dir / MANIFEST).read_text())
    assert manifest["count"] == len(built.chunks) and "embedding_model" in manifest

    second = make(corpus_dir, index_dir)
    monkeypatch.setattr(second.embedder, "embed", lambda *a, **k: pytest.fail("re-embedded an unchanged corpus"))
    reloaded = second.search_index()
    assert not second.index.was_built
    assert [c.id for c in reloaded.chunks] == [c.id for c in built.chunks]
    assert reloaded.dense.faiss_index.ntotal == len(built.chunks)


def test_rebuilt_when_the_corpus_or_chunking_changes(corpus_dir, tmp_path, capsys):
    index_dir = tmp_path / "index"
    make(corpus_dir, index_dir).search_index()
    (corpus_dir / "extra.txt").write_text("The lighthouse keeper lives on Skellig island with three goats.\n")
    changed = make(corpus_dir, index_dir)
    index = changed.search_index()
    assert changed.index.was_built
    assert "changed" in capsys.readouterr().err
    assert any(c.doc_id == "extra" for c in index.chunks)
    rechunked = make(corpus_dir, index_dir, chunk_max_chars=300)
    rechunked.search_index()
    assert rechunked.index.was_built


@pytest.mark.parametrize("damage", ["truncate", "garbage", "delete", "manifest"])
def test_recovered_after_damage(corpus_dir, tmp_path, capsys, damage):
    index_dir = tmp_path / "index"
    good = make(corpus_dir, index_dir).search_index()
    target = index_dir / (MANIFEST if damage == "manifest" else VECTORS)
    if damage == "truncate":
        data = target.read_bytes()
        target.write_bytes(data[: len(data) // 3])
    elif damage == "garbage":
        target.write_bytes(b"\x00garbage" * 100)
    elif damage == "delete":
        target.unlink()
    else:
        target.write_text("{not json")
    with pytest.raises(IndexCorruptError):
        load_index(index_dir, good.dense.fingerprint)
    capsys.readouterr()
    again = make(corpus_dir, index_dir)
    index = again.search_index()
    assert again.index.was_built
    assert "Rebuilding the index" in capsys.readouterr().err
    assert len(index.chunks) == len(good.chunks)
    third = make(corpus_dir, index_dir)
    third.search_index()
    assert not third.index.was_built  # the rebuilt index is whole again


def test_interrupted_build_is_never_taken_for_a_finished_one(corpus_dir, tmp_path):
    index_dir = tmp_path / "index"
    make(corpus_dir, index_dir).search_index()
    (index_dir / MANIFEST).unlink()  # what a kill between data files and manifest leaves behind
    with pytest.raises(IndexCorruptError, match="interrupted"):
        load_index(index_dir, "anything")


def test_unwritable_index_dir_still_answers_from_memory(corpus_dir, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    pipeline = make(corpus_dir, blocker / "index")
    index = pipeline.search_index()
    assert len(index.chunks) > 30
    assert "could not save the index" in capsys.readouterr().err


def test_uploaded_documents_extend_the_index_without_touching_it(corpus_dir, tmp_path):
    from qa.corpus import parse_document

    index_dir = tmp_path / "index"
    pipeline = make(corpus_dir, index_dir)
    base = pipeline.search_index()
    before = (index_dir / VECTORS).read_bytes()
    doc = parse_document("The Skellig lighthouse keeper is Brigid Walsh.\n", name="lighthouse.txt")
    extended = pipeline.with_documents([doc])
    assert len(extended.chunks) == len(base.chunks) + 1
    assert len(base.chunks) == base.dense.faiss_index.ntotal
    assert (index_dir / VECTORS).read_bytes() == before
    vector = pipeline.embedder.embed(["Who keeps the lighthouse?"])[0]
    best, _ = extended.dense.search(vector, 1)[0]
    assert extended.chunks[best].doc_id == "lighthouse"
    with pytest.raises(ValueError, match="already"):
        pipeline.with_documents([doc], base=extended)
    assert np.isfinite(vector).all()
    # A subset keeps the chosen chunks with the very vectors they were indexed with.
    alone = extended.dense.subset([len(base.chunks), 0])
    assert [c.id for c in alone.chunks] == [extended.chunks[-1].id, extended.chunks[0].id]
    assert alone.search(vector, 2)[0] == (0, pytest.approx(extended.dense.search(vector, 1)[0][1], abs=1e-6))
    assert alone.faiss_index.ntotal == 2 and extended.dense.faiss_index.ntotal == len(base.chunks) + 1


def test_a_build_killed_midway_is_rebuilt(corpus_dir, tmp_path):
    """A real SIGKILL while the index is being written: the next start rebuilds, never trusts a half index."""
    import os
    import signal
    import subprocess
    import sys
    import time

    index_dir = tmp_path / "index"
    make(corpus_dir, index_dir).search_index()
    (corpus_dir / "more.txt").write_text("A second document about a lighthouse keeper named Brigid.\n")
    code = ("import qa, sys; qa.Pipeline(qa.Settings(corpus=(sys.argv[1],), index_dir=sys.argv[2])).search_index()")
    process = subprocess.Popen([sys.executable, "-c", code, str(corpus_dir), str(index_dir)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        # The rebuild removes the old manifest before writing anything: kill as soon as that happens.
        if not (index_dir / MANIFEST).exists():
            os.kill(process.pid, signal.SIGKILL)
            break
        time.sleep(0.01)
    process.wait(timeout=60)
    again = make(corpus_dir, index_dir)
    index = again.search_index()
    assert any(c.doc_id == "more" for c in index.chunks)
    assert len(index.chunks) == index.dense.faiss_index.ntotal


def _count_embedded_texts(pipeline) -> list[int]:
    """Wrap the real embedder so that every text it really embeds is counted (it still embeds them)."""
    counted: list[int] = []
    real = pipeline.embedder.embed

    def counting(texts, **kwargs):
        counted.append(len(texts))
        return real(texts, **kwargs)

    pipeline.embedder.embed = counting
    return counted


def test_adding_changing_removing_a_document_re_embeds_only_its_chunks(corpus_dir, tmp_path):
    index_dir = tmp_path / "index"
    make(corpus_dir, index_dir).search_index()
    extra = corpus_dir / "extra.md"
    extra.write_text("# Extra\n\n## Keepers\n\nThe lighthouse keeper lives on Skellig island.\n\n"
                     "She keeps three goats.\n")
    added = make(corpus_dir, index_dir)
    counted = _count_embedded_texts(added)
    index = added.search_index()
    new_chunks = [c for c in index.chunks if c.doc_id == "extra"]
    assert added.index.was_built and added.index.chunks_embedded == len(new_chunks) == 2
    assert sum(counted) == 2 * len(new_chunks)  # plain and heading+paragraph embeddings of the new chunks only

    extra.write_text("# Extra\n\n## Keepers\n\nThe lighthouse keeper lives on Skellig island.\n\n"
                     "She keeps four goats.\n")
    changed = make(corpus_dir, index_dir)
    counted = _count_embedded_texts(changed)
    changed.search_index()
    assert changed.index.chunks_embedded == 1 and sum(counted) == 2

    extra.unlink()
    removed = make(corpus_dir, index_dir)
    counted = _count_embedded_texts(removed)
    index = removed.search_index()
    assert removed.index.was_built and sum(counted) == 0 and removed.index.chunks_embedded == 0
    assert not any(c.doc_id == "extra" for c in index.chunks)
    # The vectors are the same as a build from scratch.
    fresh = make(corpus_dir, tmp_path / "fresh").search_index()
    np.testing.assert_allclose(index.dense.faiss_index.reconstruct_n(0, len(index.chunks)),
                               fresh.dense.faiss_index.reconstruct_n(0, len(fresh.chunks)), atol=1e-5)


def test_the_index_is_a_component_of_its_own(corpus_dir, tmp_path):
    """CorpusIndex alone (an embedder and settings, no reader) loads what the pipeline built."""
    from qa.retriever.corpus_index import CorpusIndex

    pipeline = make(corpus_dir, tmp_path / "index")
    built = pipeline.search_index()
    index = CorpusIndex(pipeline.embedder, pipeline.settings)
    assert [c.id for c in index.store().chunks] == [c.id for c in built.chunks] and not index.was_built
    assert [d.id for d in index.documents] == [d.id for d in pipeline.documents]
