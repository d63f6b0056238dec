"""Follow-up questions: rewrite "Where is his organisation based?" into a standalone question.

An extractive system has no generator to lean on, so the rewrite is rule-based
and visible to the user: pronouns that point back are replaced by the entity the
conversation is about (the last named entity of the previous question, else of
its answer), and elliptical follow-ups ("And in 2020?") borrow the previous
question's frame.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

Turn = tuple[str, str | None]  # (question, answer text or None)

_POSSESSIVE = {"his", "her", "its", "their"}
_SUBJECT = {"he", "she", "it", "they", "him", "them"}
_DEMONSTRATIVE = re.compile(r"\b(that|this|these|those) (group|organi[sz]ation|man|woman|person|attack|place|city)\b",
                            re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_ENTITY = re.compile(
    r"(?:[A-Z][\w’'-]*(?:-[A-Z]\w*)?)(?:\s+(?:of\s+|the\s+|al-)?[A-Z][\w’'-]*)*"
)
_QUESTION_WORDS = {"who", "what", "when", "where", "why", "how", "which", "whom", "whose", "is", "are", "was",
                   "were", "did", "does", "do", "can", "could", "will", "would", "should", "has", "have", "and",
                   "according", "in", "the", "a", "an", "tell", "me"}


def main_entity(text: str) -> str | None:
    """The last capitalised name in ``text`` that is not just a sentence-initial question word."""
    found = None
    for match in _ENTITY.finditer(text):
        words = match.group(0).split()
        while words and words[0].lower() in _QUESTION_WORDS:
            words = words[1:]
        if words:
            found = " ".join(words)
    return found


def is_followup(question: str) -> bool:
    """Whether the question leans on the conversation (pronouns, "that group", "and ...?")."""
    words = [w.lower() for w in _WORD.findall(question)]
    if not words:
        return False
    if words[0] in ("and", "also", "what about", "how about") or question.lower().startswith(("what about", "how about")):
        return True
    if words[-1] in ("that", "this", "there", "then"):  # "Who said that?", "Why did it go there?"
        return True
    return bool(set(words) & (_POSSESSIVE | _SUBJECT)) or bool(_DEMONSTRATIVE.search(question))


def rewrite_followup(question: str, history: Sequence[Turn] | None) -> str:
    """A standalone version of ``question`` given earlier turns (oldest first); unchanged if not a follow-up."""
    if not history or not is_followup(question):
        return question
    previous_question, previous_answer = history[-1]
    entity = main_entity(previous_question) or (main_entity(previous_answer) if previous_answer else None)
    if entity is None:
        # Nothing to substitute: keep the user's words, add the previous question as context.
        return f"{question.rstrip()} ({previous_question.strip()})"
    text = question.strip()
    if text.lower().startswith(("what about ", "how about ")):
        return f"{text} ({previous_question.strip()})"

    def substitute(match: re.Match) -> str:
        word = match.group(0)
        lowered = word.lower()
        if lowered in _POSSESSIVE:
            return f"{entity}'s" if not entity.endswith("s") else f"{entity}'"
        return entity

    replaced, count = re.subn(r"\b(?:his|her|its|their|he|she|it|they|him|them)\b", substitute, text,
                              count=1, flags=re.IGNORECASE)
    if count == 0:
        replaced, count = _DEMONSTRATIVE.subn(entity, text, count=1)
    if count == 0:  # "And in 2020?", "Who said that?": borrow the previous turn as context
        context = previous_question.strip() + (f" {previous_answer.strip()}" if previous_answer else "")
        return f"{text} ({context})"
    if replaced.lower().startswith("and "):
        replaced = replaced[4:]
    return replaced[:1].upper() + replaced[1:]
