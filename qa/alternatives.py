"""Which candidate spans are alternatives: other answers, not pieces of the best one.

The reader's runner-up spans are mostly the best answer's neighbours ("at least" and "fighters"
around "2,000") or bare function words ("at", "."). An alternative must be a different candidate
answer:

- it holds a word that is not a function word (so not "at", "the", "." alone), and does not begin
  with punctuation that ends a sentence (". ISIS-K was accepted" is a cut, not an answer);
- it is not the same answer again: the best answer's text, or an alternative's already listed, or a
  part of one or the other, found in another place ("Clarke" after "Colin Clarke"; compared whole
  words, without case and spacing);
- it neither overlaps nor touches the best answer's span (only spaces or punctuation between them);
- it is not another piece of the best answer's own sentence, unless it names a different thing of
  the same kind: another number, date or name ("5,000" beside "2,000", "2014" beside "August 2020").

The pipeline applies the rule where it builds alternatives, so the CLI, the UI and the API list the
same ones. Pure functions over answers and chunks: no model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from qa.corpus.chunking import Chunk
from qa.types import Answer

#: Words that do not make an answer on their own.
FUNCTION_WORDS = frozenset("""
a about above across after against all almost also am among an and another any are around as at be
been before behind being below beneath beside besides between beyond both but by can could did do does
doing down during each either else even ever every few for from further had has have having he her
here hers herself him himself his how i if in including inside into is it its itself just least less
like many may me might more most much must my myself near neither no nor not now of off often on once
one's only onto or other others our ours ourselves out outside over own per rather same she should
since so some such than that the their theirs them themselves then there these they this those though
through throughout to too toward towards under unless until up upon us very via was we were what
whatever when where whether which while who whom whose why will with within without would yet you your
yours yourself said says say according
""".split())

_WORD = re.compile(r"[^\W_](?:[\w'\u2019.-]*[^\W_])?")
_MONTH = re.compile(r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
                    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Monday|Tuesday|Wednesday|"
                    r"Thursday|Friday|Saturday|Sunday)\b\.?")
_YEAR = re.compile(r"\b(?:1[5-9]\d\d|20\d\d)s?\b")
_NUMBER_WORDS = frozenset("""zero one two three four five six seven eight nine ten eleven twelve thirteen
fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
hundred hundreds thousand thousands million millions billion billions dozen dozens half""".split())
_GAP = re.compile(r"[\s\W_]*")
#: Openings of a cut span: punctuation that closes a clause or a sentence.
_CUT = re.compile(r"[.,;:!?\u2014\u2013-]")

#: Kinds of things an answer can name; "other" answers are never told apart by kind.
DATE, NUMBER, NAME, OTHER = "date", "number", "name", "other"


def content_words(text: str) -> list[str]:
    """The words of ``text`` that are not function words."""
    return [w for w in _WORD.findall(text) if w.lower() not in FUNCTION_WORDS]


def kind_of(text: str) -> str:
    """What ``text`` names: a date (a month, a weekday or a year), a number, a name (every content word
    capitalised, as "Colin Clarke" or "ISIS-K"), or something else."""
    if _MONTH.search(text) or _YEAR.search(text):
        return DATE
    words = content_words(text)
    if any(ch.isdigit() for ch in text) or any(w.lower() in _NUMBER_WORDS for w in words):
        return NUMBER
    if words and all(w[0].isupper() for w in words):
        return NAME
    return OTHER


def _gap(first: Answer, second: Answer, chunks: Mapping[str, Chunk]) -> str | None:
    """The text between two spans of one chunk, ``first`` ending before ``second`` starts; None when
    they are in different chunks (or the chunk is unknown)."""
    a, b = first.citation, second.citation
    chunk = chunks.get(a.chunk_id)
    if a.chunk_id != b.chunk_id or chunk is None:
        return None
    return chunk.text[a.end - chunk.start : b.start - chunk.start]


def overlaps_or_touches(one: Answer, other: Answer, chunks: Mapping[str, Chunk]) -> bool:
    """Whether two cited spans overlap, or meet with nothing but spaces or punctuation between them."""
    a, b = one.citation, other.citation
    if a.doc_id != b.doc_id:
        return False
    if a.start < b.end and b.start < a.end:
        return True
    first, second = (one, other) if a.end <= b.start else (other, one)
    gap = _gap(first, second, chunks)
    return gap is not None and _GAP.fullmatch(gap) is not None


def _words(text: str) -> str:
    return " ".join(w.lower() for w in _WORD.findall(text))


def same_answer(one: Answer, other: Answer) -> bool:
    """Whether two answers say the same thing: one's words are the other's, or a run of them."""
    a, b = _words(one.text), _words(other.text)
    short, long = sorted((a, b), key=len)
    return bool(short) and f" {short} " in f" {long} "


def in_sentence_of(best: Answer, other: Answer) -> bool:
    """Whether ``other`` lies inside the sentence(s) that ``best`` quotes."""
    a, b = best.citation, other.citation
    return a.chunk_id == b.chunk_id and a.quote_start <= b.start and b.end <= a.quote_end


def is_alternative(best: Answer, other: Answer, chunks: Mapping[str, Chunk]) -> bool:
    """The rule of this module: ``other`` is a different answer than ``best``, not a piece of it."""
    if other.text is None or other.citation is None or not content_words(other.text) or _CUT.match(other.text):
        return False
    if best.text is None or best.citation is None:
        return True
    if same_answer(best, other) or overlaps_or_touches(best, other, chunks):
        return False
    if in_sentence_of(best, other):
        kind = kind_of(best.text)
        return kind != OTHER and kind_of(other.text) == kind
    return True


def choose_alternatives(best: Answer, candidates: Iterable[Answer], limit: int,
                        chunks: Mapping[str, Chunk]) -> list[Answer]:
    """The first ``limit`` of ``candidates`` (best first) that are alternatives to ``best``, and that
    neither repeat, overlap nor touch an alternative already chosen. ``chunks`` maps chunk ids to the chunks the
    spans were read from (for what lies between two spans)."""
    chosen: list[Answer] = []
    if limit <= 0:
        return chosen
    for candidate in candidates:
        if is_alternative(best, candidate, chunks) and \
                not any(same_answer(c, candidate) or overlaps_or_touches(c, candidate, chunks) for c in chosen):
            chosen.append(candidate)
            if len(chosen) == limit:
                break
    return chosen
