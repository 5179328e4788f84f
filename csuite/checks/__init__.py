"""Stage 5 — checks that code, not a model, runs on every draft.

Takes in: a draft `Answer`, the evidence pool and the context.
Gives out: the same answer with tags set by `verify` (every number traced to evidence), the
`critic` screen for high-stakes calls, the `protocol` rules for one role invoking another, and
`synthesis` of two role views into one answer.
"""
