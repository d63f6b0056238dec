"""How an answer is shown to people, whatever shows it: the CLI prints these pieces as plain text,
the chat UI (:mod:`qa.ui.render`) as escaped Markdown. Pure functions over answers; no Gradio.

The pieces: the citation's place (:func:`where`), clipping (:func:`clip`), the quoted sentence split
around the answer (:func:`quote_parts`), the wording of a tentative answer (:func:`tentative_words`),
the alternatives as listed (:func:`listed_alternatives`), the no-answer text (:func:`no_answer_text`),
and the one translation of a library error into a message (:func:`error_message`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from qa.errors import QAError
from qa.types import TENTATIVE, Answer, Citation, Passage

_SPACES = re.compile(r"\s+")


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (line breaks included) turned into one space."""
    return _SPACES.sub(" ", text)


def clip(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary to at most ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "\u2026"


def where(citation: Citation) -> str:
    """The citation as plain text: "¶18 · How big is its membership? — <document title>"."""
    return f"{citation.label} \u2014 {citation.document}"


def passage_label(passage: Passage) -> str:
    """"¶11 · section" for a retrieved passage ("p. 2, ¶11 · section" in a document with pages)."""
    section = f" \u00b7 {passage.chunk.section}" if passage.chunk.section else ""
    return f"{passage.chunk.place}{section}"


def quote_parts(answer: Answer) -> tuple[str, str, str]:
    """The quoted sentence(s) as (before, answer, after), each on one line; ("", "", "") for no answer."""
    c = answer.citation
    if answer.text is None or c is None:
        return "", "", ""
    before = one_line(c.quote[: c.start - c.quote_start]).lstrip()
    after = one_line(c.quote[c.end - c.quote_start :]).rstrip()
    return before, one_line(answer.text), after


def tentative_words(answer: Answer) -> tuple[str, str] | None:
    """What goes before and after a tentative answer's text ("Possibly: … — low confidence; check the
    quote"); None for a confident one. Its confidence is between the answer threshold and the card's
    confident level: right less often (the model card says how often), so the reader is asked to check."""
    if answer.confidence_level != TENTATIVE:
        return None
    return "Possibly: ", " \u2014 low confidence; check the quote"


@dataclass(frozen=True)
class Listed:
    """An alternative as it is listed: its text, confidence and place; ``document`` is named only
    when it is not the best answer's."""

    text: str
    score: float
    label: str
    document: str | None


def listed_alternatives(answer: Answer) -> list[Listed]:
    """The alternatives beside an answer (or, for no answer, the withheld guesses), best first."""
    doc_id = answer.citation.doc_id if answer.citation is not None else None
    return [Listed(a.text, a.score, a.citation.label, None if a.citation.doc_id == doc_id else a.citation.document)
            for a in answer.alternatives if a.text is not None and a.citation is not None]


#: The shipped article's file: the only corpus called "the article".
ARTICLE_FILE = "cbc-explains-isis-k.txt"


def corpus_name(documents) -> str:
    """What to call a corpus of these documents (anything with a ``source``): "the article" (the shipped
    one), "the document" (one of the user's own) or "the documents"."""
    if len(documents) != 1:
        return "the documents"
    return "the article" if Path(documents[0].source).name == ARTICLE_FILE else "the document"


def no_answer_phrase(multi_document: bool, single: str = "the article") -> str:
    """What to call the corpus in "… doesn't say": the documents, or ``single`` when there is one
    ("the article" for the shipped one, "the document" for a user's own; see :func:`corpus_name`)."""
    return "The documents don't say" if multi_document else f"{single[:1].upper()}{single[1:]} doesn't say"


def no_answer_text(answer: Answer, *, multi_document: bool, threshold: float,
                   single: str = "the article") -> tuple[str, str]:
    """The plain "doesn't say" as (headline, why): the why gives the best confidence and the threshold."""
    return (f"{no_answer_phrase(multi_document, single)}.",
            f"No passage answers this question with enough confidence (best {answer.score:.2f}, "
            f"threshold {threshold:.2f}).")


def understood_as(answer: Answer) -> str | None:
    """The standalone question a follow-up was understood as, when it was rewritten."""
    return answer.rewritten_question


def error_message(exc: QAError | ValueError) -> str:
    """The one-line message for people of an error the library raises on purpose: a :class:`QAError`,
    or a ValueError for a bad argument. Anything else is a bug, and is left to surface."""
    if not isinstance(exc, (QAError, ValueError)):
        raise TypeError(f"not a library error: {exc!r}") from exc
    return one_line(str(exc)).strip() or type(exc).__name__


def plain_text(answer: Answer, *, threshold: float, multi_document: bool = False,
               closest: int = 3, single: str = "the article") -> str:
    """The reply as plain text (the ``qa ask`` output): answer and confidence, the quote with the
    answer marked ``[[like this]]``, the citation, then the alternatives; or the plain "doesn't say"
    with the closest passages."""
    lines = []
    if understood_as(answer):
        lines.append(f"(understood as: {understood_as(answer)})")
    if answer.text is None:
        headline, why = no_answer_text(answer, multi_document=multi_document,
                                       threshold=threshold, single=single)
        lines.append(f"{headline} {why}")
        for p in answer.passages[:closest]:
            lines.append(f"  closest: {passage_label(p)}: {clip(p.chunk.text, 160)}")
        return "\n".join(lines)
    c = answer.citation
    before, text, after = quote_parts(answer)
    before_text, after_text = tentative_words(answer) or ("Answer: ", "")
    lines.append(f"{before_text}{text}{after_text}   (confidence {answer.score:.2f})")
    lines.append(f"Quote:  \u201c{before}[[{text}]]{after}\u201d")
    lines.append(f"Source: {c.document}, {c.label}, characters {c.start}-{c.end}")
    for alt in listed_alternatives(answer):
        place = alt.label if alt.document is None else f"{alt.label}, {alt.document}"
        lines.append(f"  or: {alt.text}   ({alt.score:.2f}, {place})")
    return "\n".join(lines)
