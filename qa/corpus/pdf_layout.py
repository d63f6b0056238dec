"""From a PDF's lines (:mod:`qa.corpus.pdf`) to the blocks a reader sees.

What a person does without thinking, done in order: drop what repeats in the page margins
(running headers and footers, even when a page number or date in them changes), page numbers,
line-number gutters and text running up a margin; find tables (runs of lines split into aligned
cells) and write each row with its column headers; join the other lines into paragraphs across
line wraps, columns and page breaks, rejoining words hyphenated at a line's end; tell headings
(larger or bold type, or numbered like "2.1 Node Types"; never a row of numbers such as an axis's
labels), footnotes (small type at a page's foot) and captions ("Figure 3: ..."). The first page's
largest text is the title when the metadata has none or a junk one ("Review-Doc-289-1.docx").
The text returned is the document's text: every offset points into it.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import replace

from qa.corpus.pdf import Cell, Line, PdfText
from qa.corpus.pdf_columns import in_reading_order
from qa.corpus.pdf_tables import DOT_LEADER, LIST_MARKER, find_tables
from qa.corpus.tables import is_number, row_text

#: A line in the top or bottom this fraction of a page may be a running header, footer or page number.
MARGIN = 0.1
#: PDFium marks a hyphen it saw at a line's end with one of these instead of "-".
_SOFT_HYPHENS = ("\ufffe", "\x02", "\u00ad")
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?[-\u2013\u2014(\[ ]*(?:#|[ivxlc]+)[-\u2013\u2014)\] ]*(?:(?:of|/)\s*#)?$", re.I)
_TERMINAL = (".", "!", "?", ":", ";", '"', "\u201d", "'", "\u2019", ")")
_NUMBERED_HEADING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?|[IVX]{1,5}\.|[A-Z]\.|Appendix [A-Z0-9]+[.:]?)\s+\S")
#: "Authorship. We instantiate", "1. Identify an advocate (AIA). By March 31": a bold lead-in, not a heading.
_RUN_IN = re.compile(r"[\w)\]\u201d\"'][.:]\s+[A-Z]")
#: The same after a number, where a colon is a heading's own ("4.2.1 Individual POA&M Entries: Findings").
_SENTENCE_LEAD_IN = re.compile(r"[\w)\]\u201d\"']\.\s+[A-Z]")
#: Words a heading does not end on; a line ending on one goes on in the next.
_OPEN_ENDS = frozenset("a an the of and or nor to in on at by for from with as into than that which each its their our "
                       "your his her".split())
_CAPTION = re.compile(r"^(?:Figure|Fig\.|Table|Exhibit|Chart)\s+[A-Z]?[\d.\-]+[:.]?\s", re.I)
_GLUED_MARKER = re.compile(r"^(?:\d{1,3}|[*\u2020\u2021])(?=[A-Z][a-z])")
_FOOTNOTE = re.compile(r"^(?:\d{1,3}|[*\u2020\u2021])\s*\S")
_JUNK_TITLE = re.compile(r"(?:\.(?:docx?|pdf|exe|tmp|indd|qxd|rtf)$|^microsoft (?:word|powerpoint) - |^untitled|^[\w\-]+\.\w{2,4}$)",
                         re.I)

#: Block kinds this module writes (the same words as qa.corpus.documents').
BODY, HEADING, TITLE, TABLE, CAPTION, FOOTNOTE = "body", "heading", "title", "table", "caption", "footnote"


def assemble(pages: list[list[Line]], title: str) -> PdfText:
    """The document's text, blocks and page starts from each page's lines."""
    # twice: under a running head may run a second one ("Opinion of the Court"), then the page's first line
    pages = [in_reading_order(_fill_gaps(_drop_gutter(page)))
             for page in _drop_running_lines(_drop_running_lines(pages))]
    lines = [line for page in pages for line in page if not line.vertical]
    if not lines:
        return PdfText("", title, [], tuple(0 for _ in pages) or (0,))
    body = _body_size(lines)
    groups = _group([_drop_markers(page, body) for page in pages], body)
    return _write(groups, title, len(pages), body)


# --- what is not the text ----------------------------------------------------------------------------

def _shape(line: Line) -> str:
    return re.sub(r"\d+", "#", line.text.lower()).strip()


def _in_margin(line: Line) -> bool:
    return line.top > line.page_height * (1 - MARGIN) or line.bottom < line.page_height * MARGIN


def _drop_running_lines(pages: list[list[Line]]) -> list[list[Line]]:
    """Pages without the margin lines that repeat on other pages (digits aside) or are page numbers.
    A page's first and last lines count as in its margin too: a slip opinion prints its running head
    ("4 TARRANT REGIONAL WATER DIST. v. HERRMANN") well inside the paper's top tenth."""
    margins = [[line for line in page if _in_margin(line) or edge(line)] for page in pages
               for edge in [_edge_test(page)]]
    seen = Counter(s for margin in margins for s in {_shape(line) for line in margin})
    repeating = {s for s, n in seen.items() if n >= 2 and n * 4 >= len(pages)}
    running = {id(line) for margin in margins for line in margin
               if _shape(line) in repeating or (_in_margin(line) and _PAGE_NUMBER.match(_shape(line)))}
    return [[line for line in page if id(line) not in running] for page in pages]


