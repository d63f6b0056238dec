"""Text profiles: the rules that recognise one kind of document's furniture in plain text.

The generic loader (:mod:`qa.corpus.documents`) finds titles, headings, paragraphs, bylines and
bios in any text. What is particular to news pages copied as text lives here, in a named profile:
CBC-style video blocks ("WATCH | ..." up to their "Duration m:ss" line), wire credits ("With files
from The Associated Press") and photo captions ending in a credit ("(Reuters)", "(John Doe/CBC)").
The profile is a setting (``QA_TEXT_PROFILE``); ``plain`` applies none of these rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.config import TEXT_PROFILES


@dataclass(frozen=True)
class TextProfile:
    """What marks video blocks, credits and captions in one kind of document."""

    name: str
    #: Block openings (compared in upper case) of a video block, which runs until ``video_end`` matches.
    video_starts: tuple[str, ...] = ()
    video_end: re.Pattern | None = None
    #: Blocks longer than this many extra blocks are not one video.
    video_max_blocks: int = 4
    #: Block openings of an end-of-article credit.
    credit_starts: tuple[str, ...] = ()
    #: A caption ends with a photo credit; only blocks of at least ``caption_min_words`` words count.
    caption_credit: re.Pattern | None = None
    caption_min_words: int = 8

    def is_video_start(self, block: str) -> bool:
        return block.upper().startswith(self.video_starts) if self.video_starts else False

    def is_video_end(self, block: str) -> bool:
        return self.video_end is not None and self.video_end.search(block) is not None

    def is_credit(self, block: str) -> bool:
        return block.startswith(self.credit_starts) if self.credit_starts else False

    def has_photo_credit(self, block: str) -> bool:
        return self.caption_credit is not None and self.caption_credit.search(block) is not None


NEWS = TextProfile(
    name="news",
    video_starts=("WATCH |", "WATCH:"),
    video_end=re.compile(r"\bDuration \d+:\d\d\b"),
    credit_starts=("With files from",),
    caption_credit=re.compile(r"\((?:[^()]*/[^()]*|AP|AFP|Reuters|Getty Images|CBC|The Associated Press)\)\s*$"),
)
PLAIN = TextProfile(name="plain")

PROFILES = {profile.name: profile for profile in (NEWS, PLAIN)}
assert tuple(PROFILES) == TEXT_PROFILES, "qa.config.TEXT_PROFILES names the profiles declared here"


def profile_named(name: str | TextProfile) -> TextProfile:
    """The profile called ``name`` (a profile is returned as it is); ValueError for an unknown name."""
    if isinstance(name, TextProfile):
        return name
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"no text profile named {name!r} (there are {', '.join(PROFILES)})") from None
