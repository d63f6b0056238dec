"""Stage 5: measure the pipeline on the evaluation question set (``qa eval``)."""
