"""What people see of an answer, the same in the CLI and the UI: pure functions on hand-made answers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from qa import presentation
from qa.corpus.chunking import Chunk
from qa.errors import CorpusError, QuestionError
from qa.pipeline import candidate_answer
from qa.types import Answer, Passage
from qa.ui import render

TEXT = ("The number of fighters has fluctuated. It is currently estimated that there are at least\n2,000 "
        "fighters affiliated with ISIS-K, said Kumar. Others disagree.")


def chunk(text=TEXT, *, doc_id="cbc", title="Why ISIS-K poses a threat", paragraph=18, start=4000):
    return Chunk(id=f"{doc_id}#p{paragraph}", doc_id=doc_id, doc_title=title, paragraph=paragraph,
                 section="How big is its membership?", kind="body", start=start, end=start + len(text), text=text)


def cited(phrase, score=0.87, c=None, **fields) -> Answer:
    c = c or chunk()
    start = c.text.index(phrase)
    answer = candidate_answer("How many fighters?", score, Passage(chunk=c, rank=1, score=0.03),
                              SimpleNamespace(start=start, end=start + len(phrase)))
    return Answer(**{**answer.__dict__, "passages": [Passage(chunk=c, rank=1, score=0.03)], **fields})


def test_the_quote_is_the_answers_sentence_split_around_it_on_one_line():
    answer = cited("at least\n2,000")
    assert presentation.quote_parts(answer) == (
        "It is currently estimated that there are ", "at least 2,000", " fighters affiliated with ISIS-K, said Kumar.")
    assert presentation.quote_parts(Answer(question="q", text=None, score=0.1)) == ("", "", "")


def test_plain_text_marks_the_answer_in_its_quote_and_lists_the_alternatives():
    other = cited("Others", 0.2, chunk("Others say 5,000.", doc_id="notes", title="My notes", paragraph=2))
    answer = cited("at least\n2,000", alternatives=[cited("Kumar", 0.3), other])
    text = presentation.plain_text(answer, threshold=0.5)
    start = 4000 + TEXT.index("at least")
    assert text.splitlines() == [
        "Answer: at least 2,000   (confidence 0.87)",
        "Quote:  \u201cIt is currently estimated that there are [[at least 2,000]] fighters affiliated with ISIS-K, "
        "said Kumar.\u201d",
        f"Source: Why ISIS-K poses a threat, ¶18 · How big is its membership?, characters {start}-{start + 14}",
        "  or: Kumar   (0.30, ¶18 · How big is its membership?)",
        "  or: Others   (0.20, ¶2 · How big is its membership?, My notes)",
    ]


def test_no_answer_is_said_the_same_way_in_the_cli_and_the_ui():
    passages = [Passage(chunk=chunk(f"Passage {i} " + "word " * 60, paragraph=i), rank=i, score=0.01)
                for i in range(1, 5)]
    answer = Answer(question="Who leads ISIS-K?", text=None, score=0.12, passages=passages)
    headline, why = presentation.no_answer_text(answer, multi_document=False, threshold=0.33)
    assert (headline, why) == ("The article doesn't say.",
                               "No passage answers this question with enough confidence (best 0.12, threshold 0.33).")
    cli = presentation.plain_text(answer, threshold=0.33).splitlines()
    assert cli[0] == f"{headline} {why}" and len(cli) == 4 and cli[1].startswith("  closest: ¶1 · How big")
    assert cli[1].endswith("\u2026") and len(cli[1]) < 220
    ui = render.no_answer_markdown(answer, multi_document=False, threshold=0.33)
    assert ui.startswith(f"**{render.escape_text(headline)}** {render.escape_text(why)}")
    assert presentation.no_answer_text(answer, multi_document=True, threshold=0.33)[0] == "The documents don't say."


def test_only_the_shipped_article_is_called_the_article():
    article, paper, notes = (SimpleNamespace(source=s) for s in ("/x/corpus/cbc-explains-isis-k.txt",
                                                                 "upload: paper.pdf", "/lib/notes.txt"))
    assert [presentation.corpus_name(d) for d in ([article], [paper], [article, paper], [notes, paper])] == [
        "the article", "the document", "the documents", "the documents"]
    answer = Answer(question="What does DPR stand for?", text=None, score=0.1, passages=[])
    assert presentation.no_answer_text(answer, multi_document=False, threshold=0.3,
                                       single="the document")[0] == "The document doesn't say."
    assert presentation.plain_text(answer, threshold=0.3, single="the document").startswith("The document doesn't")
    assert render.answer_messages(answer, multi_document=False, threshold=0.3, single="the document")[0][
        "content"].startswith("**" + render.escape_text("The document doesn't say.") + "**")


def test_the_chat_reply_shows_the_quote_with_the_answer_marked_then_the_citation():
    answer = cited("at least\n2,000", alternatives=[cited("Kumar", 0.3)])
    lines = render.answer_markdown(answer).splitlines()
    e = render.escape_text
    assert lines[0] == f"**\u201c{e('at least 2,000')}\u201d**"
    assert lines[2] == (f"> \u201c{e('It is currently estimated that there are ')}<mark>{e('at least 2,000')}</mark>"
                        f"{e(' fighters affiliated with ISIS-K, said Kumar.')}\u201d")
    assert lines[4].startswith(f"{e('¶18 · How big is its membership?')} \u2014 *{e('Why ISIS-K poses a threat')}*")
    assert lines[-1] == f"1. \u201cKumar\u201d \u2014 {e('¶18 · How big is its membership?')} \u00b7 0.30"
    supporting, sources = render.answer_messages(answer, multi_document=False, threshold=0.5)[1:]
    assert supporting["metadata"] == {"title": "Supporting paragraph", "status": "done"}  # collapsed
    assert sources["metadata"]["status"] == "done"


def test_a_tentative_answer_is_worded_as_one_in_the_cli_and_the_chat():
    tentative = cited("at least\n2,000", 0.52, confidence_level="tentative")
    assert presentation.plain_text(tentative, threshold=0.33).splitlines()[0] == (
        "Possibly: at least 2,000 \u2014 low confidence; check the quote   (confidence 0.52)")
    e = render.escape_text
    assert render.answer_markdown(tentative).splitlines()[0] == (
        f"**Possibly: \u201c{e('at least 2,000')}\u201d** \u2014 low confidence; check the quote")
    # A confident answer (or one from a card without levels) is shown as it always was.
    for level in ("confident", None):
        answer = cited("at least\n2,000", 0.95, confidence_level=level)
        assert presentation.plain_text(answer, threshold=0.33).startswith("Answer: at least 2,000   (confidence")
        assert render.answer_markdown(answer).startswith(f"**\u201c{e('at least 2,000')}\u201d**\n")


def test_errors_become_one_line_messages_and_anything_else_surfaces():
    assert presentation.error_message(QuestionError("the question\nis empty")) == "the question is empty"
    assert presentation.error_message(CorpusError("")) == "CorpusError"
    assert presentation.error_message(ValueError("top_k must be at least 1")) == "top_k must be at least 1"
    with pytest.raises(TypeError):
        presentation.error_message(KeyError("bug"))
    assert render.error_message(QuestionError("the question is empty"))["content"].endswith("the question is empty")


def test_clip_and_labels():
    assert presentation.clip("short  text", 50) == "short text"
    clipped = presentation.clip("word " * 40, 50)
    assert len(clipped) <= 50 and clipped.endswith("\u2026")
    answer = cited("Kumar")
    assert presentation.where(answer.citation) == "¶18 · How big is its membership? \u2014 Why ISIS-K poses a threat"
    assert presentation.passage_label(answer.passages[0]) == "¶18 · How big is its membership?"
