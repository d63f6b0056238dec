"""Reading a PDF's lines with pypdfium2 (PDFium; Apache-2.0/BSD, not AGPL).

PDFium gives each page's text in content order, line by line, with every character's box and
font. This module turns a page into :class:`Line` objects in the page's *displayed* frame (a
landscape page stored rotated is turned upright), with each line's type size as printed (the font
size times the text matrix's scale: many PDFs set a 1-point font and scale it) and its cells (runs
of words separated by a gap wider than a space, which is how a table row shows). Everything about
paragraphs, headings, running headers and tables is :mod:`qa.corpus.pdf_layout`'s work.
"""

from __future__ import annotations

import ctypes
import math
import re
import statistics
import threading
from dataclasses import dataclass

from qa.errors import CorpusError

#: PDFium is not thread-safe; uploads may arrive together.
_PDFIUM_LOCK = threading.Lock()
#: A gap between words at least this many times the type size separates two cells of a row.
CELL_GAP = 1.0


@dataclass(frozen=True)
class Cell:
    """A run of words in a line, with its horizontal extent."""

    text: str
    left: float
    right: float


@dataclass(frozen=True)
class Line:
    """One line of a page; positions in points in the page as displayed, y growing upwards."""

    text: str
    page: int
    size: float
    bold: bool
    left: float
    right: float
    top: float
    bottom: float
    page_width: float
    page_height: float
    cells: tuple[Cell, ...] = ()
    #: Text running up or down the page (a margin stamp such as arXiv's), not across it.
    vertical: bool = False


@dataclass(frozen=True)
class PdfText:
    """What a PDF holds: its text, its paragraph blocks as (start, end, kind) and where each page starts."""

    text: str
    title: str
    blocks: list[tuple[int, int, str]]
    page_starts: tuple[int, ...]


def read_pdf(data: bytes, name: str, reader: str = "layout", pages_read=None) -> PdfText:
    """Extract a PDF's paragraphs; raises :class:`CorpusError` for a damaged, encrypted or scanned file.

    ``reader`` is ``layout`` (paragraphs, headings, tables rebuilt from the page layout) or
    ``plain`` (each page's text as PDFium gives it, the way ``pdftotext`` would: a baseline).
    ``pages_read(done, total)``, when given, is called after each page (a long PDF takes a while).
    """
    from qa.corpus.pdf_layout import assemble

    with _PDFIUM_LOCK:
        pages, title = _read_pages(data, name, _plain_page if reader == "plain" else _page_lines, pages_read)
    if not any(pages):  # both page readers leave out blank lines
        raise CorpusError(f"{name} has no text layer: it looks like a scanned document. Run OCR on it first "
                          "(for example with ocrmypdf) and add the result")
    if reader == "plain":
        return _plain_text(pages, title)
    return assemble(pages, title)


def _read_pages(data: bytes, name: str, read_page, pages_read=None) -> tuple[list, str]:
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
            if pages_read:
                pages_read(number + 1, len(document))
        return pages, title
    except pdfium.PdfiumError as exc:
        raise CorpusError(f"{name} is not a readable PDF: a page is damaged ({exc})") from None
    finally:
        document.close()


# --- the plain-text baseline -------------------------------------------------------------------------

def _plain_page(page, number: int, raw) -> list[str]:
    textpage = page.get_textpage()
    try:
        return [" ".join(line.split()) for line in re.split(r"\r\n|\r|\n", textpage.get_text_range()) if line.strip()]
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


# --- lines with their geometry -------------------------------------------------------------------------

def _upright(rotation: int, width: float, height: float):
    """A function from a box in PDF user space to the same box on the page as it is displayed."""
    if rotation == 90:
        return lambda l, b, r, t: (b, width - r, t, width - l)
    if rotation == 180:
        return lambda l, b, r, t: (width - r, height - t, width - l, height - b)
    if rotation == 270:
        return lambda l, b, r, t: (height - t, l, height - b, r)
    return lambda l, b, r, t: (l, b, r, t)


def _page_lines(page, number: int, raw) -> list[Line]:
    width, height = page.get_width(), page.get_height()  # pypdfium2 gives the displayed size
    rotation = page.get_rotation()
    upright = _upright(rotation, *((height, width) if rotation in (90, 270) else (width, height)))
    textpage = page.get_textpage()
    try:
        # Character by character, so that an index into the text is PDFium's index of that character:
        # get_text_range() leaves out glyphs that have no Unicode value, and every box after one would
        # belong to another character. Those glyphs are NUL here, and read as nothing.
        text = "".join(chr(raw.FPDFText_GetUnicode(textpage.raw, i)) for i in range(textpage.count_chars()))
        lines, cursor = [], 0
        # PDFium runs a line that ends in a hyphen into the next one, marking the hyphen: split there.
        for piece in re.split(r"(\r\n|\r|\n|(?<=[\ufffe\x02]))", text):
            start, cursor = cursor, cursor + len(piece)
            if piece and piece not in ("\r\n", "\r", "\n") and piece.strip():
                lines += _lines(textpage, raw, piece, start, number, upright, width, height)
        return lines
    finally:
        textpage.close()


