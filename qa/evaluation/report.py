"""Present an evaluation: a terminal table, the JSON figures, a Markdown report with PNG plots,
and the deltas against the reference report kept in git."""

from __future__ import annotations

import json
import os
from pathlib import Path

#: Headline figures compared with the reference, as (label, path in the report dict, higher is better).
HEADLINES = [
    ("end-to-end EM", ("end_to_end", "overall", "exact_match"), True),
    ("end-to-end F1", ("end_to_end", "overall", "f1"), True),
    ("answerable F1", ("end_to_end", "answerable", "f1"), True),
    ("gold-paragraph F1", ("gold_paragraph", "f1"), True),
    ("hybrid recall@3", ("retrieval", "hybrid", "recall@3"), True),
    ("hybrid MRR", ("retrieval", "hybrid", "mrr"), True),
    ("citation accuracy", ("citation_accuracy",), True),
    ("abstention recall", ("abstention", "recall"), True),
    ("abstention precision", ("abstention", "precision"), True),
    ("ECE", ("calibration", "ece"), False),
    ("p50 latency ms", ("latency", "p50_ms"), False),
    ("p95 latency ms", ("latency", "p95_ms"), False),
]


def _get(report: dict, path: tuple):
    for key in path:
        if not isinstance(report, dict) or key not in report:
            return None
        report = report[key]
    return report


def deltas(report: dict, reference: dict | None) -> list[tuple[str, float | None, float | None, float | None]]:
    """(label, reference value, this value, change) for each headline figure."""
    rows = []
    for label, path, _ in HEADLINES:
        now, before = _get(report, path), _get(reference or {}, path)
        change = None if now is None or before is None else round(now - before, 4)
        rows.append((label, before, now, change))
    return rows


