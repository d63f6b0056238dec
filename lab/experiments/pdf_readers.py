"""Experiment (issue 25, not part of the product): permissively licensed PDF libraries side by side on the
real-document yardstick, against our own pypdfium2 readers (``PDF_READER=layout`` and ``plain``).

Each library gets an adapter ``bytes -> PdfText`` that uses that library's own layout analysis; the
script puts each adapter in place of ``qa.corpus.pdf.read_pdf`` in this process in turn and runs
``evaluate_documents`` (default settings) over the whole folder. Extraction alone is timed separately,
once per library over every PDF. The libraries are not project dependencies; install them by hand:

    .venv/bin/pip install pdfplumber docling-parse kreuzberg      # pdfminer.six comes with pdfplumber
    .venv/bin/pip install --no-deps pdftext pydantic-settings     # pdftext pins pypdfium2==5.10.1

    .venv/bin/python lab/experiments/pdf_readers.py                       # every reader, then the table
    .venv/bin/python lab/experiments/pdf_readers.py --only pdftext,plain  # some; results kept per reader
    .venv/bin/python lab/experiments/pdf_readers.py --coverage            # reader-independent column only
    .venv/bin/python lab/experiments/pdf_readers.py --table               # the table from saved results
    .venv/bin/python lab/experiments/pdf_readers.py --show pdfplumber i1040nr.pdf 35   # one page's blocks

Glue shared by the adapters, so that no library is judged on what it does not claim to do and none
gets more than the others: blocks of one page joined by a blank line, pages by a blank line
(``page_starts`` exact); a table as one block per row, "Header: cell; Header: cell", the first row
taken as the header; for libraries that give lines but no paragraphs (pdfplumber, docling-parse) a
new paragraph where the step to the next line is over 1.5 times the page's usual line pitch, the
type size or weight changes or the text moves up or across (a new column); for libraries that mark
no headings (all but kreuzberg) a block of at most two lines and 14 words, not ending in a full
stop, in type at least 1pt above the document's body size, or bold where the body is not, is a
heading. No running-header removal or hyphen rejoining is added: where a library does it, it shows; where it doesn't, that shows too.
"""
from __future__ import annotations

import argparse
import io
import json
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from qa.config import offline_environment

offline_environment()

import qa.corpus.pdf as qa_pdf  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.corpus.pdf import PdfText  # noqa: E402
from qa.errors import CorpusError  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
YARDSTICK = ROOT.parent / "shared" / "real-docs"
OUT = ROOT / "runs" / "pdf-readers"
#: Distribution name on PyPI of each reader, for its version and licence.
PACKAGES = {"layout": "pypdfium2", "plain": "pypdfium2", "pdfplumber": "pdfplumber", "pdfminer": "pdfminer.six",
            "pdftext": "pdftext", "docling-parse": "docling-parse", "kreuzberg": "kreuzberg"}
#: Licence as read from each project's LICENSE file (the metadata of some says nothing).
LICENCES = {"pypdfium2": "Apache-2.0 / BSD-3 (PDFium: BSD-3 + Apache-2.0)", "pdfplumber": "MIT",
            "pdfminer.six": "MIT", "pdftext": "Apache-2.0", "docling-parse": "MIT", "kreuzberg": "MIT"}
_BOLD = re.compile(r"bold|black|heavy|semibold|demi|medi", re.I)
_DASHES = re.compile("[\u2012-\u2015]")


# --- shared glue ------------------------------------------------------------------------------------

@dataclass
class Para:
    """A block of one page as a library gave it: its lines, type size, boldness and (if known) kind."""

    lines: list[str]
    size: float = 0.0
    bold: bool = False
    kind: str | None = None  # None: body or heading, decided from size and weight
    top: float | None = None  # where its first line is on the page (line-based adapters)

    @property
    def text(self) -> str:
        return "\n".join(" ".join(line.split()) for line in self.lines if line.strip())


@dataclass
class Line:
    text: str
    x0: float
    top: float
    bottom: float
    size: float
    bold: bool
    width: float = field(default=0.0)  # the page's width


