"""How ``qa eval-docs`` marks answers and tells retrieval misses from reading misses (pure logic)."""

from __future__ import annotations

from qa.corpus.chunking import Chunk
from qa.evaluation.documents import DocQuestion, _gold_passage, chunk_statistics, verdict
from qa.types import Passage


def _chunk(doc_id: str, text: str, kind: str = "paragraph") -> Chunk:
    return Chunk(id=f"{doc_id}-{len(text)}", doc_id=doc_id, doc_title=doc_id, paragraph=1, section=None, kind=kind,
                 start=0, end=len(text), text=text)


def _question(*answers: str) -> DocQuestion:
    return DocQuestion("report.pdf", "How many?", answers, (1,), True)


def test_a_whole_answer_with_a_few_words_around_it_is_right():
    assert verdict("37M unique papers", ("37M",)) == "right"
    assert verdict("about 37M papers in the graph of Semantic Scholar in 2018", ("37M",)) == "partial"
    assert verdict("PubMed Central", ("PDFBox",)) == "wrong"
    assert verdict(None, ("PDFBox",)) == "abstained"


def test_the_gold_passage_is_the_first_one_from_the_right_document_holding_an_answer():
    passages = [Passage(_chunk("other", "It costs $5 in total."), 1, 0.9),
                Passage(_chunk("report", "Nothing here."), 2, 0.8),
                Passage(_chunk("report", "The total was $5, as agreed."), 3, 0.7)]
    assert _gold_passage(passages, _question("$5")) == 3
    assert _gold_passage(passages, _question("$6")) is None


def test_chunk_statistics_count_bare_numbers_and_repeated_lines_but_not_repeated_rows():
    chunks = [_chunk("a", "12"), *[_chunk("a", "Federal Register / Vol. 85") for _ in range(3)],
              *[_chunk("a", "State: Iowa", kind="table") for _ in range(3)], _chunk("a", "x" * 200)]
    figures = chunk_statistics(chunks)
    assert figures["chunks"] == 8 and figures["bare_numbers"] == 1 and figures["repeated_lines"] == 3
