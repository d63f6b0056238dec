"""Concurrent clients against the real Gradio app on loopback (bounded): nothing fails, answers agree."""

import pytest

from lab.load import run_load

pytestmark = pytest.mark.slow


def test_concurrent_clients_get_the_single_user_answers(fresh_pipeline, tmp_path):
    results = run_load(fresh_pipeline, clients=6, questions_per_client=3, timeout_s=240,
                       feedback_path=tmp_path / "feedback.jsonl")
    assert results["failed"] == 0, results["failures"]
    assert results["mismatched"] == 0
    assert results["answered"] == 18 and results["p95_ms"] > 0


def test_twenty_api_clients_lose_nothing_while_a_document_is_added(fresh_pipeline, tmp_path):
    """qa bench --load --api --add: every question answered as a single user would be answered, before the
    add or after it; the PDF added meanwhile is in the library, the index and the listing."""
    from qa import Pipeline
    from tests.doc_files import write_pdf

    settings = fresh_pipeline.settings.replace(library_dir=str(tmp_path / "library"), index_dir=str(tmp_path / "index"))
    pipeline = Pipeline(settings, embedder=fresh_pipeline.embedder, reader=fresh_pipeline.reader)
    results = run_load(pipeline, clients=20, questions_per_client=2, timeout_s=240, api=True,
                       add=write_pdf(tmp_path / "harbour.pdf"), feedback_path=tmp_path / "feedback.jsonl")
    assert results["failed"] == 0, results["failures"]
    assert results["answered"] == 40 and results["mismatched"] == 0, results["mismatches"]
    assert results["added"]["status"] == 201 and results["added"]["chunks"] == 4
    assert 0 < results["answered_when_added"] < 40  # added while the clients were asking
    assert "harbour" in [d.id for d in pipeline.documents] and (tmp_path / "library" / "harbour.pdf").is_file()
