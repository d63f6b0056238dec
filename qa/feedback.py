"""Readers' verdicts on answers, appended to a JSON Lines file one whole line at a time.

>>> log = FeedbackLog("feedback.jsonl")                                   # doctest: +SKIP
>>> log.record(question="Who is Colin Clarke?", answer="a senior research fellow",
...            citation={"label": "¶11"}, verdict="up")                  # doctest: +SKIP

Each call opens the file in append mode, writes its line in one ``write``, flushes
and fsyncs it, under a lock shared by every ``FeedbackLog`` of this process on the
same file and an ``flock`` for other processes, so that concurrent users never
interleave or lose lines.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

from qa.errors import QAError

try:  # POSIX only; elsewhere the in-process lock is all there is.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

VERDICTS = ("up", "down")

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class FeedbackError(QAError):
    """The feedback file cannot be written (read-only, missing permissions, disk full...)."""


def _lock_for(path: Path) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(str(path), threading.Lock())


class FeedbackLog:
    """An append-only JSONL file of verdicts; the file and its folder are created on first use."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path).expanduser().absolute()
        self._lock = _lock_for(self.path)

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
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            except OSError as exc:
                raise FeedbackError(f"cannot write feedback to {self.path}: {exc.strerror or exc}") from exc
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                written = 0
                while written < len(line):
                    written += os.write(fd, line[written:])
                os.fsync(fd)
            except OSError as exc:
                raise FeedbackError(f"cannot write feedback to {self.path}: {exc.strerror or exc}") from exc
            finally:
                os.close(fd)  # closing releases the flock too
        return row

    def rows(self) -> list[dict]:
        """Every row recorded so far (an empty list when the file does not exist yet)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines() if line.strip()]