def _lines(textpage, raw, piece: str, start: int, number: int, upright, width: float, height: float) -> list[Line]:
    """The printed lines of one piece of PDFium's text: usually one, but some PDFs run the lines of
    several columns together without a line break, so the piece is cut where the text moves to another
    line: a step back to the left, or a baseline three quarters of a type size away or more whose
    glyphs do not overlap the previous ones in height (a superscript's do)."""
    chars = [(start + i, ch) for i, ch in enumerate(piece) if not ch.isspace() and ch != "\x00"]
    if not chars:
        return []
    boxes = [upright(*textpage.get_charbox(i, loose=True)) for i, _ in chars]
    sizes = [_type_size(textpage, raw, i) for i, _ in chars]

    def new_line(k: int) -> bool:
        if boxes[k][0] < boxes[k - 1][0] - 2 * max(sizes[k], 1.0):  # back to the left
            return True
        if abs(boxes[k][1] - boxes[k - 1][1]) <= 0.75 * max(sizes[k], sizes[k - 1], 1.0):
            return False
        # The glyphs themselves (not their fonts' boxes) overlapping in height: a superscript or a
        # fraction's numerator ("48 1/2"), still on the line.
        (_, low_a, _, high_a), (_, low_b, _, high_b) = (upright(*textpage.get_charbox(chars[i][0]))
                                                        for i in (k - 1, k))
        return min(high_a, high_b) <= max(low_a, low_b)

    vertical = _vertical(boxes, statistics.median(sizes))  # a stamp up the margin is one line, never cut
    cuts = [] if vertical else [k for k in range(1, len(chars)) if new_line(k)]
    lines = []
    for a, b in zip([0, *cuts], [*cuts, len(chars)]):
        sub_start, sub_end = chars[a][0], chars[b - 1][0] + 1
        line = _line(textpage, raw, piece[sub_start - start: sub_end - start], sub_start, chars[a:b], boxes[a:b],
                     sizes[a:b], number, width, height)
        if line is not None:
            lines.append(line)
    return lines


def _line(textpage, raw, piece: str, start: int, chars, boxes, sizes, number: int, width: float,
          height: float) -> Line | None:
    size = round(statistics.median(sizes), 1)
    if size <= 0:
        return None
    left, right = min(b[0] for b in boxes), max(b[2] for b in boxes)
    # The median edges: one glyph with a tall font box (or a superscript) does not move the line.
    bottom, top = statistics.median(b[1] for b in boxes), statistics.median(b[3] for b in boxes)
    return Line(text=_words(piece), page=number, size=size, bold=_mostly_bold(textpage, [i for i, _ in chars], raw),
                left=left, right=right, top=top, bottom=bottom, page_width=width, page_height=height,
                cells=_cells(piece, start, chars, boxes, size), vertical=_vertical(boxes, size))


def _vertical(boxes, size: float) -> bool:
    """Text running up or down the page (a margin stamp): taller than three type sizes, narrower than two."""
    return (max(b[3] for b in boxes) - min(b[1] for b in boxes) > 3 * size
            and max(b[2] for b in boxes) - min(b[0] for b in boxes) < 2 * size)


def _words(text: str) -> str:
    return " ".join(text.replace("\x00", "").split())


def _type_size(textpage, raw, index: int) -> float:
    """The printed size of a character: its font size scaled by its text matrix's vertical scale."""
    matrix = raw.FS_MATRIX()
    size = raw.FPDFText_GetFontSize(textpage.raw, index)
    if raw.FPDFText_GetMatrix(textpage.raw, index, ctypes.byref(matrix)):
        scale = math.hypot(matrix.c, matrix.d) or math.hypot(matrix.a, matrix.b)
        size *= scale or 1.0
    return size


def _cells(piece: str, start: int, chars, boxes, size: float) -> tuple[Cell, ...]:
    """The line split where the gap between two words is wider than :data:`CELL_GAP` type sizes."""
    cells, first = [], 0
    for k in range(1, len(chars) + 1):
        at_end = k == len(chars)
        if at_end or (chars[k][0] - chars[k - 1][0] > 1 and boxes[k][0] - boxes[k - 1][2] >= CELL_GAP * size):
            text = _words(piece[chars[first][0] - start: chars[k - 1][0] - start + 1])
            cells.append(Cell(text, boxes[first][0], max(b[2] for b in boxes[first:k])))
            first = k
    return tuple(cells)


def _mostly_bold(textpage, indexes: list[int], raw) -> bool:
    buffer = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    sample = indexes[:: max(1, len(indexes) // 8)]  # a sample is enough to tell a bold line
    bold = 0
    for i in sample:
        length = raw.FPDFText_GetFontInfo(textpage.raw, i, buffer, len(buffer), ctypes.byref(flags))
        font = buffer.raw[: max(0, length - 1)].decode("latin-1").lower()
        weight = raw.FPDFText_GetFontWeight(textpage.raw, i)
        bold += "bold" in font or "black" in font or weight >= 600
    return bold * 2 > len(sample)
