"""PDF and Word files, written here with fpdf2 and python-docx: paragraphs, pages, sections, bad files."""

from __future__ import annotations

import io
import zipfile

import pytest

from qa.corpus import chunk_document, load_corpus, load_document, read_corpus
from qa.errors import CorpusError
from tests.doc_files import HEADER, write_docx, write_encrypted_pdf, write_pdf, write_scanned_pdf


@pytest.fixture(scope="module")
def report_pdf(tmp_path_factory):
    return write_pdf(tmp_path_factory.mktemp("pdf") / "harbour-report.pdf")


def test_pdf_paragraphs_are_rebuilt_across_wraps_hyphens_and_pages(report_pdf):
    document = load_document(report_pdf)
    chunks = chunk_document(document)
    assert document.title == "The Harbour Trust" and document.pages == 3
    assert [(c.page, c.section, c.text) for c in chunks] == [
        (1, "Who runs the harbour?", "The harbour is run by a trust of seven members who meet every month in the "
                                     "old customs house. Its chair is Brigid Walsh, who was elected in 2019 after a "
                                     "long campaign for the post."),
        (1, "What does it cost?", "Mooring a small boat for a season costs 420 euros, and the fee has not changed "
                                  "since the storm of 2021. The trust spends the money on dredging the channel and "
                                  "on repairs to the north pier."),
        (2, "Who keeps the lighthouse?", "The lighthouse on Skellig Point is kept by Tomas Berg, who climbs its 112 "
                                         "steps twice a day."),
        (3, "When is the regatta?", "The summer regatta is held on the second Saturday of July and draws about 300 "
                                    "sailors from the whole coast."),
    ]
    # Running header and "Page N of 3" footers are gone; offsets are exact.
    assert HEADER not in document.text and "Page 1" not in document.text
    for chunk in chunks:
        assert document.text[chunk.start : chunk.end] == chunk.text
    # The paragraph that runs over the page break starts on page 1; its second half is on page 2.
    spends = document.text.index("money on dredging")
    assert document.page_at(spends) == 2 and document.page_at(document.text.index("Mooring")) == 1


def test_pdf_without_running_lines_keeps_every_line(tmp_path):
    pages = [[("lines", ["A one-page note: the ferry to Inis Mor leaves at nine."])]]
    document = load_document(write_pdf(tmp_path / "note.pdf", pages, header=None, footers=False,
                                       title="Ferry note"))
    assert document.title == "Ferry note" and document.pages == 1
    assert [c.text for c in chunk_document(document)] == ["A one-page note: the ferry to Inis Mor leaves at nine."]


def test_docx_headings_become_sections_tables_rows_lists_paragraphs(tmp_path):
    document = load_document(write_docx(tmp_path / "handbook.docx"))
    chunks = chunk_document(document)
    assert document.title == "Orchard cooperative handbook" and document.pages is None
    assert [(c.section, c.kind, c.text, c.page) for c in chunks] == [
        ("Who picks the apples?", "body", "The apples are picked by forty volunteers from the village of Ardmore, "
                                          "who start at dawn in late September.", None),
        ("What must pickers bring?", "body", "Gloves and a sun hat.\n\nA flask of water, since the orchard has no tap.",
         None),
        ("Opening hours", "table", "Shop: Cider barn; Opens: 9 am; Closes: 5 pm", None),
        ("Opening hours", "table", "Shop: Farm stall; Opens: 7 am; Closes: noon", None),
        ("Opening hours", "body", "Dogs are welcome on a lead.", None),
    ]
    for chunk in chunks:
        assert document.text[chunk.start : chunk.end] == chunk.text
    # List items are short neighbours, joined within their section; merge_chars=0 keeps each alone.
    assert [c.text for c in chunk_document(document, merge_chars=0)][1:3] == [
        "Gloves and a sun hat.", "A flask of water, since the orchard has no tap."]


