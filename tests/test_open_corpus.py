"""QA data read as an open corpus (qa eval-open) and the paragraph-level training rows built the same way."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from qa.corpus.chunking import chunk_document
from qa.corpus.documents import load_document, parse_document
from qa.evaluation.open_corpus import (OpenQuestion, evaluate_open, followup_figures, loss_breakdown, loss_category,
                                      passage_document, write_open_corpus)
from qa.evaluation.qa_data import QAExample, is_dev_context, load_examples
from tests.conftest import ROOT

NEWS_DEV = ROOT / "train" / "data" / "news_dev.jsonl"

PASSAGE = ("Harbour traffic fell for a second year, the port authority said on Monday.\n"
           "How busy is the port?\n"
           "The port handled 1.2 million containers last year, down from 1.5 million.\n"
           "\"We expect a recovery by 2027,\" said Lena Ortiz, the authority's planning director.\n"
           "Ortiz said dredging of the north channel would begin in March.")


def example(question: str, answer: str | None, qid: str = "t-1") -> QAExample:
    if answer is None:
        return QAExample(qid, question, PASSAGE, (), (), "test")
    return QAExample(qid, question, PASSAGE, (answer,), (PASSAGE.index(answer),), "test")


@pytest.mark.parametrize("context", [PASSAGE, PASSAGE.replace("\n", "\r\n"), "  " + PASSAGE + "\n",
                                     PASSAGE.replace("\n", "\n\n")])
def test_passage_document_keeps_every_offset_and_makes_paragraphs(context):
    text, at = passage_document(context, 7)
    for answer in ("1.2 million", "Lena Ortiz", "March"):
        s = context.index(answer)
        assert text[at(s) : at(s) + len(answer)] == answer
    chunks = chunk_document(parse_document(text, name="p.txt"))
    assert [c.text for c in chunks] == [line.strip() for line in PASSAGE.split("\n") if line != "How busy is the port?"]
    assert chunks[1].section == "How busy is the port?"  # the question-shaped line is a heading again


def test_write_open_corpus_points_each_question_at_its_document(tmp_path):
    other = QAExample("o-1", "Who won?", "The Hawks won the final 3-1.", ("The Hawks",), (0,), "test")
    questions = write_open_corpus([example("Who is the planning director?", "Lena Ortiz"), other,
                                   example("Who is the mayor?", None, "t-2")], tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["passage-0001.txt", "passage-0002.txt"]
    for q in questions:
        text = load_document(tmp_path / f"{q.doc_id}.txt").text
        assert [text[o : o + len(a)] for a, o in zip(q.answers, q.answer_offsets)] == list(q.answers)
    assert [q.doc_id for q in questions] == ["passage-0001", "passage-0002", "passage-0001"]


def test_paragraph_rows_are_what_the_reader_reads_with_hard_negatives():
    from train.paragraph_data import paragraph_rows

    rows = paragraph_rows([example("How many containers did the port handle?", "1.2 million"),
                           example("Who is the mayor?", None, "t-2")], dev_fraction=0.0)
    positive, sibling, unanswerable = rows
    assert positive.context == ("How busy is the port?\n"
                                "The port handled 1.2 million containers last year, down from 1.5 million.")
    assert positive.context[positive.answer_starts[0]:].startswith("1.2 million")
    assert sibling.answers == () and "1.2 million" not in sibling.context
    assert unanswerable.question == "Who is the mayor?" and unanswerable.answers == ()
    assert {r.source for r in rows} == {"ours_news_para"}
    # A passage of the dev split gives no rows at all.
    assert paragraph_rows([example("How many containers did the port handle?", "1.2 million")],
                          dev_fraction=1.0) == []


@pytest.mark.slow
def test_paragraph_data_from_the_supplements_is_valid_and_keeps_dev_out(tmp_path):
    out = tmp_path / "news_paragraphs.jsonl"
    source = ROOT / "train" / "data" / "news_supplement_4.jsonl"
    done = subprocess.run([sys.executable, str(ROOT / "train" / "paragraph_data.py"), str(source),
                           "--output", str(out)], capture_output=True, text=True, check=True)
    figures = json.loads(done.stdout)
    rows = load_examples(out)  # answers at their offsets, or it raises
    assert figures["rows"] == len(rows) and figures["positive"] > 500 and figures["unanswerable"] > 500
    assert not any(is_dev_context(r.context, 0.06) for r in rows)
    dev_passages = {ex.context for ex in load_examples(source) if is_dev_context(ex.context, 0.06)}
    assert dev_passages  # the check below means something
    assert not any(r.context in passage for r in rows for passage in dev_passages)


@pytest.mark.slow
def test_open_corpus_evaluation_runs_the_real_pipeline_per_variant():
    from qa.config import Settings

    examples = load_examples(NEWS_DEV)[:24]
    results = evaluate_open(examples, {"top5": Settings(), "top1": Settings(top_k=1)})
    top5, top1 = results["top5"], results["top1"]
    assert top5["questions"] == 24 and top5["chunks"] >= 3
    assert top5["recall@5"] >= top5["recall@1"] > 0.5
    assert top5["f1"] > 50  # the shipped reader, read end to end over the open corpus
    assert 0 <= top1["no_answer_accuracy"] <= 100 and top5["retrieval_questions"] <= 24
    # The data's unanswerable questions were written by people: scored apart as "real" ones.
    assert top5["abstained_by_kind"]["real"]["questions"] == sum(not e.is_answerable for e in examples) > 0
    assert set(top5["abstained_by_kind"]) == {"real"}
    # The loss against gold context is split over the questions, stage by stage, and adds up.
    lost = top5["f1_lost_against_gold_context"]
    assert sum(c["questions"] for c in lost.values()) == 24 and top5["gold_context_f1"] > 50
    assert sum(c["f1_points_lost"] for c in lost.values()) == pytest.approx(top5["gold_context_f1"] - top5["f1"],
                                                                            abs=0.05)


@pytest.mark.slow
def test_per_document_reading_asks_each_question_of_its_own_document():
    from qa.config import Settings

    examples = load_examples(ROOT / "train" / "data" / "news_dev_long.jsonl")[:20]  # two long documents
    pooled = evaluate_open(examples, {"top3": Settings(top_k=3)})["top3"]
    alone = evaluate_open(examples, {"top3": Settings(top_k=3)}, per_document=True)["top3"]
    assert alone["chunks"] == pooled["chunks"] > 20 and alone["questions"] == 20
    # Alone, a document's passages are the only candidates, so its answers are found at least as often.
    assert alone["recall@5"] >= pooled["recall@5"] and alone["recall@5"] >= 0.85
    assert alone["f1"] > 40 and alone["f1_lost_against_gold_context"]


def test_loss_categories_blame_one_stage_and_add_up_to_the_f1_gap():
    assert loss_category(False, False, True, False) == "unanswerable question"
    assert loss_category(True, False, True, False) == "answer's paragraph not among the passages read"
    assert loss_category(True, True, False, False) == "abstained though the answer's paragraph was read"
    assert loss_category(True, True, True, True) == "answered from the answer's paragraph"
    assert loss_category(True, True, True, False) == "answered from another paragraph"
    rows = [("a", 1.0, 0.0), ("a", 1.0, 0.5), ("b", 0.0, 1.0), ("c", 1.0, 1.0)]
    assert loss_breakdown(rows) == {"a": {"questions": 2, "f1_points_lost": 37.5},
                                    "b": {"questions": 1, "f1_points_lost": -25.0},
                                    "c": {"questions": 1, "f1_points_lost": 0.0}}
    assert loss_breakdown([]) == {}


def test_followup_figures_set_each_follow_up_as_asked_against_its_standalone_wording():
    def q(answers):
        return OpenQuestion("Who said that?", answers, "passage-0001", (), standalone="Who said X?")
    followups = [(q(("Lena Ortiz",)), "Ortiz", "Lena Ortiz"), (q(("Lena Ortiz",)), None, "Lena Ortiz"),
                 (q(()), None, "March"), (q(()), "March", None)]
    figures = followup_figures(followups)
    assert figures["questions"] == 4 and figures["unanswerable"] == 2
    assert figures["f1"] == pytest.approx(100 * (2 / 3 + 0 + 1 + 0) / 4, abs=0.01)
    assert figures["standalone_f1"] == figures["standalone_exact_match"] == 75.0
    assert figures["no_answer_accuracy"] == figures["standalone_no_answer_accuracy"] == 50.0
    assert followup_figures(followups[:2])["no_answer_accuracy"] is None  # none to count


def test_conversations_are_asked_turn_by_turn_with_the_pipelines_own_answers():
    from qa.config import Settings

    examples = load_examples(ROOT / "train" / "data" / "news_conversations_dev.jsonl")[:6]  # two conversations
    figures = evaluate_open(examples, {"shipped": Settings()}, per_document=True)["shipped"]
    followups = figures["followups"]
    assert figures["questions"] == 6 and figures["retrieval_questions"] <= 2  # follow-ups are not searched alone
    assert followups["questions"] == 4 and 0 <= followups["f1"] <= 100
    # "Who did she replace?" is only answerable once "she" is resolved from the first turn's answer.
    assert followups["standalone_f1"] > 0 and followups["f1"] > 0


def test_conversational_rows_keep_their_conversation_and_standalone_wording(tmp_path):
    rows = [{"id": "c-1", "context": PASSAGE, "question": "Who is Lena Ortiz?", "answers": [], "answer_starts": [],
             "conversation": "c", "turn": 1, "standalone": None},
            {"id": "c-2", "context": PASSAGE, "question": "When does she expect a recovery?", "answers": ["by 2027"],
             "answer_starts": [PASSAGE.index("by 2027")], "conversation": "c", "turn": 2,
             "standalone": "When does Lena Ortiz expect a recovery?"}]
    path = tmp_path / "conversation.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    first, second = load_examples(path)
    assert first.meta == {"conversation": "c", "turn": 1}
    assert second.meta["standalone"] == "When does Lena Ortiz expect a recovery?"
    questions = write_open_corpus([first, second], tmp_path / "corpus")
    assert [q.conversation for q in questions] == ["c", "c"]
    assert questions[0].standalone is None and questions[1].standalone == second.meta["standalone"]
    with pytest.raises(ValueError, match="turn 1 of conversation c comes after a later turn"):
        write_open_corpus([second, first], tmp_path / "corpus-2")  # history is built in file order


@pytest.mark.slow
def test_eval_open_cli_compares_variants(tmp_path):
    out = tmp_path / "open.json"
    done = subprocess.run([sys.executable, "-m", "qa.cli", "eval-open", str(NEWS_DEV), "--limit", "16", "--no-read",
                           "--variant", "bm25:RETRIEVAL=bm25", "--variant", "dense:RETRIEVAL=dense",
                           "--json", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())
    assert set(results) == {"bm25", "dense"} and "f1" not in results["bm25"]
    for variant, message in (("x:TOP_K", "NAME:SETTING=VALUE"), ("TOP_K=3", "NAME:SETTING=VALUE"),
                             ("x:TOP_K=", "NAME:SETTING=VALUE"), ("x:TOP_KK=3", "no setting named TOP_KK"),
                             ("x:CORPUS=/tmp", "no setting named CORPUS"), ("x:TOP_K=many", "not a valid top_k")):
        bad = subprocess.run([sys.executable, "-m", "qa.cli", "eval-open", str(NEWS_DEV), "--variant", variant],
                             capture_output=True, text=True, cwd=ROOT)
        assert bad.returncode == 2 and message in bad.stderr, bad.stderr
