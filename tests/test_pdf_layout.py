"""PDF layout (issue 25): small PDFs written here by hand, each with one thing a real PDF does.

Each file is written with :func:`tests.doc_files.write_raw_pdf`, so every line sits exactly where the
test puts it: scaled text matrices, odd line gaps, running headers and footers, line-number gutters,
tables, numbered headings, columns, hyphens, page breaks and rotated pages. The tests look only at
what the product keeps: the document's text, blocks, title and pages, and its chunks.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qa.corpus import chunk_document, load_document
from qa.errors import CorpusError
from tests.doc_files import (pdf_lines, pdf_text, write_encrypted_pdf, write_pdf, write_raw_pdf,
                             write_scanned_pdf)

_BARE_NUMBER = re.compile(r"^[\W\d_]*\d[\W\d_]*$")


def _blocks(document, kind: str | None = None) -> list[str]:
    return [document.text[b.start:b.end] for b in document.blocks if kind is None or b.kind == kind]


# --- the files ----------------------------------------------------------------------------------------

DUES = ["The harbour dues are paid once a year by every owner of a boat",
        "moored inside the breakwater, whatever its length, and they are",
        "collected by the harbour master at the old customs house on the",
        "first Monday of March."]


def scaled_pdf(path: Path) -> Path:
    """Every line set in a 1-point font that the text matrix scales (to 22, 16 and 11 points)."""
    page = (pdf_text(72, 720, "The Harbour Trust", 22, scaled=True)
            + pdf_text(72, 680, "Harbour dues", 16, scaled=True)
            + pdf_lines(72, 650, DUES, 11, scaled=True)
            + pdf_text(72, 570, "Moorings", 16, scaled=True)
            + pdf_lines(72, 540, ["A mooring costs 420 euros a season and is let for one year at a",
                                  "time, never longer."], 11, scaled=True))
    return write_raw_pdf(path, [page])


BREAKWATER = ["The breakwater was built in 1887 from granite quarried on the",
              "island, and it has been repaired after every great storm since",
              "then: in 1903, when the lighthouse keeper's cottage was washed",
              "away, in 1947, when the outer wall cracked along its whole",
              "length, and in 2021, when the trust spent two years and most",
              "of its reserves on rebuilding the seaward face with concrete",
              "blocks that the engineers say will stand for another century",
              "or more, whatever the weather brings."]


def odd_gap_pdf(path: Path) -> Path:
    """A paragraph at a 13.5-point pitch with one pair of lines squeezed to 9.5 points (a gap of
    about a point between their boxes) and one stretched to 14.7; then a paragraph break."""
    steps = [13.5, 13.5, 9.5, 13.5, 14.7, 13.5, 13.5]
    page, y = pdf_text(72, 720, "The Harbour Trust", 20, bold=True), 680.0
    for i, line in enumerate(BREAKWATER):
        page += pdf_text(72, y, line)
        y -= steps[i] if i < len(steps) else 0
    page += pdf_text(72, y - 30, "The north pier is older still and is kept by the same trust.")
    return write_raw_pdf(path, [page])


def seal_line(n: int) -> str:
    return f"On day {n} of the survey the divers counted {10 * n + 3} seals on the rocks below the lighthouse."


def running_lines_pdf(path: Path) -> Path:
    """Five pages, each with a running header whose page number changes and a footer that puts the
    printed page number (8 to 12) on the outer edge: before the words on even pages, after on odd."""
    pages = []
    for n in range(1, 6):
        printed = n + 7
        footer = f"{printed} Harbour Trust" if printed % 2 == 0 else f"Harbour Trust {printed}"
        pages.append(pdf_text(72, 760, f"Harbour report \u2014 page {n} of 5", 9)
                     + pdf_lines(72, 700, [seal_line(n)])
                     + pdf_text(72 if printed % 2 == 0 else 470, 40, footer, 9))
    return write_raw_pdf(path, pages, title="Seal survey")


TRANSCRIPT = [("Q. " if i % 2 == 0 else "A. ") + said for i, said in enumerate(
    ["Where were you on the night of the storm?", "I was on the north pier, checking the moorings.",
     "Who was with you?", "Tomas Berg, the lighthouse keeper, and his dog.",
     "What time did you leave?", "A little after eleven, when the rain eased."] * 5)][:25]


def gutter_pdf(path: Path, *, numbers_first: bool = True) -> Path:
    """A double-spaced transcript page with its lines numbered 1 to 25 in a gutter at the left margin.

    ``numbers_first``: the gutter is drawn as a column of its own before the text (as a layer added
    to the page); otherwise each number is drawn just before its line, on the same baseline.
    """
    page = pdf_text(72, 740, "Transcript of proceedings, day two", 14, bold=True)
    numbers = [pdf_text(0, 700 - i * 24, str(i + 1), right=60) for i in range(25)]
    lines = [pdf_text(90, 700 - i * 24, said) for i, said in enumerate(TRANSCRIPT)]
    page += "".join(numbers + lines) if numbers_first else "".join(n + line for n, line in zip(numbers, lines))
    return write_raw_pdf(path, [page])


PERMITS = [("State", "Permit", "Handgun"), ("Kentucky", "264,140", "12,155"), ("Ohio", "198,201", "9,870"),
           ("Vermont", "12,480", "1,032")]


def table_pdf(path: Path) -> Path:
    """A paragraph, a table (a bold header row, then three rows; numbers right-aligned in columns
    with wide gaps between them), and a paragraph."""
    page = pdf_text(72, 720, "Firearm permits by state", 20, bold=True)
    page += pdf_lines(72, 680, ["The table below gives the permits issued in 2019 by each state that",
                                "reported them."])
    y = 630.0
    for i, (state, permits, handguns) in enumerate(PERMITS):
        bold = i == 0
        page += (pdf_text(72, y, state, bold=bold) + pdf_text(0, y, permits, bold=bold, right=300)
                 + pdf_text(0, y, handguns, bold=bold, right=420))
        y -= 15
    page += pdf_text(72, y - 20, "Permits in Vermont are issued by the towns, not the state.")
    return write_raw_pdf(path, [page])


PRICES = {"Ethanol ($/gal)": [("Iowa", "1.35 - 1.42", "1.38 - 1.43", "1.27 - 1.35"),
                               ("Minnesota", "1.38 - 1.48", "1.40 - 1.49", "1.28 - 1.35"),
                               ("Nebraska", "1.38 - 1.40", "1.36 - 1.43", "1.27 - 1.35")],
          "Bio Mass": [("Cornstalks", "41.25", "39.38", "52.00"), ("Straw", "55.71", "54.29", "58.33"),
                       ("Grass", "61.46", "59.17", "63.75")]}


def grouped_table_pdf(path: Path) -> Path:
    """A price table in groups under bold labels, with one header over all of them; the second
    group's label has a second cell at the far right ("Biomass Report") and its numbers are narrower."""
    page = pdf_text(72, 740, "Weekly energy prices", 18, bold=True)
    page += "".join(pdf_text(0, 710, name, 10, bold=True, right=x) for name, x in
                    (("This week", 262), ("Last week", 342), ("Year ago", 422)))
    y = 695.0
    for label, rows in PRICES.items():
        page += pdf_text(60, y, label, 10, bold=True)
        if label == "Bio Mass":
            page += pdf_text(0, y, "Biomass Report", 10, bold=True, right=540)
        y -= 13
        shift = 7 if label == "Bio Mass" else 0  # its narrower numbers end a little further right
        for cells in rows:
            page += pdf_text(72, y, cells[0], 10) + "".join(
                pdf_text(0, y, cell, 10, right=x + shift) for cell, x in zip(cells[1:], (262, 342, 422)))
            y -= 13
    return write_raw_pdf(path, [page])


