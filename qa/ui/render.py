"""From answers to what the chat shows: pure functions, no Gradio, testable on hand-made answers.

The chat renders Markdown (and a little HTML), so every piece of text that comes
from a user or a document goes through :func:`escape_text` first: HTML is escaped
and Markdown punctuation backslash-escaped, so that ``<script>``, ``<img onerror=...>``
and ``[click](javascript:...)`` are shown as the characters they are and do nothing.
The only markup in a message is the one written here.
"""

from __future__ import annotations

import html
import re

from qa import presentation
from qa.errors import QAError
from qa.presentation import clip
from qa.types import Answer, Passage

#: ASCII punctuation that Markdown may read as syntax; ``& < > " '`` are left to html.escape.
_MARKDOWN_PUNCTUATION = re.compile(r"[\\`*_{}\[\]()#+\-.!|~$:^=@/]")
_DOT = " \u00b7 "

#: Label of the answer span in :func:`highlight_segments` (a gr.HighlightedText category).
ANSWER_LABEL = "answer"


def escape_text(text: str) -> str:
    """``text`` made inert for a Markdown+HTML renderer; whitespace runs become one space."""
    text = presentation.one_line(text)
    return html.escape(_MARKDOWN_PUNCTUATION.sub(r"\\\g<0>", text), quote=True)


def highlight_segments(answer: Answer) -> list[tuple[str, str | None]]:
    """The cited paragraph around the answer, as ``gr.HighlightedText`` segments.

    The answer span is labelled :data:`ANSWER_LABEL`; the text before and after it
    has no label. The paragraph is the retrieved chunk the answer was read from (the
    quoted sentence when that chunk is not among ``answer.passages``). Empty for no answer.
    """
    c = answer.citation
    if answer.text is None or c is None:
        return []
    chunk = next((p.chunk for p in answer.passages if p.chunk.id == c.chunk_id), None)
    text, offset = (chunk.text, chunk.start) if chunk is not None else (c.quote, c.quote_start)
    start, end = c.start - offset, c.end - offset
    segments = [(text[:start], None), (text[start:end], ANSWER_LABEL), (text[end:], None)]
    return [(piece, label) for piece, label in segments if piece]


def segments_markdown(segments: list[tuple[str, str | None]]) -> str:
    """Highlight segments as escaped text with the labelled parts in ``<mark>``."""
    return "".join(f"<mark>{escape_text(piece)}</mark>" if label else escape_text(piece)
                   for piece, label in segments)


def quote_markdown(answer: Answer) -> str:
    """The quoted sentence with the answer in ``<mark>``, as a block quote."""
    before, text, after = presentation.quote_parts(answer)
    return f"> \u201c{escape_text(before)}<mark>{escape_text(text)}</mark>{escape_text(after)}\u201d"


def answer_markdown(answer: Answer) -> str:
    """The reply itself: the answer (worded as tentative when it is), the sentence it is quoted from with
    the answer marked, its citation and confidence, then the ranked alternatives."""
    c = answer.citation
    lines = [understood_as(answer), ""] if answer.rewritten_question else []
    # A tentative answer is worded as one; the words are ours, with no user or document text to escape.
    before, after = presentation.tentative_words(answer) or ("", "")
    lines += [
        f"**{before}\u201c{escape_text(answer.text)}\u201d**{after}",
        "",
        quote_markdown(answer),
        "",
        f"{escape_text(c.label)} \u2014 *{escape_text(c.document)}* \u00b7 confidence {answer.score:.2f}",
    ]
    alternatives = presentation.listed_alternatives(answer)
    if alternatives:
        lines += ["", "Other candidates:"]
        lines += [f"{n}. \u201c{escape_text(alt.text)}\u201d \u2014 {_listed_where(alt)} \u00b7 {alt.score:.2f}"
                  for n, alt in enumerate(alternatives, 1)]
    return "\n".join(lines)


def _listed_where(alt: presentation.Listed) -> str:
    label = escape_text(alt.label)
    return label if alt.document is None else f"{label}, *{escape_text(alt.document)}*"


