"""Validation: stylized facts of the model against real data that ships in packages.

``stylized_facts(frames)`` measures the finance facts of the equity price (Cont 2001) and the
quarterly macro facts (Stock & Watson 1999; Fagiolo et al. 2019) on one or several runs'
indicator frames and compares each with the NASDAQ Composite (``arch.data.nasdaq``) or US
quarterly data (``statsmodels.datasets.macrodata``)::

    from arena import run_batch
    from arena.validation import stylized_facts
    frame = run_batch("baseline", seeds=range(1, 6), ticks=2500, grid={"n_agents": [5000]})
    table = stylized_facts(frame, burn_in=250)

Modules: :mod:`~arena.validation.stats` (the statistics), :mod:`~arena.validation.finance`
and :mod:`~arena.validation.macro` (the statistics of a return series / quarterly series),
:mod:`~arena.validation.facts` (what is measured, sources, range rules),
:mod:`~arena.validation.reference` (the real data), :mod:`~arena.validation.table` (the
table), :mod:`~arena.validation.plots` (figures), :mod:`~arena.validation.report` (Markdown).
"""

from arena.validation.facts import FACTS, FINANCE, MACRO, Fact
from arena.validation.table import TABLE_COLUMNS, finance_facts, macro_facts, split_runs, stylized_facts

__all__ = ["FACTS", "FINANCE", "MACRO", "Fact", "TABLE_COLUMNS", "finance_facts", "macro_facts", "split_runs",
           "stylized_facts"]
