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


# --- PDFs written by hand: exact positions, scaled text matrices, rotated pages -------------------------

#: US Letter, in points.
LETTER = (612.0, 792.0)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width in points of ``text`` set in Helvetica (bold) at ``size``."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt")
    pdf.set_font("Helvetica", "B" if bold else "", size=size)
    return pdf.get_string_width(text)


def _pdf_string(text: str) -> str:
    out = []
    for byte in text.encode("cp1252"):
        ch = chr(byte)
        out.append("\\" + ch if ch in "()\\" else ch if 32 <= byte < 127 else f"\\{byte:03o}")
    return "(" + "".join(out) + ")"


def pdf_text(x: float, y: float, text: str, size: float = 11.0, *, bold: bool = False, scaled: bool = False,
             right: float | None = None, up: bool = False) -> str:
    """Content-stream operators that print ``text`` with its baseline starting at (x, y) in PDF user space.

    ``scaled``: a 1-point font scaled by the text matrix to ``size`` (as many PDF producers write);
    ``right``: right-aligned at that x instead; ``up``: the text runs up the page (for a page stored
    with ``/Rotate 90``, whose text a reader sees upright).
    """
    if right is not None:
        x = right - text_width(text, size, bold)
    font = "/F2" if bold else "/F1"
    a, b, c, d = (0, 1, -1, 0) if up else (1, 0, 0, 1)
    if scaled:
        return f"BT {font} 1 Tf {a * size:g} {b * size:g} {c * size:g} {d * size:g} {x:.2f} {y:.2f} Tm " \
               f"{_pdf_string(text)} Tj ET\n"
    return f"BT {font} {size:g} Tf {a} {b} {c} {d} {x:.2f} {y:.2f} Tm {_pdf_string(text)} Tj ET\n"


def pdf_lines(x: float, top: float, lines: list[str], size: float = 11.0, pitch: float = 13.5, **kw) -> str:
    """Lines of text one under another, ``pitch`` points apart, the first baseline at ``top``."""
    return "".join(pdf_text(x, top - i * pitch, line, size, **kw) for i, line in enumerate(lines))


def write_raw_pdf(path: Path, pages: list[str], *, title: str | None = None, rotate: int = 0,
                  size: tuple[float, float] = LETTER) -> Path:
    """A minimal PDF written by hand: one content stream a page (see :func:`pdf_text`), Helvetica and
    Helvetica-Bold (WinAnsi), an optional metadata title and ``/Rotate`` on every page."""
    objects: list[bytes] = []
    first_page = 6
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    objects.append(f"<< /Title {_pdf_string(title)} /Producer (tests) >>".encode("latin-1") if title
                   else b"<< /Producer (tests) >>")
    for i, content in enumerate(pages):
        stream = content.encode("latin-1")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {size[0]:g} {size[1]:g}] /Rotate {rotate} "
                       f"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> "
                       f"/Contents {first_page + 2 * i + 1} 0 R >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    Path(path).write_bytes(bytes(out))
    return Path(path)
