"""The adversarial-question generator: rule-made edits that the paragraph cannot answer."""

import random

from lab.adversarial import adversarial_negatives, apply_edit, candidate_edits
from qa.text import key_terms, term_absent
from qa.evaluation.qa_data import QAExample

CONTEXT = ("The Skellig lighthouse was built in 1826 by the Ballast Board. In 1967 it was automated, and "
           "Brigid Walsh became its first keeper in March. The tower is 12 metres tall and stands on the "
           "western rock, the largest of the two.")
ROWS = [
    QAExample("t:1", "When was the Skellig lighthouse built?", CONTEXT, ("1826",), (CONTEXT.index("1826"),), "t"),
    QAExample("t:2", "Who became the first keeper of the Skellig lighthouse?", CONTEXT, ("Brigid Walsh",),
              (CONTEXT.index("Brigid Walsh"),), "t"),
    QAExample("t:3", "What happened to the lighthouse in 1967?", CONTEXT, ("automated",),
              (CONTEXT.index("automated"),), "t"),
    QAExample("t:4", "How tall is the tower built by the Ballast Board?", CONTEXT, ("12 metres",),
              (CONTEXT.index("12 metres"),), "t"),
    QAExample("t:5", "Which rock is the largest?", CONTEXT, ("the western rock",),
              (CONTEXT.index("the western rock"),), "t"),
    QAExample("u:1", "Who painted the Fastnet Rock for Harland Wolff?", "Another paragraph.", ("x",), (0,), "t"),
    QAExample("t:6", "What is the lighthouse's colour?", CONTEXT, (), (), "t"),
]


def test_every_edit_swaps_in_a_term_the_paragraph_lacks():
    rng = random.Random(0)
    names = ["Fastnet Rock", "Harland Wolff", "Ballast Board", "Dublin"]
    seen_kinds = set()
    for row in ROWS[:5]:
        for edit in candidate_edits(row.question, row.context, names, rng):
            seen_kinds.add(edit.kind)
            assert term_absent(edit.new, row.context), edit
            assert not term_absent(row.question[edit.start:edit.end], row.context), edit
            assert apply_edit(row.question, edit) != row.question
    assert {"year", "name", "antonym"} <= seen_kinds


def test_generated_rows_are_unanswerable_and_leave_the_originals_untouched():
    before = [(r.answers, r.answer_starts, r.context) for r in ROWS]
    negatives = adversarial_negatives(ROWS, seed=3)
    assert [(r.answers, r.answer_starts, r.context) for r in ROWS] == before
    assert negatives, "the rules found nothing to edit"
    originals = {r.id: r for r in ROWS}
    for neg in negatives:
        original = originals[neg.id.rsplit("-adv", 1)[0]]
        assert original.is_answerable and not neg.is_answerable
        assert neg.context == original.context and neg.question != original.question
        assert neg.source == "adv_t" and neg.meta["edit"]
        # The new key term is nowhere in the paragraph.
        new_terms = [t for t in key_terms(neg.question) if t not in key_terms(original.question)]
        assert all(term_absent(t, neg.context) for t in new_terms)


def test_key_terms_skip_the_capitalised_first_word():
    assert key_terms("Who bought the Kemsley group from Lord Thomson in March 1959 for 2,000 pounds?") == [
        "Kemsley", "Lord Thomson", "1959", "2,000", "March"]
    assert key_terms("About how thick is the product?") == []
