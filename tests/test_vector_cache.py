"""The per-chunk vector cache: keys, persistence, damage, and only misses embedded."""

from __future__ import annotations

import numpy as np

from qa.corpus.chunking import Chunk
from qa.retriever.vector_cache import VECTORS_FILE, EmbeddingCache, content_key


def _chunk(text: str, section: str | None = None, doc: str = "d") -> Chunk:
    return Chunk(id=f"{doc}#p1", doc_id=doc, doc_title=doc, paragraph=1, section=section, kind="body",
                 start=0, end=len(text), text=text)


class CountingEmbed:
    """A stand-in embedding function for this pure-logic test: one distinct vector per text, calls counted."""

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def __call__(self, chunks):
        self.embedded += [c.text for c in chunks]
        return np.array([[len(c.text), sum(map(ord, c.text)) % 97, 1.0] for c in chunks], dtype=np.float32)


def test_content_key_depends_on_text_and_heading_only():
    assert content_key(_chunk("A b.")) == content_key(_chunk("A b.", doc="other"))
    assert content_key(_chunk("A b.")) != content_key(_chunk("A b.", section="Heading"))
    assert content_key(_chunk("A b.")) != content_key(_chunk("A c."))


def test_only_misses_are_embedded_and_the_cache_persists(tmp_path):
    embed = CountingEmbed()
    chunks = [_chunk("one"), _chunk("two"), _chunk("one", doc="copy")]
    first = EmbeddingCache(tmp_path, "recipe-1").embed(chunks, embed)
    assert embed.embedded == ["one", "two"]  # the duplicate content is embedded once
    np.testing.assert_array_equal(first[0], first[2])

    cache = EmbeddingCache(tmp_path, "recipe-1")  # a new process: read from disk
    again = cache.embed(chunks + [_chunk("three")], embed)
    assert embed.embedded == ["one", "two", "three"] and cache.last_embedded == 1
    np.testing.assert_array_equal(again[:3], first)

    other = EmbeddingCache(tmp_path, "recipe-2")  # another model or heading weight never shares vectors
    other.embed(chunks[:1], embed)
    assert other.last_embedded == 1


def test_keep_only_forgets_removed_chunks(tmp_path):
    embed = CountingEmbed()
    cache = EmbeddingCache(tmp_path, "r")
    cache.embed([_chunk("one"), _chunk("two")], embed)
    cache.embed([_chunk("two")], embed, keep_only=True)
    assert len(EmbeddingCache(tmp_path, "r")) == 1


def test_a_damaged_cache_is_reported_and_embedded_again(tmp_path):
    embed = CountingEmbed()
    cache = EmbeddingCache(tmp_path, "r")
    cache.embed([_chunk("one"), _chunk("two")], embed)
    path = cache.directory / VECTORS_FILE
    path.write_bytes(path.read_bytes()[:40])
    messages = []
    fresh = EmbeddingCache(tmp_path, "r", log=messages.append)
    fresh.embed([_chunk("one")], embed)
    assert fresh.last_embedded == 1 and "damaged" in messages[0]
