"""Span decoding with hand-made logits: no model, no tokenizer."""

from __future__ import annotations

import numpy as np
import pytest

from qa.reader.decoding import (align_to_words, confidence, decode_spans, decode_window, suppress_overlaps,
                                 without_lead_in)

CONTEXT = "ISIS-K has 2,000 fighters in Nangarhar province."
#          0    5    10   15   20   25   30   35   40   45
# Token offsets as a tokenizer would give them (index 0 = [CLS], 1-2 = question, 3 = [SEP]).
TOKENS = [None, None, None, None, (0, 4), (4, 5), (5, 6), (7, 10), (11, 12), (12, 13), (13, 16), (17, 25),
          (26, 28), (29, 38), (39, 47), (47, 48), None]


def logits(n, peaks):
    arr = np.full(n, -10.0)
    for index, value in peaks.items():
        arr[index] = value
    return arr


def test_best_span_and_margin_over_null():
    start = logits(len(TOKENS), {0: 1.0, 8: 6.0})
    end = logits(len(TOKENS), {0: 1.0, 10: 5.0})
    spans = decode_spans([start], [end], [TOKENS], CONTEXT)
    best = spans.candidates[0]
    assert CONTEXT[best.start : best.end] == "2,000"
    assert best.margin == pytest.approx(11.0 - 2.0)
    assert spans.null_logit == pytest.approx(2.0)


def test_null_answer_wins_when_cls_scores_highest():
    start = logits(len(TOKENS), {0: 9.0, 8: 2.0})
    end = logits(len(TOKENS), {0: 9.0, 10: 2.0})
    best = decode_spans([start], [end], [TOKENS], CONTEXT).candidates[0]
    assert best.margin < 0
    assert confidence(best.margin) < 0.5


def test_question_and_special_tokens_are_never_answers():
    start = logits(len(TOKENS), {1: 20.0, 2: 20.0, 7: 1.0})
    end = logits(len(TOKENS), {2: 20.0, 16: 20.0, 7: 1.0})
    cands = decode_window(start, end, TOKENS)
    assert cands and all(c.start >= 0 and c.end <= len(CONTEXT) for c in cands)
    assert (cands[0].start, cands[0].end) != (0, 0)
    best = max(cands, key=lambda c: c.margin)
    assert CONTEXT[best.start : best.end] == "has"


def test_end_before_start_and_overlong_spans_are_rejected():
    start = logits(len(TOKENS), {13: 8.0, 4: 1.0})
    end = logits(len(TOKENS), {7: 8.0, 14: 1.0})
    cands = decode_window(start, end, TOKENS, max_answer_tokens=2)
    assert all(c.end > c.start for c in cands)
    for c in cands:
        first = next(i for i, o in enumerate(TOKENS) if o and o[0] == c.start)
        last = next(i for i, o in enumerate(TOKENS) if o and o[1] == c.end)
        assert last >= first and last - first + 1 <= 2


def test_spans_are_aligned_to_whole_words():
    # The model points at the "K" of ISIS-K and the first digit of 2,000 only.
    start = logits(len(TOKENS), {6: 5.0})
    end = logits(len(TOKENS), {6: 5.0})
    best = decode_spans([start], [end], [TOKENS], CONTEXT).candidates[0]
    assert CONTEXT[best.start : best.end] == "ISIS-K"
    assert align_to_words(CONTEXT, 11, 12) == (11, 16)
    assert align_to_words(CONTEXT, 10, 17) == (11, 16)  # edge spaces trimmed
    assert align_to_words("a, b", 0, 2) == (0, 1)  # dangling comma dropped


def test_a_span_ending_before_a_lowercase_suffix_keeps_its_end():
    text = "a Toronto-based analyst at ISIS-K or COVID-19 sites"
    assert text[slice(*align_to_words(text, 2, 9))] == "Toronto"  # "where is he based?" -> Toronto
    assert text[slice(*align_to_words(text, 10, 15))] == "Toronto-based"  # a start inside still widens
    assert text[slice(*align_to_words(text, 27, 31))] == "ISIS-K"
    assert text[slice(*align_to_words(text, 37, 42))] == "COVID-19"


def test_overlapping_windows_merge_duplicates_and_keep_the_best_score():
    # Two windows with a stride overlap both see "Nangarhar" at the same characters.
    w1 = [None, None, (11, 12), (12, 13), (13, 16), (17, 25), (26, 28), (29, 38), None]
    w2 = [None, None, (26, 28), (29, 38), (39, 47), (47, 48), None]
    s1, e1 = logits(len(w1), {0: 0.0, 7: 4.0}), logits(len(w1), {0: 0.0, 7: 4.0})
    s2, e2 = logits(len(w2), {0: 0.0, 3: 6.0}), logits(len(w2), {0: 0.0, 3: 6.0})
    decoded = decode_spans([s1, s2], [e1, e2], [w1, w2], CONTEXT)
    matches = [c for c in decoded.candidates if CONTEXT[c.start : c.end] == "Nangarhar"]
    assert len(matches) == 1
    assert matches[0].margin == pytest.approx(12.0) and matches[0].window == 1
    keys = [(c.start, c.end) for c in decoded.candidates]
    assert len(keys) == len(set(keys))


