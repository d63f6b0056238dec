"""Documents and their block structure, read from .txt, .md, .html, .pdf and .docx files.

A :class:`Document` keeps its text exactly as read (``.txt``/``.md``) or as
extracted (``.html``, ``.pdf`` by :mod:`qa.corpus.pdf`, ``.docx`` by :mod:`qa.corpus.word`);
every offset in the product points into ``Document.text``.
Reading also finds the blocks a reader sees (title, headings, paragraphs,
captions, video blocks, byline, bio, table rows), so that chunking can respect them.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from qa.config import Settings
from qa.corpus.profiles import TextProfile, profile_named
from qa.errors import CorpusError

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
#: How the supported types are named in messages.
SUPPORTED_NAMES = ".txt, .md, .html, .pdf or .docx"

#: Block kinds. Headings, labels and the title are structure, never indexed as chunks of their own; a
#: label ("Document Revision History" above a Word table) names the table rows right after it only.
HEADING, TITLE, LABEL = "heading", "title", "label"
_STRUCTURE = (HEADING, TITLE, LABEL)
BODY, CAPTION, VIDEO, BYLINE, BIO, CREDIT = "body", "caption", "video", "byline", "bio", "credit"
#: A row of a Word table, its cells as "Header: cell; ...".
TABLE = "table"


@dataclass(frozen=True)
class Block:
    """A paragraph-level piece of a document: ``document.text[start:end]``."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class Document:
    """One source document; ``text`` is what every citation's offsets refer to."""

    id: str
    title: str
    text: str
    source: str
    blocks: tuple[Block, ...]
    #: Where each page begins in ``text`` (page 1 at 0); empty for formats without pages.
    page_starts: tuple[int, ...] = field(default=())

    @property
    def pages(self) -> int | None:
        return len(self.page_starts) or None

    def page_at(self, offset: int) -> int | None:
        """The 1-based page that ``text[offset]`` is on, or None for formats without pages."""
        if not self.page_starts:
            return None
        return max(1, bisect.bisect_right(self.page_starts, offset))


@dataclass(frozen=True)
class CorpusLoad:
    """What reading a corpus gave: the documents, and every file refused (each error names its file)."""

    documents: list[Document]
    skipped: list[CorpusError]


def _path_list(paths) -> list:
    """One path or several, as a list."""
    return [paths] if isinstance(paths, (str, Path)) else list(paths)


def corpus_files(paths) -> list[Path]:
    """The supported files under the given files or folders (folders sorted by name, not recursive).

    Raises :class:`CorpusError` when a path is missing or nothing is found at all.
    """
    paths = _path_list(paths)
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                                and not p.name.startswith(".")))
        elif path.is_file():
            files.append(path)
        else:
            raise CorpusError(f"corpus path not found: {path}")
    if not files:
        raise CorpusError(f"no {SUPPORTED_NAMES} documents found in {', '.join(map(str, paths))}")
    return files


def read_corpus(paths, *, max_bytes: int | None = Settings().max_file_bytes,
                profile: str | TextProfile = Settings.text_profile, pdf_reader: str = Settings.pdf_reader) -> CorpusLoad:
    """Read every supported file under ``paths``, setting aside the ones that cannot be read.

    A damaged, encrypted, scanned, oversized or empty file, a second document with a name
    already taken, or a file of a folder whose type is not read, is skipped and reported in
    ``skipped``; the rest are read. Raises
    :class:`CorpusError` when a path is missing, or when no file at all can be read (with the
    first file's reason).
    """
    from qa.corpus.unsupported import not_read_in

    documents: list[Document] = []
    # Files of a folder that are not read at all (a .doc, a .pptx) are named too, with what to do.
    skipped: list[CorpusError] = [e for p in _path_list(paths) if Path(p).is_dir() for e in not_read_in(p)]
    taken: dict[str, str] = {}
    for path in corpus_files(paths):
        try:
            document = load_document(path, max_bytes=max_bytes, profile=profile, pdf_reader=pdf_reader)
        except CorpusError as exc:
            exc.path = str(path)
            skipped.append(exc)
            continue
        if document.id in taken:
            error = CorpusError(f"{path.name}: a document named {document.id!r} is already in the corpus "
                                f"({taken[document.id]}); rename one of them")
            error.path = str(path)
            skipped.append(error)
            continue
        taken[document.id] = path.name
        documents.append(document)
    if not documents:
        if len(skipped) == 1:
            raise skipped[0]
        raise CorpusError(f"none of the {len(skipped)} documents could be read: "
                          + "; ".join(str(e) for e in skipped[:3]) + ("; ..." if len(skipped) > 3 else ""))
    return CorpusLoad(documents, skipped)


