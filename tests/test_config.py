"""Settings: defaults, then QA_* environment variables, then keyword overrides."""

import pytest

from qa.config import Settings


def test_environment_then_overrides():
    settings = Settings.from_env({"QA_TOP_K": "8", "QA_READ_HEADINGS": "no"}, answer_threshold=0.3)
    assert (settings.top_k, settings.read_headings, settings.answer_threshold) == (8, False, 0.3)
    assert Settings.from_env({"QA_READ_HEADINGS": "1"}).read_headings is True
    assert Settings.from_env({}).read_headings is True


@pytest.mark.parametrize("name,value", [("QA_READ_HEADINGS", "maybe"), ("QA_TOP_K", "many")])
def test_bad_values_name_the_variable(name, value):
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})


# --- the declarations -------------------------------------------------------------------------------

import argparse  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

from qa.config import GROUPS, ServeSettings, unknown_variables  # noqa: E402


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.__name__)
def test_every_field_is_declared_with_help_a_flag_and_a_variable(group):
    import dataclasses

    declared = {f.name for f, _, _, _ in group.declarations()}
    assert declared == {f.name for f in dataclasses.fields(group)}
    parser = group.add_arguments(argparse.ArgumentParser())
    flags = {action.dest: action for action in parser._actions}
    for f, _, _, spec in group.declarations():
        assert spec.help, f.name
        assert f.name in flags and group.flag_name(f.name) in flags[f.name].option_strings
        assert group.env_name(f.name).startswith(group.ENV_PREFIX)
    assert len({group.env_name(f.name) for f, _, _, _ in group.declarations()}) == len(declared)


def test_flags_and_environment_build_the_same_settings():
    parser = Settings.add_arguments(argparse.ArgumentParser())
    args = parser.parse_args(["--top-k", "7", "--no-read-headings", "--retrieval", "bm25", "--corpus", "a", "b",
                              "--threshold", "0.25"])
    from_flags = Settings.from_args(args, environ={})
    from_env = Settings.from_env({"QA_TOP_K": "7", "QA_READ_HEADINGS": "0", "QA_RETRIEVAL": "bm25",
                                  "QA_CORPUS": os.pathsep.join(["a", "b"]), "QA_ANSWER_THRESHOLD": "0.25"})
    assert from_flags == from_env
    assert (from_flags.top_k, from_flags.read_headings, from_flags.corpus) == (7, False, ("a", "b"))
    # Flags win over the environment; what neither sets keeps its default.
    over = Settings.from_args(parser.parse_args(["--top-k", "2"]), environ={"QA_TOP_K": "9", "QA_RRF_K": "10"})
    assert (over.top_k, over.rrf_k, over.candidates) == (2, 10, Settings.candidates)


