"""One lock for files that several threads and processes write: the index folder and the feedback log.

A lock is a separate lock file held with ``filelock`` (``flock`` on POSIX), so it excludes other
processes as well as other threads of this one, and is released when its holder dies.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def exclusive(lock_path: str | os.PathLike, *, required: bool = True) -> Iterator[bool]:
    """Hold an exclusive lock on ``lock_path`` (created if need be) for the ``with`` block.

    Yields whether the lock is held. Where the lock file cannot be created (a read-only folder),
    ``required`` decides: raise the OSError, or go on unlocked (``False``), which suits a cache that
    cannot be written anyway.
    """
    from filelock import FileLock

    lock = FileLock(os.fspath(lock_path))
    try:
        lock.acquire()
    except OSError:
        if required:
            raise
        yield False
        return
    try:
        yield True
    finally:
        lock.release()