def no_answer_markdown(answer: Answer, *, multi_document: bool, threshold: float, closest: int = 3,
                       single: str = "the article") -> str:
    """The plain "doesn't say" (``single``: what one document is called), with the closest passages
    instead of a guess."""
    lines = [understood_as(answer), ""] if answer.rewritten_question else []
    headline, why = presentation.no_answer_text(answer, multi_document=multi_document, threshold=threshold,
                                                single=single)
    lines += [f"**{escape_text(headline)}** {escape_text(why)}"]
    if answer.passages:
        lines += ["", "The closest passages:"]
        named = _several_documents(answer.passages)
        lines += [f"{p.rank}. {_passage_where(p, named)}: {escape_text(clip(p.chunk.text, 200))}"
                  for p in answer.passages[:closest]]
    return "\n".join(lines)


def supporting_markdown(answer: Answer) -> str:
    """The cited paragraph with the answer span marked, and where it is."""
    c = answer.citation
    return "\n".join([
        f"> {segments_markdown(highlight_segments(answer))}",
        "",
        f"*{escape_text(c.document)}*, {escape_text(c.label)}, characters {c.start}\u2013{c.end}",
    ])


def sources_markdown(answer: Answer) -> str:
    """The retrieved passages, ranked, with their retrieval scores; the rewritten question first."""
    lines = []
    if answer.rewritten_question:
        lines += [understood_as(answer), ""]
    named = _several_documents(answer.passages)
    for p in answer.passages:
        evidence = [f"fusion {p.score:.4f}"]
        if p.similarity is not None:
            evidence.append(f"similarity {p.similarity:.2f}")
        if p.bm25 is not None:
            evidence.append(f"BM25 {p.bm25:.2f}")
        lines.append(f"{p.rank}. {_passage_where(p, named)} \u00b7 {_DOT.join(evidence)}  ")
        lines.append(f"   {escape_text(clip(p.chunk.text, 320))}")
    if answer.text is None and answer.alternatives:
        lines += ["", "Withheld guesses (below the threshold):"]
        lines += [f"- \u201c{escape_text(alt.text)}\u201d \u2014 {escape_text(alt.citation.label)} \u00b7 "
                  f"{alt.score:.2f}" for alt in answer.alternatives if alt.text is not None]
    return "\n".join(lines) if lines else "No passages were retrieved."


def understood_as(answer: Answer) -> str:
    """The follow-up as it was understood (the standalone question that was searched)."""
    return f"Understood as: *{escape_text(answer.rewritten_question)}*"


def _several_documents(passages: list[Passage]) -> bool:
    return len({p.chunk.doc_id for p in passages}) > 1


def _passage_where(p: Passage, name_document: bool) -> str:
    """"¶11 · section", with the document's title when passages come from several documents."""
    where = f"**{escape_text(presentation.passage_label(p))}**"
    return f"{where} *{escape_text(p.chunk.doc_title)}*" if name_document else where


def answer_messages(answer: Answer, *, multi_document: bool, threshold: float,
                    single: str = "the article") -> list[dict]:
    """The chat messages of one reply: the answer with its quote (or the plain "doesn't say"), then its
    supporting paragraph and its sources, each a collapsible message (``metadata.title``), closed."""
    sources = {"role": "assistant", "content": sources_markdown(answer),
               "metadata": {"title": "Sources", "status": "done"}}
    if answer.text is None:
        return [{"role": "assistant", "content": no_answer_markdown(answer, multi_document=multi_document,
                                                                    threshold=threshold, single=single)}, sources]
    return [
        {"role": "assistant", "content": answer_markdown(answer)},
        {"role": "assistant", "content": supporting_markdown(answer),
         "metadata": {"title": "Supporting paragraph", "status": "done"}},
        sources,
    ]


def user_message(question: str) -> dict:
    return {"role": "user", "content": escape_text(question)}


def error_message(exc: QAError | ValueError) -> dict:
    """The reply to a question the library refused (see :func:`qa.presentation.error_message`)."""
    return {"role": "assistant", "content": f"\u26a0\ufe0f {escape_text(presentation.error_message(exc))}"}
