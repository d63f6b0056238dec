"""Start the chat UI: ``python app.py [--host H] [--port P] [settings flags]``, the same as ``qa serve``."""
from qa.ui.app import main

if __name__ == "__main__":
    raise SystemExit(main())
