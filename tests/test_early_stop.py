"""Early stopping: read passages in retrieval order, stop once an answer is confident enough."""

from __future__ import annotations

import pytest

from qa.reader.reading import read_until_confident
from qa.reader.decoding import DecodedSpans, SpanCandidate, confidence


def _spans(margin: float | None) -> DecodedSpans:
    if margin is None:
        return DecodedSpans([], 0.0)
    return DecodedSpans([SpanCandidate(0, 4, margin, margin, 0.0, 0)], 0.0)


class FakeReader:
    """Hand-set best margins per context, and a record of the batches read."""

    def __init__(self, margins: dict[str, float | None]) -> None:
        self.margins = margins
        self.calls: list[list[str]] = []

    def __call__(self, contexts):
        self.calls.append(list(contexts))
        return [_spans(self.margins[c]) for c in contexts]


def identity(margin: float) -> float:
    return margin


@pytest.mark.parametrize("margins,batch,stop_at,expected_calls", [
    # A sure answer in the first batch: the rest is never read.
    ({"a": 0.95, "b": 0.2, "c": 0.99}, 2, 0.9, [["a", "b"]]),
    # Not sure until the second batch.
    ({"a": 0.3, "b": 0.2, "c": 0.95, "d": 0.1, "e": 0.5}, 2, 0.9, [["a", "b"], ["c", "d"]]),
    # Never sure: everything, batch by batch.
    ({"a": 0.3, "b": None, "c": 0.5}, 2, 0.9, [["a", "b"], ["c"]]),
    # No early stopping: one batch of all.
    ({"a": 0.95, "b": 0.2, "c": 0.99}, 2, None, [["a", "b", "c"]]),
    # Batches of one.
    ({"a": 0.1, "b": 0.91, "c": 0.99}, 1, 0.9, [["a"], ["b"]]),
])
def test_reads_in_order_until_confident(margins, batch, stop_at, expected_calls):
    reader = FakeReader(margins)
    decoded = read_until_confident(reader, list(margins), stop_at=stop_at, batch=batch, confidence_of=identity)
    assert reader.calls == expected_calls
    assert len(decoded) == sum(len(c) for c in expected_calls)


def test_nothing_to_read():
    reader = FakeReader({})
    assert read_until_confident(reader, [], stop_at=0.9, batch=2, confidence_of=identity) == []
    assert read_until_confident(reader, [], stop_at=None, batch=2, confidence_of=identity) == []
    assert reader.calls == []


def test_uses_the_calibrated_confidence():
    """The rule is on the calibrated confidence, not the raw margin: a margin of 5 is only ~0.64 here."""
    reader = FakeReader({"a": 5.0, "b": 1.0})
    read_until_confident(reader, ["a", "b"], stop_at=0.9, batch=1,
                         confidence_of=lambda m: confidence(m, 0.18746, -0.327585))
    assert reader.calls == [["a"], ["b"]]


# --- the real pipeline on the article -----------------------------------------------------------------



@pytest.mark.slow
def test_early_stopping_keeps_the_best_answer_of_full_reading(tmp_path_factory):
    import dataclasses

    from qa import Pipeline, Settings
    from lab.compare import EARLY_STOP
    from tests.conftest import ARTICLE, ARTICLE_QUESTIONS

    settings = Settings.from_env(corpus=(str(ARTICLE),), index_dir=str(tmp_path_factory.mktemp("index")))
    full = Pipeline(dataclasses.replace(settings, early_stop=None))
    early = Pipeline(dataclasses.replace(settings, early_stop=EARLY_STOP), embedder=full.embedder,
                     reader=full.reader)
    index = full.search_index()
    fewer = 0
    for question in ARTICLE_QUESTIONS:
        a, b = full.ask(question, index=index), early.ask(question, index=index)
        assert (b.text, b.citation) == (a.text, a.citation), question
        assert b.score == pytest.approx(a.score, abs=1e-3)
        assert [p.chunk.id for p in b.passages] == [p.chunk.id for p in a.passages][: len(b.passages)]
        fewer += len(b.passages) < len(a.passages)
    assert fewer >= 3, "early stopping should have saved reading on several of these"
