"""A user's own documents: read and checked one by one, then indexed on top of the shared corpus.

Nothing here touches the shared index: :func:`add_uploads` asks the pipeline for an
index extended with the new documents (only their chunks are embedded) and keeps it
in a :class:`SessionCorpus`, which the UI holds per browser session. Only
:func:`add_to_library`, which the server offers when an operator allows it
(``--allow-library-uploads``), copies a session's files into the shared library.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from qa.config import ServeSettings, Settings
from qa.corpus.documents import SUPPORTED_SUFFIXES, Document, describe_size, load_document
from qa.corpus.unsupported import check_type
from qa.errors import CorpusError, QAError
from qa.retriever.retriever import SearchIndex

#: File types a user may upload (the formats ``qa.corpus`` reads).
UPLOAD_SUFFIXES = SUPPORTED_SUFFIXES
#: The upload limit of the default settings: the pipeline's max_file_mb, the same as ``qa add``'s.
DEFAULT_MAX_UPLOAD_BYTES = ServeSettings().upload_bytes(Settings())


@dataclass(frozen=True)
class SessionCorpus:
    """The shared corpus plus one user's documents; ``index`` covers both."""

    index: SearchIndex
    documents: tuple[Document, ...]
    #: (file name, path of the uploaded copy) of each document, for :func:`add_to_library`.
    files: tuple[tuple[str, str], ...] = ()
    #: (document id, the file's bytes) of each PDF, kept in memory to show an answer on its page
    #: (the uploaded copy may be cleaned away, and a user's document is not written anywhere else).
    pdfs: tuple[tuple[str, bytes], ...] = ()

    def pdf_bytes(self, doc_id: str) -> bytes | None:
        return next((data for key, data in self.pdfs if key == doc_id), None)


def read_upload(path: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
                name: str | None = None, profile: str = Settings.text_profile,
                pdf_reader: str = Settings.pdf_reader, pages_read=None) -> Document:
    """Read one uploaded file into a document; raises :class:`CorpusError` with a message for the user."""
    name = name or Path(path).name
    check_type(path, name)  # with what to do about it: "save it as .docx", "export it as PDF"
    return load_document(path, name=name, source=f"upload: {name}", max_bytes=max_bytes, profile=profile,
                         pdf_reader=pdf_reader, pages_read=pages_read)


def add_uploads(pipeline, session: SessionCorpus | None, paths, *, max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
                note=None) -> tuple[SessionCorpus | None, list[Document], list[str]]:
    """Add the readable files among ``paths`` to the session's corpus.

    Returns the new session corpus (``session`` itself when nothing was added), the
    documents added and one message per file that was refused. A refused file never
    costs the documents already there. ``note(message)``, when given, hears how far it got.
    """
    note = note or (lambda message: None)
    known = {d.id for d in pipeline.documents} | {d.id for d in (session.documents if session else ())}
    added: list[Document] = []
    files: list[tuple[str, str]] = []
    problems: list[str] = []
    for number, path in enumerate(paths, 1):
        reading = f"Reading {Path(path).name} (file {number} of {len(paths)})"
        note(reading)

        def pages_read(done: int, total: int, reading=reading) -> None:
            note(f"{reading}: page {done} of {total}")

        try:
            document = read_upload(path, max_bytes=max_bytes, profile=pipeline.settings.text_profile,
                                   pdf_reader=pipeline.settings.pdf_reader, pages_read=pages_read)
        except CorpusError as exc:
            problems.append(str(exc))
            continue
        if document.id in known:
            problems.append(f"{Path(path).name}: a document named {document.id!r} is already in the corpus; "
                            "rename the file to add it")
            continue
        known.add(document.id)
        added.append(document)
        files.append((Path(path).name, str(path)))
    if not added:
        return session, [], problems
    read = ", ".join(f"{d.source.removeprefix('upload: ')}" + (f" ({d.pages} pages)" if d.pages else "")
                     for d in added)

    def embedded(done: int, total: int) -> None:
        note(f"Read {read}; passages embedded: {done} of {total}")

    index = pipeline.with_documents(added, base=session.index if session else None, progress=embedded)
    pdfs = tuple((d.id, Path(path).read_bytes()) for d, (_, path) in zip(added, files) if d.page_starts)
    return SessionCorpus(index=index, documents=(session.documents if session else ()) + tuple(added),
                         files=(session.files if session else ()) + tuple(files),
                         pdfs=(session.pdfs if session else ()) + pdfs), added, problems


class UploadJob:
    """One batch of uploads being added to a session's corpus, in a thread of its own: how far it got
    (:attr:`status`), and the session corpus it makes, which a question asked meanwhile waits for."""

    def __init__(self, pipeline, session: SessionCorpus | None, paths, *, max_bytes: int) -> None:
        self.names = [Path(p).name for p in paths]
        self.status = f"Adding {', '.join(self.names)}"
        self.session, self.added, self.problems = session, [], []
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(pipeline, list(paths), max_bytes),
                                        name="qa-upload", daemon=True)

    def start(self) -> "UploadJob":
        self._thread.start()
        return self

    def _note(self, message: str) -> None:
        self.status = message

    def _run(self, pipeline, paths, max_bytes: int) -> None:
        try:
            self.session, self.added, self.problems = add_uploads(pipeline, self.session, paths,
                                                                  max_bytes=max_bytes, note=self._note)
        except (QAError, ValueError, OSError) as exc:
            self.problems = [f"the documents could not be indexed: {exc}"]
        finally:
            self.done.set()

    def progress(self, every: float = 0.3):
        """:attr:`status` every ``every`` seconds until the documents are in."""
        while not self.done.wait(every):
            yield self.status


def add_to_library(pipeline, session: SessionCorpus | None) -> tuple[list[str], list[str]]:
    """Copy the session's uploaded files into the shared library and reload the shared index (only
    their chunks are embedded). Returns the file names added and one message per file refused."""
    from qa.library import add_files

    if session is None or not session.files:
        return [], ["upload documents first, then add them to the library"]
    present = [(name, path) for name, path in session.files if Path(path).is_file()]
    problems = [f"{name}: the uploaded copy is gone; upload it again" for name, path in session.files
                if (name, path) not in present]
    result = add_files(pipeline.settings, [path for _, path in present], names={path: name for name, path in present})
    problems += [str(e) for e in result.refused]
    if result.added:
        pipeline.reload()
    return [Path(d.source).name for d in result.added], problems
