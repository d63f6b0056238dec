"""A smoke run of ``qa eval`` on a few questions: every figure, the report and the plots are written."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from qa.evaluation.report import deltas
from qa.evaluation.run import load_questions, select
from tests.conftest import ROOT


def test_select_keeps_whole_conversations():
    questions = load_questions()
    chosen = select(questions, 3)
    assert len(chosen) >= 3
    last = chosen[-1]
    following = questions[len(chosen)] if len(chosen) < len(questions) else None
    assert not (following and following.conversation and following.conversation == last.conversation
                and following.turn and following.turn > 1)


def test_deltas_compare_with_the_reference():
    now = {"end_to_end": {"overall": {"f1": 70.0}}, "latency": {"p50_ms": 90.0}}
    before = {"end_to_end": {"overall": {"f1": 65.5}}, "latency": {"p50_ms": 100.0}}
    rows = {label: (b, n, c) for label, b, n, c in deltas(now, before)}
    assert rows["end-to-end F1"] == (65.5, 70.0, 4.5)
    assert rows["p50 latency ms"] == (100.0, 90.0, -10.0)
    assert rows["ECE"] == (None, None, None)


@pytest.mark.slow
def test_eval_smoke_run_writes_report_and_plots(fresh_reader_dir, tmp_path):
    out = tmp_path / "reports"
    result = subprocess.run(
        [sys.executable, "-m", "qa", "eval", "--limit", "5", "--reader", str(fresh_reader_dir), "--index-dir",
         str(tmp_path / "index"), "--output", str(out)],
        capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "end-to-end F1" in result.stdout and "baselines in this run" in result.stdout
    report = json.loads((out / "report.json").read_text())
    for key in ("end_to_end", "gold_paragraph", "retrieval", "baselines", "citation_accuracy", "abstention",
                "calibration", "latency", "per_question"):
        assert key in report
    assert set(report["retrieval"]) == {"dense", "bm25", "hybrid"}
    assert set(report["baselines"]) == {"dense", "bm25", "hybrid", "read_all"}
    assert report["latency"]["p50_ms"] > 0 and report["latency"]["index_build_s"] > 0
    for plot in ("recall_at_k.png", "reliability.png", "threshold.png", "latency.png"):
        assert (out / plot).read_bytes()[:4] == b"\x89PNG"
    markdown = (out / "report.md").read_text()
    assert "![recall@k](recall_at_k.png)" in markdown and "| hybrid |" in markdown
