"""A real AutoModelForQuestionAnswering (packaged MiniLM, fresh span head) loaded by path, end to end."""

from __future__ import annotations

import json

import pytest

import qa
from qa import pipeline as pipeline_module
from qa.errors import QuestionError, ReaderError
from qa.pipeline import reading_context
from qa.reader.reader import ExtractiveReader
from tests.conftest import ARTICLE_QUESTIONS

pytestmark = pytest.mark.slow

def assert_verifiable(answer, documents):
    """Every answer and alternative quotes the document exactly at its cited offsets."""
    texts = {d.id: d.text for d in documents}
    for candidate in [answer, *answer.alternatives]:
        if candidate.text is None:
            continue
        c = candidate.citation
        document = texts[c.doc_id]
        assert document[c.start : c.end] == candidate.text
        assert document[c.quote_start : c.quote_end] == c.quote
        assert c.quote_start <= c.start < c.end <= c.quote_end
        assert 0.0 <= candidate.score <= 1.0
        chunk_ids = {p.chunk.id for p in answer.passages}
        assert c.chunk_id in chunk_ids


@pytest.fixture()
def default_from_env(monkeypatch, fresh_reader_dir, tmp_path):
    """qa.ask's default pipeline, configured through environment variables only."""
    monkeypatch.setenv("QA_READER", str(fresh_reader_dir))
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setattr(pipeline_module, "_default", None)
    yield
    pipeline_module._default = None


def test_qa_ask_runs_the_real_reader_and_every_quote_is_verifiable(default_from_env):
    for question in ARTICLE_QUESTIONS:
        answer = qa.ask(question, top_k=4)
        assert isinstance(answer, qa.Answer)
        assert 1 <= len(answer.passages) <= 4
        assert 0.0 <= answer.score <= 1.0
        assert_verifiable(answer, qa.default_pipeline().documents)
        json.dumps(answer.to_dict())  # serialisable
    assert qa.default_pipeline().settings.reader.endswith("fresh-reader0")


def test_threshold_decides_between_an_answer_and_no_answer(fresh_pipeline):
    always = fresh_pipeline.ask(ARTICLE_QUESTIONS[0], threshold=0.0)
    assert always.text is not None and always.citation is not None
    assert_verifiable(always, fresh_pipeline.documents)
    never = fresh_pipeline.ask(ARTICLE_QUESTIONS[0], threshold=1.0)
    assert never.text is None and never.citation is None
    assert len(never.passages) == fresh_pipeline.settings.top_k
    assert never.alternatives and never.alternatives[0].text is not None  # the withheld best guess
    assert never.to_dict()["text"] is None


def test_alternatives_are_ranked_and_distinct(fresh_pipeline):
    answer = fresh_pipeline.ask(ARTICLE_QUESTIONS[1], threshold=0.0)
    scores = [answer.score] + [a.score for a in answer.alternatives]
    assert scores == sorted(scores, reverse=True)
    spans = [(a.citation.chunk_id, a.citation.start, a.citation.end) for a in [answer, *answer.alternatives]]
    for i, (chunk, s, e) in enumerate(spans):
        for chunk2, s2, e2 in spans[i + 1 :]:
            assert chunk != chunk2 or e <= s2 or e2 <= s, "overlapping alternatives should be merged"


def test_read_keeps_offsets_into_the_given_context(fresh_pipeline):
    context = ("Brigid Walsh\u00a0has kept the Skellig lighthouse since 1998. " * 30).strip()
    answer = fresh_pipeline.read("Who keeps the lighthouse?", context, title="Lighthouse", threshold=0.0)
    assert answer.text is not None
    assert context[answer.citation.start : answer.citation.end] == answer.text
    assert context[answer.citation.quote_start : answer.citation.quote_end] == answer.citation.quote
    assert answer.citation.document == "Lighthouse"
    for alt in answer.alternatives:
        assert context[alt.citation.start : alt.citation.end] == alt.text


def test_long_questions_are_clipped_not_crashing(fresh_pipeline):
    answer = fresh_pipeline.ask("How many fighters " * 100 + "?", threshold=0.0)
    assert_verifiable(answer, fresh_pipeline.documents)


@pytest.mark.parametrize("bad", ["", "   \n\t ", "\x00\x01", None, 42])
def test_bad_questions_get_clear_errors(fresh_pipeline, bad):
    with pytest.raises(QuestionError):
        fresh_pipeline.ask(bad)


def test_huge_question_is_refused_clearly(fresh_pipeline):
    with pytest.raises(QuestionError, match="too long"):
        fresh_pipeline.ask("why " * 10_000)


def test_follow_up_is_rewritten_before_retrieval(fresh_pipeline):
    answer = fresh_pipeline.ask("Where is his organisation based?", history=[("Who is Colin Clarke?", None)])
    assert answer.rewritten_question == "Where is Colin Clarke's organisation based?"
    assert 11 in [p.chunk.paragraph for p in answer.passages]


def test_follow_ups_can_be_switched_off(fresh_pipeline):
    from qa import Pipeline

    standalone = Pipeline(fresh_pipeline.settings.replace(followups="off"), embedder=fresh_pipeline.embedder,
                          reader=fresh_pipeline.reader)
    answer = standalone.ask("Where is his organisation based?", history=[("Who is Colin Clarke?", None)])
    assert answer.rewritten_question is None


def test_missing_reader_fails_clearly(tmp_path):
    reader = ExtractiveReader(str(tmp_path / "nowhere"))
    with pytest.raises(ReaderError, match="cannot load the reader"):
        reader.read("q", ["some context"])


def test_a_hub_reader_not_cached_says_how_to_download_it(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    reader = ExtractiveReader("qa-test-nobody/no-such-reader")
    with pytest.raises(ReaderError, match="HF_HUB_OFFLINE=0"):
        reader.read("q", ["some context"])


def test_headings_are_read_above_their_paragraphs_but_never_quoted(fresh_pipeline):
    chunk = next(c for c in fresh_pipeline.search_index().chunks if c.section)
    text, lead_in = reading_context(chunk, True)
    assert text[lead_in:] == chunk.text and text[:lead_in] == chunk.section + "\n"
    assert reading_context(chunk, False) == (chunk.text, 0)
    for question in ARTICLE_QUESTIONS:
        answer = fresh_pipeline.ask(question, threshold=0.0)  # an untrained head spreads its spans widely
        assert_verifiable(answer, fresh_pipeline.documents)
        chunks = {p.chunk.id: p.chunk for p in answer.passages}
        for candidate in [answer, *answer.alternatives]:
            cited = chunks[candidate.citation.chunk_id]
            assert cited.start <= candidate.citation.start < candidate.citation.end <= cited.end
