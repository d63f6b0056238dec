"""The abstention shipping rule (issue 27), a pure function over two trade-off curves.

A candidate reader (or verifier, or threshold) ships when, on the dev report set,

1. its trade-off dominates the shipped one's over the operating range: at each answerable-F1 level
   from the shipped reader's F1 (at its card threshold) down to ``f1_range`` points below it, the
   candidate's best cut abstains on at least as many real unanswerable questions as the shipped
   reader's best cut (both readers' thresholds may move: what is compared is their frontiers);
2. at the chosen cut (the candidate's most-abstaining cut keeping answerable F1 within
   ``cut_f1_drop`` of the shipped F1) it abstains on at least ``min_gain`` points more real
   unanswerable questions than the shipped reader's best cut under the same F1 floor; and
3. its F1 on ``train/data/news_dev.jsonl`` (gold context, at the chosen cut) is at most
   ``max_news_drop`` points below the shipped reader's (at its card threshold).

It replaces issue 15's rule (+20 points of real abstention within 1 point of F1), which turned
away a reader better at every point of the trade-off. Curves are rows of
``lab.reader_eval.abstention_tradeoff``: dicts with ``cut``, ``answerable_f1`` and
``real_abstained``, in percent.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lab.reader_eval import best_cut  # noqa: E402


@dataclass(frozen=True)
class FrontierLevel:
    """Both frontiers at one answerable-F1 level: the most real abstention a cut keeping F1 at
    ``f1_level`` or more buys (None when no cut keeps it)."""

    f1_level: float
    baseline: float | None
    candidate: float | None

    @property
    def candidate_holds(self) -> bool:
        return self.baseline is None or (self.candidate is not None and self.candidate >= self.baseline)


@dataclass(frozen=True)
class RuleVerdict:
    """Whether the candidate ships, and why (one reason per failed condition; none when it ships)."""

    ships: bool
    reasons: list[str]
    shipped_f1: float
    #: The frontiers at the shipped F1 and 1, 2, 3 ... points below it (the model card's table).
    table: list[FrontierLevel]
    #: The candidate's chosen cut (a curve row), None when no cut keeps F1 within ``cut_f1_drop``.
    chosen: dict | None
    #: Real abstention at the chosen cut minus the shipped reader's best under the same F1 floor.
    gain_at_cut: float | None
    news_dev_drop: float
    #: Every level checked for dominance where the candidate fell short (empty when it dominates).
    crossings: list[FrontierLevel] = field(default_factory=list)


def frontier(curve: list[dict], f1_level: float) -> float | None:
    """The most real abstention of a cut in ``curve`` keeping answerable F1 at ``f1_level`` or more."""
    row = best_cut(curve, f1_level)
    return None if row is None else row.get("real_abstained", 0.0)


def shipping_verdict(baseline_curve: list[dict], candidate_curve: list[dict], *, shipped_f1: float,
                     news_dev_f1_baseline: float, news_dev_f1_candidate: float, f1_range: float = 3.0,
                     cut_f1_drop: float = 1.0, min_gain: float = 3.0, max_news_drop: float = 1.0) -> RuleVerdict:
    """Judge ``candidate_curve`` against ``baseline_curve`` by the rule in this module's docstring.

    ``shipped_f1`` is the shipped reader's answerable F1 at its card threshold; ``news_dev_f1_candidate``
    is the candidate's news_dev F1 at the chosen cut (see :func:`chosen_cut`)."""
    # Levels are rounded as curve rows are (2 decimals), so that 74.14 - 1 is the row's 73.14.
    low = round(shipped_f1 - f1_range, 2)
    # Frontiers are step functions of the F1 level that change only at a curve row's F1: checking
    # the range's ends and every row inside it checks every level in between.
    levels = sorted({shipped_f1, low} | {r["answerable_f1"] for r in baseline_curve + candidate_curve
                                         if low <= r["answerable_f1"] <= shipped_f1}, reverse=True)
    checked = [FrontierLevel(level, frontier(baseline_curve, level), frontier(candidate_curve, level))
               for level in levels]
    crossings = [level for level in checked if not level.candidate_holds]
    table = [FrontierLevel(level, frontier(baseline_curve, level), frontier(candidate_curve, level))
             for level in (round(shipped_f1 - d, 2) for d in range(int(f1_range) + 1))]
    chosen = chosen_cut(candidate_curve, shipped_f1, cut_f1_drop)
    baseline_at_floor = frontier(baseline_curve, round(shipped_f1 - cut_f1_drop, 2)) or 0.0
    gain = None if chosen is None else round(chosen.get("real_abstained", 0.0) - baseline_at_floor, 2)
    news_drop = round(news_dev_f1_baseline - news_dev_f1_candidate, 2)

    reasons = []
    if crossings:
        worst = min(crossings, key=lambda level: (level.candidate or 0.0) - level.baseline)
        reasons.append(f"the candidate's frontier falls below the shipped one's at {len(crossings)} of "
                       f"{len(checked)} F1 levels (at F1 {worst.f1_level:.2f}: {_percent(worst.candidate)} "
                       f"against {_percent(worst.baseline)} real abstention)")
    if gain is None:
        reasons.append(f"no cut keeps answerable F1 within {cut_f1_drop:g} point of {shipped_f1:.2f}")
    elif gain < min_gain:
        reasons.append(f"at the chosen cut it abstains on {gain:+.2f} points of real unanswerable questions, "
                       f"short of +{min_gain:g}")
    if news_drop > max_news_drop:
        reasons.append(f"news_dev F1 drops by {news_drop:.2f} points, more than {max_news_drop:g}")
    return RuleVerdict(not reasons, reasons, shipped_f1, table, chosen, gain, news_drop, crossings)