HINTS = [("", "Accuracy", "Agreement", "Time"), ("Hints", "(2-way)", "(Fleiss)", "(seconds)"),
         ("None", "93%", "0.71", "115.6"), ("SuperPAL", "92%", "0.64", "84.6"), ("Gold", "92%", "0.63", "60.4")]


def two_line_header_pdf(path: Path) -> Path:
    """A table whose header takes two lines, set at the rows' own pitch and in their columns (as
    results tables in papers are), so that its lines line up with the rows below like rows."""
    page = pdf_text(72, 720, "Results with hints", 16, bold=True)
    y = 690.0
    for cells in HINTS:
        page += pdf_text(72, y, cells[0], 10) + "".join(
            pdf_text(0, y, cell, 10, right=x) for cell, x in zip(cells[1:], (260, 360, 460)) if cell)
        y -= 12
    return write_raw_pdf(path, [page])


def numbered_headings_pdf(path: Path) -> Path:
    """Numbered headings in the body's own size and weight, and a chart's axis labels in bold."""
    page = pdf_text(72, 730, "Graph storage notes", 18, bold=True)
    page += pdf_text(72, 690, "1. Introduction")
    page += pdf_lines(72, 670, ["A graph store keeps nodes and edges and answers queries about the",
                                "paths between them."])
    page += pdf_text(72, 625, "2.1 Node Types")
    page += pdf_lines(72, 605, ["Every node has a type, such as a paper, an author or a venue, and",
                                "the type fixes which edges it may have."])
    page += "".join(pdf_text(100 + 80 * i, 550, label, 12, bold=True) for i, label in enumerate(
        ["20", "40", "60", "80", "100"]))
    page += pdf_text(100, 530, "20 40 60 80 100", 12, bold=True)
    page += pdf_lines(72, 500, ["The counts above are in thousands of nodes per type, measured in",
                                "the spring of 2018."])
    return write_raw_pdf(path, [page])