def load_corpus(paths, *, max_bytes: int | None = Settings().max_file_bytes,
                profile: str | TextProfile = Settings.text_profile) -> list[Document]:
    """Load every supported file under the given files or folders (folders sorted by name); ``profile``
    names the :mod:`text profile <qa.corpus.profiles>` of plain-text and Markdown files.

    Strict: raises :class:`CorpusError` when a path is missing, any file cannot be read, two
    documents share a name, or nothing is found at all. :func:`read_corpus` reads past bad files.
    """
    files = corpus_files(paths)
    documents = [load_document(f, max_bytes=max_bytes, profile=profile) for f in files]
    ids = [d.id for d in documents]
    if len(set(ids)) != len(ids):
        raise CorpusError(f"two documents share a name: {sorted(i for i in ids if ids.count(i) > 1)[0]}")
    return documents


def describe_size(n: int) -> str:
    """A file size for people: "2.0 MB", "5 KB"."""
    return f"{n / (1024 * 1024):.1f} MB" if n >= 100 * 1024 else f"{max(1, round(n / 1024))} KB"


def load_document(path: str | Path, *, name: str | None = None, source: str | None = None,
                  max_bytes: int | None = None, doc_id: str | None = None,
                  profile: str | TextProfile = Settings.text_profile, pdf_reader: str = Settings.pdf_reader,
                  pages_read=None) -> Document:
    """Read one file; its format is chosen by the suffix of ``name`` (default: the file's own name).
    ``pages_read(done, total)`` hears how far the reading of a PDF got, page by page.

    Raises :class:`CorpusError` with a message for people that names the file: unsupported type,
    over ``max_bytes``, unreadable, not UTF-8, binary, a damaged, encrypted or scanned PDF, a
    .docx that is not a zip or is a zip bomb, or holding no text.
    """
    path = Path(path)
    name = name or path.name
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise CorpusError(f"{name}: unsupported file type {suffix or '(none)'}; use {SUPPORTED_NAMES}")
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise CorpusError(f"{name} is {describe_size(size)}; the limit is {describe_size(max_bytes)}")
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"cannot read {name}: {exc.strerror or exc}") from exc
    if suffix in (".pdf", ".docx"):
        return parse_binary_document(raw, name=name, source=source or str(path), doc_id=doc_id,
                                     pdf_reader=pdf_reader, pages_read=pages_read)
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{name} is not UTF-8 text (byte {exc.start})") from exc
    if "\x00" in content:
        raise CorpusError(f"{name} is not a text file")
    return parse_document(content, name=name, source=source or str(path), doc_id=doc_id, profile=profile)


def parse_document(content: str, *, name: str, source: str | None = None, doc_id: str | None = None,
                   profile: str | TextProfile = Settings.text_profile) -> Document:
    """Build a document from text already in memory; ``name``'s suffix picks the format."""
    profile = profile_named(profile)
    suffix = Path(name).suffix.lower()
    doc_id = doc_id or Path(name).stem
    if suffix in (".html", ".htm"):
        text, title, blocks = _parse_html(content)
    elif suffix in (".md", ".markdown"):
        text = content
        title, blocks = _parse_markdown(text, profile)
    else:
        text = content
        title, blocks = _parse_plain_text(text, profile)
    if not any(b.kind not in _STRUCTURE for b in blocks):
        raise CorpusError(f"{name} holds no text to answer from")
    return Document(id=doc_id, title=title or doc_id, text=text, source=source or name, blocks=tuple(blocks))