def group_lines(lines: list[Line]) -> list[Para]:
    """Lines (in the library's order, top-down coordinates) to paragraphs: see the module docstring.
    "Over half a line" is measured on the page's usual line pitch (top to next top), since the
    libraries' line boxes are glyph boxes of differing tightness."""
    lines = [ln for ln in lines if ln.text.strip()]
    pitches = [b.top - a.top for a, b in zip(lines, lines[1:])
               if 0.5 * (a.bottom - a.top) < b.top - a.top < 3 * max(1.0, a.bottom - a.top)]
    pitch = statistics.median(pitches) if pitches else None
    paras: list[Para] = []
    prev = None
    for line in lines:
        new = prev is None
        if not new:
            height = max(prev.bottom - prev.top, line.bottom - line.top, 1.0)
            step = line.top - prev.top
            new = (step > 1.5 * (pitch or height) or line.top < prev.top - 2
                   or abs(line.size - prev.size) > 1.0 or line.bold != prev.bold
                   or abs(line.x0 - prev.x0) > 0.25 * (line.width or 600))
        if new:
            paras.append(Para([], line.size, line.bold, top=line.top))
        paras[-1].lines.append(line.text)
        prev = line
    return paras


def table_rows(cells: list[list[str | None]]) -> list[str]:
    """A table's rows as "Header: cell; Header: cell", the first row as the header (and a row itself)."""
    rows = [[" ".join((c or "").split()) for c in row] for row in cells]
    rows = [r for r in rows if any(r)]
    if not rows:
        return []
    header, out = rows[0], ["; ".join(c for c in rows[0] if c)]
    for row in rows[1:]:
        out.append("; ".join(f"{h}: {c}" if h else c for h, c in zip(header + [""] * len(row), row) if c))
    return [r for r in out if r]


def table_paras(cells: list[list[str | None]]) -> list[Para]:
    """A real table (two rows and two columns at least) as row blocks; a lone box as body text."""
    filled = [r for r in cells if any((c or "").strip() for c in r)]
    if len(filled) < 2 or max(sum(bool((c or "").strip()) for c in r) for r in filled) < 2:
        return [Para([" ".join((c or "").split()) for r in filled for c in r if (c or "").strip()])]
    return [Para([row], kind="table") for row in table_rows(cells)]


def assemble(pages: list[list[Para]], title: str = "") -> PdfText:
    """Blocks of every page into one text with exact ``page_starts``; headings told by size and weight."""
    sized = [(p.size, len(p.text)) for page in pages for p in page if p.kind is None and p.size]
    body_size = _weighted_median(sized) if sized else 0.0
    body_bold = sum(n for page in pages for p in page if p.bold and p.kind is None for n in [len(p.text)]) > \
        0.5 * max(1, sum(n for _, n in sized))
    parts, blocks, page_starts, cursor = [], [], [], 0
    for page in pages:
        if parts:
            parts.append("\n\n")
            cursor += 2
        page_starts.append(cursor)
        first = True
        for p in page:
            text = p.text.strip()
            if not text:
                continue
            kind = p.kind or ("heading" if _heading(p, text, body_size, body_bold) else "body")
            if not first:
                parts.append("\n\n")
                cursor += 2
            parts.append(text)
            blocks.append((cursor, cursor + len(text), kind))
            cursor += len(text)
            first = False
    text = "".join(parts)
    if not text.strip():
        raise CorpusError("no text layer")
    return PdfText(text, title, blocks, tuple(page_starts))


def _weighted_median(pairs: list[tuple[float, int]]) -> float:
    pairs = sorted(pairs)
    half, run = sum(n for _, n in pairs) / 2, 0
    for value, n in pairs:
        run += n
        if run >= half:
            return value
    return pairs[-1][0]


def _heading(p: Para, text: str, body_size: float, body_bold: bool) -> bool:
    words = text.split()
    if len(p.lines) > 2 or not 0 < len(words) <= 14 or text.endswith(".") or not re.search(r"[A-Za-z]{2}", text):
        return False
    return (body_size and p.size >= body_size + 1.0) or (p.bold and not body_bold)


# --- adapters ---------------------------------------------------------------------------------------