NORTH = ["The north pier was built in", "1887 and rebuilt in 1947 after", "a storm cracked its wall."]
SOUTH = ["The south pier is newer: it", "was laid down in 1962 by the", "county council, which paid",
         "for it with a loan that the", "trust repaid over thirty"]
SOUTH_CONTINUED = ["years, the last payment made", "in 1992 to the county."]
BOTH = ["Both piers are inspected", "every spring by an engineer", "from the county."]


def columns_pdf(path: Path) -> Path:
    """Two columns: the left one holds a paragraph and the start of another, which goes on at the
    top of the right column; then a third paragraph."""
    page = pdf_text(72, 740, "The two piers", 18, bold=True)
    page += pdf_lines(72, 700, NORTH) + pdf_lines(72, 700 - 13.5 * 3 - 10, SOUTH)
    page += pdf_lines(320, 700, SOUTH_CONTINUED) + pdf_lines(320, 700 - 13.5 * 2 - 10, BOTH)
    return write_raw_pdf(path, [page])


FERRY = ["The island ferry leaves the east", "quay at nine every morning and", "returns from the island at five",
         "in the evening, except on days", "when the harbour master closes", "the harbour because of a gale."]
FARES = ["A return ticket costs twelve", "euros for adults and six euros", "for children under sixteen, and",
         "bicycles travel free of charge", "if there is room on the deck", "when the ferry is boarded."]
CARGO = ["Cargo for the island shop is", "loaded on Tuesdays and Fridays", "by the crew of the smaller boat,",
         "which also carries the post and", "the newspapers when the weather", "allows it to make the crossing."]


def interleaved_columns_pdf(path: Path) -> Path:
    """Three columns of prose written line by line across the page (each line's three pieces in turn,
    the right column's baselines 3 points higher), as some tax forms' instructions are; under a title."""
    page = pdf_text(42, 740, "Travelling to the island", 18, bold=True)
    for i, lines in enumerate(zip(FERRY, FARES, CARGO)):
        for x, lift, line in zip((42, 222, 402), (0, 0, 3), lines):
            page += pdf_text(x, 700 - 11 * i + lift, line, 9.5)
    return write_raw_pdf(path, [page])


def numbered_list_pdf(path: Path) -> Path:
    """A sentence, then a numbered list whose numbers stand well apart from their items."""
    page = pdf_text(72, 720, "The trust's harbour covers four kinds of berth:", 11)
    for i, item in enumerate(["Visitor moorings;", "Fishing berths;", "Pontoon berths for yachts; and",
                              "Winter storage ashore."]):
        page += pdf_text(90, 700 - 14 * i, f"{i + 1}.", 11) + pdf_text(120, 700 - 14 * i, item, 11)
    return write_raw_pdf(path, [page])


def hyphens_pdf(path: Path) -> Path:
    page = pdf_text(72, 730, "The regatta", 18, bold=True)
    page += pdf_lines(72, 690, ["The regatta was saved by a long cam-", "paign of the sailing club, after the",
                                "COVID-", "19 pandemic had stopped it for two years."])
    return write_raw_pdf(path, [page])