def _edge_test(page: list[Line]):
    """Whether a line is on the first or last printed line of ``page``, when it is a page of text (five
    lines or more: on a page of one line, that line is the text)."""
    if len(page) < 5:
        return lambda line: False
    top, bottom = max(o.top for o in page), min(o.bottom for o in page)
    return lambda line: line.top >= top - 0.5 * line.size or line.bottom <= bottom + 0.5 * line.size


#: How far (points) a number's baseline may be from its row's to be put back in it.
_SAME_BASELINE = 1.0
_MAX_ON_BASELINE = 100


def _fill_gaps(page: list[Line]) -> list[Line]:
    """The page with cells drawn apart from their row put back in it: numbers printed on a row's baseline
    inside the gap between two of its cells (the round-up's "53.36" and "30.77", drawn as their own
    text objects between "NYMEX Crude Oil ($/barrel)" and "CME Group") are more cells of that row.
    Only numbers: words there are more likely the next column of prose."""
    by_baseline: dict[int, list[Line]] = {}  # by whole points, so that a row looks at three of them
    for line in page:
        if not line.vertical and line.cells:
            by_baseline.setdefault(round(line.top), []).append(line)
    filled: dict[int, list[Cell]] = {}
    moved: set[int] = set()
    for line in page:
        if line.vertical or len(line.cells) < 2:
            continue
        gaps = list(zip(line.cells, line.cells[1:]))
        near = [o for k in (-1, 0, 1) for o in by_baseline.get(round(line.top) + k, [])]
        if len(near) > _MAX_ON_BASELINE:
            continue  # hundreds of pieces on one baseline: no table row, and a hostile file's quadratic cost
        for other in near:
            if other is line or id(other) in moved or abs(other.top - line.top) > _SAME_BASELINE \
                    or abs(other.size - line.size) > 1 or not all(is_number(c.text) for c in other.cells):
                continue
            if any(a.right < other.left and other.right < b.left for a, b in gaps):
                filled.setdefault(id(line), []).extend(other.cells)
                moved.add(id(other))
    out = []
    for line in page:
        if id(line) in moved:
            continue
        if id(line) in filled:
            cells = tuple(sorted(line.cells + tuple(filled[id(line)]), key=lambda c: c.left))
            line = replace(line, cells=cells, text=" ".join(c.text for c in cells))
        out.append(line)
    return out


def _drop_gutter(page: list[Line]) -> list[Line]:
    """A page without its line-number gutter: five or more bare numbers stacked at one edge, each a
    line of its own or the first cell of the line it numbers."""
    def number_cell(line: Line):
        first = line.cells[0] if line.cells else None
        return first if first is not None and re.fullmatch(r"\d{1,3}", first.text) else None

    edges = Counter(round(cell.right / 4) for cell in map(number_cell, page) if cell is not None)
    gutter = {x for x, n in edges.items() if n >= 5}
    out = []
    for line in page:
        cell = number_cell(line)
        if cell is None or round(cell.right / 4) not in gutter:
            out.append(line)
        elif len(line.cells) > 1:  # the numbered line itself, without its number
            rest = line.cells[1:]
            out.append(replace(line, text=" ".join(c.text for c in rest), cells=rest, left=rest[0].left))
    return out


