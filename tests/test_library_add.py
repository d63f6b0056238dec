"""``qa add`` of a folder as users have them: a library folder still to be made, and files of every kind,
each one not read named with its reason. Real files (fpdf2 PDFs); add_files reads and copies, no models."""

from __future__ import annotations

import os

import pytest

from qa import Settings
from qa.library import add_files, library_folder
from tests.doc_files import write_pdf


@pytest.fixture()
def incoming(tmp_path):
    """A folder as a user's downloads look: a good PDF, a damaged one, formats not read, hidden files."""
    folder = tmp_path / "incoming"
    folder.mkdir()
    write_pdf(folder / "harbour-report.pdf")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n% cut off here")
    (folder / "minutes.doc").write_bytes(b"\xd0\xcf\x11\xe0 an old Word file")
    (folder / "slides.pptx").write_bytes(b"PK\x03\x04 slides")
    (folder / ".DS_Store").write_bytes(b"\x00\x00")
    (folder / "~$draft.docx").write_bytes(b"lock")
    (folder / "old").mkdir()
    return folder


def test_a_library_folder_that_does_not_exist_yet_is_created(tmp_path, incoming):
    settings = Settings.from_env({}, corpus=(str(tmp_path / "papers"),), index_dir=str(tmp_path / "index"))
    assert library_folder(settings) == tmp_path / "papers"
    result = add_files(settings, [incoming / "harbour-report.pdf"])
    assert [d.id for d in result.added] == ["harbour-report"] and result.refused == []
    assert (tmp_path / "papers" / "harbour-report.pdf").is_file()


def test_a_missing_document_is_not_taken_for_a_folder(tmp_path):
    settings = Settings.from_env({}, corpus=(str(tmp_path / "report.pdf"),), index_dir=str(tmp_path / "index"))
    with pytest.raises(Exception, match="no folder to add documents to"):
        library_folder(settings)


def test_every_file_not_added_is_named_with_its_reason(tmp_path, incoming):
    library = tmp_path / "library"
    settings = Settings.from_env({}, corpus=(str(library),), index_dir=str(tmp_path / "index"))
    result = add_files(settings, [incoming])
    assert [d.id for d in result.added] == ["harbour-report"]  # the bad PDF cost it nothing
    assert sorted(str(e) for e in result.refused) == [
        "broken.pdf is not a readable PDF: it is damaged or truncated",
        "minutes.doc: unsupported file type .doc; save it as .docx",
        "old/: a folder inside a folder is not read; add it on its own",
        "slides.pptx: unsupported file type .pptx; export it as PDF",
    ]
    assert all(os.path.dirname(e.path) == str(incoming) for e in result.refused)
    assert sorted(p.name for p in library.iterdir()) == ["harbour-report.pdf"]


def test_a_folder_of_unreadable_files_names_them_rather_than_saying_it_is_empty(tmp_path):
    folder = tmp_path / "slides"
    folder.mkdir()
    (folder / "talk.pptx").write_bytes(b"PK")
    settings = Settings.from_env({}, corpus=(str(tmp_path / "library"),), index_dir=str(tmp_path / "index"))
    result = add_files(settings, [folder])
    assert result.added == [] and [str(e) for e in result.refused] == [
        "talk.pptx: unsupported file type .pptx; export it as PDF"]
    (folder / "talk.pptx").unlink()
    with pytest.raises(Exception, match="documents found in"):
        add_files(settings, [folder])


@pytest.mark.slow
def test_qa_add_into_a_new_folder_names_what_it_left_out(tmp_path, incoming):
    from tests.test_own_documents import qa_cli

    library = tmp_path / "my-library"
    env = {**os.environ, "QA_CORPUS": str(library), "QA_INDEX_DIR": str(tmp_path / "index")}
    added = qa_cli("add", str(incoming), env=env)
    assert added.returncode == 1, added.stderr  # files were refused
    assert f"added harbour-report.pdf (The Harbour Trust, 3 page(s)) in {library}" in added.stdout
    assert "harbour-report.pdf: 4 chunks" in added.stdout
    for line in ["refused broken.pdf is not a readable PDF", "refused minutes.doc: unsupported file type .doc; "
                 "save it as .docx", "refused slides.pptx: unsupported file type .pptx; export it as PDF"]:
        assert line in added.stderr
    assert "DS_Store" not in added.stderr + added.stdout
