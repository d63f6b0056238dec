"""Example questions come with the corpus, in a ``.questions`` file beside a document."""

from qa.corpus.examples import example_questions, questions_beside
from tests.conftest import ARTICLE


def test_the_article_brings_its_questions():
    questions = questions_beside(ARTICLE)
    assert len(questions) >= 5 and all(q.endswith("?") for q in questions)
    assert not any(q.startswith("#") for q in questions)


def test_every_document_s_questions_once_and_none_without_a_file(tmp_path):
    (tmp_path / "a.txt").write_text("A.")
    (tmp_path / "a.questions").write_text("# comment\nWho?\n\nWhy?\n")
    (tmp_path / "b.md").write_text("B.")
    (tmp_path / "b.questions").write_text("Why?\nWhen?\n")
    sources = [tmp_path / "a.txt", tmp_path / "b.md", "upload: c.pdf"]
    assert example_questions(sources) == ["Who?", "Why?", "When?"]
    assert questions_beside(tmp_path / "none.txt") == []
