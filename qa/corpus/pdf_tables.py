"""Tables on a PDF page, from its lines' aligned cells (:mod:`qa.corpus.pdf` splits a line into
cells where the gap between two words is wider than a space).

A table is a run of rows sharing column edges; its header is the label lines above it or at its top
(a header may take up to eight stacked lines, which align like rows themselves); a group label that
names only a few columns is no header, and a later group of a table on the page takes that table's
header. :func:`find_tables` gives each table's header cells, the lines it takes and its rows' cells;
:mod:`qa.corpus.pdf_layout` writes each row as "Header: cell; Header: cell".
"""

from __future__ import annotations

import re

from qa.corpus.pdf import Line
from qa.corpus.tables import is_number, looks_like_header

#: A bullet or a list number ("1.", "(b)"): with its item, a line of two cells that is no table row.
LIST_MARKER = re.compile(r"^(?:[\u2022\u25aa\u25cf\u2013\u2014*\uf0b7\uf0a7!o-]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s")
#: A line of contents: words, then dots leading to a page (or line) number at the line's end.
DOT_LEADER = re.compile(r"[A-Za-z]{3}.*?(?:\.\s?){5,}\s*\d{1,4}\.?\s*$")


def find_tables(page: list[Line]) -> list[tuple[list[str] | None, list[Line], list[tuple[Line, list[str]]]]]:
    """The page's tables, each as (header cells or None, every line it takes, (line, cells) of each row).

    A table is a run of three or more consecutive rows split into aligned cells (a line of one cell
    that sits inside a column just below a row continues that row's cell). A shorter run aligned
    with a table above it on the page (the next group of a table split by group labels) takes
    that table's columns and header.
    """
    tables: list = []
    runs = _runs(page)
    for run, heads in zip(runs, _header_runs(runs)):
        if heads:
            continue  # the stacked header of the table below, found again as that table's header
        owner = next((t for t in reversed(tables) if _fits(run, t[3])), None)
        if owner is not None:
            tables.append((owner[0], [], run, owner[3]))
        elif len(run) >= 3:
            tables.append(_new_table(run, page, tables))
    return [(header, sorted(extra + [line for row in run for line in row], key=page.index),
             [(row[0], _combine([_place(line.cells, columns) for line in row])) for row in run])
            for header, extra, run, columns in tables]


def _new_table(run, page: list[Line], tables: list) -> tuple:
    """(header, header lines, rows, columns) of a run that starts a table: its header is found above it
    or at its top; when that names only a few columns (a group's label), a table above it on the page
    whose columns the run lies over lends its header and columns."""
    columns = _columns([row[0] for row in run])
    header_lines = _header_above(run[0][0], page, columns)
    lead = _leading_labels(run)
    if lead:  # a header's lines aligned with the rows below it
        header_lines, run = header_lines + [line for row in run[:lead] for line in row], run[lead:]
    elif not header_lines and _names_columns(run[0][0]):
        header_lines, run = run[0], run[1:]
    header = _combine([_place(line.cells, columns) for line in header_lines]) if header_lines else None
    if _names_most(header):
        return header, header_lines, run, columns
    owner = next((t for t in reversed(tables) if t[0] and _overlaps(run, t[3])), None)
    return (owner[0], [], run, owner[3]) if owner is not None else (None, [], run, columns)


def _names_columns(line: Line) -> bool:
    return looks_like_header([c.text for c in line.cells])


def _is_label_row(row: list[Line]) -> bool:
    """A row that could be a header's line: short labels and no number at all."""
    return _names_columns(row[0]) and not any(is_number(c.text) for c in row[0].cells)


def _leading_labels(run) -> int:
    """How many rows of labels open a run of rows that are not all labels (at most six)."""
    k = 0
    while k < min(6, len(run) - 1) and _is_label_row(run[k]):
        k += 1
    return k if k and not all(map(_is_label_row, run[k:])) else 0


def _header_runs(runs) -> list[bool]:
    """For each run, whether it is part of a table's stacked header: rows of labels only (a header's
    lines align like rows), just above a run of rows that are not labels or above another such run."""
    def labels(rows) -> bool:
        return all(map(_is_label_row, rows))

    heads = [False] * len(runs)
    for i in range(len(runs) - 2, -1, -1):
        last, first = runs[i][-1][-1], runs[i + 1][0][0]
        heads[i] = (labels(runs[i]) and 0 < last.bottom - first.top < 3 * first.size
                    and (heads[i + 1] or not labels(runs[i + 1])))
    return heads


def _names_most(header: list[str] | None) -> bool:
    """Whether a header names at least half its table's columns after the first (which often has no
    name: it holds the rows' labels)."""
    return bool(header) and sum(bool(cell) for cell in header[1:]) * 2 >= len(header) - 1