def _drop_markers(lines: list[Line], body: float) -> list[Line]:
    """Without footnote markers that PDFium gives as lines of their own (a small raised "1"), nor
    bullets drawn apart from their items (a lone "!" where a symbol font maps a bullet so)."""
    return [line for line in lines
            if not (re.fullmatch(r"\d{1,3}|[*\u2020\u2021]", line.text) and line.size < body * 0.85)
            and not (len(line.text) == 1 and not line.text.isalnum())]


def _body_size(lines: list[Line]) -> float:
    weights: Counter = Counter()
    for line in lines:
        weights[line.size] += len(line.text)
    return weights.most_common(1)[0][0]


# --- grouping lines into blocks ----------------------------------------------------------------------

def _group(pages: list[list[Line]], body: float) -> list[tuple[str, list]]:
    """(kind, lines) groups in reading order; a table's group holds its :func:`_table` instead of lines."""
    pitch = _pitches([line for page in pages for line in page])
    groups: list[tuple[str, list]] = []
    for page in pages:
        tables = find_tables(page)
        starts = {id(table[1][0]): table for table in tables}
        members = {id(line) for table in tables for line in table[1]}
        for line in page:
            if id(line) in starts:
                groups.append((TABLE, [starts[id(line)]]))
            if line.vertical or id(line) in members:
                continue
            kind = _kind(line, body)
            if kind == HEADING and groups and _mid_sentence(groups[-1], line):
                kind = BODY  # a bold phrase inside a paragraph, not a heading
            if kind == BODY and groups and _lead_in_goes_on(groups[-1], line):
                groups[-1] = (BODY, groups[-1][1])  # "2. Establish a lab or ensure the | agency's lab ...": a sentence
            if groups and _continues(groups[-1], kind, line, pitch):
                groups[-1][1].append(line)
            elif _past_footnotes(groups, kind, line, pitch):
                groups[-1][1].append(line)
            else:
                groups.append((kind, [line]))
    return groups


def _past_footnotes(groups: list[tuple[str, list]], kind: str, line: Line, pitch: dict[float, float]) -> bool:
    """Whether ``line`` goes on a paragraph left open at the foot of the page before, under that page's
    footnotes. If so the footnotes move before the paragraph, which ends ``groups``: they are printed
    on the paragraph's first page, so the text's pages stay in order."""
    n = len(groups)
    while n and groups[n - 1][0] == FOOTNOTE:
        n -= 1
    if kind != BODY or n in (0, len(groups)) or groups[n - 1][0] != BODY:
        return False
    paragraph = groups[n - 1]
    page = paragraph[1][0].page
    last = paragraph[1][-1]
    if sum(ch.isalpha() for ch in last.text) < 2 or last.page != page or line.page != page + 1 \
            or any(g[1][0].page != page for g in groups[n:]) or not _continues(paragraph, kind, line, pitch):
        return False
    groups[n - 1:] = [*groups[n:], paragraph]
    return True


def _mid_sentence(group: tuple[str, list], line: Line) -> bool:
    """Whether ``line`` comes right under a body line of its size that has not ended its sentence."""
    kind, lines = group
    last = lines[-1] if kind != TABLE else None
    return (kind == BODY and last is not None and last.page == line.page and abs(last.size - line.size) < 0.5
            and 0 < last.top - line.top < 1.6 * line.size and not last.text.endswith(_TERMINAL))


def _lead_in_goes_on(group: tuple[str, list], line: Line) -> bool:
    """Whether ``line`` is the rest of a sentence that a "heading" left open: the heading's last line ends
    on a word no heading ends on ("the", "of") and ``line`` comes right under it, in its size."""
    kind, lines = group
    if kind != HEADING:
        return False
    last = lines[-1]
    return (last.text.split()[-1].lower() in _OPEN_ENDS and last.page == line.page
            and abs(last.size - line.size) < 0.5 and 0 < last.top - line.top < 1.8 * line.size)


