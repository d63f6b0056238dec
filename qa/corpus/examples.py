"""Example questions that come with a corpus: ``<document>.questions`` beside a document, one question a
line (``#`` starts a comment). The chat offers them; the benchmark and the tests ask them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

SUFFIX = ".questions"


def questions_beside(path: str | Path) -> list[str]:
    """The example questions of the document at ``path`` (none when it has no ``.questions`` file)."""
    sidecar = Path(path).with_suffix(SUFFIX)
    if not sidecar.is_file():
        return []
    lines = (line.strip() for line in sidecar.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def example_questions(sources: Iterable[str | Path]) -> list[str]:
    """The example questions of every document in ``sources`` (their paths), in order, each once."""
    return list(dict.fromkeys(q for source in sources for q in questions_beside(source)))
