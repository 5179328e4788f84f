"""Stage 4 — analysis: the verdict on the decision the founder asked, computed by code.

Takes in: the question as understood (decision id and parameters), the decision's catalogue
entry, the context, alerts, tool runs and the evidence pool.
Gives out: the tool options the question sets (before the tools run) and a `Brief` (after):
the verdict key, the figures it rests on as evidence ids, contrary evidence, derived numbers
(gap, call, pipeline needed) and which data would settle it. Both backends draft from it.
"""