def parse_binary_document(data: bytes, *, name: str, source: str | None = None,
                          doc_id: str | None = None, pdf_reader: str = Settings.pdf_reader,
                          pages_read=None) -> Document:
    """Build a document from the bytes of a .pdf or .docx file; ``name``'s suffix picks the format."""
    suffix = Path(name).suffix.lower()
    doc_id = doc_id or Path(name).stem
    page_starts: tuple[int, ...] = ()
    if suffix == ".pdf":
        from qa.corpus.pdf import read_pdf

        extracted = read_pdf(data, name, pdf_reader, pages_read)
        text, title, spans, page_starts = extracted.text, extracted.title, extracted.blocks, extracted.page_starts
    elif suffix == ".docx":
        from qa.corpus.word import read_docx

        text, title, spans = read_docx(data, name)
    else:
        raise CorpusError(f"{name}: unsupported file type {suffix or '(none)'}; use {SUPPORTED_NAMES}")
    blocks = tuple(Block(s, e, kind) for s, e, kind in spans)
    if not any(b.kind not in _STRUCTURE for b in blocks):
        raise CorpusError(f"{name} holds no text to answer from")
    return Document(id=doc_id, title=title or doc_id, text=text, source=source or name, blocks=blocks,
                    page_starts=page_starts)


# --- plain text -------------------------------------------------------------

_BLOCK_SPLIT = re.compile(r"\r?\n[ \t\u00a0\r]*\n")
_MERGED = (VIDEO, BYLINE)
_TERMINAL = ('.', '!', '"', '\u201d', "'", ':', ';', ',')


