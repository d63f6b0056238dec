"""The chat page's handlers, called as the page calls them, over a fake pipeline (no server, no browser)."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import pytest

from qa.errors import QuestionError
from qa.feedback import FeedbackLog
from qa.ui.handlers import ChatHandlers, Turn
from tests.test_app import make_answer

pytestmark = pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")


#: What gradio hands a handler that asks for the request: here, only which browser session it is.
REQUEST = SimpleNamespace(session_hash="session-1")


class FakePipeline:
    """Answers every question with one hand-made answer and records how it was asked."""

    def __init__(self) -> None:
        self.asked: list[dict] = []
        self.documents = [SimpleNamespace(id="cbc", source="corpus/cbc-explains-isis-k.txt")]

    def ask(self, question, **options):
        if not question.strip("? "):
            raise QuestionError("the question is empty")
        self.asked.append({"question": question, **options})
        return make_answer()


@pytest.fixture()
def handlers(tmp_path):
    return ChatHandlers(FakePipeline(), FeedbackLog(tmp_path / "feedback.jsonl"), max_upload_bytes=1024)


def test_respond_shows_a_pending_reply_then_the_answer_and_keeps_the_turn(handlers):
    steps = handlers.respond("How many fighters?", [], [], None, 3, 0.4, REQUEST)
    box, pending, turns = next(steps)  # what the page shows at once (before the answer is there)
    assert box == "" and pending[-1]["metadata"]["status"] == "pending" and turns == []
    box_after, messages, turns_after = next(steps)
    assert box_after == "" and any("2,000" in str(m["content"]) for m in messages)
    assert [t.question for t in turns_after] == ["How many fighters?"]
    assert handlers.pipeline.asked == [{"question": "How many fighters?", "top_k": 3, "threshold": 0.4,
                                        "history": [], "index": None}]


def test_respond_passes_the_conversation_and_ignores_an_empty_box(handlers):
    turns = [Turn("Who is Colin Clarke?", make_answer(), message_index=1, answer_id="a1")]
    list(handlers.respond("Where is he based?", [], turns, None, 5, 0.5, REQUEST))
    assert handlers.pipeline.asked[-1]["history"] == [("Who is Colin Clarke?", "at least 2,000")]
    assert len(list(handlers.respond("   ", [], turns, None, 5, 0.5, REQUEST))) == 1
    assert len(handlers.pipeline.asked) == 1


def test_the_api_returns_the_answer_as_a_dict_and_errors_as_one_line(handlers):
    assert handlers.ask("How many fighters?")["text"] == "at least 2,000"
    with pytest.raises(gr.Error, match="the question is empty"):
        handlers.ask("?")


def test_reset_and_a_library_the_server_does_not_allow(handlers, monkeypatch):
    warnings = []
    monkeypatch.setattr(gr, "Warning", warnings.append)
    session, described = handlers.reset(REQUEST)
    assert session is None and "the article only" in described
    assert handlers.add_to_library("a session", REQUEST)[0] == "a session" and warnings


def test_a_click_on_a_reply_not_from_a_pdf_shows_no_page(handlers):
    turns = [Turn("How many fighters?", make_answer(), message_index=1, answer_id="a1")]
    handlers.pipeline.documents = []
    assert handlers.select(turns, None, SimpleNamespace(index=0)) == gr.skip()  # the user's own message
    assert handlers.select(turns, None, SimpleNamespace(index=1)) == gr.skip()  # no document to draw


def test_a_like_is_written_to_the_feedback_log(handlers, monkeypatch):
    monkeypatch.setattr(gr, "Info", lambda message: None)
    turns = [Turn("How many fighters?", make_answer(), message_index=1, answer_id="a1")]
    handlers.like(turns, SimpleNamespace(index=1, liked=True))
    assert [row["verdict"] for row in handlers.feedback.rows()] == ["up"]
