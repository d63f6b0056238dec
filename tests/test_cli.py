"""The ``qa`` command, run as a user would (a real subprocess, real models)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ARTICLE, ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(fresh_reader_dir, tmp_path_factory):
    values = dict(os.environ)
    values.update(QA_READER=str(fresh_reader_dir), QA_INDEX_DIR=str(tmp_path_factory.mktemp("cli-index")),
                  QA_CORPUS=str(ARTICLE), QA_ANSWER_THRESHOLD="0.0")
    return values


def qa_cli(*args, env, stdin: bytes | None = None):
    return subprocess.run([sys.executable, "-m", "qa", *args], input=stdin, capture_output=True, env=env,
                          cwd=ROOT, timeout=300)


def test_index_then_ask_prints_answer_quote_and_citation(env):
    built = qa_cli("index", env=env)
    assert built.returncode == 0, built.stderr.decode()
    assert b"index built" in built.stdout and b"38 chunks" in built.stdout
    again = qa_cli("index", env=env)
    assert b"index loaded" in again.stdout
    rebuilt = qa_cli("index", "--rebuild", env=env)
    assert b"index built" in rebuilt.stdout

    out = qa_cli("ask", "How many fighters are affiliated with ISIS-K?", env=env)
    assert out.returncode == 0, out.stderr.decode()
    text = out.stdout.decode()
    assert "Answer:" in text and "Quote:" in text and "[[" in text and "]]" in text
    assert "Source: Why ISIS-K poses" in text and "¶" in text


def test_ask_json_is_the_answer_dict(env):
    out = qa_cli("ask", "--json", "--top-k", "2", "Who is Colin Clarke?", env=env)
    assert out.returncode == 0, out.stderr.decode()
    data = json.loads(out.stdout)
    assert data["question"] == "Who is Colin Clarke?"
    assert len(data["passages"]) == 2
    article = ARTICLE.read_text(encoding="utf-8")
    c = data["citation"]
    assert article[c["start"] : c["end"]] == data["text"]


def test_jsonl_reads_stdin_with_models_loaded_once(env):
    stdin = "Who is Colin Clarke?\n\nWhat does ISKP stand for?\n\xff\xfeodd bytes?\n".encode("utf-8")
    stdin = stdin.replace("\xff\xfe".encode("utf-8"), b"\xff\xfe")  # invalid UTF-8 on purpose
    out = qa_cli("ask", "--jsonl", env=env, stdin=stdin)
    assert out.returncode == 0, out.stderr.decode()
    rows = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert [r["question"] for r in rows][:2] == ["Who is Colin Clarke?", "What does ISKP stand for?"]
    assert len(rows) == 3 and "\ufffd" in rows[2]["question"]


@pytest.mark.parametrize(
    "args,message",
    [
        (["ask", ""], "the question is empty"),
        (["ask"], "give a question"),
        (["ask", "x", "--corpus", "/no/such/corpus"], "corpus path not found"),
        (["ask", "x", "--top-k", "0"], "top_k"),
    ],
)
def test_user_mistakes_get_one_line_and_nonzero_exit(env, args, message):
    out = qa_cli(*args, env=env)
    assert out.returncode != 0
    err = out.stderr.decode().strip()
    assert message in err
    assert "Traceback" not in err and len(err.splitlines()) == 1


def test_unreadable_corpus_file_is_a_clear_error(env, tmp_path):
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x80\x81 not utf-8")
    out = qa_cli("ask", "x", "--corpus", str(bad), "--index-dir", str(tmp_path / "i"), env=env)
    assert out.returncode == 2
    assert "broken.txt is not UTF-8" in out.stderr.decode() and "Traceback" not in out.stderr.decode()


def test_jsonl_reports_bad_lines_and_keeps_going(env):
    out = qa_cli("ask", "--jsonl", env=env, stdin=("x" * 3000 + "\nWho is Colin Clarke?\n").encode())
    rows = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert "too long" in rows[0]["error"] and rows[1]["question"] == "Who is Colin Clarke?"
    assert out.returncode == 1
