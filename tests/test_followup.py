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


# Conversations about made-up news, so that the rules are not fitted to the article.
def test_he_and_she_take_the_person_a_who_question_was_answered_with():
    history = [("Who opened the new bridge in Halden?", "Mayor Ingrid Solberg")]
    assert rewrite_followup("When did she open it?", history).startswith("When did Mayor Ingrid Solberg open")
    history = [("Who is Tomas Reyes?", "a hydrologist at the Delta Water Institute")]
    assert rewrite_followup("Where does he work?", history) == "Where does Tomas Reyes work?"


def test_a_person_pronoun_skips_places_and_organisations():
    history = [("What did Amara Okafor tell the Lagos State Assembly in March?", "that the budget was late")]
    assert rewrite_followup("Why did she say the budget was late?", history).startswith(
        "Why did Amara Okafor say")


def test_say_it_after_who_said_quotes_the_statement():
    history = [("Who said the ferry fares will rise in April?", "Premier Dana Holt")]
    assert rewrite_followup("When did he say it?", history) == \
        "When did Premier Dana Holt say the ferry fares will rise in April?"
    # With no statement to quote, "it" stays and the previous turn comes along as context.
    rewritten = rewrite_followup("When did the council say it?", [("Who reported that?", "the council")])
    assert rewritten.startswith("When did the council say it? (") and "Who reported that?" in rewritten


def test_it_takes_the_answer_of_a_which_question_and_keeps_it():
    history = [("Which agency inspects the dams?", "Northern Dam Safety Board"),
               ("Where is it based?", "Tromsø")]
    assert rewrite_followup("Where is it based?", history[:1]) == "Where is Northern Dam Safety Board based?"
    assert rewrite_followup("When was it founded?", history) == "When was Northern Dam Safety Board founded?"


def test_it_skips_people_and_places_and_finds_an_owned_organisation():
    assert rewrite_followup("How many members does it have?",
                            [("When did Greenway Alliance open an office in Oslo?", "2019")]) == \
        "How many members does Greenway Alliance have?"
    assert rewrite_followup("What does it publish?", [("Where is Lena Park's organisation based?", "Seoul")]) == \
        "What does Lena Park's organisation publish?"


def test_chains_of_followups_keep_their_subject():
    history = [("In which year did Port Vell Shipping go bankrupt?", "2012"), ("When?", None)]
    assert rewrite_followup("Who bought its ships?", history) == "Who bought Port Vell Shipping's ships?"


def test_fragments_borrow_the_previous_question():
    history = [("How many passengers did the ferry line carry at its peak?", "9.1 million")]
    rewritten = rewrite_followup("And at its lowest?", history)
    assert rewritten.startswith("At ") and "(How many passengers did the ferry line carry at its peak?" in rewritten
    assert rewrite_followup("When?", history).startswith("When? (How many passengers")
    long_history = [("Why was the ferry " + "very " * 200 + "late?", None)]
    assert len(rewrite_followup("Who said that?", long_history)) < 400
