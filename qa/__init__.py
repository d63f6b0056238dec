"""Extractive, cited question answering over documents, offline.

>>> import qa
>>> answer = qa.ask("How many fighters are estimated to be affiliated with ISIS-K?")   # doctest: +SKIP
>>> answer.text, answer.citation.label                                                  # doctest: +SKIP
('2,000', '¶18 · How big is its membership?')

Heavy libraries (torch, transformers, FAISS) load on first use, not on import.
"""

from qa.config import Settings
from qa.errors import CorpusError, IndexCorruptError, QAError, QuestionError, ReaderError
from qa.pipeline import Pipeline, ask, default_pipeline, read
from qa.types import Answer, Citation, Passage

__all__ = [
    "Answer",
    "Citation",
    "CorpusError",
    "IndexCorruptError",
    "Passage",
    "Pipeline",
    "QAError",
    "QuestionError",
    "ReaderError",
    "Settings",
    "ask",
    "default_pipeline",
    "read",
]
