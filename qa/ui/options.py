"""The flags and options of ``qa serve`` / ``python app.py``, kept apart from the app so that parsing
the command line (``qa --help``, ``qa ask``, ``qa train-reader``) does not import gradio."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

from qa.cli import _add_settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
DEFAULT_FEEDBACK_FILE = "feedback.jsonl"
#: Questions answered at once; the pipeline's models are shared, not copied, by the workers.
DEFAULT_CONCURRENCY = 4


@dataclass(frozen=True)
class ServeOptions:
    host: str
    port: int
    feedback_file: str
    max_upload_bytes: int
    concurrency: int


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The flags of ``qa serve`` / ``python app.py``: the server's, then the pipeline settings."""
    g = parser.add_argument_group("server")
    g.add_argument("--host", default=None, help=f"address to listen on (env QA_HOST; default {DEFAULT_HOST})")
    g.add_argument("--port", type=int, default=None, help=f"port (env QA_PORT; default {DEFAULT_PORT})")
    g.add_argument("--feedback-file", default=None,
                   help=f"JSONL file for 👍/👎 (env QA_FEEDBACK_FILE; default ./{DEFAULT_FEEDBACK_FILE})")
    g.add_argument("--max-upload-mb", type=float, default=None,
                   help="largest document a user may upload (env QA_MAX_UPLOAD_MB; default 2)")
    g.add_argument("--concurrency", type=int, default=None,
                   help=f"questions answered at once (env QA_CONCURRENCY; default {DEFAULT_CONCURRENCY})")
    _add_settings(parser)
    return parser


def build_parser(prog: str = "qa serve") -> argparse.ArgumentParser:
    return add_arguments(argparse.ArgumentParser(prog=prog, description="Serve the question-answering chat UI."))


def serve_options(args: argparse.Namespace, environ=None) -> ServeOptions:
    """Flags, else ``QA_*`` environment variables, else the defaults; ValueError on bad values."""
    environ = os.environ if environ is None else environ

    def pick(flag, name, default, kind):
        if flag is not None:
            return flag
        raw = environ.get(name, "").strip()
        if not raw:
            return default
        try:
            return kind(raw)
        except ValueError:
            raise ValueError(f"{name} must be a {kind.__name__}, not {raw!r}") from None

    options = ServeOptions(
        host=pick(args.host, "QA_HOST", DEFAULT_HOST, str),
        port=pick(args.port, "QA_PORT", DEFAULT_PORT, int),
        feedback_file=pick(args.feedback_file, "QA_FEEDBACK_FILE", DEFAULT_FEEDBACK_FILE, str),
        max_upload_bytes=int(pick(args.max_upload_mb, "QA_MAX_UPLOAD_MB", 2.0, float) * 1024 * 1024),
        concurrency=pick(args.concurrency, "QA_CONCURRENCY", DEFAULT_CONCURRENCY, int),
    )
    if not 0 <= options.port <= 65535:
        raise ValueError(f"the port must be between 0 and 65535, not {options.port}")
    if options.max_upload_bytes < 1 or options.concurrency < 1:
        raise ValueError("--max-upload-mb and --concurrency must be positive")
    return options
