"""Cold start: ``import qa`` stays light, and ``qa serve`` checks the reader without loading any model."""

from __future__ import annotations

import subprocess
import sys

from qa.reader.reader import ExtractiveReader

HEAVY = ("torch", "transformers", "onnxruntime", "gradio", "faiss", "sentence_transformers")


def _imported_after(code: str) -> list[str]:
    probe = f"import sys; {code}; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_import_qa_loads_no_model_library():
    assert _imported_after("import qa") == []


def test_checking_the_shipped_reader_loads_nothing():
    assert _imported_after("from qa.reader.reader import ExtractiveReader; ExtractiveReader().check()") == []


def test_a_missing_reader_is_found_by_the_cheap_check(tmp_path):
    import pytest

    from qa.errors import ReaderError

    for model in (str(tmp_path / "nowhere"), str(tmp_path)):
        with pytest.raises(ReaderError, match="no such folder|no reader"):
            ExtractiveReader(model).check()


def test_serve_with_a_missing_reader_fails_at_start_with_one_line(tmp_path, capsys):
    from qa.ui.starting import main

    assert main(["--reader", str(tmp_path / "nowhere"), "--index-dir", str(tmp_path / "index")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nowhere" in err[0] and err[0].startswith("qa serve: error:")
