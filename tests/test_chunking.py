"""The chunker on the real article, and the loaders on .md and .html documents."""

from __future__ import annotations

import pytest

from qa.corpus import chunk_corpus, chunk_document, load_corpus, load_document, parse_document
from qa.corpus.chunking import normalize_space, sentence_spans
from qa.errors import CorpusError
from tests.conftest import ARTICLE

HEADINGS = [
    "When did ISIS-K begin operations in Afghanistan?",
    "What's ISIS-K's connection to the central leadership?",
    "What's the goal of ISIS-K?",
    "How big is its membership?",
    "How active has ISIS-K been in Afghanistan?",
    "What is the group's relationship with the Taliban?",
    "What current threat does ISIS-K pose?",
]


@pytest.fixture(scope="module")
def article():
    return load_document(ARTICLE)


@pytest.fixture(scope="module")
def chunks(article):
    return chunk_document(article)


def test_title_is_metadata_not_a_chunk(article, chunks):
    assert article.title.startswith("Why ISIS-K poses a significant security threat")
    assert not any(c.text.startswith("Why ISIS-K poses") for c in chunks)
    assert not any("CBC Explains" == normalize_space(c.text) for c in chunks)


def test_offsets_are_exact_for_every_chunk(article, chunks):
    assert len(chunks) > 30
    for c in chunks:
        assert article.text[c.start : c.end] == c.text
        assert c.text == c.text.strip()


def test_headings_are_attached_and_never_chunks(chunks):
    texts = {normalize_space(c.text) for c in chunks}
    for heading in HEADINGS:
        assert heading not in texts
    sections = {c.section for c in chunks}
    assert set(HEADINGS) <= sections
    membership = next(c for c in chunks if "at least 2,000 fighters" in c.text)
    assert membership.section == "How big is its membership?"
    assert membership.search_text.startswith("How big is its membership?")


def test_captions_video_and_end_matter_are_marked(chunks):
    captions = [c for c in chunks if c.kind == "caption"]
    assert len(captions) == 3
    assert all(c.text.rstrip().endswith(")") for c in captions)
    video = [c for c in chunks if c.kind == "video"]
    assert len(video) == 1 and "Duration 2:29" in video[0].text
    # The video's title is a question but not a section heading.
    assert "Will the Taliban allow terror groups to grow in Afghanistan?" not in {c.section for c in chunks}
    kinds = {c.kind: c for c in chunks}
    assert kinds["bio"].text.startswith("Mark Gollom is a Toronto-based reporter")
    assert kinds["bio"].section is None
    assert kinds["credit"].text.startswith("With files from")


def test_paragraphs_are_numbered_as_a_reader_counts(chunks):
    numbers = [c.paragraph for c in chunks]
    assert numbers == sorted(numbers) and numbers[0] == 1
    assert len(set(numbers)) == numbers[-1]
    assert next(c for c in chunks if "at least 2,000 fighters" in c.text).paragraph == 18


def test_non_breaking_spaces_are_normalised_for_matching_only(article, chunks):
    assert article.text.count("\u00a0") == 74
    with_nbsp = [c for c in chunks if "\u00a0" in c.text]
    assert with_nbsp, "the original text keeps its non-breaking spaces"
    for c in with_nbsp:
        assert "\u00a0" not in c.search_text
        assert article.text[c.start : c.end] == c.text


def test_long_paragraphs_split_at_sentence_ends(article):
    small = chunk_document(article, max_chars=200)
    assert len(small) > len(chunk_document(article))
    for c in small:
        assert article.text[c.start : c.end] == c.text
    split = [c for c in small if "." in c.id.split("#p")[1] and c.kind == "body"]
    assert split
    for c in split:  # every piece ends where a sentence ends
        assert c.text[-1] in '.?!"\u201d)', c.text


def test_sentence_spans_know_abbreviations():
    text = "Following the withdrawal of U.S. forces on Aug. 31, it is likely. Kumar said so."
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["Following the withdrawal of U.S. forces on Aug. 31, it is likely.",
                                             "Kumar said so."]


def test_markdown_and_html_documents(tmp_path):
    md = parse_document("# Guide\n\n## Setup\n\nInstall it first.\n\nThen run it.\n", name="guide.md")
    md_chunks = chunk_document(md)
    assert md.title == "Guide"
    assert [c.section for c in md_chunks] == ["Setup", "Setup"]
    assert [md.text[c.start : c.end] for c in md_chunks] == ["Install it first.", "Then run it."]

    html = parse_document(
        "<html><head><title>Page</title><script>alert(1)</script></head><body><h2>Where</h2>"
        "<p>The office is in <b>Oslo</b> &amp; Bergen.</p><figure><figcaption>A photo (Jo/AP)</figcaption>"
        "</figure></body></html>",
        name="page.html",
    )
    html_chunks = chunk_document(html)
    assert html.title == "Page"
    assert "alert" not in html.text
    assert [(c.text, c.section, c.kind) for c in html_chunks] == [
        ("The office is in Oslo & Bergen.", "Where", "body"), ("A photo (Jo/AP)", "Where", "caption")]


def test_corpus_errors_are_clear(tmp_path):
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "missing")
    with pytest.raises(CorpusError, match="no .txt"):
        load_corpus(tmp_path)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00broken")
    with pytest.raises(CorpusError, match="not UTF-8"):
        load_corpus(bad)
    old_word = tmp_path / "doc.doc"
    old_word.write_text("x")
    with pytest.raises(CorpusError, match="unsupported"):
        load_document(old_word)
    unreadable = tmp_path / "secret.txt"
    unreadable.write_text("Some text here that is long enough to be a paragraph.")
    unreadable.chmod(0)
    try:
        import os

        if os.geteuid() != 0:  # root reads anything
            with pytest.raises(CorpusError, match="cannot read"):
                load_document(unreadable)
    finally:
        unreadable.chmod(0o644)


def test_corpus_folder_loads_every_document(tmp_path):
    (tmp_path / "a.txt").write_text("First document body, with a sentence.\n")
    (tmp_path / "b.md").write_text("# B\n\nSecond document body.\n")
    (tmp_path / "ignored.bin").write_bytes(b"\x00")
    docs = load_corpus(tmp_path)
    assert [d.id for d in docs] == ["a", "b"]
    assert len(chunk_corpus(docs)) == 2
