"""The library's own exceptions; the CLI and the UI turn them into one clear line."""


class QAError(Exception):
    """Base class of every error this library raises on purpose."""


class CorpusError(QAError):
    """A corpus path is missing, unreadable, of an unsupported type, damaged, or empty.

    ``path`` is the file it is about, where there is one (set when a corpus is read).
    """

    path: str | None = None


class IndexCorruptError(QAError):
    """An index on disk is partial, damaged, or was built with other settings."""


class ReaderError(QAError):
    """The reader model cannot be loaded or run."""


class QuestionError(QAError, ValueError):
    """The question cannot be asked: empty, too long, or not text."""


class QuestionTooLongError(QuestionError):
    """The question is over ``max_question_chars`` (the HTTP API answers 413, not 400)."""


class UnknownDocumentError(CorpusError):
    """No document of that name is in the library (``qa remove``, ``DELETE /api/documents/{name}``)."""


class NameTakenError(CorpusError):
    """A document of that name, from another file, is already in the corpus."""


class VectorStoreError(QAError):
    """The vector store (a Milvus collection) does not hold what this pipeline needs, or failed."""


class StoreUnavailableError(VectorStoreError):
    """The vector store cannot be reached or opened (a wrong URI, a server that is down)."""


class StoreInUseError(StoreUnavailableError):
    """A Milvus Lite file is open in another process; Milvus Lite allows one process per file."""
