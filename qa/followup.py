"""Follow-up questions: rewrite "Where is his organisation based?" into a standalone question.

An extractive system has no generator to lean on, so the rewrite is rule-based
and visible to the user. Earlier turns are made standalone first, oldest first, so
that a chain of follow-ups keeps its subject. A pronoun is replaced by a referent
of its kind:

- he, she, his, her, him: a person: the name a "Who ...?" turn got as its answer,
  the X of "Who is X?", or a personal name in an earlier question;
- it, its, they, them, their: a thing: what a "Which ...?" turn got as its answer,
  the referent the previous turn's own "it" had, "X's organisation" in the previous
  question, or its first named entity that is not a person or a place.

"When did he say it?" after "Who said X?" becomes "When did <answer> say X?".
Elliptical follow-ups ("And in 2020?", "Who said that?") and pronouns with no
referent keep the user's words and borrow the previous turn as context in brackets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

Turn = tuple[str, str | None]  # (question, answer text or None)

_PERSON_PRONOUNS = {"he", "she", "his", "her", "him"}
_THING_PRONOUNS = {"it", "its", "they", "them", "their"}
_POSSESSIVE = {"his", "her", "its", "their"}
_PRONOUN = re.compile(rf"\b(?:{'|'.join(sorted(_PERSON_PRONOUNS | _THING_PRONOUNS))})\b", re.IGNORECASE)
_DEMONSTRATIVE = re.compile(r"\b(that|this|these|those) (group|organi[sz]ation|man|woman|person|attack|place|city)\b",
                            re.IGNORECASE)
_DEMONSTRATIVE_NOUN = re.compile(r"\b(?:that|this|these|those) [a-z]+", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_ENTITY = re.compile(
    r"(?:[A-Z][\w’'.-]*(?:-[A-Z]\w*)?)(?:\s+(?:of\s+|the\s+|for\s+|and\s+|al-)?[A-Z][\w’'.-]*)*"
)
_QUESTION_WORDS = {"who", "what", "when", "where", "why", "how", "which", "whom", "whose", "is", "are", "was",
                   "were", "did", "does", "do", "can", "could", "will", "would", "should", "has", "have", "and",
                   "according", "in", "the", "a", "an", "tell", "me"}
#: Words that make a capitalised phrase an organisation, place or event rather than a person.
_NOT_A_PERSON = {
    "center", "centre", "project", "institute", "university", "college", "school", "state", "states", "group",
    "party", "army", "council", "ministry", "department", "agency", "news", "times", "post", "taliban", "nations",
    "union", "province", "city", "street", "york", "d.c.", "america", "asia", "africa", "europe", "east", "west",
    "north", "south", "republic", "kingdom", "company", "corporation", "inc.", "bank", "alliance", "board",
    "authority", "association", "society", "committee", "commission", "foundation", "service", "services", "fund",
    "league", "club", "press", "network", "force", "forces", "office", "court", "police", "airlines", "airways",
    "energy", "shipping", "holdings", "media", "systems", "partners", "trust", "coalition", "movement", "front",
    "brigade", "organisation", "organization", "assembly", "parliament", "congress", "senate", "hospital", "airport",
    "prison", "river", "lake", "island", "islands", "mountains", "valley", "county", "district", "region",
}
#: Nouns that make "Which ...?" ask for a person ("Which analyst said ...?").
_PERSON_NOUNS = {"person", "man", "woman", "official", "officials", "analyst", "expert", "leader", "minister",
                 "president", "reporter", "author", "writer", "spokesperson", "spokesman", "spokeswoman", "researcher",
                 "politician", "candidate", "player", "coach", "commander", "member"}
#: Borrowed context in brackets is cut at this length.
_MAX_CONTEXT_CHARS = 300
_PLACE_OR_TIME_BEFORE = {"in", "at", "from", "to", "near", "since", "on", "until", "into", "across"}
_STATEMENT = re.compile(r"^who (?:said|says|told|claimed|reported|warned|believes|thinks)(?: that)? ([^?]+)\??$",
                        re.IGNORECASE)
_WHO_IS = re.compile(r"^who (?:is|was) ([A-Z].+?)\??$")
_SAY_IT = re.compile(r"\b(say|said|says|mean|meant|claim|claimed|report|reported)\s+(it|that|this)\b",
                     re.IGNORECASE)
_OWNED = re.compile(r"\b([A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)*)['’]s ((?:[a-z-]+ )?(?:organi[sz]ation|group|"
                    r"company|think-tank|newspaper|agency|party|government|team|network|project|centre|center))\b")


def _own_words(question: str) -> str:
    """A resolved question without the earlier turn it borrowed in brackets."""
    return question.split(" (")[0]


@dataclass(frozen=True)
class _Resolved:
    """An earlier turn made standalone, with the referents its pronouns were given."""

    question: str
    answer: str | None
    person: str | None = None
    thing: str | None = None


def main_entity(text: str) -> str | None:
    """The last capitalised name in ``text`` that is not just a sentence-initial question word."""
    entities = _entities(text)
    return entities[-1][0] if entities else None


def _entities(text: str) -> list[tuple[str, str]]:
    """Capitalised names in ``text``, in order, each with the word before it ("" at the start)."""
    found = []
    for match in _ENTITY.finditer(text):
        words = match.group(0).split()
        while words and words[0].lower() in _QUESTION_WORDS:
            words = words[1:]
        if not words:
            continue
        name = re.sub(r"['’]s$", "", " ".join(words)).rstrip(".?,") or None
        if name is None or name.endswith("-based"):  # "New York-based" describes, it does not name
            continue
        before = text[: match.start()].split()
        found.append((name, before[-1].lower() if before else ""))
    return found


def _is_person(name: str, before: str = "") -> bool:
    """Whether a capitalised name is a person's: two or three words, none an organisation's or a place's."""
    words = name.split()
    return (2 <= len(words) <= 3 and before not in ("the", *_PLACE_OR_TIME_BEFORE)
            and not any(w.lower().strip(".,") in _NOT_A_PERSON for w in words))


