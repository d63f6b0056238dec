"""Files the corpus does not read, named with what to do about them.

:func:`qa.corpus.documents.corpus_files` takes only the supported files of a folder; a user who
adds a folder (``qa add FOLDER/``) or uploads a file should hear about every other one, with the
way to make it readable ("old.doc: unsupported file type .doc; save it as .docx"), rather than
see it left out without a word. Hidden files (``.DS_Store``, ``~$lock`` files of Office) are
left out silently: nobody meant to add them.
"""

from __future__ import annotations

from pathlib import Path

from qa.corpus.documents import SUPPORTED_NAMES, SUPPORTED_SUFFIXES
from qa.corpus.examples import SUFFIX as EXAMPLES_SUFFIX
from qa.errors import CorpusError

#: What to do with a format we do not read, by suffix.
ADVICE = {
    ".doc": "save it as .docx",
    ".rtf": "save it as .docx",
    ".odt": "save it as .docx",
    ".pages": "export it as .docx or PDF",
    ".ppt": "export it as PDF",
    ".pptx": "export it as PDF",
    ".odp": "export it as PDF",
    ".key": "export it as PDF",
    ".xls": "export it as PDF",
    ".xlsx": "export it as PDF",
    ".ods": "export it as PDF",
    ".epub": "export it as PDF",
}


def unsupported_type(name: str) -> CorpusError | None:
    """The refusal of a file named ``name`` for its type, with advice; None when the type is read."""
    suffix = Path(name).suffix.lower()
    if suffix in SUPPORTED_SUFFIXES:
        return None
    advice = ADVICE.get(suffix, f"use {SUPPORTED_NAMES}")
    return CorpusError(f"{name}: unsupported file type {suffix or '(none)'}; {advice}")


def check_type(path: str | Path, name: str | None = None) -> None:
    """Raise the refusal of :func:`unsupported_type` (naming ``path``) when the file's type is not read."""
    error = unsupported_type(name or Path(path).name)
    if error is not None:
        error.path = str(path)
        raise error


def hidden(path: Path) -> bool:
    """A file nobody meant to add: a dot file, or the lock file Office keeps beside an open document;
    or one the product reads for itself, a document's example questions (``<document>.questions``)."""
    return path.name.startswith((".", "~$")) or path.suffix.lower() == EXAMPLES_SUFFIX


def not_read_in(folder: str | Path) -> list[CorpusError]:
    """One refusal per entry of ``folder`` that reading the folder leaves out: files of a type not read,
    and folders inside it (folders are not read recursively). Hidden entries are left out silently."""
    refused = []
    for path in sorted(Path(folder).iterdir()):
        if hidden(path):
            continue
        if path.is_dir():
            error = CorpusError(f"{path.name}/: a folder inside a folder is not read; add it on its own")
        else:
            error = unsupported_type(path.name)
        if error is not None:
            error.path = str(path)
            refused.append(error)
    return refused
