"""Text and structure of a PDF, read with pypdfium2 (PDFium; Apache-2.0/BSD, not AGPL).

PDFium gives each page's text line by line, with every character's font size and box. From
that this module rebuilds what a reader sees: paragraphs joined across line wraps, words
hyphenated at a line's end rejoined, paragraphs that run over a page break kept whole, headings
told by their larger (or bold) type, and running headers, footers and page numbers dropped where
they sit in a page's margin and repeat. The text it returns is the document's text: every offset
points into it, and ``page_starts`` says where each page begins in it.
"""

from __future__ import annotations

import re
import statistics
import threading
from collections import Counter
from dataclasses import dataclass

from qa.errors import CorpusError

#: PDFium is not thread-safe; uploads may arrive together.
_PDFIUM_LOCK = threading.Lock()
#: PDFium marks a hyphen it saw at a line's end with one of these instead of "-".
_SOFT_HYPHENS = ("\ufffe", "\x02", "\u00ad")
#: A line in the top or bottom this fraction of a page may be a running header, footer or page number.
_MARGIN = 0.09
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?[-\u2013\u2014(\[ ]*#+[-\u2013\u2014)\] ]*(?:(?:of|/)\s*#+)?$", re.I)
_TERMINAL = (".", "!", "?", ":", ";", '"', "\u201d", "'", "\u2019", ")")
_LIST_ITEM = re.compile(r"^(?:[\u2022\u25aa\u25cf\u2013\u2014*-]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s")


@dataclass(frozen=True)
class Line:
    """One line of a page as PDFium reads it; positions in points, y growing upwards."""

    text: str
    page: int
    size: float
    bold: bool
    left: float
    top: float
    bottom: float
    page_height: float


@dataclass(frozen=True)
class PdfText:
    """What a PDF holds: its text, its paragraph blocks as (start, end, kind) and where each page starts."""

    text: str
    title: str
    blocks: list[tuple[int, int, str]]
    page_starts: tuple[int, ...]


def read_pdf(data: bytes, name: str, reader: str = "layout") -> PdfText:
    """Extract a PDF's paragraphs; raises :class:`CorpusError` for a damaged, encrypted or scanned file.

    ``reader`` is ``layout`` (paragraphs, headings, tables rebuilt from the page layout) or
    ``plain`` (each page's text as PDFium gives it, the way ``pdftotext`` would: a baseline).
    """
    with _PDFIUM_LOCK:
        pages, title = _read_pages(data, name, _plain_page if reader == "plain" else _page_lines)
    if reader == "plain":
        pages = [[line for line in page if line.strip()] for page in pages]
    else:
        pages = _drop_running_lines(pages)
    if not any(pages):
        raise CorpusError(f"{name} has no text layer: it looks like a scanned document. Run OCR on it first "
                          "(for example with ocrmypdf) and add the result")
    if reader == "plain":
        return _plain_text(pages, title)
    return _assemble([line for page in pages for line in page], title, len(pages))


def _plain_page(page, number: int, raw) -> list[str]:
    textpage = page.get_textpage()
    try:
        return [" ".join(line.split()) for line in re.split(r"\r\n|\r|\n", textpage.get_text_range())]
    finally:
        textpage.close()


def _plain_text(pages: list[list[str]], title: str) -> PdfText:
    """Each page's lines as one block (a plain-text baseline: no layout, headers or tables understood)."""
    parts, blocks, page_starts, cursor = [], [], [], 0
    for lines in pages:
        if parts:
            parts.append("\n\n")
            cursor += 2
        page_starts.append(cursor)
        piece = "\n".join(lines)
        parts.append(piece)
        if piece:
            blocks.append((cursor, cursor + len(piece), "body"))
        cursor += len(piece)
    return PdfText("".join(parts), title, blocks, tuple(page_starts))


def _read_pages(data: bytes, name: str, read_page) -> tuple[list, str]:
    """``read_page(page, number, raw)`` of every page, and the document's metadata title."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == raw.FPDF_ERR_PASSWORD:
            raise CorpusError(f"{name} is encrypted (password-protected); save an unprotected copy to add it") from None
        if code == raw.FPDF_ERR_SECURITY:
            raise CorpusError(f"{name} uses an encryption PDFium cannot open") from None
        raise CorpusError(f"{name} is not a readable PDF: it is damaged or truncated") from None
    try:
        if len(document) == 0:
            raise CorpusError(f"{name} is not a readable PDF: it has no pages")
        title = (document.get_metadata_value("Title") or "").strip()
        pages = []
        for number in range(len(document)):
            page = document[number]
            try:
                pages.append(read_page(page, number + 1, raw))
            finally:
                page.close()
        return pages, title
    except pdfium.PdfiumError as exc:
        raise CorpusError(f"{name} is not a readable PDF: a page is damaged ({exc})") from None
    finally:
        document.close()


def _page_lines(page, number: int, raw) -> list[Line]:
    height = page.get_height()
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        lines, cursor = [], 0
        # PDFium runs a line that ends in a hyphen into the next one, marking the hyphen: split there.
        for piece in re.split(r"(\r\n|\r|\n|(?<=[\ufffe\x02]))", text):
            if not piece:
                continue
            if piece in ("\r\n", "\r", "\n"):
                cursor += len(piece)
                continue
            indexes = [cursor + i for i, ch in enumerate(piece) if not ch.isspace()]
            cursor += len(piece)
            if not indexes or not piece.strip():
                continue
            boxes = [textpage.get_charbox(i) for i in indexes]
            sizes = [raw.FPDFText_GetFontSize(textpage.raw, i) for i in indexes]
            lines.append(Line(
                text=" ".join(piece.split()), page=number, size=round(statistics.median(sizes), 1),
                bold=_mostly_bold(textpage, indexes, raw), left=min(b[0] for b in boxes),
                top=max(b[3] for b in boxes), bottom=min(b[1] for b in boxes), page_height=height))
        return lines
    finally:
        textpage.close()


def _mostly_bold(textpage, indexes: list[int], raw) -> bool:
    import ctypes

    buffer = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    bold = 0
    for i in indexes[:: max(1, len(indexes) // 8)]:  # a sample is enough to tell a bold line
        length = raw.FPDFText_GetFontInfo(textpage.raw, i, buffer, len(buffer), ctypes.byref(flags))
        font = buffer.raw[: max(0, length - 1)].decode("latin-1").lower()
        weight = raw.FPDFText_GetFontWeight(textpage.raw, i)
        bold += "bold" in font or "black" in font or weight >= 600
    return bold * 2 > len(indexes[:: max(1, len(indexes) // 8)])


def _drop_running_lines(pages: list[list[Line]]) -> list[list[Line]]:
    """Pages without the lines in their margins that repeat on other pages (digits aside) or that
    are page numbers."""
    def shape(line: Line) -> str:
        return re.sub(r"\d+", "#", line.text.lower()).strip()

    def in_margin(line: Line) -> bool:
        return line.top > line.page_height * (1 - _MARGIN) or line.bottom < line.page_height * _MARGIN

    def edges(page: list[Line]) -> list[Line]:
        return [line for line in page[:2] + page[-2:] if in_margin(line)]

    seen = Counter(s for page in pages for s in {shape(line) for line in edges(page)})
    repeating = {s for s, n in seen.items() if n >= 2 and n * 2 >= len(pages)}
    out = []
    for page in pages:
        running = {id(line) for line in edges(page)
                   if shape(line) in repeating or _PAGE_NUMBER.match(shape(line))}
        out.append([line for line in page if id(line) not in running])
    return out


def _assemble(lines: list[Line], title: str, page_count: int) -> PdfText:
    if not lines:
        return PdfText("", title, [], (0,))
    weights = Counter()
    for line in lines:
        weights[line.size] += len(line.text)
    body_size = weights.most_common(1)[0][0]

    def is_heading(line: Line) -> bool:
        short = len(line.text.split()) <= 16 and not line.text.endswith((".", ",", ";"))
        return short and (line.size >= body_size * 1.15 or (line.bold and line.size >= body_size * 0.95))

    # The usual distance from one line's top to the next one's, for each type size: a larger gap is a
    # paragraph break.
    pitches: dict[float, list[float]] = {}
    for a, b in zip(lines, lines[1:]):
        if a.page == b.page and a.size == b.size and 0 < a.top - b.top < 4 * a.size:
            pitches.setdefault(a.size, []).append(a.top - b.top)
    pitch = {size: min(values) for size, values in pitches.items()}
    lefts = Counter(round(line.left) for line in lines if not is_heading(line))
    margin = min(lefts, key=lambda x: (-lefts[x], x)) if lefts else 0.0

    groups: list[tuple[str, list[Line]]] = []  # (kind, lines)
    for line in lines:
        kind = "heading" if is_heading(line) else "body"
        if groups and _continues(groups[-1], kind, line, pitch, margin):
            groups[-1][1].append(line)
        else:
            groups.append((kind, [line]))

    # The title: the first heading of the first page, when its type is larger than every other heading's.
    title_group = None
    headings = [i for i, (kind, _) in enumerate(groups) if kind == "heading"]
    if headings and headings[0] < 4 and groups[headings[0]][1][0].page == 1:
        size = groups[headings[0]][1][0].size
        if all(groups[i][1][0].size < size for i in headings[1:]):
            title_group = headings[0]

    parts: list[str] = []
    blocks: list[tuple[int, int, str]] = []
    page_starts = [0]
    cursor = 0
    for i, (kind, group) in enumerate(groups):
        if parts:
            parts.append("\n\n")
            cursor += 2
        start = cursor
        previous: Line | None = None
        for line in group:
            piece = line.text
            if previous is not None:
                tail, joint = _joint(parts[-1], line)
                cursor += len(tail) - len(parts[-1]) + len(joint)
                parts[-1] = tail
                parts.append(joint)
            while len(page_starts) < line.page:  # this line opens a page (or pages with no text before it)
                page_starts.append(cursor)
            parts.append(piece)
            cursor += len(piece)
            previous = line
        if parts[-1] and parts[-1][-1] in _SOFT_HYPHENS:  # a paragraph never ends in a hyphen marker
            parts[-1] = parts[-1][:-1] + "-"
        blocks.append((start, cursor, "title" if i == title_group else kind))
    while len(page_starts) < page_count:
        page_starts.append(cursor)
    text = "".join(parts)
    if not title and title_group is not None:
        s, e, _ = blocks[title_group]
        title = text[s:e]
    return PdfText(text, title, blocks, tuple(page_starts))


def _continues(group: tuple[str, list[Line]], kind: str, line: Line, pitch: dict[float, float],
               margin: float) -> bool:
    """Whether ``line`` goes on the paragraph (or heading) ``group`` holds so far."""
    group_kind, group_lines = group
    last = group_lines[-1]
    if kind != group_kind:
        return False
    if kind == "heading":  # a heading wrapped over two lines; never across pages
        return line.page == last.page and line.size == last.size and last.top - line.top < 1.6 * line.size
    if _LIST_ITEM.match(line.text):
        return False
    if line.page != last.page:
        # Over a page break a paragraph goes on unless its last line ended a sentence.
        return not last.text.endswith(_TERMINAL) or last.text[-1:] in _SOFT_HYPHENS
    step = last.top - line.top
    usual = pitch.get(last.size, 1.2 * last.size)
    if step <= 0 or step > usual * 1.35 or line.size != last.size:
        return False
    # A first-line indent starts a paragraph.
    return not (line.left > margin + 1.5 * line.size and last.left <= margin + 1.5 * line.size)


def _joint(tail: str, line: Line) -> tuple[str, str]:
    """The previous line's text as it stays, and what goes between it and ``line``: nothing after a
    hyphen at a line's end, else a space.

    The hyphen is dropped when the word goes on in lower case ("cam-" + "paign"), and kept
    ("Jean-" + "Paul", "COVID-" + "19") otherwise.
    """
    if tail[-1:] in _SOFT_HYPHENS or (tail.endswith("-") and tail[-2:-1].isalpha()):
        return (tail[:-1] if line.text[:1].islower() else tail[:-1] + "-"), ""
    return tail, " "