def _overlaps(run, columns) -> bool:
    """Whether every cell of the run's rows lies over one of the columns (a later group of that table)."""
    def over(cell) -> bool:
        return any(min(cell.right, b) > max(cell.left, a) for a, b in columns)
    return all(over(cell) for row in run for cell in row[0].cells) and len(run[0][0].cells) <= len(columns)


def _is_row(line: Line) -> bool:
    """Two or more cells with words or numbers in them; a bullet or a list number ("1.", "(b)") and its
    item are not a row, nor is a line of contents."""
    marker = line.cells[0].text if len(line.cells) == 2 else ""
    if (len(marker) <= 4 and LIST_MARKER.fullmatch(f"{marker} ")) or DOT_LEADER.search(line.text):
        return False
    return sum(any(ch.isalnum() for ch in c.text) for c in line.cells) >= 2


def _runs(page: list[Line]) -> list[list[list[Line]]]:
    """Runs of consecutive table-like rows; each row is its line and the lines that continue its cells."""
    runs, run = [], []
    for line in page:
        if line.vertical:
            continue
        if _is_row(line) and (not run or _aligned(run[-1][0], line)):
            run.append([line])
            continue
        if run and len(line.cells) == 1 and _continues_cell(run[-1], line):
            run[-1].append(line)
            continue
        if run:
            runs.append(run)
        run = [[line]] if _is_row(line) else []
    if run:
        runs.append(run)
    return runs


def _continues_cell(row: list[Line], line: Line) -> bool:
    """A one-cell line right below a row, starting where one of the row's inner cells starts."""
    above, first = row[-1], row[0]
    return (0 < above.top - line.top < 2 * line.size
            and any(abs(c.left - line.left) < 3 for c in first.cells[1:]))


def _aligned(a: Line, b: Line) -> bool:
    """Whether two rows, close together, share at least two column edges (left or right, within 3 points)."""
    return 0 < a.top - b.top < 4 * a.size and _shared_edges(b.cells, [(c.left, c.right) for c in a.cells]) >= 2


def _shared_edges(cells, columns) -> int:
    lefts = {round(left / 6) for left, _ in columns}
    rights = {round(right / 6) for _, right in columns}
    return sum(round(c.left / 6) in lefts or round(c.right / 6) in rights for c in cells)


def _fits(run, columns) -> bool:
    return all(_shared_edges(row[0].cells, columns) >= min(2, len(row[0].cells)) for row in run)


def _columns(rows: list[Line]) -> list[tuple[float, float]]:
    """Column extents: the cells of the row with the most cells, widened by the cells that overlap them."""
    widest = max(rows, key=lambda line: len(line.cells))
    columns = [[c.left, c.right] for c in widest.cells]
    for line in rows:
        for c in line.cells:
            best = _column_of(c.left, c.right, columns)
            columns[best][0], columns[best][1] = min(columns[best][0], c.left), max(columns[best][1], c.right)
    return [(a, b) for a, b in columns]


def _column_of(left: float, right: float, columns) -> int:
    def distance(col):
        overlap = min(right, col[1]) - max(left, col[0])
        return -overlap if overlap > 0 else min(abs(left - col[1]), abs(right - col[0]))
    return min(range(len(columns)), key=lambda i: distance(columns[i]))


def _place(cells, columns) -> list[str]:
    out = [""] * len(columns)
    for c in cells:
        i = _column_of(c.left, c.right, columns)
        out[i] = f"{out[i]} {c.text}".strip()
    return out


def _combine(rows: list[list[str]]) -> list[str]:
    """Several placed rows read as one, column by column (a two-line header, a wrapped cell)."""
    return [" ".join(filter(None, column)) for column in zip(*rows)]


def _header_above(first: Line, page: list[Line], columns) -> list[Line]:
    """The lines just above a table's first row that name its columns (a header may take up to eight
    stacked lines): rows of labels, not numbers, nearest first until a gap. A short line of numbers
    between header and rows (a group's label, "14,000") is passed over."""
    chosen: list[Line] = []
    edge = first.top
    for line in sorted((x for x in page if x.bottom >= first.top - 0.5 and x is not first), key=lambda x: x.bottom):
        if line.bottom > edge + 2.5 * first.size:
            break
        if len(line.cells) < 2:
            continue
        if sum(is_number(c.text) for c in line.cells) * 2 >= len(line.cells):
            if not chosen and len(line.cells) * 2 < len(columns):
                edge = max(edge, line.top)
                continue
            break
        if chosen and not (_names_columns(line) and _shared_edges(line.cells, columns) >= 1):
            break
        chosen.append(line)
        edge = max(edge, line.top)
        if len(chosen) == 8:
            break
    if not any(map(_names_columns, chosen)):
        return []
    return sorted(chosen, key=lambda x: -x.top)
