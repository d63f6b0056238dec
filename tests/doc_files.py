"""Small PDF and Word files written by the tests themselves (fpdf2 and python-docx), with known text."""

from __future__ import annotations

from pathlib import Path

HEADER = "Harbour Trust annual report 2024"

#: A three-page report: title, headings, a hyphenated wrap, a paragraph over a page break, a running
#: header and "Page N of 3" footers.
REPORT_PAGES = [
    [("title", "The Harbour Trust"),
     ("heading", "Who runs the harbour?"),
     ("lines", ["The harbour is run by a trust of seven members who meet every",
                "month in the old customs house. Its chair is Brigid Walsh, who",
                "was elected in 2019 after a long cam-",
                "paign for the post."]),
     ("heading", "What does it cost?"),
     ("lines", ["Mooring a small boat for a season costs 420 euros, and the fee",
                "has not changed since the storm of 2021. The trust spends the"])],
    [("lines", ["money on dredging the channel and on repairs to the north pier."]),
     ("heading", "Who keeps the lighthouse?"),
     ("lines", ["The lighthouse on Skellig Point is kept by Tomas Berg, who climbs",
                "its 112 steps twice a day."])],
    [("heading", "When is the regatta?"),
     ("lines", ["The summer regatta is held on the second Saturday of July and",
                "draws about 300 sailors from the whole coast."])],
]


def write_pdf(path: Path, pages=REPORT_PAGES, *, header: str | None = HEADER, footers: bool = True,
              title: str | None = None) -> Path:
    """A PDF laid out line by line as ``pages`` says (items: ("title"|"heading", text) or ("lines", [...]))."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    if title:
        pdf.set_title(title)
    for number, items in enumerate(pages, 1):
        pdf.add_page()
        if header:
            pdf.set_font("Helvetica", size=9)
            pdf.set_xy(20, 10)
            pdf.cell(0, 5, header)
        y = 30.0
        for kind, content in items:
            if kind == "title":
                pdf.set_font("Helvetica", "B", size=20)
                pdf.set_xy(20, y)
                pdf.cell(0, 10, content)
                y += 16
            elif kind == "heading":
                pdf.set_font("Helvetica", "B", size=14)
                pdf.set_xy(20, y)
                pdf.cell(0, 8, content)
                y += 10
            else:
                pdf.set_font("Helvetica", size=11)
                for line in content:
                    pdf.set_xy(20, y)
                    pdf.cell(0, 6, line)
                    y += 6
                y += 5
        if footers:
            pdf.set_font("Helvetica", size=9)
            pdf.set_xy(90, 284)
            pdf.cell(0, 5, f"Page {number} of {len(pages)}")
    pdf.output(str(path))
    return Path(path)


def write_scanned_pdf(path: Path) -> Path:
    """A PDF whose page holds only an image-like drawing: no text layer, as a scan."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_fill_color(120)
    for i in range(12):
        pdf.rect(20, 20 + 12 * i, 160, 6, style="F")
    pdf.output(str(path))
    return Path(path)


def write_encrypted_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.cell(0, 6, "The vault code is kept by the harbour master.")
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.output(str(path))
    return Path(path)


def write_docx(path: Path) -> Path:
    """A Word file: title, headings, paragraphs, a bulleted list and a table with a header row."""
    import docx

    document = docx.Document()
    document.add_heading("Orchard cooperative handbook", 0)
    document.add_heading("Who picks the apples?", 1)
    document.add_paragraph("The apples are picked by forty volunteers from the village of Ardmore, "
                           "who start at dawn in late September.")
    document.add_heading("What must pickers bring?", 2)
    document.add_paragraph("Gloves and a sun hat.", style="List Bullet")
    document.add_paragraph("A flask of water, since the orchard has no tap.", style="List Bullet")
    document.add_heading("Opening hours", 1)
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([["Shop", "Opens", "Closes"], ["Cider barn", "9 am", "5 pm"],
                             ["Farm stall", "7 am", "noon"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("Dogs are welcome on a lead.")
    document.save(str(path))
    return Path(path)
