"""Table rows as text a reader can answer from: each row carries its column headers.

A row under the header ("Year Ago", "Last Week") reads "Iowa; Last Week: 1.38 - 1.43; Year Ago:
1.27 - 1.35": the question "What was the price for Iowa last week?" then finds its words beside
the number. Word tables (:mod:`qa.corpus.word`) and tables found on PDF pages
(:mod:`qa.corpus.pdf_layout`) are written out by the same function.
"""

from __future__ import annotations

import re

_NUMBER = re.compile(r"^[\s$€£%()+\-–.,/:\d]*\d[\s$€£%()+\-–.,/:\d]*$")
#: A header cell is a label, not a sentence.
_HEADER_WORDS = 12


def is_number(cell: str) -> bool:
    """Whether a cell holds only a number, amount, date or range ("1.35 - 1.42", "$28,224", "03/04/2019")."""
    return bool(_NUMBER.match(cell))


def looks_like_header(cells: list[str]) -> bool:
    """Whether a row names columns: most cells filled, short labels, and at most one of them a number."""
    filled = [c for c in cells if c]
    if len(filled) < 2 or len(filled) * 3 < len(cells) * 2:
        return False
    return all(len(c.split()) <= _HEADER_WORDS for c in filled) and sum(is_number(c) for c in filled) <= 1


def _is_sentence(cell: str) -> bool:
    """"Provides an overview of the process.": a row of such cells is content, not column names."""
    return len(cell.split()) >= 4 and cell.endswith((".", "?", "!"))


def row_text(header: list[str] | None, cells: list[str]) -> str:
    """One row as "Header: cell; ..."; a cell without a header (the row's label) stands alone."""
    if header is None:
        return "; ".join(c for c in cells if c)
    pairs = [f"{h}: {c}" if h and h != c else c for h, c in zip(header, cells) if c]
    pairs += [c for c in cells[len(header):] if c]
    return "; ".join(pairs)


def table_rows(rows: list[list[str]]) -> list[str]:
    """Each row of a table as one line; the first row is taken as the header when it looks like one and
    none of its cells is a sentence (a Word table of sections and what each "Provides" has no header)."""
    rows = [r for r in rows if any(r)]
    if not rows:
        return []
    if len(rows) > 1 and looks_like_header(rows[0]) and not any(_is_sentence(c) for c in rows[0]):
        return [text for text in (row_text(rows[0], r) for r in rows[1:]) if text]
    return [row_text(None, r) for r in rows]
