"""The flags of ``qa serve`` / ``python app.py``, kept apart from the app so that parsing the command
line (``qa --help``, ``qa ask``, ``qa train-reader``) does not import gradio.

Both groups of flags are generated from their declarations in :mod:`qa.config`:
:class:`~qa.config.ServeSettings` for the server, :class:`~qa.config.Settings` for the pipeline.
"""

from __future__ import annotations

import argparse

from qa.config import ServeSettings, Settings

def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The flags of ``qa serve`` / ``python app.py``: the server's, then the pipeline settings."""
    ServeSettings.add_arguments(parser, "server (each also a QA_* environment variable)")
    Settings.add_arguments(parser, "settings (each also a QA_* environment variable)")
    return parser


def build_parser(prog: str = "qa serve") -> argparse.ArgumentParser:
    return add_arguments(argparse.ArgumentParser(prog=prog, description="Serve the question-answering chat UI."))


def serve_options(args: argparse.Namespace, environ=None) -> ServeSettings:
    """Flags, else ``QA_*`` environment variables, else the defaults; ValueError on bad values."""
    return ServeSettings.from_args(args, environ)
