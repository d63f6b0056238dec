"""Stage 1: documents in, paragraph chunks with exact offsets out."""

from qa.corpus.chunking import Chunk, chunk_corpus, chunk_document
from qa.corpus.documents import (Block, CorpusLoad, Document, load_corpus, load_document, parse_document,
                                 read_corpus)

__all__ = ["Block", "Chunk", "CorpusLoad", "Document", "chunk_corpus", "chunk_document", "load_corpus",
           "load_document", "parse_document", "read_corpus"]