def _kind(line: Line, body: float) -> str:
    words = line.text.split()
    letters = sum(ch.isalpha() for ch in line.text)
    if letters < 2:
        return BODY  # "20 40 60 80 100": an axis, not a heading
    if _CAPTION.match(line.text):
        return CAPTION
    if DOT_LEADER.search(line.text):
        return BODY  # "1. Overview ........ 1": a line of contents, not the heading it names
    if line.size <= body * 0.88 and line.top < line.page_height * 0.3 and _FOOTNOTE.match(line.text):
        return FOOTNOTE
    if len(line.cells) > 1 and len(line.cells[0].text) == 1 and not line.cells[0].text.isalnum():
        return BODY  # a list item after its bullet glyph ("!" where the font maps a bullet so)
    short = len(words) <= 16 and not line.text.endswith((".", ",", ";", "-", *_SOFT_HYPHENS))
    run_in = _RUN_IN.search(line.text)
    if short and not run_in and (line.size >= body * 1.15 or (line.bold and line.size >= body * 0.95)):
        return HEADING
    if short and len(words) <= 10 and letters >= 4 and line.text.isupper() and line.size >= body * 0.95:
        return HEADING  # "INTRODUCTION", "TITLE I: WIPO TREATY IMPLEMENTATION"
    numbered = _NUMBERED_HEADING.match(line.text)
    if short and len(words) <= 12 and numbered and line.size >= body * 0.95 and not is_number(line.text) \
            and not _SENTENCE_LEAD_IN.search(line.text, numbered.end() - 1) \
            and (line.bold or line.text.isupper() or _title_case(words[1:])):
        return HEADING
    return BODY


def _title_case(words: list[str]) -> bool:
    capitals = [w[:1].isupper() for w in words if len(w) > 3]
    return bool(capitals) and sum(capitals) * 2 >= len(capitals)


def _pitches(lines: list[Line]) -> dict[float, float]:
    """The usual distance from one line's top to the next one's, for each type size (the median, so
    that one odd gap does not make every line break a paragraph break)."""
    steps: dict[float, list[float]] = {}
    for a, b in zip(lines, lines[1:]):
        if a.page == b.page and a.size == b.size and 0.8 * a.size < a.top - b.top < 2.5 * a.size:
            steps.setdefault(a.size, []).append(a.top - b.top)
    return {size: statistics.median(values) for size, values in steps.items()}


def _continues(group: tuple[str, list], kind: str, line: Line, pitch: dict[float, float]) -> bool:
    """Whether ``line`` goes on the paragraph (or heading, footnote) ``group`` holds so far."""
    group_kind, group_lines = group
    if kind != group_kind and not (group_kind in (CAPTION, FOOTNOTE) and kind == BODY):
        return False
    last = group_lines[-1]
    if group_kind == TABLE:
        return False
    if group_kind == HEADING:  # a heading wrapped over two lines; never across pages
        return line.page == last.page and abs(line.size - last.size) < 0.5 and 0 < last.top - line.top < 1.8 * line.size
    if LIST_MARKER.match(line.text) or (group_kind == FOOTNOTE and _FOOTNOTE.match(line.text) and line.size == last.size
                                       and line.left <= last.left + 1):
        return False
    if abs(line.size - last.size) > 0.6:
        return False
    ended = last.text.endswith(_TERMINAL) and last.text[-1:] not in _SOFT_HYPHENS
    step = last.top - line.top
    if line.page != last.page or step <= 0.5 * line.size:
        # Over a page or column break a paragraph goes on unless its last line ended a sentence.
        return not ended and group_kind == BODY
    usual = pitch.get(last.size, 1.2 * last.size)
    if step > usual * 1.3 + 0.5:
        return False
    if ended and last.right < _line_end(group_lines) - 4 * last.size:
        return False  # a short last line that ends a sentence closes its paragraph
    # A first-line indent starts a paragraph.
    return not (line.left > last.left + 1.5 * line.size and ended)


def _line_end(lines: list[Line]) -> float:
    return max(line.right for line in lines)


# --- writing the text --------------------------------------------------------------------------------