def _looks_like_name(answer: str | None) -> bool:
    """Whether an answer is a name ("Joe Biden", "the Soufan Center"), not a phrase or a number."""
    if not answer or len(answer.split()) > 8 or any(ch.isdigit() for ch in answer):
        return False
    words = [w for w in answer.split() if w.lower() not in ("of", "for", "and", "the", "al")]
    return bool(words) and words[0][0].isupper() and sum(w[0].isupper() for w in words) * 2 >= len(words)


def _person(turns: Sequence[_Resolved]) -> str | None:
    for turn in reversed(turns):
        who_is = _WHO_IS.match(turn.question)
        if who_is:
            return who_is.group(1)
        asked = turn.question.lower().split()
        asks_for_person = asked[:1] == ["who"] or (asked[:1] == ["which"] and len(asked) > 1
                                                   and asked[1] in _PERSON_NOUNS)
        if asks_for_person and _looks_like_name(turn.answer):
            return turn.answer
        if turn.person:
            return turn.person
        people = [name for name, before in _entities(turn.question) if _is_person(name, before)]
        if people:
            return people[-1]
    return None


def _thing(turns: Sequence[_Resolved]) -> str | None:
    if not turns:
        return None
    last = turns[-1]
    asked = last.question.lower().split()
    if asked[:1] == ["which"] and len(asked) > 1 and asked[1].strip("?'’s") not in _PERSON_NOUNS \
            and _looks_like_name(last.answer):
        return last.answer
    if last.thing:
        return last.thing
    owned = _OWNED.search(last.question)
    if owned:
        return f"{owned.group(1)}'s {owned.group(2)}"
    for turn in reversed(turns):
        for name, before in _entities(_own_words(turn.question)):
            if not _is_person(name, before) and before not in _PLACE_OR_TIME_BEFORE:
                return name
    return None


