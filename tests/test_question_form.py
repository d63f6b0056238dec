"""The question the reader reads: a leading phrase that names a document is dropped (pure logic)."""

from __future__ import annotations

import pytest

from qa.reader.question import without_document_lead


@pytest.mark.parametrize("asked,read", [
    ("According to OMB's March 9, 2016 memorandum on Acquisition Innovation Labs, by what date should each "
     "agency identify its advocate?", "By what date should each agency identify its advocate?"),
    ("In Table 1 of the LongEval paper, what is the average source document length?",
     "What is the average source document length?"),
    ("In Tarrant Regional Water District v. Herrmann, how many acre feet did Tarrant seek?",
     "How many acre feet did Tarrant seek?"),
    ("According to footnote 3 of the Copyright Office's DMCA summary, which other act adds a section 512?",
     "Which other act adds a section 512?"),
])
def test_a_lead_that_names_a_document_is_dropped(asked, read):
    assert without_document_lead(asked) == read


@pytest.mark.parametrize("asked", [
    "In 1998, who won the cup?",                      # a time, not a document
    "According to LongEval, what correlation do faithfulness scores reach?",  # no word for a document
    "According to the policy analyst, what is sending people to hospital?",   # a person
    "In what year did the war end?",                  # no lead at all
    "From where was the historical figure Attar, whose murder was long remembered?",
    "According to the report, the sky is blue?",      # no question follows the lead
    "Which Justice delivered the opinion of the Court?",
])
def test_other_questions_are_read_as_asked(asked):
    assert without_document_lead(asked) == asked


def test_the_pipeline_reads_without_the_lead_unless_told_not_to(tmp_path):
    from qa.pipeline import Pipeline

    asked = "In the 2007 Instructions for Form 1040NR, in which city is the service center?"
    settings = dict(corpus=(str(tmp_path),), index_dir=str(tmp_path / "index"))
    assert Pipeline(**settings)._reading_question(asked) == "In which city is the service center?"
    assert Pipeline(**settings, drop_document_leads=False)._reading_question(asked) == asked
