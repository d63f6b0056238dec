"""The reader's training script: data handling (fast) and a tiny real training run (slow)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lab.data import add_negatives
from qa.evaluation.qa_data import QAExample, is_dev_context, load_examples, split_by_context
from tests.conftest import ROOT

CONTEXTS = [
    "The Skellig lighthouse was built in 1826 and is kept by Brigid Walsh, who lives there with three goats.",
    "Oslo is the capital of Norway. The city hosts the Nobel Peace Prize ceremony every December.",
    "The river Shannon is the longest river in Ireland, at 360 kilometres, and flows into the Atlantic.",
    "Marie Curie won the Nobel Prize in Physics in 1903 and in Chemistry in 1911.",
]
ROWS = [
    (0, "Who keeps the Skellig lighthouse?", "Brigid Walsh"),
    (0, "When was the lighthouse built?", "1826"),
    (1, "What is the capital of Norway?", "Oslo"),
    (1, "When is the Nobel Peace Prize ceremony held?", "every December"),
    (2, "How long is the Shannon?", "360 kilometres"),
    (3, "When did Marie Curie win the chemistry prize?", "1911"),
]


def write_data(path):
    with open(path, "w", encoding="utf-8") as out:
        for i, (c, question, answer) in enumerate(ROWS):
            context = CONTEXTS[c]
            out.write(json.dumps({"id": f"t{i}", "source": "toy", "context": context, "question": question,
                                  "answers": [answer], "answer_starts": [context.index(answer)]}) + "\n")
        out.write(json.dumps({"id": "t-none", "source": "toy", "context": CONTEXTS[3],
                              "question": "Where was Marie Curie born?", "answers": [], "answer_starts": []}) + "\n")
    return path


def test_loading_split_and_negatives(tmp_path):
    examples = load_examples(write_data(tmp_path / "toy.jsonl"))
    assert len(examples) == 7 and not examples[-1].is_answerable
    train, dev = split_by_context(examples, 0.5)
    assert {e.context for e in train}.isdisjoint({e.context for e in dev})
    assert all(is_dev_context(e.context, 0.5) for e in dev)
    with_negatives = add_negatives(examples, 1.0, seed=1)
    negatives = [e for e in with_negatives if e.id.endswith("-neg")]
    assert negatives
    for neg in negatives:
        original = next(e for e in examples if e.id == neg.id[:-4])
        assert neg.context != original.context and not neg.answers
        assert all(a.lower() not in neg.context.lower() for a in original.answers)


def test_squad_json_is_read(tmp_path):
    squad = {"version": "v2.0", "data": [{"title": "T", "paragraphs": [{"context": "Oslo is in Norway.", "qas": [
        {"id": "a", "question": "Where is Oslo?", "answers": [{"text": "Norway", "answer_start": 11}]},
        {"id": "b", "question": "Who?", "answers": [], "is_impossible": True}]}]}]}
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(squad))
    a, b = load_examples(path)
    assert a == QAExample("a", "Where is Oslo?", "Oslo is in Norway.", ("Norway",), (11,), "v2.0:T")
    assert not b.is_answerable


def test_source_repeats_weigh_or_drop_a_source(tmp_path):
    from lab.config import TrainConfig
    from lab.training import prepare_data

    data = write_data(tmp_path / "toy.jsonl")
    other = tmp_path / "other.jsonl"
    context = "The Halden ferry leaves at noon and carries forty cars."
    other.write_text(json.dumps({"id": "o1", "source": "ours", "context": context, "question": "When does it leave?",
                                 "answers": ["at noon"], "answer_starts": [context.index("at noon")]}) + "\n")

    def sources(repeats):
        config = TrainConfig(data=[str(data), str(other)], output_dir="", max_examples=None, negative_ratio=0.0,
                             dev_fraction=0.0, source_repeats=repeats)
        train, dev = prepare_data(config)
        assert dev == []
        return [ex.source for ex in train]

    assert sources({}).count("ours") == 1 and sources({}).count("toy") == 7
    assert sources({"ours": 3}).count("ours") == 3 and sources({"ours": 3}).count("toy") == 7
    assert "ours" not in sources({"ours": 0}) and sources({"ours": 0}).count("toy") == 7
    assert sources({"*": 0, "ours": 2}) == ["ours", "ours"]


def test_fractional_weights_keep_that_share_of_a_source():
    from lab.training import repeat_by_source

    examples = [QAExample(f"q{i}", "Q?", "C.", (), (), "big") for i in range(2000)]
    examples += [QAExample("s", "Q?", "C.", (), (), "small")]
    kept = repeat_by_source(examples, {"*": 0.1, "small": 2.5}, seed=3)
    big = sum(ex.source == "big" for ex in kept)
    assert 150 < big < 250  # about a tenth
    assert sum(ex.source == "small" for ex in kept) in (2, 3)
    assert kept == repeat_by_source(examples, {"*": 0.1, "small": 2.5}, seed=3)  # seeded
    assert repeat_by_source(examples, {}, seed=3) == examples


def test_source_patterns_weigh_every_source_they_match_and_names_win():
    from lab.training import repeat_by_source

    examples = [QAExample(f"q{i}", "Q?", "C.", (), (), source)
                for i, source in enumerate(["ours_news", "ours_news_5", "ours_news_6", "squad"])]
    kept = repeat_by_source(examples, {"ours_news_6": 3, "ours_news*": 2, "*": 0}, seed=1)
    assert [ex.source for ex in kept] == ["ours_news"] * 2 + ["ours_news_5"] * 2 + ["ours_news_6"] * 3
    assert [ex.source for ex in repeat_by_source(examples, {"ours_news_?": 0}, seed=1)] == ["ours_news", "squad"]


def test_repeat_flag_is_checked(tmp_path):
    result = subprocess.run([sys.executable, "-m", "qa", "train-reader", "--data", "x.jsonl", "--output",
                             str(tmp_path / "run"), "--repeat", "ours_news=two"],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 2 and "SOURCE=N" in result.stderr


def test_repeat_weights_parse_whole_and_fractional_numbers():
    from lab.config import _source_repeats

    assert _source_repeats(["ours_news=3", "*=0.25", "a=b=1"]) == {"ours_news": 3, "*": 0.25, "a=b": 1}
    for bad in ("ours_news=-1", "ours_news=nan", "=2", "ours_news=inf"):
        with pytest.raises(ValueError, match="SOURCE=N"):
            _source_repeats([bad])


def test_bad_data_lines_are_reported(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"question": "q"}\n')
    with pytest.raises(ValueError, match="bad.jsonl:1"):
        load_examples(path)


def test_labels_point_at_the_answer_tokens():
    from transformers import AutoTokenizer

    from qa.config import packaged_embedding_model_path
    from lab.config import TrainConfig
    from lab.training import tokenize_for_training

    tokenizer = AutoTokenizer.from_pretrained(str(packaged_embedding_model_path()))
    context = CONTEXTS[0] * 3
    example = QAExample("x", "Who keeps it?", context, ("1826",), (context.index("1826"),))
    config = TrainConfig(data=[], output_dir="", max_seq_length=48, doc_stride=16)
    features = tokenize_for_training([example], tokenizer, config)
    assert len(features) > 1  # the long context was windowed
    labelled = [f for f in features if f["start_positions"] > 0]
    assert labelled and any(f["start_positions"] == 0 for f in features)  # windows without it point at [CLS]
    f = labelled[0]
    span = tokenizer.decode(f["input_ids"][f["start_positions"] : f["end_positions"] + 1])
    assert span == "1826"


@pytest.mark.slow
def test_tiny_training_run_saves_a_loadable_reader_and_resumes(tmp_path):
    data = write_data(tmp_path / "toy.jsonl")
    out = tmp_path / "run"

    def train_command(output, *flags):
        return [sys.executable, str(ROOT / "train" / "train_reader.py"), "--data", str(data), "--output", str(output),
                "--max-examples", "0", "--dev-fraction", "0.2", "--batch-size", "2", "--max-seq-length", "96",
                "--doc-stride", "32", *flags]

    command = train_command(out, "--checkpoint-every", "1", "--epochs", "2")
    first = subprocess.run(command + ["--time-budget", "0"], capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr[-2000:]
    summary = json.loads((out / "training.json").read_text())
    assert summary["stopped_by_time_budget"] and summary["steps"] == 1
    second = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "resumed from step 1" in (out / "train.log").read_text()
    summary = json.loads((out / "training.json").read_text())
    assert summary["steps"] == summary["planned_steps"] > 1 and not summary["stopped_by_time_budget"]

    from qa.config import Settings
    from qa.pipeline import Pipeline

    model_dir = out / "model"
    assert (model_dir / "model.safetensors").exists() and (model_dir / "tokenizer.json").exists()
    answer = Pipeline(Settings.from_env(reader=str(model_dir))).read("Who keeps the lighthouse?", CONTEXTS[0], threshold=0.0)
    assert CONTEXTS[0][answer.citation.start : answer.citation.end] == answer.text

    evaluated = subprocess.run([sys.executable, "-m", "qa", "eval-reader", str(out / "dev.jsonl"), "--reader",
                                str(model_dir), "--calibrate"], capture_output=True, text=True, timeout=600,
                               cwd=ROOT)
    assert evaluated.returncode == 0, evaluated.stderr[-2000:]
    metrics = json.loads(evaluated.stdout[: evaluated.stdout.rindex("}") + 1])
    assert {"exact_match", "f1", "no_answer_accuracy", "ece"} <= set(metrics)
    card = json.loads((model_dir / "qa_reader.json").read_text())
    assert 0.0 <= card["answer_threshold"] <= 1.0 and "dev" in card["metrics"]

    # Shipping the run: weights, calibrated card and model card land in the target, staging is gone.
    target = tmp_path / "shipped"
    shipped = subprocess.run([sys.executable, str(ROOT / "train" / "ship_reader.py"), str(out), "--target",
                              str(target), "--held-out", str(data)], capture_output=True, text=True, timeout=600)
    assert shipped.returncode == 0, shipped.stderr[-2000:]
    card = json.loads((target / "qa_reader.json").read_text())
    assert card["metrics"]["held_out"][str(data)]["examples"] == 7
    readme = (target / "README.md").read_text()
    assert f"## Held out: `{data}`" in readme and "Reproduce, in order" in readme
    assert (target / "model.safetensors").exists() and not target.with_name("shipped.staging").exists()
    answer = Pipeline(Settings.from_env(reader=str(target))).read("Who keeps the lighthouse?", CONTEXTS[0], threshold=0.0)
    assert CONTEXTS[0][answer.citation.start : answer.citation.end] == answer.text

    # A second stage continuing from the shipped reader keeps the first stage in its history and card.
    out2 = tmp_path / "run2"
    second_stage = train_command(out2, "--epochs", "0.5", "--base-model", str(target))
    assert subprocess.run(second_stage, capture_output=True, text=True, timeout=600).returncode == 0
    target2 = tmp_path / "shipped2"
    shipped = subprocess.run([sys.executable, str(ROOT / "train" / "ship_reader.py"), str(out2), "--target",
                              str(target2)], capture_output=True, text=True, timeout=600)
    assert shipped.returncode == 0, shipped.stderr[-2000:]
    stages = json.loads((target2 / "training_stages.json").read_text())["stages"]
    assert [s["config"]["output_dir"] for s in stages] == [str(out), str(out2)]
    readme = (target2 / "README.md").read_text()
    assert "- Stage 1:" in readme and "- Stage 2:" in readme and f"ship_reader.py {out} --target {target}" in readme


@pytest.mark.slow
def test_sweep_trains_recipes_side_by_side_and_ranks_them_on_one_dev_file(tmp_path):
    data = write_data(tmp_path / "toy.jsonl")
    dev = tmp_path / "dev.jsonl"
    dev.write_text("".join(line for line in data.read_text().splitlines(keepends=True)[:3]))
    common = "--max-examples 0 --batch-size 4 --max-seq-length 96 --doc-stride 32 --epochs 1 --device cpu"
    result = subprocess.run([sys.executable, str(ROOT / "train" / "sweep.py"), "--data", str(data), "--dev", str(dev),
                             "--output", str(tmp_path / "sweep"), "--run", "a", f"{common} --learning-rate 1e-4",
                             "--run", "b", f"{common} --learning-rate 1e-3", "--run", "broken", "--no-such-flag 1"],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    results = json.loads((tmp_path / "sweep" / "sweep.json").read_text())
    assert [r["name"] for r in results if not r.get("failed")] != [] and len(results) == 3
    scored = [r for r in results if not r.get("failed")]
    assert {r["name"] for r in scored} == {"a", "b"} and all(r["examples"] == 3 for r in scored)
    assert [r["f1"] for r in scored] == sorted((r["f1"] for r in scored), reverse=True)
    assert results[-1] == {"name": "broken", "flags": "--no-such-flag 1", "failed": True}
    assert "broken           failed" in result.stdout


def test_training_options_are_declared_like_the_settings():
    import argparse

    from lab.config import TrainConfig
    from qa.config import GROUPS, unknown_variables
    from tests.test_config import test_every_field_is_declared_with_help_a_flag_and_a_variable as declared_well

    declared_well(TrainConfig)
    assert TrainConfig in GROUPS and not unknown_variables({"QA_TRAIN_SEED": "1"})
    parser = TrainConfig.add_arguments(argparse.ArgumentParser())
    args = parser.parse_args(["--data", "a.jsonl", "b.jsonl", "--output", "runs/x", "--repeat", "ours=3", "*=0.5",
                              "--max-examples", "0", "--no-save-fp16"])
    config = TrainConfig.from_args(args, environ={"QA_TRAIN_SEED": "5"})
    assert (config.data, config.output_dir, config.seed) == (["a.jsonl", "b.jsonl"], "runs/x", 5)
    assert config.source_repeats == {"ours": 3, "*": 0.5} and config.max_examples is None
    assert config.save_fp16 is False and config.batch_size == TrainConfig.batch_size
    with pytest.raises(ValueError, match="--data is required"):
        TrainConfig.from_env({})


def test_training_labels_the_windows_the_reader_reads():
    from transformers import AutoTokenizer

    from lab.config import TrainConfig
    from lab.training import tokenize_for_training
    from qa.config import packaged_embedding_model_path
    from qa.reader.windows import tokenize_windows
    from tests.test_windows import CONTEXT  # the windows test's long context

    tokenizer = AutoTokenizer.from_pretrained(str(packaged_embedding_model_path()), local_files_only=True)

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


def test_averaging_two_readers_interpolates_every_tensor_and_refuses_different_ones():
    import torch

    sys.path.insert(0, str(ROOT / "train"))
    from average_readers import interpolate

    first = {"w": torch.tensor([1.0, 3.0], dtype=torch.float16), "b": torch.tensor([2.0])}
    second = {"w": torch.tensor([3.0, 7.0], dtype=torch.float16), "b": torch.tensor([0.0])}
    soup = interpolate(first, second, 0.75)
    assert soup["w"].tolist() == [1.5, 4.0] and soup["w"].dtype == torch.float16 and soup["b"].tolist() == [1.5]
    with pytest.raises(ValueError, match="different tensors"):
        interpolate(first, {"w": second["w"]}, 0.5)


def test_a_question_is_led_by_its_document_s_name_and_keeps_its_capitals():
    sys.path.insert(0, str(ROOT / "train"))
    from name_documents import name_rows, named

    doc = "the weekly grain report of March 10, 2023"
    assert named("What did straw sell for?", doc, "In {doc}, {question}") == \
        "In the weekly grain report of March 10, 2023, what did straw sell for?"
    assert named("FY 2024 spending on parks?", doc, "According to {doc}, {question}").startswith(
        "According to the weekly grain report of March 10, 2023, FY 2024")
    assert named("Who signed it?", doc, "{question_end} (in {doc})") == \
        "Who signed it (in the weekly grain report of March 10, 2023)?"
    row = {"id": "docs1-b-001-01-1", "source": "ours_docs_1", "context": "x", "question": "What?", "answers": [],
           "answer_starts": []}
    assert name_rows([row]) == name_rows([row])  # seeded by the row's id
    assert name_rows([row])[0]["source"] == "ours_docs_1_named" and name_rows([row])[0]["answers"] == []


def test_a_named_question_is_also_asked_of_another_row_of_its_own_table():
    sys.path.insert(0, str(ROOT / "train"))
    from name_documents import row_negatives

    def row(rid, context, question, answer):
        start = context.find(answer) if answer else None
        return {"id": rid, "source": "ours_docs_1_named", "context": context, "question": question,
                "answers": [answer] if answer else [], "answer_starts": [start] if answer else []}

    iowa = "State: Iowa; Price: 2.85"
    rows = [row("docs1-b-004-01-1-named", iowa, "In the report, what was the price in Iowa?", "2.85"),
            row("docs1-b-004-02-1-named", "State: Ohio; Price: 3.10", "In the report, what was Ohio's price?", "3.10"),
            row("docs1-b-005-01-1-named", "Crop: Iowa corn; Yield: 2.85", "Which crop yielded 2.85?", "Iowa corn")]
    negatives = row_negatives(rows)
    assert [(n["id"], n["context"], n["answers"]) for n in negatives] == [
        ("docs1-b-004-01-1-named-rowneg", "State: Ohio; Price: 3.10", []),
        ("docs1-b-004-02-1-named-rowneg", iowa, [])]  # never a row of another table
