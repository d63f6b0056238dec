"""Text helpers shared by the runtime and the lab: words, function words and a question's key terms.

The answer verifier (qa/reader/verifier.py) checks that a question's key terms occur in the passage;
the lab's generator of unanswerable questions (lab/adversarial.py) swaps them.
"""

from __future__ import annotations

import re
from typing import Iterable

WORD = re.compile(r"\w+")
#: Function words, left out when questions and contexts are compared word by word.
STOP_WORDS = frozenset(
    "a an the of in on at to for from by with and or is are was were be been what which who whom "
    "whose when where why how did do does that this these those it its as than then there their "
    "they he she his her you your i my me we our us not no".split()
)

YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
NUMBER = re.compile(r"(?<![\w.,-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w-]|[.,]\d)")
MONTHS = ("January February March April May June July August September October November "
          "December").split()
MONTH = re.compile(r"\b(" + "|".join(MONTHS) + r")\b")
# A run of capitalised words (with "of", "the", "de" ... inside), as a name of something.
_NAME = re.compile(r"\b[A-Z][\w'’.-]*[A-Za-z0-9](?:\s+(?:(?:of|the|de|la|von|van|and|for|du)\s+)*"
                   r"[A-Z][\w'’.-]*[A-Za-z0-9])*")


def term_absent(term: str, context: str) -> bool:
    """Whether ``term`` occurs nowhere in ``context`` as a whole word (case-insensitive)."""
    return re.search(r"(?<!\w)" + re.escape(term.lower()) + r"(?!\w)", context.lower()) is None


def key_terms(question: str) -> list[str]:
    """The question's names, numbers, years and months: the terms that say what it is about."""
    terms = [m.group(0) for m in name_matches(question)]
    terms += [m.group(0) for pattern in (YEAR, NUMBER, MONTH) for m in pattern.finditer(question)]
    return list(dict.fromkeys(terms))


def name_matches(text: str) -> Iterable[re.Match]:
    """Runs of capitalised words in ``text`` that name something (not a sentence's first word, a month
    or a possessive)."""
    for match in _NAME.finditer(text):
        name = match.group(0)
        if match.start() == 0 or not text[: match.start()].strip():
            continue  # capitalised because it starts the question: "About", "The person", "Just"
        if name in MONTHS or len(name) < 3 or re.search(r"['’]s?$|-[a-z]", name):
            continue
        yield match
