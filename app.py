"""Start the chat UI: ``python app.py [--host H] [--port P] [settings flags]``, the same as ``qa serve``."""
from qa.config import offline_environment

offline_environment()  # before gradio and transformers are imported

from qa.ui.starting import main  # noqa: E402  (gradio is imported behind a starting page)

if __name__ == "__main__":
    raise SystemExit(main())