def _write(groups: list[tuple[str, list]], title: str, page_count: int, body: float) -> PdfText:
    parts: list[str] = []
    blocks: list[tuple[int, int, str]] = []
    page_starts = [0]
    cursor = 0

    def add(piece: str, kind: str, page: int) -> None:
        nonlocal cursor
        if parts:
            parts.append("\n\n")
            cursor += 2
        while len(page_starts) < page:  # this block opens a page (or pages with no text before it)
            page_starts.append(cursor)
        parts.append(piece)
        blocks.append((cursor, cursor + len(piece), kind))
        cursor += len(piece)

    for kind, group in groups:
        if kind == TABLE:
            header, _, rows = group[0]
            for line, cells in rows:
                if any(cells):
                    add(row_text(header, cells), TABLE, line.page)
            continue
        text, starts = _join(group)
        if kind == FOOTNOTE or (kind == BODY and group[0].size <= body * 0.88):
            text, starts = _unglued_marker(text, starts)
        add(text, kind, group[0].page)
        block_start = cursor - len(text)
        for line, offset in zip(group[1:], starts[1:]):  # a paragraph that runs over a page break
            while len(page_starts) < line.page:
                page_starts.append(block_start + offset)
    while len(page_starts) < page_count:
        page_starts.append(cursor)
    text = "".join(parts)
    first = _first_page_title(groups)
    k = None if first is None else _block_index(groups, first)
    return PdfText(text, _title(title, blocks, k, text),
                   _with_title(blocks, k if first is not None and groups[first][0] == HEADING else None),
                   tuple(page_starts))


def _unglued_marker(text: str, starts: list[int]) -> tuple[str, list[int]]:
    """A note's number set apart from its first word: "5LongT5 is the best" reads "5 LongT5 is the best"
    (the raised number touches the word on the page, so no space is printed between them)."""
    glued = _GLUED_MARKER.match(text)
    if glued is None:
        return text, starts
    cut = glued.end()
    return text[:cut] + " " + text[cut:], [s + (s >= cut > 0) for s in starts]


def _join(lines: list[Line]) -> tuple[str, list[int]]:
    """Lines of one block as one piece of text (words hyphenated at a line's end rejoined), and
    where each line starts in it (a word rejoined over a page break is on the page it starts on)."""
    text, starts = lines[0].text, [0]
    for line in lines[1:]:
        if text[-1:] in _SOFT_HYPHENS or (text.endswith("-") and text[-2:-1].isalpha()):
            # "cam-" + "paign" is one word; "Jean-" + "Paul" and "COVID-" + "19" keep their hyphen.
            text = text[:-1] if line.text[:1].islower() else text[:-1] + "-"
            starts.append(len(text) + 1 if line.page != lines[0].page else len(text))
        else:
            text += " "
            starts.append(len(text))
        text += line.text
    if text[-1:] in _SOFT_HYPHENS:
        text = text[:-1] + "-"
    return text, [min(s, len(text)) for s in starts]


def _first_page_title(groups) -> int | None:
    """The group of the first page's largest text, when it is short enough to be a title."""
    candidates = [(i, g[1][0]) for i, g in enumerate(groups[:40]) if g[0] != TABLE and g[1][0].page == 1]
    if not candidates:
        return None
    i, line = max(candidates, key=lambda c: (c[1].size, -c[0]))
    words = sum(len(x.text.split()) for x in groups[i][1])
    return i if 2 <= words <= 30 and any(ch.isalpha() for ch in line.text) else None


def _title(meta: str, blocks, k: int | None, text: str) -> str:
    """The metadata title, unless it is missing or junk; then block ``k``'s text (the first page's largest)."""
    if meta and not _JUNK_TITLE.search(meta) and len(meta) > 3:
        return meta
    if k is None:
        return ""
    s, e, _ = blocks[k]
    return " ".join(text[s:e].split())


def _block_index(groups, group_index: int) -> int:
    """The index in ``blocks`` of group ``group_index``'s block (tables write one block a row)."""
    n = 0
    for kind, group in groups[:group_index]:
        n += sum(1 for _, cells in group[0][2] if any(cells)) if kind == TABLE else 1
    return n


def _with_title(blocks, k: int | None) -> list[tuple[int, int, str]]:
    """The blocks, block ``k`` (the first page's largest text, when it is a heading) marked as the title."""
    if k is None:
        return blocks
    s, e, _ = blocks[k]
    return blocks[:k] + [(s, e, TITLE)] + blocks[k + 1:]
