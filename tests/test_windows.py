"""One tokenisation of (question, context) windows, shared by reading and training (real tokenizer)."""

from __future__ import annotations

import pytest

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
