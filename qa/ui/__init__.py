"""The chat UI over the pipeline (Gradio): ``build_app`` makes the page, ``main`` serves it.

Gradio is imported only when the app itself is used; :mod:`qa.ui.render` and
:mod:`qa.ui.uploads` need neither Gradio nor a server.
"""

__all__ = ["build_app", "main"]


def __getattr__(name: str):
    if name in __all__:
        from qa.ui import app

        return getattr(app, name)
    raise AttributeError(f"module 'qa.ui' has no attribute {name!r}")
