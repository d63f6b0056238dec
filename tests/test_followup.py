"""Follow-up rewriting, a pure function of the question and the earlier turns."""

import pytest

from qa.followup import fill_frame, is_followup, main_entity, rewrite_followup


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


def test_fragments_take_the_place_of_a_phrase_in_the_previous_question():
    history = [("How many passengers did the ferry line carry at its peak?", "9.1 million")]
    assert rewrite_followup("And at its lowest?", history) == \
        "How many passengers did the ferry line carry at its lowest?"
    assert rewrite_followup("And in 2019?", [("How many attacks did the group carry out?", "77")]) == \
        "How many attacks did the group carry out in 2019?"
    assert rewrite_followup("And according to the union?",
                            [("How many jobs will go, according to the council?", "40")]) == \
        "How many jobs will go, according to the union?"
    # a name, or a short "the ..." phrase, takes the subject's place
    assert rewrite_followup("And the Soufan Center?", [("Where is the Counter Extremism Project based?", "New York")]) \
        == "Where is the Soufan Center based?"
    assert rewrite_followup("And the national group?", [("What fee will the Tidewater Student Federation charge?",
                                                         "$4")]) == "What fee will the national group charge?"
    # A fragment that no part of the question can take borrows the whole turn, as does a bare "When?".
    assert rewrite_followup("And the union's figure?", history).startswith("The union's figure? (How many passengers")
    assert rewrite_followup("When?", history).startswith("When? (How many passengers")


def test_a_fragment_after_who_said_that_reuses_the_last_question_of_its_own():
    history = [("What share of media revenue do cycling teams receive?", "between 5 and 8 per cent"),
               ("Who estimated that?", "Hanne Verstraete")]
    assert rewrite_followup("And in most football leagues?", history) == \
        "What share of media revenue do cycling teams receive in most football leagues?"


def test_fill_frame_refuses_questions_of_their_own():
    assert fill_frame("And how many people died?", "Where was the prison?") is None
    assert fill_frame("And the players' union's view?", "What does the federation want?") is None
    assert fill_frame("And in 2020?", "When?") == "When in 2020?"  # the caller asks for a longer frame


def test_it_takes_the_thing_an_unnamed_question_was_about():
    assert rewrite_followup("How long is it?", [("What is the title of the video in the article?", None)]) == \
        "How long is the video?"
    assert rewrite_followup("When was it taken?", [("Who took the photo of the fans' banner?", "Sunita Rahman")]) \
        == "When was the photo of the fans' banner taken?"


def test_who_answered_with_an_organisation_makes_it_the_thing():
    history = [("Who is organising the rent strike?", "the Ridgeback Tenants' Union")]
    assert rewrite_followup("When did that group get started?", history) == \
        "When did the Ridgeback Tenants' Union get started?"
    assert rewrite_followup("Where is she based?", history).startswith("Where is she based? (")


def test_source_questions_and_multi_line_answers():
    assert is_followup("According to whom?") and is_followup("Says who?") and is_followup("Who said so?")
    history = [("Who wrote this article?", "Mark Gollom\n\nSenior Writer")]
    assert rewrite_followup("Where is he based?", history) == "Where is Mark Gollom based?"
    assert rewrite_followup("What's it called?", [("How long is the rowing video?", "2:47")]) == \
        "What's the rowing video called?"
    long_history = [("Why was the ferry " + "very " * 200 + "late?", None)]
    assert len(rewrite_followup("Who said that?", long_history)) < 400


def test_a_long_pasted_question_is_rewritten_at_once():
    # the phrase pattern once tried every way of splitting a long word (hours for 400 letters)
    long_question = "What is the state-of-the-" + "x" * 2000 + "!"
    assert rewrite_followup("How long is it?", [(long_question, None)]).startswith("How long is it?")
    assert fill_frame("And the " + "y" * 2000 + "?", long_question + "?") is None


def test_fragments_replace_only_a_phrase_of_their_own_kind():
    kill = [("How many people did the attack kill in Kabul?", "39")]
    assert rewrite_followup("And in 2019?", kill) == "How many people did the attack kill in Kabul in 2019?"
    jobs = [("How many jobs will go in Saskatoon, according to the council?", "40")]
    assert rewrite_followup("What about Regina?", jobs) == "How many jobs will go in Regina, according to the council?"
    assert rewrite_followup("And in March?", [("How many jobs went in February, according to the council?", "40")]) \
        == "How many jobs went in March, according to the council?"
    assert rewrite_followup("And the Gardaí?", [("How big was the crowd according to organisers?", "7,000")]) == \
        "How big was the crowd according to the Gardaí?"


def test_a_fragment_resolves_its_own_person_and_odd_fragments_are_left_alone():
    history = [("Who leads the party?", "Lena Park"), ("How many seats did the party win?", "5")]
    assert rewrite_followup("And in her first year?", history) == \
        "How many seats did the party win in Lena Park's first year?"
    assert fill_frame("And ?", "Where is the office based?") is None
    assert fill_frame("And I?", "Where is the office based?") is None


def test_what_is_questions_do_not_make_their_answer_a_thing_and_compass_names_are_people():
    assert rewrite_followup("When was it founded?", [("What is the group's motto?", "Unity First")]) != \
        "When was Unity First founded?"
    assert rewrite_followup("Where was he born?", [("Who founded the label?", "Kanye West")]) == \
        "Where was Kanye West born?"
    assert rewrite_followup("Who runs it?", [("How many passengers did the ferry line carry?", "9.1 million")]) == \
        "Who runs the ferry line?"


def test_the_rewriter_is_a_component_the_settings_choose():
    from qa.config import FOLLOWUP_MODES, Settings
    from qa.followup import NoRewriter, RuleRewriter, followup_rewriter

    history = [("Who is Colin Clarke?", None)]
    assert isinstance(followup_rewriter(Settings().followups), RuleRewriter)
    assert followup_rewriter("rules").rewrite("Where is his organisation based?", history) == \
        "Where is Colin Clarke's organisation based?"
    assert isinstance(followup_rewriter("off"), NoRewriter)
    assert followup_rewriter("off").rewrite("Where is his organisation based?", history) == \
        "Where is his organisation based?"
    assert all(followup_rewriter(mode) for mode in FOLLOWUP_MODES)
    with pytest.raises(ValueError, match="followups must be one of"):
        followup_rewriter("llm")