#: pdfplumber's default (3pt) glues the words of tightly set LaTeX and ledger PDFs together
#: ("2016),andassumethatentitytypes"); 1.5 is the usual advice and fixes N18-3011 and the Senate ledger.
X_TOLERANCE = 1.5


def read_pdfplumber(data: bytes) -> PdfText:
    """pdfplumber: ``find_tables()`` (its default ruling-line table finder; the text strategy needs a
    hand-picked crop per document, as pdfplumber's own test of senate-expenditures.pdf does) for
    tables; the other characters' ``extract_text_lines(use_text_flow=True)`` (content-stream order, so
    columns stay apart) grouped into paragraphs; each table put before the first paragraph below it."""
    import pdfplumber

    pages = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            tables = page.find_tables()
            boxes = [t.bbox for t in tables]

            def outside(obj, boxes=boxes):
                if obj.get("object_type") != "char":
                    return True
                cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
                return not any(x0 <= cx <= x1 and t <= cy <= b for x0, t, x1, b in boxes)

            text_page = page.filter(outside) if boxes else page
            lines = []
            for ln in text_page.extract_text_lines(use_text_flow=True, return_chars=True, x_tolerance=X_TOLERANCE):
                chars = ln["chars"] or [{}]
                lines.append(Line(ln["text"], ln["x0"], ln["top"], ln["bottom"],
                                  round(statistics.median(c.get("size", 0) for c in chars), 1),
                                  _mostly(chars, lambda c: bool(_BOLD.search(c.get("fontname", "")))),
                                  float(page.width)))
            paras = group_lines(lines)
            tops = [p.top for p in paras]
            placed = []
            for table in sorted(tables, key=lambda t: t.bbox[1]):
                at = next((i for i, top in enumerate(tops) if top is not None and top >= table.bbox[3] - 1),
                          len(paras))
                placed.append((at, table_paras(table.extract(x_tolerance=X_TOLERANCE))))
            for at, rows in sorted(placed, key=lambda x: -x[0]):
                paras[at:at] = rows
                tops[at:at] = [None] * len(rows)
            pages.append(paras)
    return assemble(pages)


def _mostly(items, test) -> bool:
    items = list(items)
    return bool(items) and sum(map(test, items)) > len(items) / 2


def read_pdfminer(data: bytes) -> PdfText:
    """pdfminer.six: its layout analysis (``LAParams`` defaults but ``all_texts=True``: LaTeX papers such
    as N18-3011 put each whole page in a form XObject, which pdfminer otherwise leaves as loose
    characters in an ``LTFigure``): each ``LTTextBox`` a paragraph, in the order ``boxes_flow`` puts them."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTChar, LTFigure, LTTextBox

    def boxes(container):
        for item in container:
            if isinstance(item, LTTextBox):
                yield item
            elif isinstance(item, LTFigure):
                yield from boxes(item)

    pages = []
    for layout in extract_pages(io.BytesIO(data), laparams=LAParams(all_texts=True)):
        paras = []
        for box in boxes(layout):
            chars = [c for line in box for c in line if isinstance(c, LTChar)]
            if not chars:
                continue
            paras.append(Para(box.get_text().splitlines(), round(statistics.median(c.size for c in chars), 1),
                              _mostly(chars, lambda c: bool(_BOLD.search(c.fontname)))))
        pages.append(paras)
    return assemble(pages)


def read_pdftext(data: bytes) -> PdfText:
    """pdftext: ``dictionary_output`` (its own blocks, lines and spans, content order, no resorting),
    each block a paragraph, its text made as pdftext's ``merge_text`` makes it (soft hyphens rejoined)."""
    from pdftext.extraction import dictionary_output
    from pdftext.postprocessing import handle_hyphens, postprocess_text

    pages = []
    for page in dictionary_output(data, sort=False, disable_links=True):
        paras = []
        for block in page["blocks"]:
            spans = [s for line in block["lines"] for s in line["spans"] if s["text"].strip()]
            if not spans:
                continue
            text = "\n".join(postprocess_text("".join(s["text"] for s in line["spans"])).rstrip()
                             for line in block["lines"])
            text = handle_hyphens(text, keep_hyphens=False)
            size = _weighted_median([(round(s["font"]["size"], 1), len(s["text"])) for s in spans])
            bold = _mostly(spans, lambda s: (s["font"].get("weight") or 0) >= 600 or
                           bool(_BOLD.search(s["font"].get("name") or "")))
            paras.append(Para(text.splitlines(), size, bold))
        pages.append(paras)
    return assemble(pages)


