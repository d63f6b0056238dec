"""Property-based tests (hypothesis): decoding and question cleaning never break their invariants."""

from __future__ import annotations

import unicodedata

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.errors import QuestionError
from qa.pipeline import clean_question
from qa.reader.decoding import align_to_words, confidence, decode_spans


@st.composite
def windows(draw):
    context = draw(st.text(min_size=1, max_size=120))
    n_windows = draw(st.integers(1, 3))
    starts, ends, offsets = [], [], []
    for _ in range(n_windows):
        n = draw(st.integers(2, 24))
        cuts = sorted(draw(st.lists(st.integers(0, len(context)), min_size=n, max_size=n)))
        window = [None] + [(cuts[i], cuts[i + 1]) if i + 1 < n and draw(st.booleans()) else None
                           for i in range(n - 1)]
        floats = st.floats(-50, 50, allow_nan=False, allow_infinity=False)
        starts.append(np.array(draw(st.lists(floats, min_size=n, max_size=n))))
        ends.append(np.array(draw(st.lists(floats, min_size=n, max_size=n))))
        offsets.append(window)
    return context, starts, ends, offsets


@settings(max_examples=600, deadline=None)
@given(windows(), st.integers(1, 40))
def test_decoded_spans_are_inside_the_context_unique_and_sorted(case, max_tokens):
    context, starts, ends, offsets = case
    decoded = decode_spans(starts, ends, offsets, context, max_answer_tokens=max_tokens)
    keys = [(c.start, c.end) for c in decoded.candidates]
    assert len(keys) == len(set(keys))
    margins = [c.margin for c in decoded.candidates]
    assert margins == sorted(margins, reverse=True)
    for c in decoded.candidates:
        assert 0 <= c.start < c.end <= len(context)
        assert 0.0 <= confidence(c.margin, 0.5, -1.0) <= 1.0


@settings(max_examples=600, deadline=None)
@given(st.text(max_size=80), st.integers(0, 80), st.integers(0, 80))
def test_word_alignment_stays_in_bounds_and_only_widens_or_trims(context, a, b):
    start, end = min(a, b), max(a, b)
    s, e = align_to_words(context, start, end)
    assert 0 <= s <= e <= len(context)


@settings(max_examples=600, deadline=None)
@given(st.text(max_size=300))
def test_question_cleaning_returns_printable_text_or_a_clear_error(raw):
    try:
        cleaned = clean_question(raw, 200)
    except QuestionError as exc:
        assert str(exc)
        return
    assert cleaned and cleaned == cleaned.strip() and len(cleaned) <= 200
    assert not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in cleaned)
