"""The reader's runtimes: the ONNX export against torch, and the export cache (reuse, rebuild, recovery)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from qa.config import SHIPPED_READER_DIR
from qa.exports import load_onnx_session, model_input_names, weights_fingerprint
from qa.reader import runtime
from qa.reader.reader import ExtractiveReader, window_logits
from tests.conftest import ARTICLE_QUESTIONS

pytestmark = pytest.mark.slow

@pytest.fixture(scope="module")
def tiny_reader(tmp_path_factory) -> Path:
    """A real, tiny BERT question-answering model (random weights) with the shipped reader's tokenizer."""
    import torch
    from transformers import BertConfig, BertForQuestionAnswering

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-reader")
    config = BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)
    BertForQuestionAnswering(config).save_pretrained(folder)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(SHIPPED_READER_DIR / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def shipped_pair():
    """The shipped reader on torch and on ONNX Runtime (its export in the default cache, shared with every
    other use of the shipped reader; the export itself is tested on a tiny model below)."""
    torch_reader = ExtractiveReader(None, runtime="torch")
    onnx_reader = ExtractiveReader(None, runtime="onnx")
    return torch_reader, onnx_reader


def _article_passages(article_text: str) -> list[str]:
    paragraphs = [p for p in article_text.split("\n\n") if len(p) > 80]
    return paragraphs[:6]


def test_onnx_reader_gives_torch_spans_and_logits(shipped_pair, article_text):
    torch_reader, onnx_reader = shipped_pair
    passages = _article_passages(article_text)
    tokenizer, torch_logits = torch_reader._components()
    _, onnx_logits = onnx_reader._components()
    assert isinstance(onnx_logits, runtime.OnnxLogits)
    for question in ARTICLE_QUESTIONS[:4]:
        encoded = tokenizer([question] * len(passages), passages, truncation="only_second", max_length=256,
                            stride=96, return_overflowing_tokens=True, padding="longest", return_tensors="np")
        inputs = {k: encoded[k].astype(np.int64) for k in runtime.INPUT_NAMES}
        mask = inputs["attention_mask"].astype(bool)
        for a, b in zip(window_logits(torch_logits, inputs, 16), window_logits(onnx_logits, inputs, 16)):
            assert np.abs(a - b)[mask].max() < 1e-3
    for question in ARTICLE_QUESTIONS:
        expected = torch_reader.spans(question, passages)
        got = onnx_reader.spans(question, passages)
        for e, g in zip(expected, got):
            assert [(c.start, c.end) for c in e.candidates[:3]] == [(c.start, c.end) for c in g.candidates[:3]]
            assert e.candidates[0].margin == pytest.approx(g.candidates[0].margin, abs=1e-3)


def test_per_batch_trimming_changes_no_logit(shipped_pair, article_text):
    """Cutting each batch to its own longest window (batch size 1 here) leaves every real logit as is."""
    torch_reader, _ = shipped_pair
    tokenizer, logits = torch_reader._components()
    passages = [*_article_passages(article_text)[:3], "Short text."]
    encoded = tokenizer(["Who is Colin Clarke?"] * 4, passages, truncation="only_second", max_length=256,
                        padding="longest", return_tensors="np")
    inputs = {k: encoded[k].astype(np.int64) for k in runtime.INPUT_NAMES}
    mask = inputs["attention_mask"].astype(bool)
    whole = window_logits(logits, inputs, 16, trim_right=False)
    trimmed = window_logits(logits, inputs, 1)
    for a, b in zip(whole, trimmed):
        assert np.abs(a - b)[mask].max() < 1e-3


def test_export_is_cached_and_reused(tiny_reader, tmp_path):
    first = runtime.onnx_model(tiny_reader, "fp32", tmp_path)
    stamp = first.stat().st_mtime_ns
    notes = []
    again = runtime.onnx_model(tiny_reader, "fp32", tmp_path, log=notes.append)
    assert again == first and again.stat().st_mtime_ns == stamp and notes == []
    assert load_onnx_session(first) is not None
    assert not list(first.parent.glob(".reader-*")), "no temporary file is left behind"


def test_export_is_rebuilt_when_the_weights_change(tiny_reader, tmp_path):
    from safetensors.torch import load_file, save_file

    copy = tmp_path / "reader"
    shutil.copytree(tiny_reader, copy)
    before = runtime.onnx_model(copy, "fp32", tmp_path / "cache")
    weights = load_file(copy / "model.safetensors")
    name = next(k for k in weights if k.endswith("qa_outputs.weight"))
    weights[name] = weights[name] + 1.0  # same size and shapes, other values: a retrained reader
    save_file(weights, copy / "model.safetensors", metadata={"format": "pt"})
    after = runtime.onnx_model(copy, "fp32", tmp_path / "cache")
    assert after != before and after.is_file()
    # And the export runs the new weights: the same spans as torch on them.
    question, passage = "Who is Colin Clarke?", "Colin Clarke is a counterterrorism analyst in New York."
    torch_spans = ExtractiveReader(str(copy), runtime="torch").spans(question, [passage])[0]
    onnx_spans = ExtractiveReader(str(copy), runtime="onnx", cache_dir=str(tmp_path / "cache")).spans(question, [passage])[0]
    assert torch_spans.candidates[0].margin == pytest.approx(onnx_spans.candidates[0].margin, abs=1e-4)


def test_truncated_export_is_rebuilt(tiny_reader, tmp_path):
    path = runtime.onnx_model(tiny_reader, "fp32", tmp_path)
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.truncate(size // 2)
    notes = []
    again = runtime.onnx_model(tiny_reader, "fp32", tmp_path, log=notes.append)
    assert again == path and again.stat().st_size == size and notes  # exported again
    load_onnx_session(again)


def test_damaged_export_of_the_same_size_is_rebuilt_by_the_reader(tiny_reader, tmp_path):
    path = runtime.onnx_model(tiny_reader, "fp32", tmp_path)
    size = path.stat().st_size
    path.write_bytes(b"\0garbage" * (size // 8) + b"\0" * (size % 8))  # the manifest's size still matches
    reader = ExtractiveReader(str(tiny_reader), runtime="onnx", cache_dir=str(tmp_path))
    assert reader.spans("Who is Colin Clarke?", ["Colin Clarke is an analyst."])[0].candidates
    load_onnx_session(path)


def test_int8_export_runs_and_stays_close(tiny_reader, tmp_path):
    path = runtime.onnx_model(tiny_reader, "int8", tmp_path)
    assert path.name == runtime.INT8_FILE and (path.parent / "reader-fp32.onnx").is_file()
    assert path.stat().st_size < (path.parent / "reader-fp32.onnx").stat().st_size
    reader = ExtractiveReader(str(tiny_reader), runtime="onnx", precision="int8", cache_dir=str(tmp_path))
    assert reader.spans("Who is Colin Clarke?", ["Colin Clarke is an analyst."])[0].candidates


def test_int8_leaves_the_narrowing_layers_in_fp32(tiny_reader, tmp_path):
    """Feed-forward outputs (64 -> 32 here) and the span head (32 -> 2) stay fp32 on both runtimes; queries,
    keys, values, attention outputs and feed-forward inputs (32 -> 32, 32 -> 64) are int8."""
    import onnx
    import torch

    path = runtime.onnx_model(tiny_reader, "int8", tmp_path)
    shapes = {w.name: tuple(w.dims) for w in onnx.load(str(path.parent / "reader-fp32.onnx")).graph.initializer}
    nodes = onnx.load(str(path)).graph.node
    float_weights = sorted(shapes[n.input[1]] for n in nodes if n.op_type == "MatMul" and n.input[1] in shapes)
    assert float_weights == [(32, 2)] + [(64, 32)] * 2
    assert sum(n.op_type == "MatMulInteger" for n in nodes) == 2 * 5

    _, logits = ExtractiveReader(str(tiny_reader), runtime="torch", precision="int8")._components()
    layer = logits.model.bert.encoder.layer[0]
    assert type(layer.output.dense) is torch.nn.Linear and type(logits.model.qa_outputs) is torch.nn.Linear
    assert type(layer.intermediate.dense) is not torch.nn.Linear
    assert type(layer.attention.self.query) is not torch.nn.Linear


def test_segment_ids_are_an_input_only_where_the_model_has_segment_types():
    assert model_input_names({"type_vocab_size": 2}) == ["input_ids", "attention_mask", "token_type_ids"]
    assert model_input_names({"type_vocab_size": 1}) == model_input_names({}) == ["input_ids", "attention_mask"]


def test_fingerprint_follows_contents_not_names(tiny_reader, tmp_path):
    copy = tmp_path / "elsewhere"
    shutil.copytree(tiny_reader, copy)
    assert weights_fingerprint(copy) == weights_fingerprint(tiny_reader)
    with pytest.raises(FileNotFoundError):
        weights_fingerprint(tmp_path)


def test_only_the_most_recently_used_exports_are_kept(tmp_path):
    import os

    from qa.exports import KEEP_EXPORTS, cached_file, prune_exports

    kind = tmp_path / "reader-onnx"
    for age, name in enumerate(["newest", "b", "c", "d", "oldest"]):
        (kind / name).mkdir(parents=True)
        (kind / name / "reader-fp32.onnx").write_bytes(b"x")
        os.utime(kind / name, (1e9 - age * 1000, 1e9 - age * 1000))
    assert sorted(p.name for p in prune_exports(kind, keep=3)) == ["d", "oldest"]
    assert sorted(p.name for p in kind.iterdir()) == ["b", "c", "newest"]
    # A new export prunes the kind's folder (here: keeps itself and the two most recent others).
    (kind / "new").mkdir()
    cached_file(kind / "new" / "model.onnx", lambda tmp: tmp.write_bytes(b"onnx"))
    assert KEEP_EXPORTS == 3 and sorted(p.name for p in kind.iterdir()) == ["b", "new", "newest"]