def read_docling_parse(data: bytes) -> PdfText:
    """docling-parse: each page's text-line cells (``TextCellUnit.LINE``, in its order) grouped into
    paragraphs; docling-parse has no paragraphs, tables or headings of its own (those are docling's
    layout and TableFormer models, which need weights from the Hugging Face hub)."""
    from docling_core.types.doc.page import TextCellUnit
    from docling_parse.pdf_parser import ContentConfig, ContentLevel, DoclingPdfParser

    keep, skip = ContentLevel.COMPUTE_AND_MATERIALIZE, ContentLevel.SKIP
    config = ContentConfig(char_cells_content_level=ContentLevel.COMPUTE, word_cells_content_level=ContentLevel.COMPUTE,
                           line_cells_content_level=keep, shapes_content_level=skip, bitmaps_content_level=skip,
                           include_bitmap_bytes=False)
    parser = DoclingPdfParser()
    doc = parser.load(io.BytesIO(data), content_config=config)
    pages = []
    try:
        for _, page in doc.iterate_pages(content_config=config):
            height, width = page.dimension.height, page.dimension.width
            lines = []
            for cell in page.iterate_cells(unit_type=TextCellUnit.LINE):
                box = cell.rect.to_top_left_origin(page_height=height).to_bounding_box()
                lines.append(Line(cell.text, box.l, box.t, box.b, round(abs(box.b - box.t), 1),
                                  bool(_BOLD.search(cell.font_name or "")), width))
            pages.append(group_lines(lines))
    finally:
        doc.unload()
    return assemble(pages)


def read_kreuzberg(data: bytes) -> PdfText:
    """kreuzberg: its document structure (``include_document_structure``, markdown mode with its font
    hierarchy): headings, paragraphs, list items, footnotes and tables (grid cells with header flags)
    by page; header and footer layers dropped. Its layout-detection model is not used (it downloads
    ONNX weights at run time)."""
    from kreuzberg import ExtractionConfig, HierarchyConfig, PageConfig, PdfConfig, extract_bytes_sync

    config = ExtractionConfig(use_cache=False, output_format="markdown", include_document_structure=True,
                              pdf_options=PdfConfig(hierarchy=HierarchyConfig()), pages=PageConfig(extract_pages=True))
    result = extract_bytes_sync(data, "application/pdf", config)
    count = max(result.get_page_count(), len(result.pages or []), 1)
    pages: list[list[Para]] = [[] for _ in range(count)]
    current = 0
    for node in (result.document or {}).get("nodes", []):
        if node.get("page"):
            current = min(count, node["page"]) - 1
        if node.get("content_layer") in ("header", "footer"):
            continue
        content = node["content"]
        kind = content["node_type"]
        if kind == "table":
            grid = content.get("grid") or {}
            cells = [["" for _ in range(grid.get("cols", 0))] for _ in range(grid.get("rows", 0))]
            for c in grid.get("cells", []):
                cells[c["row"]][c["col"]] = c.get("content") or ""
            pages[current].extend(table_paras(cells))
        elif kind in ("heading", "title"):
            pages[current].append(Para([content.get("text") or ""], kind=kind))
        elif kind == "footnote":
            pages[current].append(Para((content.get("text") or "").splitlines(), kind="footnote"))
        elif kind in ("paragraph", "list_item", "code", "quote", "formula"):
            pages[current].append(Para((content.get("text") or "").splitlines(), kind="body"))
        elif kind == "image" and content.get("description"):
            pages[current].append(Para([content["description"]], kind="caption"))
    return assemble(pages)


def _ours(reader: str):
    return lambda data: qa_pdf.read_pdf(data, "document.pdf", reader)


ADAPTERS = {"layout": _ours("layout"), "plain": _ours("plain"), "pdfplumber": read_pdfplumber,
            "pdfminer": read_pdfminer, "pdftext": read_pdftext, "docling-parse": read_docling_parse,
            "kreuzberg": read_kreuzberg}


