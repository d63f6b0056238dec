"""An answer shown on its PDF page: the page rendered with pypdfium2, the answer's characters
highlighted and the sentence it is quoted from marked. No Gradio here.

The text an answer cites is the document's *rebuilt* text (lines joined, hyphenated words rejoined,
running headers dropped: :mod:`qa.corpus.pdf`), so its offsets are not PDFium's character indexes.
The answer is found again on the page: the page's PDFium text and the quoted sentence are compared
with whitespace and hyphens left out (a line break or a rejoined "cam-paign" then changes nothing),
the answer taken at its place inside the sentence; the characters found give the boxes to draw.
Images are made on demand and cached (by the file's digest, the page and the span), in memory only:
a user's uploaded document is never written anywhere by this module.
"""

from __future__ import annotations

import base64
import ctypes
import hashlib
import html
import io
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass

#: Characters left out when comparing: PDFium's marks for a hyphen at a line's end, and hyphens.
_IGNORED = {"\ufffe", "\x02", "\u00ad", "-", "\u2010", "\u2011"}
#: Pixels per PDF point: an A4 page becomes about 950 pixels wide.
SCALE = 1.6
ANSWER_FILL = (250, 204, 21, 120)
QUOTE_FILL = (59, 130, 246, 38)
QUOTE_LINE = (37, 99, 235, 255)


@dataclass(frozen=True)
class PageImage:
    """A rendered page: the PNG, its 1-based number, and whether the answer was found on it."""

    png: bytes
    page: int
    found: bool


def _keys(text: str) -> tuple[str, list[int]]:
    """``text`` as compared (no whitespace or hyphens, NFKC, case folded) and, per compared character,
    the index of the character of ``text`` it comes from."""
    keys, where = [], []
    for i, ch in enumerate(text):
        if ch.isspace() or ch in _IGNORED:
            continue
        for k in unicodedata.normalize("NFKC", ch).casefold():
            keys.append(k)
            where.append(i)
    return "".join(keys), where


def _occurrences(haystack: str, needle: str) -> list[int]:
    found, at = [], haystack.find(needle)
    while needle and at >= 0:
        found.append(at)
        at = haystack.find(needle, at + 1)
    return found


def find_on_page(page_text: str, answer: str, quote: str, answer_in_quote: int,
                 hint: float = 0.5) -> tuple[range, range] | None:
    """Where the answer and its quoted sentence are in ``page_text`` (PDFium's), as ranges of its
    character indexes; None when the answer is not on the page.

    ``answer_in_quote`` is where the answer starts in ``quote``. The sentence is looked for first,
    the answer then taken at its place inside it; when the sentence is not whole on the page (it runs
    over a page break), the answer's occurrence nearest ``hint`` (its place in the page, 0 to 1) is
    taken, and the sentence is not marked.
    """
    page, where = _keys(page_text)
    wanted = _keys(answer)[0]
    if not wanted:
        return None
    before = _keys(quote[:answer_in_quote])[0]
    whole = _keys(quote)[0]
    sentences = [q for q in _occurrences(page, whole) if page[q + len(before):].startswith(wanted)]
    if sentences:
        q = min(sentences, key=lambda at: abs(at / max(1, len(page)) - hint))
        start = q + len(before)
        quoted = range(where[q], where[q + len(whole) - 1] + 1)
    else:
        starts = _occurrences(page, wanted)
        if not starts:
            return None
        start = min(starts, key=lambda at: abs(at / max(1, len(page)) - hint))
        quoted = range(0)
    return range(where[start], where[start + len(wanted) - 1] + 1), quoted


def _line_boxes(textpage, indexes: range) -> list[tuple[float, float, float, float]]:
    """The character boxes of ``indexes`` (PDF points: left, bottom, right, top), merged line by line."""
    lines: list[list[float]] = []
    for i in indexes:
        left, bottom, right, top = textpage.get_charbox(i)
        if right - left <= 0 or top - bottom <= 0:
            continue
        last = lines[-1] if lines else None
        middle = (bottom + top) / 2
        if last is not None and last[1] <= middle <= last[3] and left >= last[0] - 1:
            last[:] = [min(last[0], left), min(last[1], bottom), max(last[2], right), max(last[3], top)]
        else:
            lines.append([left, bottom, right, top])
    return [tuple(line) for line in lines]


