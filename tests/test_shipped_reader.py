"""The reader shipped in qa/models/reader: loads offline, answers the article with the right spans."""

from __future__ import annotations

import json

import pytest

import qa
from qa.config import SHIPPED_READER_DIR
from tests.conftest import ARTICLE

pytestmark = pytest.mark.slow

# (question, a string the answer must contain, the paragraph it must be cited from)
ARTICLE_QUESTIONS = [
    ("How many fighters are estimated to be affiliated with ISIS-K?", "2,000", 18),
    ("What does ISKP stand for?", "Islamic State Khorasan", 7),
    ("Where is Mark Gollom based?", "Toronto", 37),
    ("Which minority does ISIS-K primarily target?", "Hazara", 21),
    ("How many people did the maternity hospital attack kill?", "24", None),
    ("Where did ISIS-K first appear in late 2014?", "Nangarhar", 9),
]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    return qa.Pipeline(qa.Settings.from_env(corpus=(str(ARTICLE),), index_dir=str(tmp_path_factory.mktemp("index"))))


def test_the_shipped_reader_is_complete_and_described():
    for name in ("config.json", "model.safetensors", "tokenizer.json", "qa_reader.json", "README.md"):
        assert (SHIPPED_READER_DIR / name).is_file(), name
    card = json.loads((SHIPPED_READER_DIR / "qa_reader.json").read_text())
    assert 0.0 < card["answer_threshold"] < 1.0 and card["scale"] > 0
    assert card["metrics"]["dev"]["f1"] >= 65.0
    readme = (SHIPPED_READER_DIR / "README.md").read_text()
    assert "CC BY-SA 4.0" in readme and "CC BY 4.0" in readme


@pytest.mark.parametrize("question,expected,paragraph", ARTICLE_QUESTIONS)
def test_answers_article_questions_with_the_right_span(shipped, question, expected, paragraph):
    answer = shipped.ask(question)
    assert answer.text is not None and expected in answer.text, answer.to_dict()
    assert shipped.reader.source == str(SHIPPED_READER_DIR)
    document = shipped.documents[0].text
    assert document[answer.citation.start : answer.citation.end] == answer.text
    if paragraph is not None:
        assert answer.citation.paragraph == paragraph


def test_qa_read_with_the_shipped_reader_keeps_offsets():
    context = "The Skellig lighthouse, built in 1826, is kept by Brigid Walsh.\u00a0She lives there with three goats."
    answer = qa.Pipeline().read("Who keeps the lighthouse?", context)
    assert answer.text is not None and "Brigid Walsh" in answer.text
    assert context[answer.citation.start : answer.citation.end] == answer.text


# Questions the article does not answer (written for this test, not taken from eval/questions.jsonl).
UNANSWERABLE = [
    "When was ISIS-K's leader born?",
    "How many women serve in the Taliban government?",
    "Which airline flew the most evacuees out of Kabul?",
    "What colour is the ISIS-K flag?",
]


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_abstains_on_questions_the_article_does_not_answer(shipped, question):
    answer = shipped.ask(question)
    assert answer.text is None, answer.to_dict()
    assert answer.score < shipped.answer_threshold


def test_a_guess_below_the_threshold_given_anyway_is_tentative(shipped):
    """With the threshold at 0 the reader's weak guess is given, and worded as one (issue 27's levels)."""
    guess = shipped.ask(UNANSWERABLE[3], threshold=0.0)
    assert guess.text is not None and guess.score < shipped.reader.card.confident_threshold
    assert guess.confidence_level == "tentative" and guess.to_dict()["confidence_level"] == "tentative"
    assert shipped.ask(ARTICLE_QUESTIONS[0][0]).confidence_level in ("confident", "tentative")


def test_the_cli_says_a_tentative_answer_is_one(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    out = subprocess.run([sys.executable, "-m", "qa", "ask", "--threshold", "0", "--corpus", str(ARTICLE),
                          "--index-dir", str(tmp_path / "index"), UNANSWERABLE[3]],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    first = out.stdout.splitlines()[0]
    assert first.startswith("Possibly: ") and "\u2014 low confidence; check the quote   (confidence 0." in first
