"""The question as the reader reads it: without a leading phrase that says which document to look in.

Questions over a library name their document: "According to OMB's March 9, 2016 memorandum on
Acquisition Innovation Labs, by what date should each agency identify its advocate?" Retrieval needs
those words (keyword search sees each chunk's document title); the reader does not, since a chunk
does not hold its document's title, and a reader trained on short questions scores the right span
low once a question opens with words the passage does not answer to. So the reader reads "by what
date should each agency identify its advocate?". Only a lead that names a document ("memorandum",
"paper", "Table 1", "footnote 3", a case "X v. Y") is dropped: "In 1998, who won?" keeps its year.
"""

from __future__ import annotations

import re

#: Words that make a leading phrase a pointer into a library: a kind of document or a part of one.
_DOCUMENT_WORDS = (r"paper|report|guide|guidance|memo|memorandum|instructions|summary|slides?|deck|listing|"
                   r"table|figure|caption|footnote|section|appendix|example|document|opinion|round-?up|"
                   r"handbook|manual|notice|transcript|letter|minutes|contract|"
                   r"agreement|specification|data ?sheet|article|chapter|form \d|bulletin|ledger|"
                   r"catalog(?:ue)?|v\.")
_LEAD = re.compile(
    r"^(?:according to|in|under|among|from|per|within|for|on)\s+(?!(?:what|which|who|where|when|how)\b)"
    r"(?P<lead>[^?]{3,200}?),\s+"
    r"(?P<rest>(?:what|which|who|whom|whose|how|when|where|why|is|are|was|were|do|does|did|can|could|should|"
    r"will|would|by|to|in|on|for|at|from|under|with)\b.*)$", re.IGNORECASE | re.DOTALL)
_NAMES_A_DOCUMENT = re.compile(rf"\b(?:{_DOCUMENT_WORDS})(?:\W|$)", re.IGNORECASE)


def without_document_lead(question: str) -> str:
    """``question`` without a leading "According to the X," / "In the X," that names a document, if it
    has one and a question follows it; otherwise ``question`` as it is."""
    match = _LEAD.match(question.strip())
    if match is None or not _NAMES_A_DOCUMENT.search(match["lead"]):
        return question
    rest = match["rest"]
    return rest[:1].upper() + rest[1:]
