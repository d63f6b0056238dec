"""(question, context) pairs as the reader's windows: one tokenisation for reading and for training.

A context longer than a window is split into windows of ``max_length`` tokens overlapping by
``stride``; the question, clipped to ``max_query_tokens``, heads every window (it trails it for
tokenizers that pad on the left). Each window's offsets map its context tokens to characters of
the context and are None elsewhere (question, special tokens, padding), so that span decoding
and training labels need no tokenizer.
"""

from __future__ import annotations

from dataclasses import dataclass

Offsets = list[tuple[int, int] | None]


@dataclass
class Windows:
    """The windows of a batch of pairs: the tokenizer's encoding (``input_ids``, ``attention_mask``,
    ``token_type_ids``), and per window its context offsets, the pair it belongs to and its [CLS] position."""

    encoding: object
    offsets: list[Offsets]
    owners: list[int]
    cls_positions: list[int]


def clip_question(tokenizer, question: str, max_tokens: int) -> str:
    """Keep a long question's first ``max_tokens`` tokens, so that the context always fits a window."""
    encoded = tokenizer(question, add_special_tokens=False, return_offsets_mapping=True)
    offsets = encoded["offset_mapping"]
    if len(offsets) <= max_tokens:
        return question
    return question[: offsets[max_tokens - 1][1]]


def _rows(value) -> list:
    return value.tolist() if hasattr(value, "tolist") else list(value)


def tokenize_windows(tokenizer, questions: list[str], contexts: list[str], *, max_length: int, stride: int,
                     max_query_tokens: int, padding: bool | str = False, return_tensors: str | None = None) -> Windows:
    """Tokenise ``questions[i]`` with ``contexts[i]`` into sliding windows (see the module's docstring).

    ``padding`` and ``return_tensors`` are the tokenizer's: the reader pads each batch to its longest
    window and takes tensors; training pads per batch later and takes lists.
    """
    pad_right = tokenizer.padding_side == "right"
    questions = [clip_question(tokenizer, q, max_query_tokens) for q in questions]
    encoded = tokenizer(
        questions if pad_right else contexts,
        contexts if pad_right else questions,
        truncation="only_second" if pad_right else "only_first",
        max_length=max_length,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding=padding,
        return_tensors=return_tensors,
    )
    context_id = 1 if pad_right else 0
    offsets, cls_positions = [], []
    for i, ids in enumerate(_rows(encoded["input_ids"])):
        seq_ids = encoded.sequence_ids(i)
        offsets.append([tuple(o) if seq_ids[t] == context_id else None
                        for t, o in enumerate(_rows(encoded["offset_mapping"][i]))])
        # The null answer lives at [CLS], which is not at 0 when the tokenizer pads on the left.
        cls_positions.append(ids.index(tokenizer.cls_token_id) if tokenizer.cls_token_id in ids else 0)
    return Windows(encoded, offsets, _rows(encoded["overflow_to_sample_mapping"]), cls_positions)
