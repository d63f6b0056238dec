"""Write the settings tables, generated from qa/config.py, into README.md: ``python docs/settings.py``."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.config import settings_tables  # noqa: E402

START = "<!-- settings: generated from qa/config.py by python docs/settings.py -->"
END = "<!-- end of settings -->"


def with_tables(readme: str) -> str:
    """``readme`` with the text between START and END replaced by the generated tables."""
    head, _, rest = readme.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{settings_tables()}\n{END}{tail}"


if __name__ == "__main__":
    path = ROOT / "README.md"
    path.write_text(with_tables(path.read_text(encoding="utf-8")), encoding="utf-8")
