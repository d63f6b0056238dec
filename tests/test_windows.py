"""One tokenisation of (question, context) windows, shared by reading and training (real tokenizer)."""

from __future__ import annotations

import pytest

from qa.reader.data import QAExample
from qa.reader.windows import tokenize_windows

CONTEXT = ("The Skellig lighthouse, built in 1826, is kept by Brigid Walsh. She lives there with three goats. " * 4)


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from qa.config import packaged_embedding_model_path

    return AutoTokenizer.from_pretrained(str(packaged_embedding_model_path()), local_files_only=True)


def test_windows_cover_the_context_and_map_tokens_to_its_characters(tokenizer):
    windows = tokenize_windows(tokenizer, ["Who keeps it?", "When?"], [CONTEXT, "Built in 1826."], max_length=48,
                               stride=16, max_query_tokens=64)
    assert windows.owners[0] == 0 and windows.owners[-1] == 1 and windows.owners.count(0) > 1
    for offsets, owner in zip(windows.offsets, windows.owners):
        context = [CONTEXT, "Built in 1826."][owner]
        spans = [o for o in offsets if o is not None]
        assert spans and all(0 <= s < e <= len(context) for s, e in spans)
        assert offsets[0] is None  # [CLS] and the question are not context
    assert windows.cls_positions == [0] * len(windows.owners)


def test_a_long_question_is_clipped_so_the_context_still_fits(tokenizer):
    windows = tokenize_windows(tokenizer, ["Who keeps the lighthouse " * 40], [CONTEXT], max_length=128, stride=32,
                               max_query_tokens=16)
    question_tokens = windows.encoding.sequence_ids(0).count(0)
    assert question_tokens == 16 and any(o is not None for o in windows.offsets[0])


def test_training_labels_the_windows_the_reader_reads(tokenizer):
    from qa.config import TrainConfig
    from qa.reader.training import tokenize_for_training

    example = QAExample("x", "Who keeps it?", CONTEXT, ("Brigid Walsh",), (CONTEXT.index("Brigid Walsh"),))
    config = TrainConfig(data=[], output_dir="", max_seq_length=48, doc_stride=16)
    features = tokenize_for_training([example], tokenizer, config)
    read = tokenize_windows(tokenizer, [example.question], [CONTEXT], max_length=48, stride=16,
                            max_query_tokens=config.max_query_tokens)
    assert [f["input_ids"] for f in features] == read.encoding["input_ids"]
    f = next(f for f in features if f["start_positions"] > 0)
    w = features.index(f)
    start, end = read.offsets[w][f["start_positions"]][0], read.offsets[w][f["end_positions"]][1]
    assert CONTEXT[start:end] == "Brigid Walsh"