# --- measuring --------------------------------------------------------------------------------------

def package_facts(name: str) -> dict:
    from importlib import metadata

    dist = PACKAGES[name]
    try:
        return {"package": dist, "version": metadata.version(dist), "licence": LICENCES.get(dist, "?")}
    except metadata.PackageNotFoundError:
        return {"package": dist, "version": None, "licence": LICENCES.get(dist, "?")}


def time_extraction(name: str, pdfs: list[Path]) -> dict:
    """Extraction alone over every PDF, once each (after one untimed warm-up call): seconds per page."""
    adapter = ADAPTERS[name]
    adapter(pdfs[0].read_bytes())
    seconds, pages, failures = 0.0, 0, []
    for path in pdfs:
        data = path.read_bytes()
        started = time.perf_counter()
        try:
            got = adapter(data)
        except Exception as exc:  # noqa: BLE001 - a library's failure is a finding
            failures.append(f"{path.name}: {type(exc).__name__}: {exc}")
            continue
        seconds += time.perf_counter() - started
        pages += len(got.page_starts)
    return {"extract_seconds": round(seconds, 2), "extract_pages": pages,
            "seconds_per_page": round(seconds / max(1, pages), 4), "extract_failures": failures}


def measure(name: str, folder: Path, questions_path: Path) -> dict:
    from qa.evaluation.documents import evaluate_documents, load_questions

    pdfs = sorted(folder.glob("*.pdf"))
    timing = time_extraction(name, pdfs)
    print(f"{name}: extraction {timing}", flush=True)
    settings = Settings.from_env()
    original = qa_pdf.read_pdf
    if name in ("layout", "plain"):
        settings = settings.replace(pdf_reader=name)
    else:
        adapter = ADAPTERS[name]
        qa_pdf.read_pdf = lambda data, doc_name, reader="layout": adapter(data)
    try:
        result = evaluate_documents(folder, load_questions(questions_path), {name: settings},
                                    log=lambda m: print(f"  {m[:300]}", flush=True))[name]
    finally:
        qa_pdf.read_pdf = original
    pdf_rows = [r for r in result["questions"] if r["doc"].endswith(".pdf")]
    from qa.evaluation.documents import _score

    result["pdf_total"] = _score(pdf_rows)
    result["pdf_chunks"] = {doc: {k: v for k, v in figures.items() if k in
                                  ("chunks", "median_chars", "under_40_chars", "bare_numbers", "repeated_lines")}
                            for doc, figures in result["by_document"].items() if doc.endswith(".pdf")}
    result["extraction"] = timing
    result["package"] = package_facts(name)
    result["measured_at"] = time.strftime("%Y-%m-%d %H:%M")
    if name in ("layout", "plain"):  # our reader changes under us: say which one was measured
        result["pdf_py_sha256"] = _reader_version()
    return result


def answer_in_block(name: str, folder: Path, questions_path: Path) -> dict:
    """Reader-independent: for each answerable PDF question, is a gold answer inside one chunk (the
    product's chunking of the adapter's blocks, default size) whose page is (one of) the question's
    pages? Lost text, text put on the wrong page and text broken apart (a footnote split over table
    cells, a price split from its row) show here; whether a chunk is well made does not."""
    from qa.corpus.chunking import chunk_document
    from qa.corpus.documents import Block, Document
    from qa.evaluation.documents import load_questions
    from qa.metrics import normalize_answer

    questions = [q for q in load_questions(questions_path) if q.answerable and q.doc.endswith(".pdf") and q.pages]
    found, misses, cache = 0, [], {}
    for q in questions:
        if q.doc not in cache:
            got = ADAPTERS[name]((folder / q.doc).read_bytes())
            cache[q.doc] = chunk_document(Document(Path(q.doc).stem, got.title or q.doc, got.text, q.doc,
                                                   tuple(Block(*b) for b in got.blocks), got.page_starts))
        def norm(text):  # a dash between words ("2013-Decided" with an em dash) is a word break, not nothing
            return " " + normalize_answer(_DASHES.sub(" ", text)) + " "

        chunks = [norm(c.text) for c in cache[q.doc] if c.page in q.pages]
        golds = [norm(a) for a in q.answers if normalize_answer(a)]
        if any(g in c for c in chunks for g in golds):
            found += 1
        else:
            misses.append(f"{q.doc} p{q.pages}: {q.answers[0]}")
    return {"answer_in_block": found, "questions": len(questions), "misses": misses}