def test_a_docx_table_is_found_under_the_label_above_it_and_a_table_of_sentences_has_no_header(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("Orchard handbook", 1)
    document.add_paragraph("The handbook is kept by the cooperative's secretary.")
    document.add_paragraph("Document Revision History")
    revisions = document.add_table(rows=2, cols=2)
    for r, row in enumerate([["Date", "Version"], ["6/19/2017", "1.0"]]):
        for c, value in enumerate(row):
            revisions.cell(r, c).text = value
    document.add_paragraph("Each section of the handbook covers one season.")
    sections = document.add_table(rows=2, cols=2)
    for r, row in enumerate([["Section 1", "Describes the spring pruning."], ["Section 2", "Describes the harvest."]]):
        for c, value in enumerate(row):
            sections.cell(r, c).text = value
    document.save(str(tmp_path / "handbook.docx"))
    chunks = chunk_document(load_document(tmp_path / "handbook.docx"))
    assert [(c.section, c.kind, c.text) for c in chunks] == [
        ("Orchard handbook", "body", "The handbook is kept by the cooperative's secretary."),
        ("Document Revision History", "table", "Date: 6/19/2017; Version: 1.0"),
        ("Orchard handbook", "body", "Each section of the handbook covers one season."),
        ("Orchard handbook", "table", "Section 1; Describes the spring pruning."),
        ("Orchard handbook", "table", "Section 2; Describes the harvest."),
    ]

def _zip_bomb(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (30 * 1024 * 1024))  # 30 MB of zeros pack to ~30 KB
    return path


@pytest.mark.parametrize("make,message", [
    (lambda p: p.with_suffix(".pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<"), "not a readable PDF"),
    (lambda p: write_encrypted_pdf(p.with_suffix(".pdf")), "encrypted"),
    (lambda p: write_scanned_pdf(p.with_suffix(".pdf")), "looks like a scanned document"),
    (lambda p: p.with_suffix(".docx").write_bytes(b"just some text, not a zip"), "not a Word document"),
    (lambda p: _zip_bomb(p.with_suffix(".docx")), "zip bomb"),
    (lambda p: p.with_suffix(".docx").write_bytes(_empty_zip()), "not a readable Word document"),
])
def test_bad_files_are_refused_with_their_name(tmp_path, make, message):
    make(tmp_path / "bad")
    path = next(tmp_path.iterdir())
    with pytest.raises(CorpusError, match=message) as caught:
        load_document(path)
    assert path.name in str(caught.value)


def _empty_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    return buffer.getvalue()


def test_truncated_pdf_is_refused(report_pdf, tmp_path):
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(report_pdf.read_bytes()[: report_pdf.stat().st_size // 2])
    with pytest.raises(CorpusError, match="cut.pdf is not a readable PDF"):
        load_document(cut)


def test_oversized_file_is_refused(report_pdf):
    with pytest.raises(CorpusError, match=r"harbour-report.pdf is \d+ KB; the limit is 1 KB"):
        load_document(report_pdf, max_bytes=1024)


def test_a_folder_with_one_bad_file_reads_the_good_ones_and_names_the_bad_one(report_pdf, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "harbour-report.pdf").write_bytes(report_pdf.read_bytes())
    write_docx(folder / "handbook.docx")
    (folder / "notes.txt").write_text("The ferry leaves at nine from the east quay.\n")
    write_scanned_pdf(folder / "scan.pdf")
    loaded = read_corpus(folder)
    assert [d.id for d in loaded.documents] == ["handbook", "harbour-report", "notes"]
    assert len(loaded.skipped) == 1 and loaded.skipped[0].path.endswith("scan.pdf")
    assert "scan.pdf has no text layer" in str(loaded.skipped[0])
    with pytest.raises(CorpusError, match="scan.pdf"):  # the strict loader still refuses the whole folder
        load_corpus(folder)


def test_a_folder_names_the_files_it_does_not_read(report_pdf, tmp_path):
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "harbour-report.pdf").write_bytes(report_pdf.read_bytes())
    (folder / "minutes.doc").write_bytes(b"\xd0\xcf\x11\xe0 old Word")
    (folder / "slides.pptx").write_bytes(b"PK\x03\x04")
    (folder / ".DS_Store").write_bytes(b"\x00")
    loaded = read_corpus(folder)
    assert [d.id for d in loaded.documents] == ["harbour-report"]
    assert sorted(str(e) for e in loaded.skipped) == [
        "minutes.doc: unsupported file type .doc; save it as .docx",
        "slides.pptx: unsupported file type .pptx; export it as PDF"]


def test_a_documents_example_questions_are_not_named_as_unread(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "ferry.txt").write_text("The ferry to Inis Mor leaves at nine from the east quay.\n")
    (folder / "ferry.questions").write_text("When does the ferry leave?\n")
    loaded = read_corpus(folder)
    assert [d.id for d in loaded.documents] == ["ferry"] and loaded.skipped == []