def split_blocks(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Blank-line separated blocks of ``text[start:end]`` as stripped (start, end) offsets."""
    end = len(text) if end is None else end
    spans, cursor = [], start
    for match in _BLOCK_SPLIT.finditer(text, start, end):
        spans.append((cursor, match.start()))
        cursor = match.end()
    spans.append((cursor, end))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            out.append((s, e))
    return out


def _words(s: str) -> int:
    return len(s.split())


def _looks_like_heading(s: str) -> bool:
    if "\n" in s:
        return False
    if s.endswith("?"):
        return _words(s) <= 15
    return _words(s) <= 8 and not s.endswith(_TERMINAL) and s[:1].isupper()


def _parse_plain_text(text: str, profile: TextProfile) -> tuple[str, list[Block]]:
    spans = split_blocks(text)
    pieces = [text[s:e] for s, e in spans]
    kinds = [BODY] * len(spans)

    # The title: the first headline-shaped block (a short kicker such as "World·CBC Explains" may precede it).
    title, title_index = "", -1
    for i, piece in enumerate(pieces[:3]):
        if "\n" not in piece and 4 <= _words(piece) <= 25 and not piece.endswith("."):
            title, title_index = piece, i
            break
    for i in range(title_index + 1):
        kinds[i] = TITLE

    # Byline and bio: a short name block whose name opens a later "<name> is ..." block.
    for i, piece in enumerate(pieces):
        if kinds[i] == BODY and _words(piece) <= 4 and "\n" not in piece:
            for j in range(i + 1, min(i + 4, len(pieces))):
                if pieces[j].startswith(piece + " ") and _words(pieces[j]) > 6:
                    for k in range(i, j):
                        kinds[k] = BYLINE
                    kinds[j] = BIO
                    break

    i = 0
    while i < len(pieces):
        piece = pieces[i]
        if kinds[i] != BODY:
            i += 1
            continue
        if profile.is_video_start(piece):
            # A video block runs until its end line ("Duration m:ss"); its title is not a section heading.
            j = i
            while j < len(pieces) and j < i + profile.video_max_blocks:
                kinds[j] = VIDEO
                if profile.is_video_end(pieces[j]):
                    break
                j += 1
            i = j + 1
            continue
        if profile.is_credit(piece):
            kinds[i] = CREDIT
        elif profile.has_photo_credit(piece) and _words(piece) >= profile.caption_min_words:
            kinds[i] = CAPTION
        elif _looks_like_heading(piece) and i + 1 < len(pieces):
            kinds[i] = HEADING
        i += 1
    blocks: list[Block] = []
    for (s, e), kind in zip(spans, kinds):
        if blocks and kind in _MERGED and blocks[-1].kind == kind:
            # A video's title, duration and blurb, or a name and role, read as one paragraph.
            blocks[-1] = Block(blocks[-1].start, e, kind)
        else:
            blocks.append(Block(s, e, kind))
    return title, blocks


# --- markdown ---------------------------------------------------------------

_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")


def _parse_markdown(text: str, profile: TextProfile) -> tuple[str, list[Block]]:
    title, blocks = "", []
    for s, e in split_blocks(text):
        piece = text[s:e]
        first_line_end = piece.find("\n")
        first = piece if first_line_end < 0 else piece[:first_line_end]
        heading = _MD_HEADING.match(first)
        if heading:
            content_start = s + heading.start(2)
            content_end = s + heading.end(2)
            if len(heading.group(1)) == 1 and not title:
                title = heading.group(2)
                blocks.append(Block(content_start, content_end, TITLE))
            else:
                blocks.append(Block(content_start, content_end, HEADING))
            if first_line_end >= 0:  # text right under a heading line, with no blank line between
                for rs, re_ in split_blocks(text, s + first_line_end + 1, e):
                    blocks.append(Block(rs, re_, BODY))
            continue
        kind = CAPTION if piece.startswith("![") or profile.has_photo_credit(piece) else BODY
        blocks.append(Block(s, e, kind))
    return title, blocks


# --- HTML -------------------------------------------------------------------

_HTML_BLOCKS = {"p": BODY, "li": BODY, "blockquote": BODY, "pre": BODY, "td": BODY, "dd": BODY,
                "figcaption": CAPTION, "h1": HEADING, "h2": HEADING, "h3": HEADING,
                "h4": HEADING, "h5": HEADING, "h6": HEADING}
_HTML_SKIP = {"script", "style", "noscript", "template", "head", "svg", "nav", "footer"}


class _HTMLText(HTMLParser):
    """Collects block-level text; HTML entities are decoded, markup and scripts dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[str, str]] = []  # (kind, text)
        self.title = ""
        self._skip = 0
        self._in_title = False
        self._kind: list[str] = []
        self._buffer: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _HTML_SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag in _HTML_BLOCKS:
            self._flush()
            self._kind.append(_HTML_BLOCKS[tag] if tag != "h1" else TITLE)
        elif tag == "br":
            self._buffer.append("\n")

    def handle_endtag(self, tag):
        if tag in _HTML_SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in _HTML_BLOCKS:
            self._flush()
            if self._kind:
                self._kind.pop()

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif not self._skip:
            self._buffer.append(re.sub(r"\s", " ", data))  # source line wraps are spaces; only <br> breaks

    def _flush(self) -> None:
        text = re.sub(r"[ \t\r\f\v]+", " ", "".join(self._buffer))
        text = re.sub(r" *\n *", "\n", text).strip()
        self._buffer = []
        if text:
            self.items.append((self._kind[-1] if self._kind else BODY, text))

    def close(self):
        super().close()
        self._flush()


def _parse_html(content: str) -> tuple[str, str, list[Block]]:
    parser = _HTMLText()
    parser.feed(content)
    parser.close()
    parts, blocks, cursor = [], [], 0
    title = parser.title.strip()
    for kind, piece in parser.items:
        if kind == TITLE:
            if title and piece != title:
                kind = HEADING
            title = title or piece
        # Block text may hold single newlines (<br>) but never a blank line, which would split it.
        piece = re.sub(r"\n\s*\n", "\n", piece)
        if parts:
            parts.append("\n\n")
            cursor += 2
        parts.append(piece)
        blocks.append(Block(cursor, cursor + len(piece), kind))
        cursor += len(piece)
    return "".join(parts), title, blocks
