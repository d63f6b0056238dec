"""Reading order on a page set in columns of prose whose lines PDFium gives across the columns.

Most PDFs store each column's text in turn, so PDFium's order is the reading order. Some (a tax
form's instructions in three columns, for one) store the page line by line across all columns: each
line then holds a piece of every column, and read as it comes, the page is nonsense that looks like
a table. Such a page is recognised by its gutters (vertical strips no text crosses, between columns
of multi-word lines) and read column by column, from top to bottom; a line that crosses a gutter (a
title over the columns) ends one band of columns and starts the next.
"""

from __future__ import annotations

import statistics
from dataclasses import replace

from qa.corpus.pdf import Cell, Line

#: A gutter is at least this many type sizes wide, and a column at least this share of the text's width.
GUTTER_SIZES, COLUMN_SHARE = 0.8, 0.18
#: Columns of prose: most of their pieces of line have at least this many words.
PROSE_WORDS = 4
#: A page is read by columns when at least this many lines run across two or more columns of prose.
MIXED_LINES = 5
#: Wider than any real page (A0 is 2,384 points): columns are looked for within this much of a page.
MAX_PAGE_POINTS = 20_000


def in_reading_order(page: list[Line]) -> list[Line]:
    """The page's lines in reading order: unchanged unless its lines run across columns of prose."""
    flat = [line for line in page if not line.vertical and line.cells]
    if len(flat) < MIXED_LINES:
        return page
    columns = _prose_columns(flat)
    if len(columns) < 2:
        return page
    split = [_split(line, columns) for line in page]
    if sum(len(pieces) >= 2 for pieces in split) < MIXED_LINES:
        return page
    return _banded([piece for pieces in split for piece in pieces], columns)


def _prose_columns(lines: list[Line]) -> list[tuple[float, float]]:
    """The x-extents of the page's columns of prose, left to right (none, or one, when it has none)."""
    size = statistics.median(line.size for line in lines)
    cells = [cell for line in lines for cell in line.cells]
    # On the page only: a hostile file may put text a billion points off it.
    width = min(lines[0].page_width, MAX_PAGE_POINTS)
    left = max(0.0, min(c.left for c in cells))
    right = min(width, max(c.right for c in cells))
    if right - left < 2 * GUTTER_SIZES * size:
        return []
    covered = [0] * (int(right - left) + 2)
    for c in cells:
        for x in range(max(0, int(c.left - left)), min(len(covered) - 1, int(c.right - left)) + 1):
            covered[x] += 1
    tolerance = max(2, len(cells) // 20)  # titles over the columns cross the gutters
    open_at, gaps = None, []
    for x, n in enumerate(covered):
        if n <= tolerance and open_at is None:
            open_at = x
        elif n > tolerance and open_at is not None:
            if x - open_at >= GUTTER_SIZES * size:
                gaps.append((left + open_at, left + x))
            open_at = None
    edges = [left] + [(a + b) / 2 for a, b in gaps] + [right]  # a ragged edge reaches into its gutter
    columns = list(zip(edges, edges[1:]))
    prose = [col for col in columns if col[1] - col[0] >= COLUMN_SHARE * (right - left) and _is_prose(col, cells)]
    return prose if len(prose) >= 2 else []


def _is_prose(column: tuple[float, float], cells: list[Cell]) -> bool:
    inside = [c for c in cells if c.left >= column[0] - 1 and c.right <= column[1] + 1]
    wordy = sum(len(c.text.split()) >= PROSE_WORDS for c in inside)
    return len(inside) >= MIXED_LINES and wordy * 2 >= len(inside)


def _column(cell: Cell, columns) -> int | None:
    """The column holding the cell, or None when it crosses a gutter or lies outside every column."""
    for i, (a, b) in enumerate(columns):
        if cell.left >= a - 2 and cell.right <= b + 2:
            return i
    return None


def _split(line: Line, columns) -> list[Line]:
    """The line cut into its pieces in each column; the line itself when a cell crosses a gutter."""
    if line.vertical or not line.cells:
        return [line]
    where = [_column(cell, columns) for cell in line.cells]
    if None in where or len(set(where)) == 1:
        return [line]
    pieces = []
    for i in sorted(set(where)):
        cells = tuple(c for c, w in zip(line.cells, where) if w == i)
        pieces.append(replace(line, text=" ".join(c.text for c in cells), left=cells[0].left,
                              right=cells[-1].right, cells=cells))
    return pieces


def _banded(lines: list[Line], columns) -> list[Line]:
    """Top to bottom by bands between the lines that cross the columns; in a band, column by column."""
    ordered, band = [], []  # band: (column, line)
    for line in sorted(lines, key=lambda x: -x.top):
        where = {_column(cell, columns) for cell in line.cells} if line.cells else {None}
        column = where.pop() if len(where) == 1 else None
        if column is None and not line.vertical:
            ordered += _by_column(band)
            ordered.append(line)
            band = []
        else:
            band.append((column or 0, line))
    return ordered + _by_column(band)


def _by_column(band: list[tuple[int, Line]]) -> list[Line]:
    columns: dict[int, list[Line]] = {}
    for column, line in band:
        columns.setdefault(column, []).append(line)
    return [line for column in sorted(columns) for line in _top_down(columns[column])]


def _top_down(lines: list[Line]) -> list[Line]:
    """Top to bottom, and left to right within a line (pieces of one line differ in height by a
    fraction of a type size: "48" and a raised "1/2")."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda x: -x.top):
        if rows and rows[-1][0].top - line.top < 0.5 * line.size:
            rows[-1].append(line)
        else:
            rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda x: x.left)]