def page_break_pdf(path: Path) -> Path:
    """A paragraph that starts at the foot of page 1 and ends at the top of page 2 (page numbers below)."""
    first = (pdf_text(72, 730, "Lighthouse keeping", 18, bold=True)
             + pdf_lines(72, 100, ["The lighthouse on Skellig Point has been kept by the same family for",
                                   "three generations, and its present keeper, who took over from his"])
             + pdf_text(300, 40, "1", 9))
    second = (pdf_lines(72, 720, ["mother in 1998, is Tomas Berg, who climbs its 112 steps twice a day."])
              + pdf_lines(72, 690, ["The lamp has been electric since 1961."]) + pdf_text(300, 40, "2", 9))
    return write_raw_pdf(path, [first, second])


def rotated_pdf(path: Path) -> Path:
    """A landscape page stored as a portrait one with ``/Rotate 90``: its text runs up the stored page."""
    page = pdf_text(72, 72, "Landscape notes", 18, bold=True, up=True)
    for i, line in enumerate(["The landscape page is stored upright and turned for display by",
                              "its rotation, as many reports print their widest tables."]):
        page += pdf_text(110 + 13.5 * i, 72, line, up=True)
    return write_raw_pdf(path, [page], rotate=90)


def junk_title_pdf(path: Path) -> Path:
    page = (pdf_text(72, 720, "Review of harbour dues", 20, bold=True)
            + pdf_lines(72, 680, ["The dues were last reviewed in 2016, when the trust raised them."]))
    return write_raw_pdf(path, [page], title="Review-Doc-2016-289-1.docx")


def lead_in_pdf(path: Path) -> Path:
    """A memo's numbered steps, each led by a bold sentence on an indented first line that a plain line
    goes on from ("... By March 31, 2016, each" / "town should ..."), and a numbered heading with a colon."""
    page = (pdf_text(72, 730, "Harbour steps", 18, bold=True)
            + pdf_text(126, 690, "1. Name a harbour advocate (HA). By March 31, 2016, each", bold=True)
            + pdf_text(90, 676, "town should name the official who will serve as its advocate.")
            + pdf_text(126, 650, "2. Set up a mooring office or a similar office or ensure the", bold=True)
            + pdf_text(90, 636, "town's existing office is run to the best effect. Offices report to the", bold=True)
            + pdf_text(90, 622, "trust once a year.")
            + pdf_text(72, 590, "4.2.1 Mooring Entries: Findings", bold=True)
            + pdf_text(72, 570, "Every finding names the berth it was made at."))
    return write_raw_pdf(path, [page])


def footnote_break_pdf(path: Path) -> Path:
    """A paragraph left open at the foot of page 1, under which the page's footnote is printed, and
    finished at the top of page 2."""
    first = (pdf_text(72, 730, "Harbour innovation", 18, bold=True)
             + pdf_lines(72, 140, ["The trust must find pathways that let its staff try out and adopt new and",
                                   "better ways of"])
             + pdf_text(72, 60, "2 https://harbour.example.org/strategy-2015.pdf", 9))
    second = (pdf_lines(72, 720, ["doing business as promising ideas present themselves on the quays."])
              + pdf_lines(72, 690, ["The lamp has been electric since 1961."]))
    return write_raw_pdf(path, [first, second])


def CASE_HEAD(n: int) -> str:
    return f"{n} HARBOUR TRUST v. BERG" if n % 2 == 0 else f"Cite as: 12 H. R. 345 (2013) {n}"


def inner_running_head_pdf(path: Path) -> Path:
    """Four pages of a slip opinion whose running head, page number and all, is printed well inside the
    paper's top tenth (at 86% of its height) and alternates between even and odd pages."""
    words = ("The compact divides the water of the bay between the two towns in equal shares and leaves to "
             "each the water within its own borders, so that neither may take from the other what the compact "
             "has not given it, and the court has read it so since the first dispute was brought before it "
             "in the spring of the year after the harbour was opened to the ships of both towns alike.").split()
    lines = [" ".join(words[i:i + 10]) for i in range(0, len(words), 10)]
    pages = [pdf_text(72, 682, CASE_HEAD(n), 10) + pdf_lines(72, 650, [f"{town} {line}" for line in lines])
             for n, town in enumerate(["Ardmore", "Bantry", "Cobh", "Dingle"], 1)]
    return write_raw_pdf(path, pages)


