"""The persistent library: documents copied into a folder of the corpus, so they stay answerable.

``qa add``, ``qa remove`` and ``qa list`` (and the UI's "Add to the library") are thin layers
over these functions. The library folder is ``Settings.library_dir``, or else the first folder
in ``Settings.corpus``. A file is read (and so checked) before it is copied, and copied under a
temporary name then renamed, so a bad or half-copied file never joins the corpus. The index is
not touched here: the caller reloads the pipeline, which re-embeds only the changed chunks.
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from qa.config import Settings
from qa.corpus.documents import Document, corpus_files, load_document
from qa.corpus.unsupported import check_type, hidden, not_read_in, unsupported_type
from qa.errors import CorpusError, NameTakenError, UnknownDocumentError
from qa.files import atomic_replace


def library_folder(settings: Settings) -> Path:
    """The folder documents are added to; CorpusError when the settings name none.

    A corpus path that does not exist yet and is not named like a document ("papers", "~/qa-library/")
    is a folder to be: :func:`add_files` creates it, as it does ``library_dir``.
    """
    if settings.library_dir is not None:
        return Path(settings.library_dir)
    for path in settings.corpus:
        if Path(path).is_dir() or (not Path(path).exists() and unsupported_type(Path(path).name) is not None):
            return Path(path)
    raise CorpusError("the corpus has no folder to add documents to; set QA_LIBRARY_DIR (--library-dir) "
                      "to a folder")


@dataclass
class Added:
    """What :func:`add_files` did: documents copied in (``replaced`` when a file of that name was there)
    and files refused, each refusal a CorpusError naming its file."""

    added: list[Document] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    refused: list[CorpusError] = field(default_factory=list)


def add_files(settings: Settings, paths, *, names: dict[str, str] | None = None) -> Added:
    """Copy the readable documents among ``paths`` (files or folders) into the library folder.

    A file whose name is already in the library replaces it (the document changed); one whose
    document name (the file name without its suffix) belongs to another document of the corpus is
    refused. ``names`` maps a path to the file name to store it under (uploads carry temporary names).
    Every file of a folder that is not read is refused by name (its type, with what to do about it).
    Raises CorpusError only when a path is missing, a folder holds nothing at all, or the library has
    no folder.
    """
    folder = library_folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    names = names or {}
    result = Added()
    files = _files_to_add(paths, result.refused)
    taken = _names_in_corpus(settings, folder)
    for path in files:
        name = names.get(str(path), path.name)
        try:
            check_type(path, name)
            document = load_document(path, name=name, max_bytes=settings.max_file_bytes, profile=settings.text_profile,
                                     pdf_reader=settings.pdf_reader)
        except CorpusError as exc:
            exc.path = str(path)
            result.refused.append(exc)
            continue
        owner = taken.get(document.id)
        if owner is not None and owner != (folder / name).resolve():
            error = NameTakenError(f"{name}: a document named {document.id!r} is already in the corpus "
                                   f"({owner.name}); rename the file to add it")
            error.path = str(path)
            result.refused.append(error)
            continue
        target = folder / name
        if target.exists():
            result.replaced.append(name)
        _copy_atomically(path, target)
        taken[document.id] = target.resolve()
        result.added.append(document)
    return result


def _files_to_add(paths, refused: list[CorpusError]) -> list[Path]:
    """The files named in ``paths`` and the supported files of the folders there; what a folder holds
    that is not read is added to ``refused``."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            files.append(path)
            continue
        if not path.is_dir():
            raise CorpusError(f"path not found: {path}")
        not_read = not_read_in(path)
        try:
            files += [f for f in corpus_files(path) if not hidden(f)]
        except CorpusError:  # nothing readable in it: its files are named below, or it is empty
            if not not_read:
                raise
        refused += not_read
    return files


def remove_file(settings: Settings, name: str) -> Path:
    """Delete the document ``name`` (its file name, or its name without the suffix) from the library
    folder; returns the path removed. CorpusError when the library holds no such document."""
    folder = library_folder(settings)
    candidates = [p for p in corpus_files(folder) if name in (p.name, p.stem)] if folder.is_dir() else []
    if not candidates:
        raise UnknownDocumentError(f"no document named {name!r} in the library ({folder})")
    if len(candidates) > 1:
        raise CorpusError(f"{name!r} names {len(candidates)} files ({', '.join(p.name for p in candidates)}); "
                          "give the full file name")
    candidates[0].unlink()
    return candidates[0]


def _names_in_corpus(settings: Settings, folder: Path) -> dict[str, Path]:
    """Document name -> file, for every supported file of the corpus (read or not)."""
    taken: dict[str, Path] = {}
    for path in [*settings.corpus_paths, str(folder)]:
        try:
            files = corpus_files(path)
        except CorpusError:  # an empty library folder
            continue
        for file in files:
            taken.setdefault(file.stem, file.resolve())
    return taken


def _copy_atomically(source: Path, target: Path) -> None:
    atomic_replace(target, lambda tmp: shutil.copyfile(source, tmp))


@dataclass(frozen=True)
class Listed:
    """One document of the corpus as ``qa list`` shows it."""

    file: str
    title: str
    chunks: int
    pages: int | None
    in_library: bool

    def to_dict(self) -> dict:
        """The row as ``qa list --json`` prints it and ``GET /api/documents`` returns it."""
        return dataclasses.asdict(self)


def list_documents(pipeline) -> list[Listed]:
    """The corpus's documents with their chunk counts and pages, in corpus order (the index is loaded
    or built first)."""
    index = pipeline.search_index(log=lambda message: None)
    counts: dict[str, int] = {}
    for chunk in index.chunks:
        counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    try:
        folder = library_folder(pipeline.settings).resolve()
    except CorpusError:
        folder = None
    return [Listed(file=Path(d.source).name, title=d.title, chunks=counts.get(d.id, 0), pages=d.pages,
                   in_library=folder is not None and Path(d.source).resolve().parent == folder)
            for d in pipeline.documents]


__all__ = ["Added", "Listed", "add_files", "library_folder", "list_documents", "remove_file"]