def chosen_cut(candidate_curve: list[dict], shipped_f1: float, cut_f1_drop: float = 1.0) -> dict | None:
    """The cut the candidate would ship at: its most-abstaining one keeping F1 within ``cut_f1_drop``."""
    return best_cut(candidate_curve, round(shipped_f1 - cut_f1_drop, 2))


def verdict_markdown(verdict: RuleVerdict, *, news_dev_f1_baseline: float, news_dev_f1_candidate: float,
                     threshold: float | None = None) -> list[str]:
    """The verdict as model-card lines: the rule, the before/after table and the chosen cut."""
    lines = [
        "Shipping rule (issue 27; `train/shipping_rule.py`): on the dev report set, at every answerable-F1",
        "level from the shipped reader's F1 down to 3 points below it the candidate abstains on at least as",
        "many real unanswerable questions, and on at least 3 points more at the chosen cut (F1 within 1",
        "point); news_dev F1 (gold context) drops by at most 1 point.",
        "",
        "| answerable F1 at least | shipped reader: real abstained | candidate: real abstained |",
        "|---|---|---|",
        *[f"| {level.f1_level:.2f} | {_percent(level.baseline)} | {_percent(level.candidate)} |"
          for level in verdict.table],
        "",
    ]
    if verdict.chosen is not None:
        at = f"margin cut {verdict.chosen['cut']}"
        at += "" if threshold is None else f", confidence threshold {threshold}"
        lines.append(f"Chosen cut: {at}: answerable F1 {verdict.chosen['answerable_f1']}, real unanswerable "
                     f"abstained {verdict.chosen.get('real_abstained', 0.0)}% ({verdict.gain_at_cut:+.2f} points).")
    lines += [f"news_dev F1 (gold context): {news_dev_f1_baseline} shipped, {news_dev_f1_candidate} candidate.",
              f"Verdict: {'ships' if verdict.ships else 'does not ship: ' + '; '.join(verdict.reasons)}."]
    return lines


def _percent(value: float | None) -> str:
    return "none" if value is None else f"{value:.1f}%"