BUILDERS = {f.__name__: f for f in (scaled_pdf, odd_gap_pdf, running_lines_pdf, gutter_pdf, table_pdf,
                                    numbered_headings_pdf, columns_pdf, hyphens_pdf, page_break_pdf, rotated_pdf,
                                    junk_title_pdf, interleaved_columns_pdf, numbered_list_pdf, grouped_table_pdf,
                                    two_line_header_pdf, lead_in_pdf, footnote_break_pdf, inner_running_head_pdf)}


# --- the tests ----------------------------------------------------------------------------------------

def test_scaled_text_matrix_gives_type_sizes_for_paragraphs_and_headings(tmp_path):
    document = load_document(scaled_pdf(tmp_path / "scaled.pdf"))
    assert document.title == "The Harbour Trust"
    assert _blocks(document, "heading") == ["Harbour dues", "Moorings"]
    assert _blocks(document, "body") == [" ".join(DUES), "A mooring costs 420 euros a season and is let for one "
                                                         "year at a time, never longer."]
    assert [(c.section, c.text) for c in chunk_document(document)] == [
        ("Harbour dues", " ".join(DUES)),
        ("Moorings", "A mooring costs 420 euros a season and is let for one year at a time, never longer.")]


def test_one_odd_line_gap_does_not_split_a_paragraph(tmp_path):
    document = load_document(odd_gap_pdf(tmp_path / "gap.pdf"))
    assert _blocks(document, "body") == [" ".join(BREAKWATER),
                                         "The north pier is older still and is kept by the same trust."]


def test_running_headers_and_footers_with_page_numbers_are_dropped(tmp_path):
    document = load_document(running_lines_pdf(tmp_path / "survey.pdf"))
    chunks = chunk_document(document)
    assert document.title == "Seal survey" and document.pages == 5
    assert "Harbour report" not in document.text and "Harbour Trust" not in document.text
    assert not any(_BARE_NUMBER.match(c.text) for c in chunks)
    assert _blocks(document) == [seal_line(n) for n in range(1, 6)]
    assert [document.page_at(document.text.index(seal_line(n))) for n in range(1, 6)] == [1, 2, 3, 4, 5]


def test_a_line_number_gutter_is_dropped_and_the_lines_kept(tmp_path):
    document = load_document(gutter_pdf(tmp_path / "transcript.pdf"))
    chunks = chunk_document(document)
    assert not any(_BARE_NUMBER.match(c.text) for c in chunks)
    assert all(kind != "table" for kind in (b.kind for b in document.blocks))
    # Every line's words are kept, in order, and no line number is left among them.
    assert " ".join(_blocks(document, "body")) == " ".join(TRANSCRIPT)


def test_a_line_number_gutter_on_the_lines_baselines_is_dropped(tmp_path):
    document = load_document(gutter_pdf(tmp_path / "transcript.pdf", numbers_first=False))
    chunks = chunk_document(document)
    assert not any(_BARE_NUMBER.match(c.text) for c in chunks)
    assert all(kind != "table" for kind in (b.kind for b in document.blocks))
    assert " ".join(_blocks(document, "body")) == " ".join(TRANSCRIPT)


def test_a_table_row_carries_its_column_headers(tmp_path):
    document = load_document(table_pdf(tmp_path / "permits.pdf"))
    assert _blocks(document, "table") == ["State: Kentucky; Permit: 264,140; Handgun: 12,155",
                                          "State: Ohio; Permit: 198,201; Handgun: 9,870",
                                          "State: Vermont; Permit: 12,480; Handgun: 1,032"]
    assert _blocks(document, "body") == [
        "The table below gives the permits issued in 2019 by each state that reported them.",
        "Permits in Vermont are issued by the towns, not the state."]
    # The header row is no row of its own, and a chunk holding a row holds its headers.
    assert "State Permit Handgun" not in document.text
    assert any("Permit: 264,140" in c.text and c.kind == "table" for c in chunk_document(document))


def test_a_later_group_of_a_table_takes_its_header_not_its_own_label(tmp_path):
    document = load_document(grouped_table_pdf(tmp_path / "prices.pdf"))
    rows = _blocks(document, "table")
    assert "Minnesota; This week: 1.38 - 1.48; Last week: 1.40 - 1.49; Year ago: 1.28 - 1.35" in rows
    assert "Straw; This week: 55.71; Last week: 54.29; Year ago: 58.33" in rows
    straw = next(c for c in chunk_document(document) if "Straw" in c.text)
    assert straw.section.startswith("Bio Mass")  # the group's label is the rows' section


