"""Stage 3 — evidence: what each data file is, which tools answer the question, and every
number an answer may cite.

Takes in: the route's topics, the founder's data files, the context and its alerts.
Gives out: a `ToolPlan`, one `ToolRun` per file, and `Evidence` items (id, value, unit,
source, kind) that drafting cites and verification checks against.
"""
