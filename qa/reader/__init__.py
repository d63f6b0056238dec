"""Stage 3: an extractive reader that finds answer spans in passages, and the tools to train it."""
