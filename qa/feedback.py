"""Readers' verdicts on answers, appended to a JSON Lines file one whole line at a time.

>>> log = FeedbackLog("feedback.jsonl")                                   # doctest: +SKIP
>>> log.record_answer(answer, verdict="up", answer_id="3f2a...")          # doctest: +SKIP

Each call opens the file in append mode and writes its line in one ``write``, flushed and
fsynced, under the lock of :mod:`qa.locking` (a ``.<name>.lock`` file beside the log), which
every thread and process writing the same log takes, so that concurrent users never
interleave or lose lines. An answer is stored as :meth:`qa.Answer.to_dict` makes it.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from qa.errors import QAError
from qa.locking import exclusive
from qa.types import Answer

VERDICTS = ("up", "down")


class FeedbackError(QAError):
    """The feedback file cannot be written (read-only, missing permissions, disk full...)."""


class FeedbackLog:
    """An append-only JSONL file of verdicts; the file and its folder are created on first use."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path).expanduser().absolute()
        self.lock_path = self.path.with_name(f".{self.path.name}.lock")

    def record_answer(self, answer: Answer, *, verdict: str, **fields) -> dict:
        """Append a verdict on ``answer``: its :meth:`~qa.Answer.to_dict`, with the retrieved passages
        named by chunk id rather than copied, and ``fields`` (e.g. ``answer_id``)."""
        data = answer.to_dict()
        passages = [p["chunk"]["id"] for p in data.pop("passages")]
        return self.record(question=data.pop("question"), answer=data.pop("text"), citation=data.pop("citation"),
                           verdict=verdict, **data, passages=passages, **fields)

    def record(self, *, question: str, answer: str | None, verdict: str, citation: dict | None = None,
               **fields) -> dict:
        """Append one verdict (``"up"`` or ``"down"``) and return the row written.

        ``fields`` are stored too (e.g. ``score``, ``rewritten_question``); a UTC
        ``timestamp`` is added. Raises :class:`FeedbackError` when the file cannot be written.
        """
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, not {verdict!r}")
        row = {
            "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "question": question,
            "answer": answer,
            "citation": citation,
            "verdict": verdict,
            **fields,
        }
        line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with exclusive(self.lock_path):
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                try:
                    written = 0
                    while written < len(line):
                        written += os.write(fd, line[written:])
                    os.fsync(fd)
                finally:
                    os.close(fd)
        except OSError as exc:
            raise FeedbackError(f"cannot write feedback to {self.path}: {exc.strerror or exc}") from exc
        return row

    def rows(self) -> list[dict]:
        """Every row recorded so far (an empty list when the file does not exist yet)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines() if line.strip()]