def test_a_header_of_two_lines_in_line_with_the_rows_names_every_row_s_cells(tmp_path):
    document = load_document(two_line_header_pdf(tmp_path / "hints.pdf"))
    assert _blocks(document, "table") == [
        "Hints: None; Accuracy (2-way): 93%; Agreement (Fleiss): 0.71; Time (seconds): 115.6",
        "Hints: SuperPAL; Accuracy (2-way): 92%; Agreement (Fleiss): 0.64; Time (seconds): 84.6",
        "Hints: Gold; Accuracy (2-way): 92%; Agreement (Fleiss): 0.63; Time (seconds): 60.4"]


def test_numbered_headings_in_body_type_are_sections_and_axis_labels_are_not(tmp_path):
    document = load_document(numbered_headings_pdf(tmp_path / "graphs.pdf"))
    chunks = chunk_document(document)
    assert _blocks(document, "heading") == ["1. Introduction", "2.1 Node Types"]
    assert not any(_BARE_NUMBER.match(text) for text in _blocks(document, "heading") + _blocks(document, "title"))
    by_section = {}
    for chunk in chunks:
        by_section.setdefault(chunk.section, []).append(chunk.text)
    assert set(by_section) == {"1. Introduction", "2.1 Node Types"}
    assert "paths between them." in " ".join(by_section["1. Introduction"])
    assert "the type fixes which edges" in " ".join(by_section["2.1 Node Types"])
    assert "thousands of nodes per type" in " ".join(by_section["2.1 Node Types"])  # after the axis, same section


def test_two_columns_are_read_left_column_first_and_a_paragraph_goes_on_across_them(tmp_path):
    document = load_document(columns_pdf(tmp_path / "piers.pdf"))
    assert _blocks(document, "body") == [" ".join(NORTH), " ".join(SOUTH + SOUTH_CONTINUED), " ".join(BOTH)]


def test_columns_written_across_the_page_line_by_line_are_read_column_by_column(tmp_path):
    document = load_document(interleaved_columns_pdf(tmp_path / "island.pdf"))
    assert _blocks(document, "table") == []
    assert _blocks(document, "body") == [" ".join(FERRY), " ".join(FARES), " ".join(CARGO)]


def test_a_numbered_list_is_text_not_a_table(tmp_path):
    document = load_document(numbered_list_pdf(tmp_path / "berths.pdf"))
    assert _blocks(document, "table") == []
    assert "2. Fishing berths;" in document.text and "4. Winter storage ashore." in document.text


def test_a_word_hyphenated_at_a_line_end_is_rejoined_but_covid_19_keeps_its_hyphen(tmp_path):
    document = load_document(hyphens_pdf(tmp_path / "regatta.pdf"))
    assert _blocks(document, "body") == ["The regatta was saved by a long campaign of the sailing club, after the "
                                         "COVID-19 pandemic had stopped it for two years."]


def test_a_paragraph_over_a_page_break_is_one_paragraph(tmp_path):
    document = load_document(page_break_pdf(tmp_path / "keeping.pdf"))
    assert document.pages == 2
    assert _blocks(document, "body") == [
        "The lighthouse on Skellig Point has been kept by the same family for three generations, and its present "
        "keeper, who took over from his mother in 1998, is Tomas Berg, who climbs its 112 steps twice a day.",
        "The lamp has been electric since 1961."]
    assert [c.page for c in chunk_document(document)] == [1, 2]


def test_an_answer_printed_on_the_second_page_of_a_paragraph_is_cited_on_page_2(tmp_path):
    document = load_document(page_break_pdf(tmp_path / "keeping.pdf"))
    chunk = chunk_document(document)[0]
    answer = document.text.index("Tomas Berg")
    assert chunk.start <= answer < chunk.end and chunk.page == 1
    assert document.page_at(document.text.index("three generations")) == 1
    assert document.page_at(answer) == 2
    assert chunk.page_at(answer) == 2


