"""From a document's blocks to paragraph chunks that know where they sit.

A chunk is one paragraph (an over-long one is split at sentence ends). It carries
its section heading, which is embedded with it but never indexed alone, and exact
character offsets: ``document.text[chunk.start:chunk.end] == chunk.text``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from qa.config import Settings
from qa.corpus.documents import BIO, BYLINE, CREDIT, HEADING, LABEL, TABLE, TITLE, Block, Document

#: Blocks never joined with their neighbours (see merged_blocks).
_NEVER_MERGED = (HEADING, TITLE, TABLE, LABEL)
# End matter belongs to the article as a whole, not to its last section.
_SECTIONLESS = (BYLINE, BIO, CREDIT)

_SPACE = re.compile(r"\s+")


def normalize_space(text: str) -> str:
    """Collapse every run of whitespace (non-breaking spaces included) into one plain space."""
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage; ``paragraph`` is 1-based, counting the document's text paragraphs."""

    id: str
    doc_id: str
    doc_title: str
    paragraph: int
    section: str | None
    kind: str
    start: int
    end: int
    text: str
    #: The 1-based page the chunk starts on (PDF); None for formats without pages.
    page: int | None = None
    #: Document offsets inside the chunk where a new page begins (a paragraph over a page break).
    page_breaks: tuple[int, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """The page that the document's ``text[offset]``, inside this chunk, is printed on."""
        return None if self.page is None else self.page + sum(b <= offset for b in self.page_breaks)

    @property
    def place(self) -> str:
        """Where the chunk is, for people: "¶5", or "p. 2, ¶5" in a document with pages."""
        return f"¶{self.paragraph}" if self.page is None else f"p. {self.page}, ¶{self.paragraph}"

    @property
    def search_text(self) -> str:
        """What is embedded and matched lexically: the heading it sits under, then its own text."""
        heading = f"{self.section}\n" if self.section else ""
        return normalize_space(f"{heading}{self.text}")

    @property
    def lexical_text(self) -> str:
        """What keyword search matches: the document's title too, since questions over a library name
        their document ("In the OMB memorandum of March 9, 2016, ..."). Only keyword search sees it:
        embedding it with every paragraph would double the embedding work for every chunk."""
        return normalize_space(f"{self.doc_title}\n{self.search_text}")

    def to_dict(self) -> dict:
        return dict(self.__dict__)


_SEGMENTER_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


@lru_cache(maxsize=2048)
def sentence_spans(text: str, start: int = 0, end: int | None = None) -> tuple[tuple[int, int], ...]:
    """Sentences of ``text[start:end]`` as absolute (start, end) offsets, whitespace trimmed.

    Uses pysbd, which knows abbreviations such as "U.S." and "Aug."; its spans are
    re-anchored on the text so that the offsets are exact even where it stumbles.
    Cached, since the same passages are quoted again and again.
    """
    end = len(text) if end is None else end
    piece = text[start:end]
    spans, cursor = [], 0
    with _SEGMENTER_LOCK:  # a pysbd Segmenter keeps the text it works on in itself
        sentences = _segmenter().segment(piece)
    for sentence in sentences:
        s = piece.find(sentence.sent.strip(), cursor) if sentence.sent.strip() else -1
        if s < 0:
            continue
        e = s + len(sentence.sent.strip())
        spans.append((start + s, start + e))
        cursor = e
    if not spans:
        return ((start, end),)
    # Keep the whole range covered: stretch each sentence to the next one's start (then trim space).
    covered = []
    for i, (s, e) in enumerate(spans):
        s = start if i == 0 else s
        e = spans[i + 1][0] if i + 1 < len(spans) else end
        while e > s and text[e - 1].isspace():
            e -= 1
        covered.append((s, e))
    return tuple(covered)


def _split_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    if end - start <= max_chars:
        return [(start, end)]
    pieces, piece_start, piece_end = [], None, None
    for s, e in sentence_spans(text, start, end):
        if piece_start is not None and e - piece_start > max_chars:
            pieces.append((piece_start, piece_end))
            piece_start = None
        if piece_start is None:
            piece_start = s
        piece_end = e
    pieces.append((piece_start, piece_end))
    return pieces


def merged_blocks(document: Document, merge_chars: int) -> list[Block]:
    """The document's blocks with short neighbours joined, for documents whose blocks were rebuilt
    from a page layout (PDF) or are list items and table rows (Word).

    Such "paragraphs" are often a line or a row: a subject in one and its number in the next. Blocks
    of one section and kind are joined while the joined block stays within ``merge_chars``;
    headings and the title never are, nor table rows: a row carries its own column headers, and
    beside its neighbours the reader mixes up their cells ("5 pm" for when the farm stall opens).
    An author's own paragraphs (text, Markdown, HTML) are kept as written.
    """
    if not merge_chars or not (document.page_starts or document.source.lower().endswith(".docx")):
        return list(document.blocks)
    out: list[Block] = []
    for block in document.blocks:
        last = out[-1] if out else None
        if (last is not None and block.kind == last.kind and block.kind not in _NEVER_MERGED
                and block.end - last.start <= merge_chars and document.page_at(block.start) == document.page_at(last.start)):
            out[-1] = Block(last.start, block.end, block.kind)
        else:
            out.append(block)
    return out


def chunk_document(document: Document, *, max_chars: int = Settings.chunk_max_chars,
                   merge_chars: int = Settings.chunk_merge_chars) -> list[Chunk]:
    """Chunks of one document, in reading order, headings attached and never chunks themselves."""
    chunks: list[Chunk] = []
    section: str | None = None
    label: str | None = None  # a table's own name, for its rows only
    paragraph = 0
    for block in merged_blocks(document, merge_chars):
        if block.kind == TITLE:
            continue
        if block.kind in (HEADING, LABEL):
            name = normalize_space(document.text[block.start : block.end])
            section, label = (name, None) if block.kind == HEADING else (section, name)
            continue
        label = label if block.kind == TABLE else None
        paragraph += 1
        parts = _split_long(document.text, block.start, block.end, max_chars)
        for part, (s, e) in enumerate(parts, 1):
            suffix = f".{part}" if len(parts) > 1 else ""
            chunks.append(
                Chunk(
                    id=f"{document.id}#p{paragraph}{suffix}",
                    doc_id=document.id,
                    doc_title=document.title,
                    paragraph=paragraph,
                    section=None if block.kind in _SECTIONLESS else label or section,
                    kind=block.kind,
                    start=s,
                    end=e,
                    text=document.text[s:e],
                    page=document.page_at(s),
                    page_breaks=tuple(b for b in document.page_starts if s < b < e),
                )
            )
    return chunks


def chunk_corpus(documents: list[Document], *, max_chars: int = Settings.chunk_max_chars,
                 merge_chars: int = Settings.chunk_merge_chars) -> list[Chunk]:
    """Chunks of every document, in corpus order."""
    return [chunk for document in documents
            for chunk in chunk_document(document, max_chars=max_chars, merge_chars=merge_chars)]
