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
