"""Stage 2 — who answers: the CRO, the CCO, both, or a referral outside revenue and customers.

Takes in: the question text (English or Chinese).
Gives out: a `Route` (primary role, consulted roles, in-scope flag, referral, per-role topics,
scores). `text` tokenises, `index` builds the keyword and example index, `model` is the small
learned arbiter, `router` decides; `train` and `evaluate` are offline tooling.
"""
