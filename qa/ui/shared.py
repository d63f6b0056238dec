"""What the chat and the HTTP API share, so that both answer from one corpus.

One pipeline (one index, one pair of loaded models), its warm-up (which says whether they are
loaded yet), one limit on the questions answered at once, and one lock on the library. A document
added through the API is answered from in the chat, and the other way round, because both ask the
same pipeline. Adds and removes hold the lock from the copy to the end of the index update, so two
changes never interleave; questions asked meanwhile are answered from the index before the change.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol

from qa.config import ServeSettings
from qa.pipeline import Pipeline
from qa.types import Answer


class Startup(Protocol):
    """How far loading got (:class:`qa.ui.app.WarmUp`): its steps, an error, and whether it is done."""

    steps: list[str]
    error: str | None
    done: threading.Event

    def start(self) -> "Startup": ...


@dataclass
class Shared:
    """The pipeline and the limits that the chat page and the HTTP API hold in common."""

    pipeline: Pipeline
    startup: Startup
    #: Questions answered at once, by the chat and the API together.
    concurrency: int = ServeSettings.concurrency
    #: Held while documents are added to or removed from the library and the index is updated.
    library_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._gate = threading.BoundedSemaphore(self.concurrency)

    @property
    def ready(self) -> bool:
        """Whether the index and both models are loaded, so a question is answered at once."""
        return self.startup.done.is_set() and self.startup.error is None

    def ask(self, question: str, **options) -> Answer:
        """``Pipeline.ask``, waiting for one of the ``concurrency`` places shared by every caller."""
        with self._gate:
            return self.pipeline.ask(question, **options)
