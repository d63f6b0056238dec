"""FeedbackLog: one whole JSON line per verdict, flushed to disk, never interleaved or lost."""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
from datetime import datetime

import pytest

from qa.errors import QAError
from qa.feedback import FeedbackError, FeedbackLog

CITATION = {"document": "Why ISIS-K poses a threat", "label": "¶18 · How big is its membership?", "paragraph": 18}


def test_record_appends_one_json_line_with_a_timestamp(tmp_path):
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    row = log.record(question="How many fighters?", answer="at least 2,000", citation=CITATION, verdict="up",
                     score=0.91)
    lines = (tmp_path / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    stored = json.loads(lines[0])
    assert stored == row
    assert stored["question"] == "How many fighters?" and stored["answer"] == "at least 2,000"
    assert stored["citation"] == CITATION and stored["verdict"] == "up" and stored["score"] == 0.91
    assert datetime.fromisoformat(stored["timestamp"]).utcoffset().total_seconds() == 0


def test_records_accumulate_in_order_and_unicode_is_kept(tmp_path):
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    log.record(question="Qui est Colin Clarke ?", answer="chercheur", verdict="up")
    log.record(question="No answer?", answer=None, verdict="down", citation=None)
    rows = FeedbackLog(tmp_path / "feedback.jsonl").rows()
    assert [r["verdict"] for r in rows] == ["up", "down"]
    assert rows[0]["question"] == "Qui est Colin Clarke ?" and rows[1]["answer"] is None
    assert "Qui est" in (tmp_path / "feedback.jsonl").read_text(encoding="utf-8")


def test_the_folder_is_created_on_first_use(tmp_path):
    log = FeedbackLog(tmp_path / "new" / "folder" / "feedback.jsonl")
    assert log.rows() == []
    log.record(question="q", answer="a", verdict="down")
    assert len(log.rows()) == 1


@pytest.mark.parametrize("verdict", ["", "like", "UP", None])
def test_unknown_verdicts_are_refused(tmp_path, verdict):
    with pytest.raises(ValueError, match="verdict"):
        FeedbackLog(tmp_path / "f.jsonl").record(question="q", answer="a", verdict=verdict)
    assert not (tmp_path / "f.jsonl").exists()


def _unwritable_paths(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    (tmp_path / "a-folder").mkdir()
    return {"parent is a file": blocker / "feedback.jsonl", "path is a folder": tmp_path / "a-folder"}


@pytest.mark.parametrize("case", ["parent is a file", "path is a folder"])
def test_an_unwritable_path_raises_a_clear_feedback_error(tmp_path, case):
    path = _unwritable_paths(tmp_path)[case]
    with pytest.raises(FeedbackError, match="cannot write feedback to") as caught:
        FeedbackLog(path).record(question="q", answer="a", verdict="up")
    assert isinstance(caught.value, QAError)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores file permissions")
def test_a_read_only_file_raises_a_clear_feedback_error(tmp_path):
    path = tmp_path / "feedback.jsonl"
    path.write_text("")
    path.chmod(0o444)
    with pytest.raises(FeedbackError, match="Permission denied"):
        FeedbackLog(path).record(question="q", answer="a", verdict="up")


def test_concurrent_threads_never_interleave_or_lose_lines(tmp_path):
    path = tmp_path / "feedback.jsonl"
    logs = [FeedbackLog(path), FeedbackLog(str(path))]  # two writers on one file share one lock
    threads, per_thread = 8, 40
    long_answer = "x" * 20_000  # long lines make torn or interleaved writes likely if unprotected
    start = threading.Barrier(threads)

    def write(t: int) -> None:
        start.wait()
        for i in range(per_thread):
            logs[t % 2].record(question=f"q{t}-{i}", answer=long_answer, verdict="up" if i % 2 else "down",
                               writer=t, n=i)

    workers = [threading.Thread(target=write, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""
    rows = [json.loads(line) for line in lines[:-1]]  # every line is whole JSON
    assert len(rows) == threads * per_thread
    assert {(r["writer"], r["n"]) for r in rows} == {(t, i) for t in range(threads) for i in range(per_thread)}
    assert all(r["answer"] == long_answer for r in rows)
    for t in range(threads):  # each writer's lines keep their order
        assert [r["n"] for r in rows if r["writer"] == t] == list(range(per_thread))


def _write_from_process(path: str, writer: int, count: int) -> None:
    log = FeedbackLog(path)
    for i in range(count):
        log.record(question=f"p{writer}-{i}", answer="y" * 5_000, verdict="up", writer=writer, n=i)


@pytest.mark.skipif(os.name != "posix", reason="flock is POSIX")
def test_concurrent_processes_never_interleave_or_lose_lines(tmp_path):
    path = str(tmp_path / "feedback.jsonl")
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_write_from_process, args=(path, w, 30)) for w in range(3)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(60)
        assert p.exitcode == 0
    rows = FeedbackLog(path).rows()
    assert sorted((r["writer"], r["n"]) for r in rows) == [(w, i) for w in range(3) for i in range(30)]
