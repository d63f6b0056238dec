"""A user's own PDF and Word files end to end: real embedder, FAISS, BM25 and the shipped reader; the
library and the incremental index, in the API and as ``qa add/remove/list`` subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from qa import Pipeline, Settings
from tests.conftest import ROOT
from tests.doc_files import write_docx, write_pdf, write_scanned_pdf

pytestmark = pytest.mark.slow

NOTES = "Ferry notes\n\nThe ferry to Inis Mor leaves the east quay at nine every morning.\n"


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """A folder of good PDF, Word and text files plus one scanned PDF, and its pipeline."""
    folder = tmp_path_factory.mktemp("mixed")
    write_pdf(folder / "harbour-report.pdf")
    write_docx(folder / "handbook.docx")
    (folder / "notes.txt").write_text(NOTES)
    write_scanned_pdf(folder / "scan.pdf")
    pipeline = Pipeline(Settings(corpus=(str(folder),), index_dir=str(tmp_path_factory.mktemp("mixed-index"))))
    return folder, pipeline


@pytest.mark.parametrize("question,answer,document,page,section,kind", [
    ("Who chairs the harbour trust?", "Brigid Walsh", "harbour-report", 1, "Who runs the harbour?", "body"),
    ("Who keeps the lighthouse on Skellig Point?", "Tomas Berg", "harbour-report", 2, "Who keeps the lighthouse?",
     "body"),
    ("How many sailors does the summer regatta draw?", "300", "harbour-report", 3, "When is the regatta?", "body"),
    ("Who picks the apples?", "forty volunteers", "handbook", None, "Who picks the apples?", "body"),
    ("When does the farm stall open?", "7 am", "handbook", None, "Opening hours", "table"),
])
def test_answers_are_cited_with_page_and_section_and_exact_offsets(mixed, question, answer, document, page,
                                                                   section, kind):
    _, pipeline = mixed
    got = pipeline.ask(question)
    assert got.text is not None and answer in got.text
    c = got.citation
    assert (c.doc_id, c.page, c.section, c.kind) == (document, page, section, kind)
    text = {d.id: d.text for d in pipeline.documents}[c.doc_id]
    assert text[c.start : c.end] == got.text and text[c.quote_start : c.quote_end] == c.quote
    assert got.to_dict()["citation"]["page"] == page
    assert c.label.startswith(f"p. {page}, ¶") if page else c.label.startswith("¶")


def test_a_bad_file_is_named_and_costs_nothing_else(mixed):
    _, pipeline = mixed
    assert sorted(d.id for d in pipeline.documents) == ["handbook", "harbour-report", "notes"]
    assert [os.path.basename(e.path) for e in pipeline.index.skipped] == ["scan.pdf"]
    assert "looks like a scanned document" in str(pipeline.index.skipped[0])
    from qa.ui.handlers import describe_loaded

    assert "Not indexed: scan\\.pdf has no text layer" in describe_loaded(pipeline)  # the chat's start-up line


def test_session_uploads_join_the_library_only_when_added(mixed, tmp_path):
    from qa.ui.uploads import add_to_library, add_uploads

    folder, _ = mixed
    library = tmp_path / "library"
    pipeline = Pipeline(Settings(corpus=(str(folder / "notes.txt"),), library_dir=str(library),
                                 index_dir=str(tmp_path / "index")))
    assert [d.id for d in pipeline.documents] == ["notes"]
    upload = write_pdf(tmp_path / "upload-7f3a.pdf")  # Gradio keeps uploads under temporary names
    notes = []
    session, added, problems = add_uploads(pipeline, None, [upload], note=notes.append)
    assert [d.id for d in added] == ["upload-7f3a"] and problems == []
    # how far it got, page by page while the PDF is read, then passage by passage while it is embedded
    assert "Reading upload-7f3a.pdf (file 1 of 1): page 2 of 3" in notes
    assert notes[-1] == "Read upload-7f3a.pdf (3 pages); passages embedded: 4 of 4"
    assert [d.id for d in pipeline.documents] == ["notes"]  # private to the session
    names, problems = add_to_library(pipeline, session)
    assert names == ["upload-7f3a.pdf"] and problems == [] and (library / "upload-7f3a.pdf").is_file()
    assert sorted(d.id for d in pipeline.documents) == ["notes", "upload-7f3a"]
    assert pipeline.index.chunks_embedded == 4  # the PDF's four chunks only; the notes' vector was reused
    assert pipeline.ask("Who keeps the lighthouse on Skellig Point?").citation.page == 2


def qa_cli(*args, env):
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=600)


def test_qa_add_list_remove(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.txt").write_text(NOTES)
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    write_pdf(incoming / "harbour-report.pdf")
    write_scanned_pdf(incoming / "scan.pdf")
    env = {**os.environ, "QA_CORPUS": str(corpus), "QA_INDEX_DIR": str(tmp_path / "index")}

    added = qa_cli("add", str(incoming), env=env)
    assert added.returncode == 1, added.stderr  # one file refused
    assert f"added harbour-report.pdf (The Harbour Trust, 3 page(s)) in {corpus}" in added.stdout
    assert "refused scan.pdf has no text layer" in added.stderr
    assert "index updated" in added.stdout and "harbour-report.pdf: 4 chunks" in added.stdout
    assert (corpus / "harbour-report.pdf").is_file() and not (corpus / "scan.pdf").exists()

    listed = qa_cli("list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["file"], r["chunks"], r["pages"]) for r in rows] == [("harbour-report.pdf", 4, 3), ("notes.txt", 1, None)]

    removed = qa_cli("remove", "harbour-report", env=env)
    assert removed.returncode == 0, removed.stderr
    assert "removed harbour-report.pdf" in removed.stdout and "0 of 1 chunks embedded" in removed.stdout
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.7\n% cut off here")  # a bad file put in the folder by hand
    listed = qa_cli("list", env=env)
    assert "notes.txt" in listed.stdout and "harbour-report" not in listed.stdout
    assert "1 document(s), 1 chunks" in listed.stdout
    assert "not indexed: broken.pdf is not a readable PDF: it is damaged or truncated" in listed.stdout
    missing = qa_cli("remove", "nothing-here", env=env)
    assert missing.returncode == 1 and "no document named 'nothing-here'" in missing.stderr
