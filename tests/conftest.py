"""Shared fixtures: the real article, a real MiniLM-based QA model with a fresh head, a real pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.config import offline_environment

# The test run is a program of its own, like the ``qa`` command: no hub, no analytics.
offline_environment()

from qa.corpus.examples import questions_beside  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "corpus" / "cbc-explains-isis-k.txt"
#: The article's example questions (its .questions file), answerable and not.
ARTICLE_QUESTIONS = questions_beside(ARTICLE)


@pytest.fixture(scope="session")
def article_text() -> str:
    return ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def fresh_reader_dir(tmp_path_factory) -> Path:
    """A real AutoModelForQuestionAnswering: the packaged MiniLM encoder with an untrained span head."""
    import torch
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    from qa.config import packaged_embedding_model_path, quiet_model_loading

    quiet_model_loading()
    torch.manual_seed(0)
    base = str(packaged_embedding_model_path())
    out = tmp_path_factory.mktemp("fresh-reader")
    AutoModelForQuestionAnswering.from_pretrained(base).save_pretrained(out)
    AutoTokenizer.from_pretrained(base).save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def fresh_pipeline(fresh_reader_dir, tmp_path_factory):
    """The article with the real embedder, FAISS, BM25 and a real (untrained-head) reader."""
    from qa import Pipeline, Settings

    return Pipeline(Settings.from_env(corpus=(str(ARTICLE),), index_dir=str(tmp_path_factory.mktemp("index")),
                                      reader=str(fresh_reader_dir)))
