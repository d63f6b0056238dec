"""Experiment (issue 18, not part of the product): trim each retrieved passage to the sentences that share
a content word with the question, and one sentence either side; compare answers and reader time with
reading whole passages, on the article's questions and 60 dev-split Wikipedia questions.

    .venv/bin/python lab/experiments/passage_trimming.py
"""
import statistics, sys, time, tempfile
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the lab, beside the package
from qa.config import offline_environment
offline_environment()
import qa
from qa.corpus.chunking import sentence_spans
from lab.compare import dev_split
from qa.evaluation.open_corpus import write_open_corpus
from qa.evaluation.run import load_questions
from qa.metrics import f1_score
from qa.pipeline import reading_context
from qa.reader.verifier import content_words

def trimmed(question, text):
    words = set(content_words(question))
    spans = sentence_spans(text)
    hit = [i for i, (s, e) in enumerate(spans) if words & set(content_words(text[s:e]))]
    if not hit or len(spans) <= 2:
        return text
    keep = sorted({j for i in hit for j in (i - 1, i, i + 1) if 0 <= j < len(spans)})
    return " ".join(text[spans[j][0]:spans[j][1]] for j in keep)

def run(pipeline, index, items, label):
    r = pipeline.reader
    full_t, trim_t, f_full, f_trim, same, chars = [], [], [], [], 0, [0, 0]
    from dataclasses import replace
    from qa.reader.reading import ReadingOptions
    options = replace(ReadingOptions.from_settings(pipeline.settings), early_stop=None)  # every passage read
    def best(question, ctxs):
        reading = r.read(question, ctxs, options)
        c = reading.best
        return ctxs[c.context][c.start:c.end] if reading.answered else None
    for q, golds in items:
        ps = pipeline.retriever.retrieve(q, index, 5)
        ctx = [reading_context(p.chunk, True)[0] for p in ps]
        tctx = [trimmed(q, c) for c in ctx]
        chars[0] += sum(map(len, ctx)); chars[1] += sum(map(len, tctx))
        t = time.perf_counter(); a = best(q, ctx); full_t.append(time.perf_counter() - t)
        t = time.perf_counter(); b = best(q, tctx); trim_t.append(time.perf_counter() - t)
        same += a == b
        f_full.append(f1_score(a, list(golds)) if golds else float(a is None))
        f_trim.append(f1_score(b, list(golds)) if golds else float(b is None))
    n = len(items)
    print(f"{label}: {n} questions; chars kept {chars[1]/chars[0]:.2f}; same answer {same}/{n}; "
          f"F1 full {100*sum(f_full)/n:.2f} trimmed {100*sum(f_trim)/n:.2f}; reader p50 ms full "
          f"{1000*statistics.median(full_t):.1f} trimmed {1000*statistics.median(trim_t):.1f}")

p = qa.Pipeline(); p.warm_up()
art = [(q.standalone or q.question, q.answers) for q in load_questions()]
run(p, p.search_index(), art, "article")
with tempfile.TemporaryDirectory() as tmp:
    ex = dev_split(limit=60, source="new_wiki")
    qs = write_open_corpus(ex, Path(tmp) / "c")
    w = qa.Pipeline(p.settings.replace(corpus=(str(Path(tmp) / "c"),), index_dir=str(Path(tmp) / "i")), embedder=p.embedder, reader=p.reader)
    run(w, w.search_index(log=lambda m: None), [(q.question, q.answers) for q in qs], "wiki")
