"""Concurrent clients against the real Gradio app on loopback (bounded): nothing fails, answers agree."""

import pytest

from qa.evaluation.load import run_load

pytestmark = pytest.mark.slow


def test_concurrent_clients_get_the_single_user_answers(fresh_pipeline, tmp_path):
    results = run_load(fresh_pipeline, clients=6, questions_per_client=3, timeout_s=240,
                       feedback_path=tmp_path / "feedback.jsonl")
    assert results["failed"] == 0, results["failures"]
    assert results["mismatched"] == 0
    assert results["answered"] == 18 and results["p95_ms"] > 0
