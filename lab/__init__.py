"""The lab: how the product's reader was trained and how the product is measured beyond ``qa eval``.

Training (:mod:`lab.training`, :mod:`lab.config`), training data (:mod:`lab.data`,
:mod:`lab.adversarial`), reader evaluation with gold contexts and calibration
(:mod:`lab.reader_eval`), benchmarks (:mod:`lab.bench`, :mod:`lab.compare`, :mod:`lab.load`) and
one-off experiments (``lab/experiments/``). The lab imports the ``qa`` package; the package never
imports the lab (tests/test_structure.py). Its commands join ``qa`` through :mod:`lab.commands`.
"""
