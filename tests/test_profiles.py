"""Text profiles: the news page rules are a named profile of their own, not the generic loader's."""

from __future__ import annotations

import pytest

from qa.config import TEXT_PROFILES, Settings
from qa.corpus.documents import BODY, CAPTION, CREDIT, VIDEO, parse_document
from qa.corpus.profiles import NEWS, PLAIN, PROFILES, profile_named
from tests.conftest import ARTICLE

PAGE = """Harbour town rebuilds its pier after the storm

WATCH | Divers inspect the old pier

Duration 2:10

The council voted on Monday to rebuild the pier that the storm took away in March.

A diver checks the pier's pilings in the harbour on Tuesday morning. (Jane Roe/CBC)

With files from The Canadian Press
"""


def kinds(profile) -> list[str]:
    document = parse_document(PAGE, name="page.txt", profile=profile)
    return [b.kind for b in document.blocks][1:]


def test_the_news_profile_finds_video_blocks_captions_and_credits():
    assert kinds("news") == [VIDEO, BODY, CAPTION, CREDIT]


def test_the_plain_profile_reads_the_same_page_as_paragraphs():
    assert set(kinds("plain")) <= {BODY, "heading"} and CAPTION not in kinds("plain")
    assert kinds(PLAIN) == kinds("plain")


def test_the_article_reads_the_same_as_before_under_the_default_profile(article_text):
    assert Settings().text_profile == "news"
    default = parse_document(article_text, name=ARTICLE.name)
    news = parse_document(article_text, name=ARTICLE.name, profile=NEWS)
    assert default.blocks == news.blocks
    assert {VIDEO, CAPTION, CREDIT} <= {b.kind for b in news.blocks}


def test_profiles_are_named_as_the_setting_declares():
    assert tuple(PROFILES) == TEXT_PROFILES
    with pytest.raises(ValueError, match="no text profile named 'legal'"):
        profile_named("legal")
    with pytest.raises(ValueError, match="text_profile must be news or plain"):
        Settings.from_env({"QA_TEXT_PROFILE": "legal"})
