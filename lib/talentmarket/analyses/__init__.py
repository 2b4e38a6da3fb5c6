"""The four analyses, one sub-package each (demand, premium, convergence, migration): estimators, judges
(claims → verdicts) and figures.

Imports data, stats, scale and results; an analysis never imports another.
"""