def test_a_rotated_page_is_read_upright(tmp_path):
    document = load_document(rotated_pdf(tmp_path / "landscape.pdf"))
    assert document.title == "Landscape notes"
    assert _blocks(document, "body") == ["The landscape page is stored upright and turned for display by its "
                                         "rotation, as many reports print their widest tables."]


def test_a_bold_lead_in_sentence_goes_on_into_its_paragraph_and_a_heading_keeps_its_colon(tmp_path):
    document = load_document(lead_in_pdf(tmp_path / "steps.pdf"))
    assert _blocks(document, "body") == [
        "1. Name a harbour advocate (HA). By March 31, 2016, each town should name the official who will serve "
        "as its advocate.",
        "2. Set up a mooring office or a similar office or ensure the town's existing office is run to the best "
        "effect. Offices report to the trust once a year.",
        "Every finding names the berth it was made at."]
    assert document.title == "Harbour steps" and _blocks(document, "heading") == ["4.2.1 Mooring Entries: Findings"]


def test_a_paragraph_goes_on_over_a_page_break_past_the_footnote_at_the_foot_of_its_page(tmp_path):
    document = load_document(footnote_break_pdf(tmp_path / "innovation.pdf"))
    paragraph = ("The trust must find pathways that let its staff try out and adopt new and better ways of doing "
                 "business as promising ideas present themselves on the quays.")
    assert _blocks(document, "body") == [paragraph, "The lamp has been electric since 1961."]
    assert _blocks(document, "footnote") == ["2 https://harbour.example.org/strategy-2015.pdf"]
    assert document.page_at(document.text.index("2 https")) == 1
    assert document.page_at(document.text.index("better ways")) == 1
    assert document.page_at(document.text.index("doing business")) == 2


def test_a_footnote_number_printed_against_its_first_word_is_set_apart(tmp_path):
    page = (pdf_lines(72, 700, ["The summarizer we chose is the best one available for the harbour's records."])
            + pdf_text(72, 60, "5LongT5 is the best publicly available summarizer of harbour records.", 9))
    document = load_document(write_raw_pdf(tmp_path / "notes.pdf", [page]))
    assert _blocks(document, "footnote") == ["5 LongT5 is the best publicly available summarizer of harbour records."]


def test_lines_of_contents_are_text_not_headings_nor_table_rows(tmp_path):
    contents = [("1. Overview", "1", False), ("1.1.", "Who Should Use This Document?", "1"),
                ("1.2.", "Related Documents", "2"), ("4.2.5.", "Binding Operational Directive 22-01", "20"),
                ("5. Appendix", "31", False)]
    page = pdf_text(72, 730, "Harbour guide", 18, bold=True)
    for i, entry in enumerate(contents):
        y = 690 - 16 * i
        if entry[2] is False:  # a chapter: bold, its title and leader in one piece
            page += pdf_text(72, y, f"{entry[0]} {'.' * 60} {entry[1]}", bold=True)
        else:  # a section: its number apart from its title, as contents pages set them
            page += pdf_text(90, y, entry[0]) + pdf_text(130, y, f"{entry[1]} {'.' * 40} {entry[2]}")
    document = load_document(write_raw_pdf(tmp_path / "guide.pdf", [page]))
    assert {b.kind for b in document.blocks if b.kind != "title"} == {"body"}
    assert "4.2.5. Binding Operational Directive 22-01" in document.text


def test_numbers_drawn_apart_from_their_rows_are_put_back_in_them(tmp_path):
    """The rows' labels and sources are drawn first, their numbers afterwards as text objects of their own
    (as the energy round-up's futures table is): each row still reads with its numbers and headers."""
    rows = [("Crude Oil ($/barrel)", "54.45", "53.36", "30.77"), ("Heating Oil ($/gal)", "1.6567", "1.6291", "1.0792"),
            ("Natural Gas (mmBtu)", "2.6170", "2.8540", "1.8520")]
    page = pdf_text(72, 700, "Futures", 11) + pdf_text(260, 700, "This Week", 11) + pdf_text(340, 700, "Last Week", 11) \
        + pdf_text(420, 700, "Year Ago", 11)
    for i, (label, *_) in enumerate(rows):
        page += pdf_text(72, 684 - 14 * i, label, 11) + pdf_text(500, 684 - 14 * i, "Exchange", 11)
    for i, (_, *numbers) in enumerate(rows):
        page += "".join(pdf_text(x, 684 - 14 * i, n, 11) for x, n in zip((260, 340, 420), numbers))
    document = load_document(write_raw_pdf(tmp_path / "futures.pdf", [page]))
    assert _blocks(document, "table") == [
        "Futures: Crude Oil ($/barrel); This Week: 54.45; Last Week: 53.36; Year Ago: 30.77; Exchange",
        "Futures: Heating Oil ($/gal); This Week: 1.6567; Last Week: 1.6291; Year Ago: 1.0792; Exchange",
        "Futures: Natural Gas (mmBtu); This Week: 2.6170; Last Week: 2.8540; Year Ago: 1.8520; Exchange"]


