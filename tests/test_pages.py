"""An answer found again on its PDF page: PDFium's text of the page against the document's rebuilt
text (lines joined, hyphens rejoined), and the page drawn with the answer marked. Real fpdf2 PDFs."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from qa.corpus.documents import load_document
from qa.ui.pages import PageCache, find_on_page, page_html, render_page
from tests.doc_files import write_pdf
from ui_helpers import highlighted_pixels


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    path = write_pdf(tmp_path_factory.mktemp("pages") / "harbour-report.pdf")
    return path.read_bytes(), load_document(path)


def cite(document, answer: str, sentence: str):
    """(page, answer, quote, answer's place in the quote, hint) as a citation of the rebuilt text gives them."""
    quote_start = document.text.index(sentence)
    start = document.text.index(answer, quote_start)
    page = document.page_at(start)
    return page, answer, sentence, start - quote_start


def page_text(pdf: bytes, page: int) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return document[page - 1].get_textpage().get_text_range()
    finally:
        document.close()


def test_an_answer_over_a_line_break_and_a_rejoined_hyphen_is_found(report):
    pdf, document = report
    page, answer, quote, at = cite(document, "after a long campaign for the post",
                                   "Its chair is Brigid Walsh, who was elected in 2019 after a long campaign for the post.")
    text = page_text(pdf, page)
    found, quoted = find_on_page(text, answer, quote, at)
    assert " ".join(text[found.start:found.stop].split()).startswith("after a long cam")
    assert text[found.stop - 4:found.stop] == "post"
    assert text[quoted.start:quoted.start + 9] == "Its chair" and quoted.start < found.start < found.stop <= quoted.stop


def test_the_occurrence_in_the_quoted_sentence_is_taken_not_the_first():
    text = "The harbour is old. The harbour master is Tomas. He keeps the harbour."
    found, quoted = find_on_page(text, "harbour", "He keeps the harbour.", 13)
    assert found.start == text.rindex("harbour") and text[quoted.start:quoted.stop] == "He keeps the harbour."
    alone, unquoted = find_on_page(text, "harbour", "a sentence over a page break", 0, hint=0.5)
    assert alone.start == text.index("harbour master") and len(unquoted) == 0
    assert find_on_page(text, "lighthouse", "", 0) is None


def test_the_page_is_drawn_with_the_answer_marked_and_cached(report):
    pdf, document = report
    page, answer, quote, at = cite(document, "Tomas Berg", "The lighthouse on Skellig Point is kept by Tomas Berg")
    image = render_page(pdf, page, answer, quote, at)
    assert (image.page, image.found) == (2, True)
    assert Image.open(io.BytesIO(image.png)).width > 900 and highlighted_pixels(image.png) > 200
    missing = render_page(pdf, page, "Brigid Walsh", "Brigid Walsh", 0)
    assert not missing.found  # on page 1, not 2: drawn unmarked, and said so
    assert "could not be found on this page" in page_html(missing, title="t", file_name="f.pdf")
    cache = PageCache(size=1)
    assert cache.get(pdf, page, answer, quote, at) is cache.get(pdf, page, answer, quote, at)
    assert cache.rendered == 1


def test_the_caption_escapes_what_the_document_says():
    from qa.ui.pages import PageImage

    shown = page_html(PageImage(png=b"\x89PNG", page=3, found=True), title='<img src=x onerror="alert(1)">',
                      file_name="<b>a</b>.pdf")
    assert "<img src=x" not in shown and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in shown
    assert "&lt;b&gt;a&lt;/b&gt;.pdf" in shown and shown.count("<img ") == 1