def test_offsets_index_the_context_and_later_windows_work():
    w2 = [None, None, (39, 47), (47, 48), None]
    s, e = logits(len(w2), {0: 0.0, 2: 3.0}), logits(len(w2), {0: 0.0, 2: 3.0})
    best = decode_spans([logits(3, {}), s], [logits(3, {}), e], [[None] * 3, w2], CONTEXT).candidates[0]
    assert CONTEXT[best.start : best.end] == "province"


def test_empty_and_degenerate_inputs():
    assert decode_spans([], [], [], "").candidates == []
    assert decode_window(np.zeros(3), np.zeros(3), [None, None, None]) == []
    assert decode_window(np.zeros(3), np.zeros(3), [None, (0, 0), None]) == []


def test_confidence_is_a_monotone_map_into_unit_interval():
    values = [confidence(m, 0.7, -1.0) for m in (-1e9, -5, 0, 5, 1e9, float("inf"), float("-inf"))]
    assert all(0.0 <= v <= 1.0 for v in values)
    assert values[:5] == sorted(values[:5])
    assert confidence(0.0) == 0.5


def test_suppress_overlaps_keeps_distinct_answers():
    spans = [("a", 10, 20), ("a", 12, 15), ("b", 12, 15), ("a", 20, 25), ("a", 0, 11)]
    assert suppress_overlaps(spans) == [0, 2, 3]


def test_null_position_can_differ_per_window():
    # A left-padded window has its [CLS] after the padding.
    w1 = [None, None, (11, 12), (12, 13), (13, 16), None]
    w2 = [None, None, None, (29, 38), None]  # [PAD] [PAD] [CLS] Nangarhar [SEP]
    s1, e1 = logits(len(w1), {0: 5.0, 2: 1.0}), logits(len(w1), {0: 5.0, 4: 1.0})
    s2, e2 = logits(len(w2), {0: 50.0, 2: 0.0, 3: 4.0}), logits(len(w2), {0: 50.0, 2: 0.0, 3: 4.0})
    decoded = decode_spans([s1, s2], [e1, e2], [w1, w2], CONTEXT, cls_index=[0, 2])
    best = decoded.candidates[0]
    assert CONTEXT[best.start : best.end] == "Nangarhar" and best.margin == pytest.approx(8.0)
    assert decoded.null_logit == pytest.approx(0.0)


def test_spans_in_a_lead_in_are_dropped_and_the_rest_shifted_into_the_text():
    heading = "How big is it?\n"
    context = heading + CONTEXT
    shift = len(heading)
    tokens = [None, None, None, None, (0, 3), (4, 7), (8, 10), (11, 14)] + \
        [(s + shift, e + shift) for s, e in TOKENS[4:-1]] + [None]
    start = logits(len(tokens), {0: 1.0, 5: 7.0, 4 + 8: 6.0})  # "big" in the heading, "2,000" in the text
    end = logits(len(tokens), {0: 1.0, 5: 7.0, 4 + 10: 5.0})
    read = decode_spans([start], [end], [tokens], context)
    assert context[read.candidates[0].start : read.candidates[0].end] == "big"
    spans = without_lead_in(read, shift)
    assert spans.candidates and all(c.start >= 0 for c in spans.candidates)
    assert CONTEXT[spans.candidates[0].start : spans.candidates[0].end] == "2,000"
    assert spans.candidates[0].margin == pytest.approx(11.0 - 2.0)
    assert without_lead_in(read, 0) is read


def test_a_span_never_runs_across_a_blank_line_but_may_across_a_wrap():
    byline = "Mark Gollom\n\nSenior Writer"
    tokens = [None, (0, 4), (5, 11), (13, 19), (20, 26), None]
    start = logits(len(tokens), {0: 0.0, 1: 8.0})
    end = logits(len(tokens), {0: 0.0, 4: 9.0, 2: 7.0})  # the best end lies on the next line
    spans = decode_spans([start], [end], [tokens], byline)
    assert [byline[c.start : c.end] for c in spans.candidates][:2] == ["Mark Gollom", "Senior Writer"]
    wrapped = "Mark\nGollom writes"
    tokens = [None, (0, 4), (5, 11), (12, 18), None]
    spans = decode_spans([logits(len(tokens), {0: 0.0, 1: 8.0})], [logits(len(tokens), {0: 0.0, 2: 9.0})], [tokens],
                         wrapped)
    assert wrapped[spans.candidates[0].start : spans.candidates[0].end] == "Mark\nGollom"
