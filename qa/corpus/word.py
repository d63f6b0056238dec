"""Text and structure of a Word document (.docx), read with python-docx.

Paragraphs keep their order with the tables between them. The "Title" style is the title,
"Heading N" styles are section headings (attached to the paragraphs below them, as the
article's headings are), list items stay paragraphs of their own, and each table row
becomes one paragraph that reads "Header: cell; Header: cell" when the table's first row
is a header, or "cell; cell" when it is not. A .docx is a zip file, so its declared sizes
are checked before anything is unpacked: a zip bomb is refused, not expanded.
"""

from __future__ import annotations

import io
import re
import zipfile

from qa.corpus.documents import LABEL
from qa.corpus.tables import table_rows
from qa.errors import CorpusError

#: A .docx may unpack to at most this many bytes in all (the largest real ones hold a few MB of XML).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: ... and no entry may unpack to more than this many times its packed size (XML packs 10-20 times).
MAX_RATIO = 200
TABLE = "table"

_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.I)


def check_zip(data: bytes, name: str, *, max_unpacked: int = MAX_UNPACKED_BYTES, max_ratio: int = MAX_RATIO) -> None:
    """Refuse a file that is not a zip, or one that would unpack to far more than it weighs.

    Declared sizes are what ``zipfile`` stops reading at, so checking them bounds what is unpacked.
    """
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise CorpusError(f"{name} is not a Word document (.docx files are zip archives; this one is not)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CorpusError(f"{name} is a damaged Word document ({exc})") from None
    total = sum(e.file_size for e in entries)
    worst = max((e.file_size / max(1, e.compress_size) for e in entries if e.file_size > 1024 * 1024), default=0)
    if total > max_unpacked or worst > max_ratio:
        raise CorpusError(f"{name} would unpack to {total / (1024 * 1024):.0f} MB (compressed up to {worst:.0f} "
                          "times): it looks like a zip bomb, so it was not opened")


#: The longest table caption, in words.
_CAPTION_WORDS = 10


def read_docx(data: bytes, name: str) -> tuple[str, str, list[tuple[int, int, str]]]:
    """The document's text, its title and its blocks as (start, end, kind)."""
    check_zip(data, name)
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise CorpusError(f"{name} is not a readable Word document ({exc or type(exc).__name__})") from None
    except Exception as exc:  # lxml's XMLSyntaxError and the like: a damaged part
        raise CorpusError(f"{name} is a damaged Word document ({exc})") from None
    items: list[tuple[str, str]] = []
    for item in document.iter_inner_content():
        if hasattr(item, "rows"):
            items += [(TABLE, row) for row in _table_rows(item)]
            continue
        text = _clean(item.text)
        if not text:
            continue
        style = (item.style.name if item.style is not None else "") or ""
        if style.lower() == "title":
            items.append(("title", text))
        elif _HEADING_STYLE.match(style) or style.lower().startswith("subtitle"):
            items.append(("heading", text))
        else:
            items.append(("body", text))
    items = _table_captions(items)
    title = (document.core_properties.title or "").strip()
    parts, blocks, cursor = [], [], 0
    for kind, text in items:
        if kind == "title":
            if title and text != title:
                kind = "heading"
            title = title or text
        if parts:
            parts.append("\n\n")
            cursor += 2
        parts.append(text)
        blocks.append((cursor, cursor + len(text), kind))
        cursor += len(text)
    return "".join(parts), title, blocks


def _table_captions(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A short paragraph right above a table ("Document Revision History") is the table's label: its rows
    are found under that name, as under a bold line above a table in a PDF; what follows the table is not."""
    out = list(items)
    for i, (kind, text) in enumerate(items[:-1]):
        if kind == "body" and items[i + 1][0] == TABLE and "\n" not in text and len(text.split()) <= _CAPTION_WORDS \
                and not text.endswith((".", "?", "!", ";", ",")):
            out[i] = (LABEL, text)
    return out


def _clean(text: str) -> str:
    """One paragraph's text: line breaks kept single (a blank line would split it), tabs as spaces."""
    text = re.sub(r"[ \t\u00a0\r\f\v]+", " ", text.replace("\t", " "))
    text = re.sub(r" *\n[\s]*", "\n", text)
    return text.strip()


def _table_rows(table) -> list[str]:
    """Each row as one line of readable text (:func:`qa.corpus.tables.table_rows`); merged cells counted once."""
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(_clean(cell.text).split()))
        rows.append(cells)
    return table_rows(rows)