def _reader_version() -> str:
    """Our reader's source as measured: a hash of qa/corpus/pdf*.py (it changes while we measure)."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(Path(qa_pdf.__file__).parent.glob("pdf*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def table(results: dict[str, dict]) -> str:
    head = ("| reader | right (of 62) | PDFs right (of 48) | right, right page | answer intact in a chunk on its page (of 48) "
            "| unanswerable abstained (of 13) "
            "| median chunk chars | % chunks < 40 | bare numbers | repeated lines | extraction s/page "
            "| licence | version |")
    rows = [head, "|" + "---|" * 13]
    for name, r in results.items():
        t, p, x = r["total"], r["pdf_total"], r["extraction"]
        cover = r.get("coverage", {}).get("answer_in_block", "?")
        rows.append(f"| {name} | {t['right']} | {p['right']} | {t['right_with_right_page']}/{t['right_with_page']} "
                    f"| {cover} "
                    f"| {t['unanswerable_abstained']} | {t['median_chars']} | {t['under_40_chars']} "
                    f"| {t['bare_numbers']} | {t['repeated_lines']} | {x['seconds_per_page']} "
                    f"| {r['package']['licence']} | {r['package']['package']} {r['package']['version']} |")
    return "\n".join(rows)


def show(name: str, doc: str, page: int) -> None:
    got = ADAPTERS[name]((YARDSTICK / "files" / doc).read_bytes())
    start = got.page_starts[page - 1]
    end = got.page_starts[page] if page < len(got.page_starts) else len(got.text)
    for s, e, kind in got.blocks:
        if start <= s < end:
            print(f"[{kind}] {got.text[s:e]!r}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(ADAPTERS), help="readers to measure, comma-separated")
    parser.add_argument("--table", action="store_true", help="only print the table from saved results")
    parser.add_argument("--coverage", action="store_true",
                        help="only the reader-independent check (answer inside one block on its page), for --only")
    parser.add_argument("--show", nargs=3, metavar=("READER", "DOC", "PAGE"), help="print one page's blocks")
    parser.add_argument("--folder", default=str(YARDSTICK / "files"))
    parser.add_argument("--questions", default=str(YARDSTICK / "questions.jsonl"))
    args = parser.parse_args(argv)
    if args.show:
        show(args.show[0], args.show[1], int(args.show[2]))
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    coverage_path = OUT / "coverage.json"
    coverage = json.loads(coverage_path.read_text(encoding="utf-8")) if coverage_path.exists() else {}
    if args.coverage:
        for name in args.only.split(","):
            coverage[name] = answer_in_block(name, Path(args.folder), Path(args.questions))
            if name in ("layout", "plain"):
                coverage[name]["pdf_py_sha256"] = _reader_version()
            print(f"{name}: {coverage[name]['answer_in_block']}/{coverage[name]['questions']}", flush=True)
            coverage_path.write_text(json.dumps(coverage, indent=1), encoding="utf-8")
    elif not args.table:
        for name in args.only.split(","):
            try:
                result = measure(name, Path(args.folder), Path(args.questions))
            except Exception as exc:  # noqa: BLE001
                print(f"{name}: failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                continue
            (OUT / f"{name}.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    results = {}
    for name in ADAPTERS:
        path = OUT / f"{name}.json"
        if path.exists():
            results[name] = json.loads(path.read_text(encoding="utf-8"))
            results[name]["coverage"] = coverage.get(name, {})
    (OUT / "comparison.json").write_text(json.dumps(
        {name: {"total": r["total"], "pdf_total": r["pdf_total"], "extraction": r["extraction"],
                "coverage": r["coverage"], "package": r["package"], "measured_at": r["measured_at"],
                "pdf_py_sha256": r.get("pdf_py_sha256")} for name, r in results.items()},
        indent=1), encoding="utf-8")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
