"""Stage 2: chunks -> FAISS + BM25 indexes -> the passages most likely to answer a question."""