def print_summary(report: dict, reference: dict | None, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    table = Table(title=f"qa eval: {report['questions']} questions, reader {Path(report['reader']).name}")
    table.add_column("figure")
    table.add_column("reference", justify="right")
    table.add_column("this run", justify="right")
    table.add_column("change", justify="right")
    better = {label: up for label, _, up in HEADLINES}
    for label, before, now, change in deltas(report, reference):
        colour = "" if not change else ("green" if (change > 0) == better[label] else "red")
        table.add_row(label, _fmt(before), _fmt(now), f"[{colour}]{change:+g}[/]" if change else "")
    console.print(table)

    types = Table(title="by question type (end to end)")
    for col in ("type", "count", "EM", "F1"):
        types.add_column(col, justify="right" if col != "type" else "left")
    for name, block in report["end_to_end"]["by_type"].items():
        types.add_row(name, str(block["count"]), _fmt(block["exact_match"]), _fmt(block["f1"]))
    console.print(types)

    base = Table(title="baselines in this run")
    for col in ("configuration", "EM", "F1", "p50 ms", "recall@3"):
        base.add_column(col, justify="right" if col != "configuration" else "left")
    for name, block in report["baselines"].items():
        recall = _get(report, ("retrieval", name, "recall@3"))
        base.add_row(name, _fmt(block["exact_match"]), _fmt(block["f1"]), _fmt(block.get("p50_ms")), _fmt(recall))
    console.print(base)


#: (column, key in a figures block) of the real-documents table, per document and in total.
DOCUMENT_COLUMNS = (("right", "right"), ("partial", "partial"), ("wrong", "wrong"), ("abst.", "abstained"),
                    ("of", "answerable"), ("page ok", "right_with_right_page"), ("unans. abst.", "unanswerable_abstained"),
                    ("of", "unanswerable"), ("chunks", "chunks"), ("median ch.", "median_chars"),
                    ("<40 ch. %", "under_40_chars"), ("bare nos.", "bare_numbers"), ("repeats", "repeated_lines"))


def print_document_figures(results: dict, console=None) -> None:
    """``qa eval-docs``'s figures: one table per variant (documents and the total), then speed."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    for name, result in results.items():
        table = Table(title=f"qa eval-docs: {name}")
        table.add_column("document")
        for label, _ in DOCUMENT_COLUMNS:
            table.add_column(label, justify="right")
        for doc, block in [*result["by_document"].items(), ("total", result["total"])]:
            table.add_row(doc, *(_fmt(block.get(key)) for _, key in DOCUMENT_COLUMNS))
        console.print(table)
        total = result["total"]
        console.print(f"{name}: {total['pages']} pages indexed in {total['index_seconds']} s "
                      f"({total['pages_per_second']} pages/s); ask p50 {total['ask'].get('p50_ms')} ms, "
                      f"p95 {total['ask'].get('p95_ms')} ms; skipped: {total['skipped'] or 'none'}")


def _fmt(value) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def write_report(report: dict, directory: str | Path, reference: dict | None) -> Path:
    """Write report.json, report.md and the plots into ``directory``; returns the Markdown path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    plots = _plots(report, directory)
    (directory / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# Evaluation report",
        "",
        f"{report['created']} · {report['questions']} questions · reader `{Path(report['reader']).name}` · "
        f"threshold {report['threshold']} · top_k {report['top_k']} · {report['chunks']} chunks",
        "",
        "## Headline figures (change against the previous reference)",
        "",
        "| figure | reference | this run | change |",
        "|---|---:|---:|---:|",
    ]
    for label, before, now, change in deltas(report, reference):
        lines.append(f"| {label} | {_fmt(before)} | {_fmt(now)} | {'' if change is None else f'{change:+g}'} |")
    lines += ["", "## End to end, by question type", "", "| type | count | EM | F1 |", "|---|---:|---:|---:|"]
    for name, block in report["end_to_end"]["by_type"].items():
        lines.append(f"| {name} | {block['count']} | {block['exact_match']} | {block['f1']} |")
    lines += ["", f"Reader with the gold paragraph (answerable questions): EM {report['gold_paragraph']['exact_match']},"
              f" F1 {report['gold_paragraph']['f1']}.", "",
              "## Baselines in the same run", "", "| configuration | EM | F1 | p50 ms | p95 ms |",
              "|---|---:|---:|---:|---:|"]
    for name, block in report["baselines"].items():
        lines.append(f"| {name} | {block['exact_match']} | {block['f1']} | {block.get('p50_ms')} | {block.get('p95_ms')} |")
    lines += ["", "## Retrieval (evidence paragraph)", "", "| mode | recall@1 | recall@3 | recall@5 | MRR |",
              "|---|---:|---:|---:|---:|"]
    for mode, block in report["retrieval"].items():
        lines.append(f"| {mode} | {block['recall@1']} | {block['recall@3']} | {block['recall@5']} | {block['mrr']} |")
    a, lat = report["abstention"], report["latency"]
    lines += ["", "## Citations, abstention, calibration, latency", "",
              f"- Citation accuracy (cited paragraph is an evidence paragraph): {report['citation_accuracy']}",
              f"- Abstention at threshold {a['threshold']}: precision {a['precision']}, recall {a['recall']} "
              f"({a['abstained']} abstentions, {a['unanswerable']} unanswerable questions)",
              f"- Expected calibration error: {report['calibration']['ece']}",
              f"- Latency per question (warm): p50 {lat.get('p50_ms')} ms, p95 {lat.get('p95_ms')} ms; cold start "
              f"{lat['cold_start_s']} s; index build {lat['index_build_s']} s; peak RSS {lat['peak_rss_mb']} MB", ""]
    for title, name in plots:
        lines.append(f"![{title}]({name})")
    path = directory / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _plots(report: dict, directory: Path) -> list[tuple[str, str]]:
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []

    def save(fig, name, title):
        fig.tight_layout()
        fig.savefig(directory / name, dpi=110)
        plt.close(fig)
        made.append((title, name))

    fig, ax = plt.subplots(figsize=(5, 3.4))
    for mode, block in report["retrieval"].items():
        ax.plot(range(1, len(block["recall_curve"]) + 1), block["recall_curve"], marker="o", label=mode)
    ax.set(xlabel="k", ylabel="recall@k", title="Retrieval recall@k", ylim=(0, 1.02))
    ax.legend()
    save(fig, "recall_at_k.png", "recall@k")

    bins = [b for b in report["calibration"]["bins"] if b["count"]]
    fig, ax = plt.subplots(figsize=(4.2, 4))
    ax.plot([0, 1], [0, 1], "--", color="grey")
    ax.bar([b["low"] for b in bins], [b["accuracy"] for b in bins], width=0.1, align="edge", alpha=0.7,
           edgecolor="black")
    ax.set(xlabel="confidence", ylabel="accuracy", title=f"Reliability (ECE {report['calibration']['ece']})",
           xlim=(0, 1), ylim=(0, 1))
    save(fig, "reliability.png", "reliability diagram")

    curve = report["abstention"]["f1_by_threshold"]
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.plot([t for t, _ in curve], [f for _, f in curve])
    ax.axvline(report["abstention"]["threshold"], color="red", linestyle=":", label="configured threshold")
    ax.set(xlabel="answer threshold", ylabel="overall F1", title="F1 by abstention threshold")
    ax.legend()
    save(fig, "threshold.png", "threshold curve")

    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.hist([1000 * s for s in report["latency"]["seconds"]], bins=20)
    ax.set(xlabel="ms per question (warm)", ylabel="questions", title="Latency")
    save(fig, "latency.png", "latency histogram")
    return made
