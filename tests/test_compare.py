"""``qa bench --compare``'s pure parts: the quality rule and the choice of variants."""

from __future__ import annotations

import pytest

from qa.evaluation.compare import BASELINE, VARIANTS, chosen_variants, quality_rule


def _figures(f1: float, abstained: int) -> dict:
    return {"f1": f1, "abstained_unanswerable": abstained}


def test_quality_rule_allows_less_than_half_a_point_and_no_lost_abstention():
    results = {"variants": {
        BASELINE: {"article": _figures(72.4, 23), "dev": _figures(70.0, 50)},
        "same": {"article": _figures(72.4, 23), "dev": _figures(70.0, 50)},
        "slightly worse": {"article": _figures(72.0, 23), "dev": _figures(69.6, 51)},
        "half a point": {"article": _figures(71.9, 23), "dev": _figures(70.0, 50)},
        "abstains less": {"article": _figures(73.0, 22), "dev": _figures(71.0, 50)},
        "worse on dev": {"article": _figures(73.0, 23), "dev": _figures(69.0, 50)},
    }}
    assert quality_rule(results) == {BASELINE: True, "same": True, "slightly worse": True, "half a point": False,
                                     "abstains less": False, "worse on dev": False}


def test_variants_are_chosen_by_name_with_the_baseline_always_in():
    assert chosen_variants(None) == VARIANTS
    assert list(chosen_variants("onnx fp32 early stop")) == [BASELINE, "onnx fp32 early stop"]
    with pytest.raises(ValueError, match="no variant named"):
        chosen_variants("onnx fp16")