def is_followup(question: str) -> bool:
    """Whether the question leans on the conversation (pronouns, "that group", "and ...?")."""
    words = [w.lower() for w in _WORD.findall(question)]
    if not words:
        return False
    if words[0] in ("and", "also") or question.lower().startswith(("what about", "how about")):
        return True
    if words[-1] in ("that", "this", "there", "then"):  # "Who said that?", "Why did it go there?"
        return True
    if len(words) <= 2 and words[0] in ("who", "what", "when", "where", "why", "how", "which"):  # "When?"
        return True
    return bool(set(words) & (_POSSESSIVE | _PERSON_PRONOUNS | _THING_PRONOUNS)) or \
        bool(_DEMONSTRATIVE_NOUN.search(question))


def _with_context(question: str, turn: _Resolved) -> str:
    context = turn.question.strip() + (f" {turn.answer.strip()}" if turn.answer else "")
    if len(context) > _MAX_CONTEXT_CHARS:  # long chains of follow-ups keep their most recent context
        context = context[:_MAX_CONTEXT_CHARS].rsplit(" ", 1)[0] + " ..."
    return f"{question} ({context})"


def _rewrite(question: str, turns: Sequence[_Resolved]) -> _Resolved:
    """``question`` made standalone against the resolved earlier turns."""
    text = question.strip()
    if not turns or not is_followup(text):
        return _Resolved(text, None)
    previous = turns[-1]
    if text.lower().startswith(("what about ", "how about ")):
        return _Resolved(_with_context(text, previous), None)
    person, thing = _person(turns), _thing(turns)
    used: dict[str, str] = {}

    statement = _STATEMENT.match(_own_words(previous.question))
    if statement and statement.group(1).lower() in ("that", "this", "it", "so"):
        statement = None  # "Who reported that?" names no statement of its own
    say_it = _SAY_IT.search(text)
    quoted = bool(say_it and statement)
    if quoted:  # "When did he say it?" after "Who said ISIS-K is ...?"
        text = text[: say_it.start(2)] + statement.group(1) + text[say_it.end(2):]
    # Unquoted, the "it" of "say it" is a statement, not a thing: it stays, and the context in brackets says what.
    statement_at = say_it.start(2) if say_it and not quoted else None

    def substitute(match: re.Match) -> str:
        word = match.group(0)
        kind = "person" if word.lower() in _PERSON_PRONOUNS else "thing"
        referent = person if kind == "person" else thing
        if referent is None or kind in used or match.start() == statement_at:
            return word
        used[kind] = referent
        if word.lower() in _POSSESSIVE:
            return f"{referent}'" if referent.endswith("s") else f"{referent}'s"
        return referent

    text = _PRONOUN.sub(substitute, text)
    if "thing" not in used and thing is not None:
        text, count = _DEMONSTRATIVE.subn(thing, text, count=1)
        if count:
            used["thing"] = thing
    # "And in 2020?", "And at its lowest?": a fragment that needs the previous question's frame
    elliptical = text.lower().startswith("and ") and (not used or len(text.split()) <= 4)
    if text.lower().startswith("and "):
        text = text[4:]
    text = text[:1].upper() + text[1:]
    if elliptical or statement_at is not None or not (used or quoted):
        text = _with_context(text, previous)
    return _Resolved(text, None, person=used.get("person"), thing=used.get("thing"))


def rewrite_followup(question: str, history: Sequence[Turn] | None) -> str:
    """A standalone version of ``question`` given earlier turns (oldest first); unchanged if not a follow-up."""
    if not history or not is_followup(question):
        return question
    turns: list[_Resolved] = []
    for earlier, answer in history:
        turns.append(replace(_rewrite(earlier, turns), answer=answer))
    return _rewrite(question, turns).question