def _to_pixels(page, size: tuple[int, int], box) -> tuple[int, int, int, int]:
    """A box in PDF points as a pixel rectangle of the rendered page (PDFium's own mapping, so that a
    rotated or cropped page is right)."""
    import pypdfium2.raw as raw

    xs, ys = [], []
    for x, y in ((box[0], box[1]), (box[2], box[3])):
        dx, dy = ctypes.c_int(), ctypes.c_int()
        raw.FPDF_PageToDevice(page.raw, 0, 0, size[0], size[1], 0, x, y, ctypes.byref(dx), ctypes.byref(dy))
        xs.append(dx.value)
        ys.append(dy.value)
    return min(xs), min(ys), max(xs), max(ys)


def _draw(image, page, size, answer_boxes, quote_boxes):
    from PIL import Image, ImageDraw

    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for box in quote_boxes:
        x0, y0, x1, y1 = _to_pixels(page, size, box)
        draw.rectangle((x0 - 2, y0 - 2, x1 + 2, y1 + 2), fill=QUOTE_FILL)
        draw.line((x0, y1 + 3, x1, y1 + 3), fill=QUOTE_LINE, width=2)
    for box in answer_boxes:
        x0, y0, x1, y1 = _to_pixels(page, size, box)
        draw.rectangle((x0 - 2, y0 - 2, x1 + 2, y1 + 2), fill=ANSWER_FILL, outline=(202, 138, 4, 255))
    return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")


def render_page(pdf: bytes, page_number: int, answer: str, quote: str, answer_in_quote: int, *,
                hint: float = 0.5, scale: float = SCALE) -> PageImage:
    """Page ``page_number`` (1-based) of the PDF ``pdf`` as a PNG, with the answer and its sentence marked
    when they are found on it (see :func:`find_on_page`)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[page_number - 1]
        textpage = page.get_textpage()
        try:
            spans = find_on_page(textpage.get_text_range(), answer, quote, answer_in_quote, hint)
            answer_boxes = _line_boxes(textpage, spans[0]) if spans else []
            quote_boxes = _line_boxes(textpage, spans[1]) if spans else []
            image = page.render(scale=scale).to_pil()
            image = _draw(image, page, image.size, answer_boxes, quote_boxes)
        finally:
            textpage.close()
            page.close()
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return PageImage(png=out.getvalue(), page=page_number, found=bool(answer_boxes))


class PageCache:
    """Rendered pages, the most recent ``size`` kept, keyed by the file's digest, the page and the span."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._images: OrderedDict[tuple, PageImage] = OrderedDict()
        self._lock = threading.Lock()
        self.rendered = 0

    def get(self, pdf: bytes, page_number: int, answer: str, quote: str, answer_in_quote: int,
            hint: float = 0.5) -> PageImage:
        key = (hashlib.sha256(pdf).hexdigest(), page_number, answer, quote, answer_in_quote)
        with self._lock:
            if key in self._images:
                self._images.move_to_end(key)
                return self._images[key]
        image = render_page(pdf, page_number, answer, quote, answer_in_quote, hint=hint)
        with self._lock:
            self.rendered += 1
            self._images[key] = image
            while len(self._images) > self.size:
                self._images.popitem(last=False)
        return image


def page_html(image: PageImage, *, title: str, file_name: str) -> str:
    """The page as HTML for the page: every word from the document escaped, the image a data URI."""
    where = f"p. {image.page} of <i>{html.escape(title)}</i> ({html.escape(file_name)})"
    if image.found:
        caption = f"{where}: the answer in yellow, the sentence it is quoted from in blue."
    else:
        caption = f"{where}. The answer's characters could not be found on this page to mark them."
    data = base64.b64encode(image.png).decode("ascii")
    return (f'<figure class="qa-page-view"><figcaption>{caption}</figcaption>'
            f'<img src="data:image/png;base64,{data}" alt="Page {image.page} of the document"></figure>')