def test_a_running_head_printed_inside_the_top_tenth_is_dropped(tmp_path):
    document = load_document(inner_running_head_pdf(tmp_path / "opinion.pdf"))
    assert not any(CASE_HEAD(n) in document.text for n in range(1, 5))
    assert "HARBOUR TRUST" not in document.text and "Cite as" not in document.text
    assert [block.split()[:2] for block in _blocks(document, "body")] == [
        ["Ardmore", "The"], ["Bantry", "The"], ["Cobh", "The"], ["Dingle", "The"]]


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_offset_points_into_the_document_text(tmp_path, name):
    document = load_document(BUILDERS[name](tmp_path / f"{name}.pdf"))
    chunks = chunk_document(document)
    assert chunks
    for chunk in chunks:
        assert document.text[chunk.start:chunk.end] == chunk.text
        assert chunk.page == document.page_at(chunk.start)
    ends = [0] + [b.end for b in document.blocks]
    assert all(ends[i] <= b.start < b.end <= len(document.text) for i, b in enumerate(document.blocks))
    assert list(document.page_starts) == sorted(document.page_starts) and document.page_starts[0] == 0


def test_a_junk_metadata_title_gives_way_to_the_first_pages_largest_text(tmp_path):
    document = load_document(junk_title_pdf(tmp_path / "review.pdf"))
    assert document.title == "Review of harbour dues"
    assert [c.text for c in chunk_document(document)] == [
        "The dues were last reviewed in 2016, when the trust raised them."]


def _good_pdf(path: Path) -> Path:
    return write_raw_pdf(path, [pdf_text(72, 700, "The ferry leaves at nine from the east quay.")])


@pytest.mark.parametrize("make,message", [
    (lambda p: p.write_bytes(b""), "is not a readable PDF"),
    (lambda p: p.write_bytes(b"<html><body>Not a PDF at all</body></html>"), "is not a readable PDF"),
    (lambda p: p.write_bytes(_good_pdf(p).read_bytes()[:300]), "is not a readable PDF"),  # cut before its xref
    (lambda p: write_raw_pdf(p, [""]), "has no text layer"),  # a blank page
    (lambda p: write_raw_pdf(p, [pdf_text(300, 40, f"Page {n} of 3", 9) for n in (1, 2, 3)]),
     "holds no text to answer from"),  # nothing but page numbers
    (lambda p: write_encrypted_pdf(p), "is encrypted"),
    (lambda p: write_scanned_pdf(p), "looks like a scanned document"),
    (lambda p: p.write_bytes(write_pdf(p).read_bytes()[: p.stat().st_size // 2]), "is not a readable PDF"),
])
def test_hostile_pdfs_are_refused_in_one_line_that_names_the_file(tmp_path, make, message):
    path = tmp_path / "hostile.pdf"
    make(path)
    with pytest.raises(CorpusError, match=message) as caught:
        load_document(path)
    error = str(caught.value)
    assert error.startswith("hostile.pdf ") and "\n" not in error and len(error) < 200


def test_text_placed_far_off_the_page_costs_nothing(tmp_path):
    """Lines a billion points to the right, in columns beside the real ones: the page is read, quickly,
    and the text on the page is kept."""
    page = "".join(pdf_text(72, 700 - 12 * i, f"The ferry leaves at nine from the east quay {i}.", 10)
                   + pdf_text(1e9, 700 - 12 * i, f"A line placed far beyond the right edge {i}.", 10)
                   for i in range(8))
    document = load_document(write_raw_pdf(tmp_path / "far.pdf", [page]))
    assert "The ferry leaves at nine from the east quay 7." in document.text
