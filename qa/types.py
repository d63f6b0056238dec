"""What flows out of the pipeline: retrieved passages, citations and answers.

Score scales, kept apart on purpose:
- ``Passage.score``: reciprocal-rank-fusion score of retrieval (higher is better, not a probability);
  ``Passage.similarity``: cosine similarity of question and chunk embeddings, in [-1, 1].
- ``Answer.score``: the reader's confidence that the span answers the question, in [0, 1];
  the answer threshold applies to this score alone, and so does the confident level
  (``Answer.confidence_level``, see :func:`confidence_level`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from qa.corpus.chunking import Chunk


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its retrieval evidence; ``rank`` starts at 1."""

    chunk: Chunk
    rank: int
    score: float
    similarity: float | None = None
    bm25: float | None = None

    def to_dict(self) -> dict:
        return {"rank": self.rank, "score": self.score, "similarity": self.similarity, "bm25": self.bm25,
                "chunk": self.chunk.to_dict()}


@dataclass(frozen=True)
class Citation:
    """Where an answer comes from: ``document text[start:end]`` is the answer, character for character."""

    document: str
    doc_id: str
    chunk_id: str
    paragraph: int
    section: str | None
    kind: str
    start: int
    end: int
    quote: str
    quote_start: int
    quote_end: int
    #: The 1-based page the cited paragraph starts on (PDF); None for formats without pages.
    page: int | None = None

    @property
    def label(self) -> str:
        """A short human label, e.g. "¶20 · How big is its membership?" or "p. 2, ¶5 · Costs"."""
        where = f"¶{self.paragraph}" if self.page is None else f"p. {self.page}, ¶{self.paragraph}"
        if self.section:
            where += f" · {self.section}"
        if self.kind not in ("body",):
            where += f" ({self.kind})"
        return where


#: An answer's confidence levels (``Answer.confidence_level``): at or above the reader card's confident
#: threshold, and between the answer threshold and it (shown as "Possibly: ..." to be checked).
CONFIDENT, TENTATIVE = "confident", "tentative"


def confidence_level(score: float, threshold: float, confident_threshold: float | None) -> str | None:
    """The level of an answer of ``score``: None below ``threshold`` (it is not given), then
    :data:`TENTATIVE` below ``confident_threshold``, else :data:`CONFIDENT`. Without a confident
    threshold every given answer is confident: nothing was measured to say otherwise."""
    if score < threshold:
        return None
    return TENTATIVE if confident_threshold is not None and score < confident_threshold else CONFIDENT


@dataclass(frozen=True)
class Answer:
    """The reply to one question. ``text is None`` means the corpus does not answer it."""

    question: str
    text: str | None
    score: float
    citation: Citation | None = None
    alternatives: list["Answer"] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    rewritten_question: str | None = None
    #: :data:`CONFIDENT` or :data:`TENTATIVE` for the answer given; None when none is (an abstention)
    #: and for alternatives, which are listed, not given.
    confidence_level: str | None = None

    @property
    def answered(self) -> bool:
        return self.text is not None

    @property
    def best_guess(self) -> str | None:
        """The answer's text or, when it abstained, the weak candidate it turned down (for threshold curves)."""
        if self.text is not None:
            return self.text
        return self.alternatives[0].text if self.alternatives else None

    def to_dict(self) -> dict:
        """A JSON-serialisable dict (nested answers and passages included)."""
        return {
            "question": self.question,
            "rewritten_question": self.rewritten_question,
            "text": self.text,
            "score": self.score,
            "confidence_level": self.confidence_level,
            "citation": None if self.citation is None else {**asdict(self.citation), "label": self.citation.label},
            "alternatives": [a.to_dict() for a in self.alternatives],
            "passages": [p.to_dict() for p in self.passages],
        }
