"""The alternatives rule on hand-made candidates: other answers, never pieces of the best one."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from qa.alternatives import DATE, NAME, NUMBER, OTHER, choose_alternatives, is_alternative, kind_of
from qa.corpus.chunking import Chunk
from qa.pipeline import candidate_answer
from qa.types import Passage

TEXT = ("The number of fighters has fluctuated from as little as 600 to as many as 5,000 troops, but it is "
        "currently estimated that there are at least 2,000 fighters affiliated with ISIS-K, said Kumar of the "
        "Counter Extremism Project. The group was founded in January 2015 by Hafiz Saeed Khan.")
OTHER_TEXT = ("Colin Clarke is a senior research fellow at the Soufan Center in New York. Clarke said 2,000 is "
              "too low. Clarke said so twice.")


def chunk(text: str, cid: str, start: int = 100) -> Chunk:
    return Chunk(id=cid, doc_id="doc", doc_title="Doc", paragraph=int(cid[-1]), section=None, kind="body",
                 start=start, end=start + len(text), text=text)


CHUNKS = {"doc#p1": chunk(TEXT, "doc#p1"), "doc#p2": chunk(OTHER_TEXT, "doc#p2", 1000)}


def span(phrase: str, score: float = 0.5, cid: str = "doc#p1", nth: int = 0):
    """A candidate answer for the ``nth`` occurrence of ``phrase`` in a chunk, cited as the pipeline cites."""
    text = CHUNKS[cid].text
    start = -1
    for _ in range(nth + 1):
        start = text.index(phrase, start + 1)
    passage = Passage(chunk=CHUNKS[cid], rank=1, score=1.0)
    return candidate_answer("q", score, passage, SimpleNamespace(start=start, end=start + len(phrase)))


@pytest.mark.parametrize("text,kind", [("2,000", NUMBER), ("600", NUMBER), ("as many as five thousand", NUMBER),
                                       ("January 2015", DATE), ("2014", DATE), ("Hafiz Saeed Khan", NAME),
                                       ("ISIS-K", NAME), ("the Soufan Center", NAME),
                                       ("a senior research fellow", OTHER), ("fighters", OTHER)])
def test_kinds(text, kind):
    assert kind_of(text) == kind


def test_neighbours_and_function_words_of_the_best_answer_are_not_alternatives():
    best = span("2,000")
    for piece in ("at least", "fighters", "fighters affiliated with ISIS-K", "at", "the"):
        assert not is_alternative(best, span(piece, nth=0 if piece != "the" else 1), CHUNKS), piece
    # Overlapping, or touching through punctuation only.
    assert not is_alternative(best, span("2,000 fighters"), CHUNKS)
    assert not is_alternative(span("ISIS-K"), span("said Kumar"), CHUNKS)


def test_another_number_of_the_same_sentence_is_an_alternative_but_not_another_kind_of_thing():
    best = span("2,000")
    assert is_alternative(best, span("5,000"), CHUNKS)
    assert is_alternative(best, span("600"), CHUNKS)
    assert not is_alternative(best, span("Kumar"), CHUNKS)          # a name, not a number
    assert not is_alternative(best, span("troops"), CHUNKS)


def test_an_answer_that_is_not_a_number_date_or_name_has_no_alternatives_in_its_own_sentence():
    best = span("a senior research fellow", cid="doc#p2")
    assert not is_alternative(best, span("New York", cid="doc#p2"), CHUNKS)
    # Elsewhere, anything with a content word is an alternative.
    assert is_alternative(best, span("Hafiz Saeed Khan"), CHUNKS)
    assert is_alternative(best, span("fighters"), CHUNKS)


def test_another_sentence_or_paragraph_is_free():
    best = span("January 2015")
    assert is_alternative(best, span("5,000"), CHUNKS)   # another sentence of the same paragraph
    assert is_alternative(best, span("Colin Clarke", cid="doc#p2"), CHUNKS)
    assert not is_alternative(best, span("Hafiz Saeed Khan"), CHUNKS)  # its own sentence, a name not a date


def test_choose_keeps_rank_order_and_the_limit_and_skips_fragments_of_each_other():
    best = span("2,000", 0.9)
    candidates = [span("at least", 0.4), span("fighters", 0.3), span("5,000", 0.25), span("5,000 troops", 0.24),
                  span("January 2015", 0.2), span("600", 0.1), span("Colin Clarke", 0.05, cid="doc#p2")]
    chosen = choose_alternatives(best, candidates, 3, CHUNKS)
    assert [a.text for a in chosen] == ["5,000", "January 2015", "600"]
    assert [a.text for a in choose_alternatives(best, candidates, 1, CHUNKS)] == ["5,000"]
    assert choose_alternatives(best, candidates, 0, CHUNKS) == []


def test_the_same_answer_found_elsewhere_is_not_another_answer():
    best = span("2,000", 0.9)
    assert not is_alternative(best, span("2,000", cid="doc#p2"), CHUNKS)
    repeated = [span("Clarke", 0.5, cid="doc#p2", nth=1), span("Clarke", 0.4, cid="doc#p2", nth=2),
                span("Hafiz Saeed Khan", 0.3)]
    assert [a.text for a in choose_alternatives(best, repeated, 3, CHUNKS)] == ["Clarke", "Hafiz Saeed Khan"]
    # A part of an answer already given is that answer again.
    named = span("Colin Clarke", 0.9, cid="doc#p2")
    assert not is_alternative(named, span("Clarke", cid="doc#p2", nth=1), CHUNKS)
    assert is_alternative(named, span("Counter Extremism Project"), CHUNKS)


def test_a_span_cut_at_a_sentence_end_is_not_an_answer():
    best = span("Colin Clarke", cid="doc#p2")
    assert not is_alternative(best, span(". The group was founded"), CHUNKS)
    assert is_alternative(best, span("The group was founded"), CHUNKS)