@pytest.mark.parametrize("environ,message", [
    ({"QA_RETRIEVAL": "sparse"}, "retrieval must be hybrid, dense or bm25, not 'sparse'"),
    ({"QA_INDEX_TYPE": "ivf"}, "index_type must be flat or hnsw"),
    ({"QA_READER_PRECISION": "fp16"}, "reader_precision must be fp32 or int8"),
    ({"QA_TOP_K": "0"}, "top_k must be at least 1"),
    ({"QA_ANSWER_THRESHOLD": "1.5"}, "answer_threshold must be between 0 and 1"),
    ({"QA_MAX_SEQ_LENGTH": "1024"}, "max_seq_length must be between 128 and 512"),
    ({"QA_DOC_STRIDE": "200"}, "doc_stride must be below max_seq_length"),
])
def test_choices_bounds_and_rules_are_validated(environ, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_env(environ)


def test_choices_are_validated_on_the_command_line_too(capsys):
    parser = Settings.add_arguments(argparse.ArgumentParser(prog="qa ask"))
    with pytest.raises(SystemExit):
        parser.parse_args(["--retrieval", "sparse"])
    assert "invalid choice: 'sparse'" in capsys.readouterr().err


def test_unknown_qa_variables_are_reported_with_the_nearest_name():
    environ = {"QA_TOPK": "8", "QA_TOP_K": "3", "QA_PORT": "80", "HOME": "/root",
               "QA_NOTHING_LIKE_IT": "1"}
    messages = unknown_variables(environ)
    assert messages == ["QA_NOTHING_LIKE_IT is not a setting and is ignored",
                        "QA_TOPK is not a setting and is ignored (did you mean QA_TOP_K?)"]


def test_the_command_warns_about_an_unknown_variable():
    env = {**os.environ, "QA_TOPK": "8"}
    out = subprocess.run([sys.executable, "-m", "qa", "ask", "--top-k", "0", "x"], capture_output=True,
                         text=True, env=env, timeout=120)
    assert "qa: warning: QA_TOPK is not a setting and is ignored (did you mean QA_TOP_K?)" in out.stderr
    assert out.returncode == 2 and "top_k must be at least 1" in out.stderr


def test_serve_options_are_declared_the_same_way():
    serve = ServeSettings.from_env({"QA_PORT": "8000", "QA_MAX_UPLOAD_MB": "0.5"})
    assert (serve.port, serve.max_upload_bytes, serve.host) == (8000, 512 * 1024, "127.0.0.1")
    assert ServeSettings.from_env({"QA_MAX_UPLOAD_MB": "none"}).upload_bytes(Settings()) == 50 * 1024 * 1024
    with pytest.raises(ValueError, match="port must be between 0 and 65535"):
        ServeSettings.from_env({"QA_PORT": "70000"})


def test_importing_qa_leaves_the_environment_alone():
    code = ("import json, os; before = dict(os.environ); import qa, qa.pipeline, qa.cli, qa.ui.options; "
            "print(json.dumps(dict(os.environ) == before))")
    env = {k: v for k, v in os.environ.items()
           if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "GRADIO_ANALYTICS_ENABLED", "TOKENIZERS_PARALLELISM")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "true"


def test_the_entry_points_set_the_offline_switches_unless_the_user_did():
    from qa.config import OFFLINE_ENVIRONMENT, offline_environment

    environ = {"HF_HUB_OFFLINE": "0"}
    offline_environment(environ)
    assert environ == {**OFFLINE_ENVIRONMENT, "HF_HUB_OFFLINE": "0"}


def test_the_readme_settings_tables_are_generated_from_the_declarations():
    """The README holds the tables qa.config generates, as they are (python docs/settings.py rewrites them)."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("docs_settings", root / "docs" / "settings.py")
    docs_settings = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(docs_settings)
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert docs_settings.START in readme, "the README has lost its settings tables"
    assert docs_settings.with_tables(readme) == readme, "the settings tables are stale: run python docs/settings.py"
    for group in (Settings, ServeSettings):
        for f, _, _, _ in group.declarations():
            assert f"`{group.env_name(f.name)}`" in readme and f"`{group.flag_name(f.name)}`" in readme, f.name


def test_settings_travel_to_a_fresh_process_as_json():
    settings = Settings.from_env(corpus=("a", "b/c.pdf"), top_k=3, embedding_runtime="torch", given={"early_stop": None})
    assert settings.early_stop is None
    again = Settings.from_json(settings.to_json())
    assert again == settings and again.corpus == ("a", "b/c.pdf")


def test_none_is_a_value_when_settings_are_changed_in_code():
    """``early_stop=None`` means "off" in code; only the command line's unset flags are skipped as None."""
    from qa.pipeline import Pipeline

    assert Settings.from_env().replace(early_stop=None).early_stop is None
    assert Pipeline(early_stop=None).settings.early_stop is None
    assert Pipeline(Settings.from_env(), early_stop=None).settings.early_stop is None
    assert Pipeline(top_k=3).settings.early_stop == Settings.early_stop
