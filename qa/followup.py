"""Follow-up questions: rewrite "Where is his organisation based?" into a standalone question.

An extractive system has no generator to lean on, so the rewrite is rule-based
and visible to the user. Earlier turns are made standalone first, oldest first, so
that a chain of follow-ups keeps its subject. A pronoun is replaced by a referent
of its kind:

- he, she, his, her, him: a person: the name a "Who ...?" turn got as its answer,
  the X of "Who is X?", or a personal name in an earlier question;
- it, its, they, them, their: a thing: what a "Which ...?" or "What <noun> ...?" turn
  got as its answer (or a "Who ...?" turn, when the answer names an organisation), the
  referent the previous turn's own "it" had, "X's organisation" in the previous
  question, its first named entity that is not a person or a place, or else the thing
  it named with "the" ("How long is it?" after "What is the video called?").

"When did he say it?" after "Who said X?" becomes "When did <answer> say X?". A
fragment takes the place of a phrase of the same kind in the last question of its own
("And in 2020?" after "How many attacks were there in 2019?"; see :func:`fill_frame`).
Other elliptical follow-ups ("When?", "Who said that?") and pronouns with no referent
keep the user's words and borrow the previous turn as context in brackets.

The pipeline calls a rewriter component (:class:`FollowupRewriter`, one method): these rules
(:class:`RuleRewriter`), none (:class:`NoRewriter`, ``followups = "off"``), or one of a program's own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

Turn = tuple[str, str | None]  # (question, answer text or None)

_PERSON_PRONOUNS = {"he", "she", "his", "her", "him"}
_THING_PRONOUNS = {"it", "its", "they", "them", "their"}
_POSSESSIVE = {"his", "her", "its", "their"}
#: How a fragment that leans on the previous question starts ("And in 2019?", "What about Regina?").
_FRAGMENT_LEAD = r"^(?:and|also|what about|how about)"
_FRAGMENT = re.compile(_FRAGMENT_LEAD + r"\s", re.IGNORECASE)
_PRONOUN = re.compile(rf"\b(?:{'|'.join(sorted(_PERSON_PRONOUNS | _THING_PRONOUNS))})\b", re.IGNORECASE)
_PERSON_PRONOUN = re.compile(rf"\b(?:{'|'.join(sorted(_PERSON_PRONOUNS))})\b", re.IGNORECASE)
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
_COMPASS = {"east", "west", "north", "south"}
#: Nouns that make "Which ...?" ask for a person ("Which analyst said ...?").
_PERSON_NOUNS = {"person", "man", "woman", "official", "officials", "analyst", "expert", "leader", "minister",
                 "president", "reporter", "author", "writer", "spokesperson", "spokesman", "spokeswoman", "researcher",
                 "politician", "candidate", "player", "coach", "commander", "member", "photographer", "presenter",
                 "host", "founder", "chair", "director", "spokesperson", "journalist", "organiser", "organizer"}
#: Prepositions a fragment may start with ("And in 2019?") to take the place of the frame's phrase.
_FRAME_PREPOSITIONS = ("in", "at", "on", "for", "during", "by", "since", "before", "after", "under", "from", "among",
                       "between", "over", "without", "with", "outside", "inside", "near")
_DO_SUPPORT = {"do", "does", "did", "will", "would", "can", "could", "should", "might", "may"}
#: Words that end a prepositional phrase in a frame ("on television about the strike").
_PHRASE_ENDS = "|".join((*_FRAME_PREPOSITIONS, "about", "to", "of", "and", "or", "according"))
_WH_WORDS = {"who", "whom", "whose", "what", "when", "where", "why", "how", "which"}
_AUXILIARIES = {"do", "does", "did", "is", "are", "was", "were", "has", "have", "had", "will", "would", "can",
                "could", "should", "might", "may"}
#: Words that end a noun phrase: prepositions, articles, auxiliaries and common verbs ("the video called").
_NOT_IN_A_NAME = "(?:" + "|".join((
    *"[a-z]+ed the a an its their call show shows take took refuse mean cost begin start".split(),
    *"open want plan hope claim expect run lead make give pay win of in on at for to from".split(),
    *"by with about behind and or that which who is are was were do does did has have had".split(),
    *"be been will would can could say said says get got".split(),
)) + ")"
# Words are possessive (``*+``) and spaced, so a long word cannot be split in many ways on a failed match.
_NAME_WORD = rf"(?!{_NOT_IN_A_NAME}\b)[a-z][a-z'’-]*+"
_NAME_WORDS = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}}?"
_DEFINITE = re.compile(rf"\bthe ({_NAME_WORDS})(?=\s+{_NOT_IN_A_NAME}\b|[?,.]|$)"
                       rf"(?:\s+of\s+(the\s+{_NAME_WORDS})(?=\s+{_NOT_IN_A_NAME}\b|[?,.]|$))?")
#: "the article" names the document itself, never what "it" refers to.
_THE_DOCUMENT = {"article", "story", "piece", "report", "page", "text", "document", "most", "first", "last", "same"}
#: "the title of the video" asks about the video: these nouns name a property, not the thing.
_ATTRIBUTES = {"title", "name", "size", "number", "length", "cost", "price", "date", "age", "share", "amount",
               "value", "total", "rest", "head", "leader", "top", "end", "start", "beginning", "middle", "part"}
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
    #: The user's words resolved, without the earlier turn borrowed in brackets.
    own: str
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
        while words and re.sub(r"['’]s$", "", words[0]).lower() in _QUESTION_WORDS:  # "What's"
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


def _names_organisation(name: str) -> bool:
    """Whether a name is an organisation's or a place's ("the Ridgeback Tenants' Union"), not a person's
    ("Kanye West" is a person's: a compass word alone does not make a place)."""
    return any(w.lower().strip(".,()'’") in _NOT_A_PERSON - _COMPASS for w in name.split())


def _person(turns: Sequence[_Resolved]) -> str | None:
    for turn in reversed(turns):
        who_is = _WHO_IS.match(turn.question)
        if who_is:
            return who_is.group(1)
        asked = turn.question.lower().split()
        asks_for_person = asked[:1] == ["who"] or (asked[:1] in (["which"], ["what"]) and len(asked) > 1
                                                   and asked[1] in _PERSON_NOUNS)
        if asks_for_person and _looks_like_name(turn.answer) and not _names_organisation(turn.answer):
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
    # "Which agency ...?", "What company ...?", or a "Who ...?" answered with an organisation
    noun = re.sub(r"(?:['’]s)?\?*$", "", asked[1]) if len(asked) > 1 else ""
    names_a_thing = asked[:1] in (["which"], ["what"]) and noun and noun not in _PERSON_NOUNS | _AUXILIARIES
    if _looks_like_name(last.answer) and (names_a_thing or (asked[:1] == ["who"]
                                                            and _names_organisation(last.answer))):
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
    # "What is the video called?" -> "How long is it?": the last thing the previous question names
    things = _definite_phrases(last.own)
    return things[-1] if things else None


def _definite_phrases(text: str) -> list[str]:
    """The things a question names with "the" ("the rowing video", "the photo of the fans' banner"),
    in order; not people ("the photographer"), not the document itself ("the article"), and "the title
    of the video" is the video."""
    return [phrase for _, _, phrase in _definite_spans(text)]


def _definite_spans(text: str) -> list[tuple[int, int, str]]:
    """:func:`_definite_phrases` with where each "the ..." phrase lies in ``text``."""
    spans = []
    for match in _DEFINITE.finditer(text):
        words = match.group(1).split()
        end = match.end(1)
        before = text[: match.start()].split()
        if len(words) > 1 and before and before[-1].lower() in _DO_SUPPORT and not match.group(2):
            end -= len(words[-1]) + 1  # "did the ferry line carry": the last word is the verb
            words = words[:-1]
        head = words[-1].lower()
        if head in _THE_DOCUMENT or head in _PERSON_NOUNS:
            continue
        phrase = f"the {' '.join(words)}"
        if match.group(2):  # "the title of the video": the video; "the photo of the banner": all of it
            of = match.group(2).strip()
            if head in _ATTRIBUTES:
                spans.append((match.start(2), match.end(2), of))
                continue
            phrase, end = f"{phrase} of {of}", match.end(2)
        spans.append((match.start(), end, phrase))
    return spans


def is_followup(question: str) -> bool:
    """Whether the question leans on the conversation (pronouns, "that group", "and ...?")."""
    words = [w.lower() for w in _WORD.findall(question)]
    if not words:
        return False
    if words[0] in ("and", "also") or question.lower().startswith(("what about", "how about")):
        return True
    if words[-1] in ("that", "this", "there", "then", "so", "whom", "who"):  # "Who said that?", "Says who?"
        return True
    if len(words) <= 2 and words[0] in ("who", "what", "when", "where", "why", "how", "which"):  # "When?"
        return True
    return bool(set(words) & (_POSSESSIVE | _PERSON_PRONOUNS | _THING_PRONOUNS)) or \
        bool(_DEMONSTRATIVE_NOUN.search(question))


def fill_frame(fragment: str, frame: str) -> str | None:
    """A fragment ("And at its lowest?", "What about Regina?") put into an earlier question's frame.

    A prepositional fragment ("in 2019", "according to the league") replaces the frame's last phrase
    with the same preposition when both hold the same kind of thing (a number, a name, or neither:
    "at its peak"), and is added at the end otherwise; a name, or a short "the ..." phrase, replaces
    the frame's subject (a capitalised name may replace its last name instead), or after "according
    to" in the frame names a source. None when the fragment is a question of its own or no part of
    the frame can take it.
    """
    words = fragment.strip().rstrip("?").strip()
    words = re.sub(_FRAGMENT_LEAD + r"(?:\s+|$)", "", words, flags=re.IGNORECASE)
    frame = _own_words(frame).strip()
    if not words or not frame.endswith("?") or words.split()[0].lower() in _WH_WORDS | _AUXILIARIES | {"i"}:
        return None
    body = frame[:-1].rstrip()
    lead = re.match(rf"(according to|{'|'.join(_FRAME_PREPOSITIONS)})\b", words, flags=re.IGNORECASE)
    cites = re.search(r"\baccording to\b", body, flags=re.IGNORECASE)
    if not lead and cites and words.lower().startswith("the ") and (
            _names_organisation(words) or any(w[:1].isupper() for w in words.split()[1:])):
        words = f"according to {words}"  # "And the Gardaí?" after "... according to organisers?": a source
        lead = re.match(r"(according to)\b", words)
    if lead:
        preposition = lead.group(1).lower()
        phrases = [m for m in re.finditer(rf"\b{preposition}\b(?:\s+(?!(?:{_PHRASE_ENDS})\b)[^\s,?]+)+", body,
                                          flags=re.IGNORECASE)
                   if preposition == "according to"  # a source for a source, whatever its kind
                   or _kind(m.group(0)[len(preposition):]) == _kind(words[len(preposition):])]
        if phrases:
            last = phrases[-1]
            return body[: last.start()] + words + body[last.end():] + "?"
        return f"{body}, {words}?" if preposition == "according to" else f"{body} {words}?"
    named = words[0].isupper()
    if len(words.split()) > 5 or not (named or (words.lower().startswith("the ") and "'" not in words
                                                and "’" not in words and len(words.split()) <= 4)):
        return None
    names = [(m.start(), m.end()) for m in _ENTITY.finditer(body)
             if m.group(0).split()[0].lower() not in _QUESTION_WORDS]
    subjects = sorted(names + [(start, end) for start, end, phrase in _definite_spans(body)
                               if body[start:end] == phrase])
    # the subject; failing that, a name may take the last name's place ("What about Regina?")
    target = next((span for span in subjects if _subject_before(body, span[0])), names[-1] if named and names else None)
    if target is None:
        return None
    begin, finish = target
    if body[:begin].endswith("the "):
        begin -= len("the ")
    return body[:begin] + words + body[finish:] + "?"


def _kind(phrase: str) -> str:
    """What a phrase holds, for a fragment to replace only its own kind: a number, a name, or words."""
    if any(ch.isdigit() for ch in phrase):
        return "number"
    return "name" if any(w[:1].isupper() for w in phrase.split()) else "words"


def _subject_before(text: str, at: int) -> bool:
    """Whether a name at ``at`` follows an auxiliary verb ("do the Taliban", "is Lena Park"): the subject."""
    before = text[:at].split()
    if before and before[-1].lower() == "the":
        before = before[:-1]
    return bool(before) and before[-1].lower() in _AUXILIARIES


def _with_context(question: str, turn: _Resolved) -> str:
    context = turn.question.strip() + (f" {turn.answer.strip()}" if turn.answer else "")
    if len(context) > _MAX_CONTEXT_CHARS:  # long chains of follow-ups keep their most recent context
        context = context[:_MAX_CONTEXT_CHARS].rsplit(" ", 1)[0] + " ..."
    return f"{question} ({context})"


def _as_pronoun(pronoun: str, referent: str) -> str:
    """``referent`` in the pronoun's place: "his" -> "Colin Clarke's", "it" -> "the video"."""
    if pronoun.lower() in _POSSESSIVE:
        return f"{referent}'" if referent.endswith("s") else f"{referent}'s"
    return referent


def _rewrite(question: str, turns: Sequence[_Resolved]) -> _Resolved:
    """``question`` made standalone against the resolved earlier turns."""
    text = question.strip()
    if not turns or not is_followup(text):
        return _Resolved(text, None, own=text)
    previous = turns[-1]
    # "And at its lowest?", "What about Regina?": the last question of its own ("Who said that?" is not
    # one), again, with the fragment in it
    frame = next((t.question for t in reversed(turns) if t.question == t.own and len(t.own.split()) >= 3), None)
    person, thing = _person(turns), _thing(turns)
    framed = None
    if frame and _FRAGMENT.match(text):
        # "And in her first year?": the fragment's person is resolved; its "its" shares the frame's referent
        fragment = _PERSON_PRONOUN.sub(lambda m: _as_pronoun(m.group(0), person), text) if person else text
        framed = fill_frame(fragment, frame)
    if framed:
        text = framed
    elif text.lower().startswith(("what about ", "how about ")):
        return _Resolved(_with_context(text, previous), None, own=text)
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
        return _as_pronoun(word, referent)

    if not framed:  # a frame's pronouns were resolved with it, and the fragment's share its referent
        text = _PRONOUN.sub(substitute, text)
    if "thing" not in used and thing is not None and not framed:
        text, count = _DEMONSTRATIVE.subn(thing, text, count=1)
        if count:
            used["thing"] = thing
    # "And in 2020?", "And at its lowest?": a fragment that needs the previous question's frame
    elliptical = text.lower().startswith("and ") and (not used or len(text.split()) <= 4)
    if text.lower().startswith("and "):
        text = text[4:]
    text = own = text[:1].upper() + text[1:]
    if not framed and (elliptical or statement_at is not None or not (used or quoted)):
        text = _with_context(text, previous)
    return _Resolved(text, None, person=used.get("person"), thing=used.get("thing"), own=own)


def rewrite_followup(question: str, history: Sequence[Turn] | None) -> str:
    """A standalone version of ``question`` given earlier turns (oldest first); unchanged if not a follow-up."""
    if not history or not is_followup(question):
        return question
    return _resolve(question, history).question


class FollowupRewriter(Protocol):
    """Makes a question standalone given the earlier (question, answer text) turns, oldest first."""

    def rewrite(self, question: str, history: Sequence[Turn] | None) -> str: ...


class RuleRewriter:
    """The rules of this module (:func:`rewrite_followup`)."""

    def rewrite(self, question: str, history: Sequence[Turn] | None) -> str:
        return rewrite_followup(question, history)


class NoRewriter:
    """For programs that pass standalone questions: every question is read as it was asked."""

    def rewrite(self, question: str, history: Sequence[Turn] | None) -> str:
        return question


def followup_rewriter(mode: str) -> FollowupRewriter:
    """The rewriter the ``followups`` setting names."""
    rewriters = {"rules": RuleRewriter, "off": NoRewriter}
    if mode not in rewriters:
        raise ValueError(f"followups must be one of {tuple(rewriters)}, not {mode!r}")
    return rewriters[mode]()


def _resolve(question: str, history: Sequence[Turn]) -> _Resolved:
    turns: list[_Resolved] = []
    for earlier, answer in history:
        # A byline answer may run over lines ("Mark Gollom\n\nSenior Writer"): its first line names it.
        answer = answer.strip().splitlines()[0].strip() if answer and answer.strip() else None
        turns.append(replace(_rewrite(earlier, turns), answer=answer))
    return _rewrite(question, turns)
