"""Follow-up rewriting, a pure function of the question and the earlier turns."""

from qa.followup import is_followup, main_entity, rewrite_followup


def test_pronouns_are_replaced_by_the_previous_entity():
    history = [("Who is Colin Clarke?", "a senior research fellow at the Soufan Center")]
    assert rewrite_followup("Where is his organisation based?", history) == "Where is Colin Clarke's organisation based?"
    assert rewrite_followup("When did it begin operations?", [("What is ISIS-K?", None)]) == \
        "When did ISIS-K begin operations?"


def test_elliptical_followups_borrow_the_previous_turn():
    rewritten = rewrite_followup("Who said that?", [("How many members does ISIS-K have?", "2,000")])
    assert rewritten.startswith("Who said that?") and "ISIS-K" in rewritten and "2,000" in rewritten


def test_standalone_questions_are_left_alone():
    history = [("Who is Colin Clarke?", None)]
    assert rewrite_followup("What is ISIS-K?", history) == "What is ISIS-K?"
    assert rewrite_followup("Where is his organisation based?", None) == "Where is his organisation based?"
    assert not is_followup("How big is ISIS-K?")
    assert is_followup("And in 2020?")


def test_main_entity_skips_question_words():
    assert main_entity("Who is Colin Clarke?") == "Colin Clarke"
    assert main_entity("What does the Counter Extremism Project do?") == "Counter Extremism Project"
    assert main_entity("how big is it?") is None
