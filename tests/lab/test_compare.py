"""``qa bench --compare``'s pure parts: the quality rule and the choice of variants."""

from __future__ import annotations

import pytest

from lab.compare import BASELINE, VARIANTS, chosen_variants, quality_rule


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


@pytest.mark.slow
def test_isolated_variants_are_measured_in_their_own_processes_and_merged(tmp_path):
    """Each variant alone in a fresh process (real models, a few questions): the same figures as one run
    would give, the plain-forward yardstick from the baseline's process, and the quality rule."""
    from qa.config import Settings
    from lab.compare import DEFAULT_DATA, compare

    if not DEFAULT_DATA.is_file():
        pytest.skip(f"no QA data at {DEFAULT_DATA}")
    settings = Settings.from_env(index_dir=str(tmp_path / "index"))
    variants = {name: VARIANTS[name] for name in (BASELINE, "onnx fp32")}
    partial: list[dict] = []
    results = compare(settings, variants=variants, article_limit=4, dev_limit=4, wiki_limit=3, cold=False,
                      isolated=True, partial=lambda figures: partial.append(dict(figures)))
    assert results["isolated"] and len(partial) == 2
    assert set(results["variants"]) == set(variants)
    assert results["plain_torch_forward_ms"]["p50_ms"] > 0
    torch_run, onnx_run = results["variants"][BASELINE], results["variants"]["onnx fp32"]
    for key in ("article", "dev", "wiki"):
        # ONNX Runtime reads the same logits as torch, so the same answers.
        assert onnx_run[key]["f1"] == torch_run[key]["f1"] and onnx_run[key]["p50_ms"] > 0
    assert results["quality_rule"] == {BASELINE: True, "onnx fp32": True}
