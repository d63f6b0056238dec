"""Atomic file replacement: write beside the target, then rename over it.

A crash or a full disk leaves either the old file or the new one, never half of one. Used by the
index, the vector cache, the document library and the reader's ONNX exports.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_replace(path: str | os.PathLike, write: Callable[[Path], None], *, mode: int | None = None,
                   suffix: str = ".tmp") -> None:
    """Run ``write(tmp)`` on a temporary file beside ``path``, flush it to disk, then move it into place.

    ``mode`` sets the file's permissions (a temporary file is created 0600)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically."""
    atomic_replace(path, lambda tmp: tmp.write_bytes(data))
